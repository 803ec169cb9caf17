import type { Pool } from 'pg';
import { AccountStore, costsOf } from '../../accounts/account-store.ts';
import type { PriceReader } from '../../market/price-reader.ts';
import { localClock } from '../../sessions.ts';
import { BrokerRejectedError, type Broker, type BrokerAccount, type BrokerOrderRequest, type BrokerOrderUpdate, type BrokerPosition, type OrderState } from '../broker.ts';
import { paperFills } from './paper-fill-model.ts';

interface StoredOrder {
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
}

export interface PaperBrokerDeps {
  pool: Pool;
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
  private readonly accounts: AccountStore;

  private readonly deps: PaperBrokerDeps;
  constructor(deps: PaperBrokerDeps) {
    this.deps = deps;
    this.accounts = new AccountStore(deps.pool);
  }

  async submit(order: BrokerOrderRequest): Promise<BrokerOrderUpdate> {
    if (!(await this.deps.prices.hasBars(order.symbol))) throw new BrokerRejectedError(`no price bars for ${order.symbol}: the paper broker fills from stored bars (POST /price_bars/${order.symbol})`);
    if (order.type === 'limit' && !(order.limitPrice! > 0)) throw new BrokerRejectedError('a limit order needs a positive limit price');
    return this.status(order.clientOrderId);
  }

  async cancel(clientOrderId: string): Promise<BrokerOrderUpdate> {
    const now = await this.status(clientOrderId);
    if (now.state === 'filled' || now.state === 'expired' || now.state === 'cancelled') return now;
    return { ...now, state: 'cancelled', reason: 'cancelled on request' };
  }

  async status(clientOrderId: string): Promise<BrokerOrderUpdate> {
    const order = await this.order(clientOrderId);
    const account = await this.accounts.get(order.account_id);
    const bars = await this.deps.prices.barsFrom(order.symbol, order.session_date);
    const live = await this.deps.prices.livePrice(order.symbol);
    const outcome = paperFills(
      { clientOrderId, side: order.side, quantity: order.quantity, type: order.type, timeInForce: order.time_in_force, limitPrice: order.limit_price, sessionDate: order.session_date },
      bars,
      costsOf(account),
      live ? { price: live.price, session: localClock(live.at, this.deps.timezone).day } : undefined,
    );
    const filled = outcome.fills.reduce((sum, fill) => sum + fill.quantity, 0);
    const state: OrderState = outcome.state === 'filled' ? 'filled' : outcome.state === 'expired' ? 'expired' : filled > 0 ? 'partially_filled' : 'accepted';
    return {
      clientOrderId,
      brokerOrderId: `paper-${clientOrderId}`,
      state,
      ...(state === 'expired' ? { reason: `day order not filled in its session (${order.session_date})${filled > 0 ? `: ${filled} of ${order.quantity} filled` : ''}` } : {}),
      fills: outcome.fills.map((fill) => ({ fillId: fill.fillId, quantity: fill.quantity, price: fill.price, fee: fill.fee, at: fill.barDate ? new Date(`${fill.barDate}T21:00:00Z`) : new Date() })),
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

  private async order(clientOrderId: string): Promise<StoredOrder> {
    const result = await this.deps.pool.query<StoredOrder>(
      `select client_order_id, account_id, symbol, side, quantity, type, time_in_force, limit_price, to_char(session_date, 'YYYY-MM-DD') as session_date, state
       from trading_order where client_order_id = $1`,
      [clientOrderId],
    );
    if (!result.rows[0]) throw new BrokerRejectedError(`the paper broker holds no order ${clientOrderId}`);
    return result.rows[0];
  }
}
