import { randomUUID } from 'node:crypto';
import type { ResponseOf } from '@closecross/client';
import type { Command } from 'commander';
import type { Context } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { integer, oneOf, positiveNumber, type Run } from './shared.ts';

type Order = ResponseOf<'/trading/orders'>['orders'][number];

const orderColumns = [
  { header: 'id', value: (order: Order) => order.id },
  { header: 'symbol', value: (order: Order) => order.symbol },
  { header: 'side', value: (order: Order) => order.side },
  { header: 'qty', value: (order: Order) => order.quantity },
  { header: 'type', value: (order: Order) => (order.limit_price === null ? order.type : `${order.type} ${order.limit_price}`) },
  { header: 'state', value: (order: Order) => order.state },
  { header: 'filled', value: (order: Order) => order.filled_quantity },
  { header: 'avg price', value: (order: Order) => order.average_fill_price },
  { header: 'session', value: (order: Order) => order.session_date },
];

export function tradingCommands(program: Command, run: Run): void {
  const signals = program.command('signals').description('Signals of the strategies: list, approve, reject');
  signals
    .command('list')
    .description('Signals, newest bar first')
    .option('--status <status>', 'pending, approved, rejected, expired...')
    .option('--strategy-id <id>', 'one strategy', integer('--strategy-id', 1))
    .option('--limit <n>', 'at most', integer('--limit', 1), 50)
    .action(
      run(async (cx: Context, options: { status?: string; strategyId?: number; limit: number }) => {
        const answer = await cx.client().json<{ signals: Record<string, unknown>[] }>('GET', '/trading/signals', {
          query: { status: options.status, strategy_id: options.strategyId, limit: options.limit },
        });
        cx.emit(answer.signals, () =>
          cx.table(
            answer.signals,
            ['id', 'strategy_id', 'symbol', 'bar_date', 'side', 'price', 'status', 'expires_at', 'order_id'].map((field) => ({
              header: field,
              value: (row: Record<string, unknown>) => row[field],
            })),
          ),
        );
      }),
    );
  for (const decision of ['approve', 'reject'] as const) {
    signals
      .command(`${decision} <signal-id>`)
      .description(decision === 'approve' ? 'Approve a pending signal: its entry order is placed' : 'Reject a pending signal')
      .option('--note <text>', 'why (kept with the decision)')
      .action(
        run(async (cx: Context, signalId: string, options: { note?: string }) => {
          const client = cx.client();
          const id = integer('signal-id', 1)(signalId);
          const body = options.note ? { note: options.note } : {};
          if (decision === 'approve') {
            const approved = await client.unwrap(client.api.POST('/trading/signals/{id}/approve', { params: { path: { id } }, body }));
            cx.emit(approved, () => cx.line(`Approved signal ${id}: order ${approved.order_id ?? '(none)'}`));
          } else {
            const rejected = await client.unwrap(client.api.POST('/trading/signals/{id}/reject', { params: { path: { id } }, body }));
            cx.emit(rejected, () => cx.line(`Rejected signal ${id}`));
          }
        }),
      );
  }

  const orders = program.command('orders').description('Orders: place, list, show, cancel');
  orders
    .command('place')
    .description('Place a manual order (idempotent: the same --client-order-id answers the first order)')
    .requiredOption('--symbol <symbol>', 'e.g. AAPL, BTC-PERP')
    .requiredOption('--side <side>', 'buy or sell', oneOf('--side', ['buy', 'sell'] as const))
    .requiredOption('--quantity <n>', 'how many', positiveNumber('--quantity'))
    .option('--type <type>', 'market or limit', oneOf('--type', ['market', 'limit'] as const), 'market')
    .option('--limit-price <price>', 'for a limit order', positiveNumber('--limit-price'))
    .option('--time-in-force <tif>', 'day, gtc, opg, cls, ioc or fok', 'day')
    .option('--account <id>', 'the trading account', 'paper')
    .option('--strategy-id <id>', 'book it to a strategy', integer('--strategy-id', 1))
    .option('--client-order-id <id>', 'your id for it (default: a new UUID); sending it again never places a second order')
    .action(
      run(
        async (
          cx: Context,
          options: {
            symbol: string;
            side: 'buy' | 'sell';
            quantity: number;
            type: 'market' | 'limit';
            limitPrice?: number;
            timeInForce: string;
            account: string;
            strategyId?: number;
            clientOrderId?: string;
          },
        ) => {
          if (options.type === 'limit' && options.limitPrice === undefined) throw new CliError('--limit-price is needed for a limit order', exitCodes.usage);
          const body = {
            account_id: options.account,
            symbol: options.symbol,
            side: options.side,
            quantity: options.quantity,
            type: options.type,
            time_in_force: options.timeInForce,
            client_order_id: options.clientOrderId ?? randomUUID(),
            ...(options.limitPrice !== undefined ? { limit_price: options.limitPrice } : {}),
            ...(options.strategyId !== undefined ? { strategy_id: options.strategyId } : {}),
          };
          const order = await cx.client().json<Order>('POST', '/trading/orders', { body });
          cx.emit(order, () => {
            cx.line(
              `Order ${order.id}: ${order.side} ${order.quantity} ${order.symbol} ${order.type}, ${order.state}${order.reason ? ` (${order.reason})` : ''}`,
            );
            if (order.waiting_for) cx.note(`waiting for ${order.waiting_for}`);
          });
        },
      ),
    );
  orders
    .command('list')
    .description('Orders, newest first')
    .option('--state <state>', 'open (every order not yet final), accepted, filled, cancelled, rejected...')
    .option('--symbol <symbol>', 'one symbol')
    .option('--strategy-id <id>', 'one strategy', integer('--strategy-id', 1))
    .option('--limit <n>', 'at most', integer('--limit', 1), 50)
    .action(
      run(async (cx: Context, options: { state?: string; symbol?: string; strategyId?: number; limit: number }) => {
        const answer = await cx.client().json<{ orders: Order[] }>('GET', '/trading/orders', {
          query: { state: options.state, symbol: options.symbol, strategy_id: options.strategyId, limit: options.limit },
        });
        cx.emit(answer.orders, () => cx.table(answer.orders, orderColumns));
      }),
    );
  orders
    .command('show <order-id>')
    .description('An order with every transition and fill')
    .action(
      run(async (cx: Context, orderId: string) => {
        const shown = await cx.client().json<ResponseOf<'/trading/orders/{id}'>>('GET', `/trading/orders/${encodeURIComponent(orderId)}`);
        cx.emit(shown, () => {
          cx.table([shown.order], orderColumns);
          if (shown.transitions.length > 0)
            cx.table(
              shown.transitions,
              Object.keys(shown.transitions[0]!).map((field) => ({ header: field, value: (row: Record<string, unknown>) => row[field] })),
            );
          if (shown.fills.length > 0)
            cx.table(
              shown.fills,
              Object.keys(shown.fills[0]!).map((field) => ({ header: field, value: (row: Record<string, unknown>) => row[field] })),
            );
        });
      }),
    );
  orders
    .command('cancel <order-id>')
    .description('Cancel an open order (exit 5 when it is already final)')
    .action(
      run(async (cx: Context, orderId: string) => {
        const order = await cx.client().json<Order>('POST', `/trading/orders/${encodeURIComponent(orderId)}/cancel`);
        cx.emit(order, () => cx.line(`Order ${order.id}: ${order.state}`));
      }),
    );

  program
    .command('positions')
    .description('Positions per strategy and symbol, with realized and unrealized P&L')
    .option('--strategy-id <id>', 'one strategy', integer('--strategy-id', 1))
    .action(
      run(async (cx: Context, options: { strategyId?: number }) => {
        const client = cx.client();
        const { positions } = await client.unwrap(
          client.api.GET('/trading/positions', { params: { query: options.strategyId ? { strategy_id: options.strategyId } : {} } }),
        );
        cx.emit(positions, () =>
          cx.table(positions, [
            { header: 'strategy', value: (row) => row.strategy_id },
            { header: 'symbol', value: (row) => row.symbol },
            { header: 'qty', value: (row) => row.quantity },
            { header: 'avg cost', value: (row) => row.average_cost },
            { header: 'last', value: (row) => row.last_price },
            { header: 'unrealized', value: (row) => row.unrealized_pnl },
            { header: 'realized', value: (row) => row.realized_pnl },
            { header: 'fees', value: (row) => row.fees },
          ]),
        );
      }),
    );

  program
    .command('pnl')
    .description('Profit and loss: totals, the last day, 7 and 30 days, trade figures, Sharpe, drawdown')
    .option('--strategy-id <id>', 'one strategy', integer('--strategy-id', 1))
    .option('--strategy <name>', 'one strategy by name (journal strategies included)')
    .option('--start <date>', 'from, YYYY-MM-DD')
    .option('--end <date>', 'to, YYYY-MM-DD')
    .action(
      run(async (cx: Context, options: { strategyId?: number; strategy?: string; start?: string; end?: string }) => {
        // Periods (last day, 7 and 30 days) are objects with their P&L and the previous period's: the table shows the P&L.
        const performance = await cx.client().json<ResponseOf<'/trading/performance'>>('GET', '/trading/performance', {
          query: { strategy_id: options.strategyId, strategy: options.strategy, start: options.start, end: options.end },
        });
        const { equityPnl: equity, realizedPnl: realized } = performance;
        cx.emit(performance, () =>
          cx.record({
            // Realized: closed trades, known at once. Equity: from the daily snapshots (after each session's close), open positions included.
            'realized P&L': realized?.total,
            'realized, last day': realized?.lastDay?.pnl,
            'realized, last 7 days': realized?.last7Days?.pnl,
            'realized, last 30 days': realized?.last30Days?.pnl,
            'equity P&L (daily snapshots)': equity?.total,
            'equity, last day': equity?.lastDay?.pnl,
            'equity, last 7 days': equity?.last7Days?.pnl,
            'equity, last 30 days': equity?.last30Days?.pnl,
            trades: performance.trades?.trades,
            'win rate': performance.trades?.winRate,
            sharpe: performance.sharpe,
            'max drawdown': performance.maxDrawdown,
          }),
        );
      }),
    );

  const stateChange = (name: 'halt' | 'resume', state: 'halted' | 'active', description: string) =>
    program
      .command(name)
      .description(description)
      .option('--reason <text>', 'why (kept in the history of states)')
      .option('--strategy-id <id>', 'only this strategy (default: all trading)', integer('--strategy-id', 1))
      .option('-y, --yes', 'do not ask for confirmation')
      .action(
        run(async (cx: Context, options: { reason?: string; strategyId?: number; yes?: boolean }) => {
          const reason = options.reason ?? (name === 'halt' ? 'halted from the closecross CLI' : undefined);
          if (!reason) throw new CliError('--reason is needed to resume', exitCodes.usage);
          const what = options.strategyId ? `strategy ${options.strategyId}` : 'all trading';
          await cx.confirm(`${name === 'halt' ? 'Halt' : 'Resume'} ${what} on ${cx.client().baseUrl}`, options.yes);
          const answer = await cx.client().json<{ changed: boolean; state: unknown }>('PUT', '/trading/state', {
            body: { state, reason, ...(options.strategyId ? { strategy_id: options.strategyId } : {}) },
          });
          cx.emit(answer, () => cx.line(answer.changed ? `${what}: ${state}` : `${what} was already ${state}`));
        }),
      );
  stateChange('halt', 'halted', 'Halt trading (everything, or one strategy): no new orders; asks first');
  stateChange('resume', 'active', 'Resume trading after a halt; asks first');

  program
    .command('square-off')
    .description('Kill switch: halt, cancel every open order and close every position (everything, or one strategy); asks first')
    .option('--strategy-id <id>', 'only this strategy', integer('--strategy-id', 1))
    .option('--reason <text>', 'why')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      run(async (cx: Context, options: { strategyId?: number; reason?: string; yes?: boolean }) => {
        const what = options.strategyId ? `strategy ${options.strategyId}` : 'EVERYTHING';
        await cx.confirm(`Square off ${what} on ${cx.client().baseUrl}: halt, cancel every open order, close every position`, options.yes, 'SQUARE OFF');
        // The response is untyped in the OpenAPI document for now: read loosely.
        const answer = await cx.client().json<Record<string, unknown>>('POST', '/trading/square-off', {
          body: {
            confirm: 'SQUARE OFF',
            ...(options.strategyId ? { strategy_id: options.strategyId } : {}),
            ...(options.reason ? { reason: options.reason } : {}),
          },
        });
        cx.emit(answer, () => {
          cx.line(`Squared off ${what}.`);
          cx.record(Object.fromEntries(Object.entries(answer).filter(([, value]) => typeof value !== 'object' || value === null)));
        });
      }),
    );
}
