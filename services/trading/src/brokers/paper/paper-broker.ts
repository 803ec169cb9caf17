import { priceBars } from '@closecross/db';
import type { Clock } from '@closecross/engine';
import type { Pool } from 'pg';
import type { DailyBar } from '@closecross/quant';
import { costsOf } from '../../accounts/account-costs.ts';
import type { Account } from '../../schemas/accounts.ts';
import type { PriceReader } from '../../market/price-reader.ts';
import { calendarFor } from '../../market/calendars.ts';
import { sessionOn } from '../../sessions.ts';
import {
  BrokerRejectedError,
  type Broker,
  type BrokerAccount,
  type BrokerOrderRequest,
  type BrokerOrderUpdate,
  type BrokerPosition,
  type OrderState,
} from '../broker.ts';
import { paperFills } from './paper-fill-model.ts';

interface StoredOrder extends Account {
  client_order_id: string;
  account_id: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  type: BrokerOrderRequest['type'];
  time_in_force: BrokerOrderRequest['timeInForce'];
  limit_price: number | null;
  session_date: string;
  placed_at: Date;
  state: OrderState;
  bars: { date: string; open: number; high: number; low: number; close: number; adj_close: number | null; volume: number | null }[];
  /** Fills the paper exchange made from live prices (stored; the bars serve only what they left). */
  live_filled: number;
}

export interface PaperBrokerDeps {
  pool: Pool;
  clock: Clock;
  prices: PriceReader;
  timezone: string;
}

/** The channel the paper exchange listens on for orders to work (payload: the order id). */
export const paperOrdersChannel = 'trading_paper_orders';

/**
 * The paper broker: it holds no book of its own. Live prices fill working orders through the
 * paper exchange (paper/paper-exchange.ts: the engine's SimulatedExchange, the fill model of
 * backtests), which stores each fill once. Here, an order's other
 * fills are a function of the order, the stored daily bars whose prices came after it was placed,
 * and the account's costs and seed (paper-fill-model.ts): asked again, it answers the same fills
 * with the same ids, so nothing is filled twice however often it is polled.
 */
export class PaperBroker implements Broker {
  readonly name = 'paper';

  private readonly deps: PaperBrokerDeps;
  constructor(deps: PaperBrokerDeps) {
    this.deps = deps;
  }

  async submit(order: BrokerOrderRequest): Promise<BrokerOrderUpdate> {
    if (order.type === 'limit' && !(order.limitPrice! > 0)) throw new BrokerRejectedError('a limit order needs a positive limit price');
    const stored = await this.read(order.clientOrderId);
    const outcome = this.outcome(stored);
    // The exchange task (whichever holds its lock) starts watching live prices for it.
    if (outcome.state === 'accepted' || outcome.state === 'partially_filled')
      await this.deps.pool.query('select pg_notify($1, $2)', [paperOrdersChannel, order.clientOrderId]);
    return outcome;
  }

  async cancel(clientOrderId: string): Promise<BrokerOrderUpdate> {
    const now = await this.status(clientOrderId);
    if (now.state === 'filled' || now.state === 'expired' || now.state === 'cancelled') return now;
    return { ...now, state: 'cancelled', reason: 'cancelled on request' };
  }

  async status(clientOrderId: string): Promise<BrokerOrderUpdate> {
    return this.outcome(await this.read(clientOrderId));
  }

