import { decodeLiveTicks, liveTicksChannel, type LiveTick } from '@closecross/contracts';
import type { Clock } from '@closecross/engine';
import type { Pool, PoolClient } from 'pg';
import { costsOf, type Account } from '../accounts/account-store.ts';
import { paperOrdersChannel } from '../brokers/paper/paper-broker.ts';
import { liveFill, type FillCosts, type PaperOrder } from '../brokers/paper/paper-fill-model.ts';
import { calendarFor } from '../market/calendars.ts';
import type { OrderDesk } from '../orders/order-desk.ts';

/** Held by the one task that runs the paper exchange, on the connection that listens: it ends with that connection. */
const paperExchangeLockKey = 0x50_41_50_52;

interface WorkingOrder extends PaperOrder {
  id: string;
  symbol: string;
  placedAtMs: number;
  filled: number;
  fills: number;
  costs: FillCosts;
  /** The order's apply in flight: ticks for one order are handled one at a time. */
  busy: boolean;
}

export interface PaperExchangeLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface PaperExchangeOptions {
  pool: Pool;
  orders: OrderDesk;
  clock: Clock;
  log: PaperExchangeLog;
  /** How often a task without the lock tries to take it (ms). */
  takeoverMs?: number;
  /** How often the working orders are read again, for cancels and expiries made elsewhere (ms); no fill waits for this. */
  refreshMs?: number;
}

const workingStates = ['new', 'submitted', 'accepted', 'partially_filled'];

/**
 * Paper trading on live prices. One task at a time runs it (a PostgreSQL advisory lock held by
 * the connection that LISTENs, so it is released the moment that task or its connection dies,
 * and another task takes over within `takeoverMs`). It keeps the working paper orders in memory,
 * by symbol, loaded from PostgreSQL at start and told of new ones on `trading_paper_orders`;
 * each live tick on the prices service's channel fills the orders of its symbol placed before
 * it, while the symbol's market is in the order's session. Each fill is stored through the order
 * desk with an id of the order and the fill's number, so a retry or a second task never fills
 * twice. Tasks are otherwise stateless: everything is read back from PostgreSQL.
 */
export class PaperExchange {
  private readonly options: PaperExchangeOptions;
  private readonly bySymbol = new Map<string, Map<string, WorkingOrder>>();
  private client: PoolClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The last tick time seen per symbol (epoch ms): an order's view says when no price came. */
  readonly lastTickAt = new Map<string, number>();

  constructor(options: PaperExchangeOptions) {
    this.options = options;
  }

