import type { Clock } from '@closecross/engine';
import type { Pool } from 'pg';
import type { DailyBar } from '@closecross/quant';
import { costsOf, type Account } from '../../accounts/account-store.ts';
import type { PriceReader } from '../../market/price-reader.ts';
import { localClock } from '../../sessions.ts';
import { BrokerRejectedError, type Broker, type BrokerAccount, type BrokerOrderRequest, type BrokerOrderUpdate, type BrokerPosition, type OrderState } from '../broker.ts';
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
  state: OrderState;
  bars: { date: string; open: number; high: number; low: number; close: number; adj_close: number | null; volume: number | null }[];
  has_bars: boolean;
  live_price: number | null;
  live_at: string | null;
}

export interface PaperBrokerDeps {
  pool: Pool;
  clock: Clock;
  prices: PriceReader;
  timezone: string;
}

/**
 * The paper broker: it holds no book of its own. An order's fills are a function of the order
 * (our `trading_order` row), the stored bars from its session on, the live price when one exists,
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
    if (!stored.has_bars) throw new BrokerRejectedError(`no price bars for ${order.symbol}: the paper broker fills from stored bars (POST /price_bars/${order.symbol})`);
    return this.outcome(stored);
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
    const live = order.live_price !== null && order.live_at !== null ? { price: order.live_price, session: localClock(new Date(order.live_at), this.deps.timezone).day } : undefined;
    const bars: DailyBar[] = order.bars.map((bar) => ({ date: bar.date, open: bar.open, high: bar.high, low: bar.low, close: bar.close, adjClose: bar.adj_close, volume: bar.volume }));
    const outcome = paperFills(
      { clientOrderId, side: order.side, quantity: order.quantity, type: order.type, timeInForce: order.time_in_force, limitPrice: order.limit_price, sessionDate: order.session_date },
      bars,
      costsOf(order),
      live,
    );
    const filled = outcome.fills.reduce((sum, fill) => sum + fill.quantity, 0);
    const state: OrderState = outcome.state === 'filled' ? 'filled' : outcome.state === 'expired' ? 'expired' : filled > 0 ? 'partially_filled' : 'accepted';
    return {
      clientOrderId,
      brokerOrderId: `paper-${clientOrderId}`,
      state,
      ...(state === 'expired' ? { reason: `day order not filled in its session (${order.session_date})${filled > 0 ? `: ${filled} of ${order.quantity} filled` : ''}` } : {}),
      fills: outcome.fills.map((fill) => ({ fillId: fill.fillId, quantity: fill.quantity, price: fill.price, fee: fill.fee, at: fill.barDate ? new Date(`${fill.barDate}T21:00:00Z`) : this.deps.clock.now() })),
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
    const result = await this.deps.pool.query<{ cash: number }>("select coalesce(sum(amount), 0)::float8 as cash from trading_cash_entry e join trading_account a on a.id = e.account_id where a.broker = 'paper'");
    const cash = result.rows[0]!.cash;
    return { cash, equity: cash, buyingPower: cash, currency: 'USD' };
  }

  /**
   * The order, its account's costs, its bars from the session on, whether the symbol has any bar,
   * and the live quote: one query, so a submit costs one round trip here.
   */
  private async read(clientOrderId: string): Promise<StoredOrder> {
    const quote = await this.deps.prices.liveQuoteSource();
    const live = quote
      ? `(select json_build_object('price', ${quote.price}::float8, 'at', ${quote.at}) from ${quote.table} q where q.symbol = o.symbol and ${quote.price} is not null order by ${quote.at} desc limit 1)`
      : 'null::json';
    const result = await this.deps.pool.query<StoredOrder & { live: { price: number; at: string } | null }>(
      `select o.client_order_id, o.account_id, o.symbol, o.side, o.quantity, o.type, o.time_in_force, o.limit_price, to_char(o.session_date, 'YYYY-MM-DD') as session_date, o.state,
              a.id, a.name, a.broker, a.currency, a.fee_per_share, a.fee_bps, a.fee_minimum, a.slippage_bps, a.volume_participation, a.seed::float8 as seed,
              (select coalesce(json_agg(json_build_object('date', to_char(p.date, 'YYYY-MM-DD'), 'open', p.open, 'high', p.high, 'low', p.low, 'close', p.close, 'adj_close', p.adj_close, 'volume', p.volume) order by p.date), '[]'::json)
                 from price_bars p where p.symbol = o.symbol and p.date >= o.session_date) as bars,
              exists (select 1 from price_bars p where p.symbol = o.symbol) as has_bars,
              ${live} as live
       from trading_order o join trading_account a on a.id = o.account_id where o.client_order_id = $1`,
      [clientOrderId],
    );
    const row = result.rows[0];
    if (!row) throw new BrokerRejectedError(`the paper broker holds no order ${clientOrderId}`);
    return { ...row, live_price: row.live?.price ?? null, live_at: row.live?.at ?? null };
  }
}