  private outcome(order: StoredOrder): BrokerOrderUpdate {
    const { client_order_id: clientOrderId } = order;
    const bars: DailyBar[] = order.bars.map((bar) => ({
      date: bar.date,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      adjClose: bar.adj_close,
      volume: bar.volume,
    }));
    const outcome = paperFills(
      {
        clientOrderId,
        side: order.side,
        quantity: order.quantity,
        type: order.type,
        timeInForce: order.time_in_force,
        limitPrice: order.limit_price,
        sessionDate: order.session_date,
      },
      bars,
      costsOf(order),
      {
        placedAtMs: order.placed_at.getTime(),
        nowMs: this.deps.clock.nowMs(),
        sessionTimes: (day) => sessionOn(day, order.symbol),
        filledElsewhere: order.live_filled,
      },
    );
    const filled = order.live_filled + outcome.fills.reduce((sum, fill) => sum + fill.quantity, 0);
    let state: OrderState = outcome.state === 'filled' ? 'filled' : outcome.state === 'expired' ? 'expired' : filled > 0 ? 'partially_filled' : 'accepted';
    // A day order whose session's close has passed, with no bar of it stored to fill from, expires when the next session opens.
    if (state !== 'filled' && state !== 'expired' && order.time_in_force === 'day') {
      const session = sessionOn(order.session_date, order.symbol);
      if (session && this.deps.clock.nowMs() >= session.close && this.deps.clock.nowMs() >= nextOpenAfter(session.close, order.symbol)) state = 'expired';
    }
    return {
      clientOrderId,
      brokerOrderId: `paper-${clientOrderId}`,
      state,
      ...(state === 'expired'
        ? { reason: `day order not filled in its session (${order.session_date})${filled > 0 ? `: ${filled} of ${order.quantity} filled` : ''}` }
        : {}),
      fills: outcome.fills.map((fill) => ({
        fillId: fill.fillId,
        quantity: fill.quantity,
        price: fill.price,
        fee: fill.fee,
        at: fill.barDate ? barTime(order, fill.barDate) : this.deps.clock.now(),
      })),
    };
  }

  /** Net positions of every account on paper, from our fills (the paper broker's book is ours). */
  async positions(): Promise<BrokerPosition[]> {
    const result = await this.deps.pool.query<{ symbol: string; quantity: number; average: number }>(
      `select symbol, sum(case when side = 'buy' then quantity else -quantity end)::float8 as quantity,
              (sum(quantity * price) / nullif(sum(quantity), 0))::float8 as average
       from trading_fill f join trading_order o on o.id = f.order_id
       where o.broker = 'paper' group by symbol having abs(sum(case when side = 'buy' then quantity else -quantity end)) > 1e-9 order by symbol`,
    );
    return result.rows.map((row) => ({ symbol: row.symbol, quantity: row.quantity, averagePrice: row.average }));
  }

  async account(): Promise<BrokerAccount> {
    const result = await this.deps.pool.query<{ cash: number }>(
      "select coalesce(sum(amount), 0)::float8 as cash from trading_cash_entry e join trading_account a on a.id = e.account_id where a.broker = 'paper'",
    );
    const cash = result.rows[0]!.cash;
    return { cash, equity: cash, buyingPower: cash, currency: 'USD' };
  }

  /** The order, its account's costs, its bars from the session on, and what live prices filled: one query. */
  private async read(clientOrderId: string): Promise<StoredOrder> {
    const result = await this.deps.pool.query<StoredOrder>(
      `select o.client_order_id, o.account_id, o.symbol, o.side, o.quantity, o.type, o.time_in_force, o.limit_price, to_char(o.session_date, 'YYYY-MM-DD') as session_date, o.placed_at, o.state,
              a.id, a.name, a.broker, a.currency, a.fee_per_share, a.fee_bps, a.fee_minimum, a.slippage_bps, a.volume_participation, a.seed::float8 as seed,
              ${priceBars.fragments.barsJsonFrom('o.symbol', 'o.session_date')} as bars,
              (select coalesce(sum(f.quantity), 0)::float8 from trading_fill f where f.order_id = o.id and f.fill_id like '%:live:%') as live_filled
       from trading_order o join trading_account a on a.id = o.account_id where o.client_order_id = $1`,
      [clientOrderId],
    );
    const row = result.rows[0];
    if (!row) throw new BrokerRejectedError(`the paper broker holds no order ${clientOrderId}`);
    return row;
  }
}

/** When a bar's fill happened: its session's open, or its close for a market-on-close order. */
function barTime(order: StoredOrder, day: string): Date {
  const session = sessionOn(day, order.symbol);
  if (!session) return new Date(`${day}T21:00:00Z`);
  return new Date(order.type === 'market_on_close' ? session.close : session.open);
}

const nextOpenAfter = (ms: number, symbol: string) => calendarFor(symbol).nextOpen(ms);
