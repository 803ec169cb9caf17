import type { Clock } from '@closecross/engine';
import type { Pool } from 'pg';
import type { DailyBar } from '@closecross/quant';
import { costsOf } from '../../accounts/account-costs.ts';
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
import { cashOfAccountsOn } from '../../store/trading-cash-entry.ts';
import { netPositionsThrough } from '../../store/trading-fill.ts';
import { announcePaperOrder, paperOrderWithBars, paperOrdersChannel, type PaperOrderRow } from '../../store/trading-order.ts';

type StoredOrder = PaperOrderRow;

export interface PaperBrokerDeps {
  pool: Pool;
  clock: Clock;
  prices: PriceReader;
  timezone: string;
}

/** The channel the paper exchange listens on for orders to work (payload: the client order id). */
export { paperOrdersChannel };

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

  /** `stored`: the order as the statement that placed it read it back (its account and bars), so it is not read again. */
  async submit(order: BrokerOrderRequest, stored?: StoredOrder): Promise<BrokerOrderUpdate> {
    if (order.type === 'limit' && !(order.limitPrice! > 0)) throw new BrokerRejectedError('a limit order needs a positive limit price');
    if (stored === undefined || stored.client_order_id !== order.clientOrderId) stored = await this.read(order.clientOrderId);
    const outcome = this.outcome(stored);
    // The exchange task (whichever holds its lock) starts watching live prices for it.
    if (outcome.state === 'accepted' || outcome.state === 'partially_filled') await announcePaperOrder(this.deps.pool, order.clientOrderId);
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
    const rows = await netPositionsThrough(this.deps.pool, 'paper');
    return rows.map((row) => ({ symbol: row.symbol, quantity: row.quantity, averagePrice: row.average }));
  }

  async account(): Promise<BrokerAccount> {
    const cash = await cashOfAccountsOn(this.deps.pool, 'paper');
    return { cash, equity: cash, buyingPower: cash, currency: 'USD' };
  }

  /** The order, its account's costs, its bars from the session on, and what live prices filled: one query. */
  private async read(clientOrderId: string): Promise<StoredOrder> {
    const row = await paperOrderWithBars(this.deps.pool, clientOrderId);
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