  /** Whether this task runs the exchange now. */
  get running(): boolean {
    return this.client !== undefined;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.tryTakeOver();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('notification');
      // A late error on the released connection (the database going away) must not throw unhandled.
      client.removeAllListeners('error');
      client.on('error', () => {});
      try {
        await client.query('unlisten *');
        await client.query('select pg_advisory_unlock($1)', [paperExchangeLockKey]);
      } catch {
        // The connection is going anyway.
      }
      // Ended, not pooled: it held a LISTEN and a lock, and keeps the no-op error listener above.
      client.release(true);
    }
    this.bySymbol.clear();
  }

  private schedule(ms: number, work: () => Promise<void>): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      work().catch((error: unknown) => this.options.log.error({ err: error }, 'paper exchange: a takeover or refresh failed'));
    }, ms);
    this.timer.unref();
  }

  private async tryTakeOver(): Promise<void> {
    const client = await this.options.pool.connect();
    let held = false;
    try {
      held = (await client.query<{ held: boolean }>('select pg_try_advisory_lock($1) as held', [paperExchangeLockKey])).rows[0]!.held;
    } finally {
      if (!held) client.release();
    }
    if (!held) {
      this.schedule(this.options.takeoverMs ?? 5_000, () => this.tryTakeOver());
      return;
    }
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === liveTicksChannel && message.payload) this.onTicks(decodeLiveTicks(message.payload));
      else if (message.channel === paperOrdersChannel && message.payload) void this.load(message.payload).catch((error: unknown) => this.options.log.error({ err: error }, 'paper exchange: an order could not be loaded'));
    });
    client.on('error', (error) => {
      // Stopped already (the client went back to the pool): nothing of ours fails.
      if (this.client !== client) return;
      this.options.log.error({ err: error }, 'paper exchange: its connection failed; another task (or this one) takes over');
      client.removeAllListeners('notification');
      this.client = undefined;
      this.bySymbol.clear();
      client.release(error);
      this.schedule(this.options.takeoverMs ?? 5_000, () => this.tryTakeOver());
    });
    await client.query(`listen ${liveTicksChannel}`);
    await client.query(`listen ${paperOrdersChannel}`);
    await this.load();
    this.options.log.info({ orders: [...this.bySymbol.values()].reduce((sum, orders) => sum + orders.size, 0) }, 'paper exchange: running on this task');
    this.scheduleRefresh();
  }

  private scheduleRefresh(): void {
    this.schedule(this.options.refreshMs ?? 30_000, async () => {
      if (!this.client) return;
      await this.load();
      this.scheduleRefresh();
    });
  }

  /** Reads the working paper orders (all, or one client order id) into memory. */
  private async load(clientOrderId?: string): Promise<void> {
    if (!this.client) return;
    const result = await this.options.pool.query<Account & { id: string; client_order_id: string; symbol: string; side: 'buy' | 'sell'; quantity: number; type: PaperOrder['type']; time_in_force: PaperOrder['timeInForce']; limit_price: number | null; session_date: string; placed_at: Date; filled: number; fills: number }>(
      `select o.id as order_id, o.client_order_id, o.symbol, o.side, o.quantity::float8 as quantity, o.type, o.time_in_force, o.limit_price::float8 as limit_price, to_char(o.session_date, 'YYYY-MM-DD') as session_date, o.placed_at,
              o.filled_quantity::float8 as filled, (select count(*)::int from trading_fill f where f.order_id = o.id) as fills,
              a.id, a.name, a.broker, a.currency, a.fee_per_share, a.fee_bps, a.fee_minimum, a.slippage_bps, a.volume_participation, a.seed::float8 as seed
       from trading_order o join trading_account a on a.id = o.account_id
       where o.broker = 'paper' and o.state = any($1::text[]) and o.type in ('market', 'limit') and ($2::text is null or o.client_order_id = $2)`,
      [workingStates, clientOrderId ?? null],
    );
    if (clientOrderId === undefined) this.bySymbol.clear();
    for (const row of result.rows) {
      const orderId = (row as unknown as { order_id: string }).order_id;
      const orders = this.bySymbol.get(row.symbol) ?? new Map<string, WorkingOrder>();
      this.bySymbol.set(row.symbol, orders);
      const known = orders.get(orderId);
      orders.set(orderId, {
        id: orderId,
        clientOrderId: row.client_order_id,
        symbol: row.symbol,
        side: row.side,
        quantity: row.quantity,
        type: row.type,
        timeInForce: row.time_in_force,
        limitPrice: row.limit_price,
        sessionDate: row.session_date,
        placedAtMs: row.placed_at.getTime(),
        filled: Math.max(row.filled, known?.filled ?? 0),
        fills: Math.max(row.fills, known?.fills ?? 0),
        costs: costsOf(row),
        busy: known?.busy ?? false,
      });
    }
  }

  /** Ticks of one NOTIFY: each fills the orders of its symbol it can. */
  onTicks(ticks: readonly LiveTick[]): void {
    for (const tick of ticks) {
      this.lastTickAt.set(tick.symbol, Math.max(this.lastTickAt.get(tick.symbol) ?? 0, tick.ts));
      const orders = this.bySymbol.get(tick.symbol);
      if (!orders || orders.size === 0) continue;
      const session = calendarFor(tick.symbol).sessionOf(tick.ts);
      if (!session) continue;
      for (const order of orders.values()) {
        // The first price after the order, in its session (a day order's passed session expires at its sync).
        if (order.busy || tick.ts <= order.placedAtMs || order.sessionDate > session.day || (order.timeInForce === 'day' && order.sessionDate < session.day)) continue;
        const fill = liveFill(order, tick, order.costs, order.quantity - order.filled, order.fills, `${order.clientOrderId}:live:${order.fills + 1}`);
        if (fill) void this.book(order, fill, tick);
      }
    }
  }

  private async book(order: WorkingOrder, fill: NonNullable<ReturnType<typeof liveFill>>, tick: LiveTick): Promise<void> {
    order.busy = true;
    try {
      const done = order.filled + fill.quantity >= order.quantity - 1e-9;
      const after = await this.options.orders.apply(
        order.id,
        { clientOrderId: order.clientOrderId, state: done ? 'filled' : 'partially_filled', fills: [{ fillId: fill.fillId, quantity: fill.quantity, price: fill.price, fee: fill.fee, at: new Date(tick.ts) }] },
        `paper exchange: ${tick.type} ${tick.symbol} at ${new Date(tick.ts).toISOString()} (position ${tick.position})`,
      );
      order.filled = after.filled_quantity;
      order.fills += 1;
      if (after.state !== 'partially_filled' && !workingStates.includes(after.state)) this.bySymbol.get(order.symbol)?.delete(order.id);
    } catch (error) {
      // Cancelled or expired meanwhile (a 409 from the state machine): it is no longer ours to fill.
      this.options.log.warn({ orderId: order.id, err: error }, 'paper exchange: a live fill was not booked');
      this.bySymbol.get(order.symbol)?.delete(order.id);
    } finally {
      order.busy = false;
    }
  }
}
