import { decodeLiveTicks, liveTicksChannel, type LiveTick } from '@closecross/contracts';
import {
  SimulatedExchange,
  fromNumber,
  toNumber,
  type Clock,
  type CostConfig,
  type ExchangeReport,
  type OrderRequest,
  type SimulatedExchangeOptions,
} from '@closecross/engine';
import type { Pool, PoolClient } from 'pg';
import { calendarFor } from '../market/calendars.ts';
import type { AcceptedPaperOrder, OrderDesk } from '../orders/order-desk.ts';
import type { OrderState } from '../brokers/broker.ts';
import { costsKey, engineCostsOf } from './paper-costs.ts';
import { marketEventOf } from './live-events.ts';
import {
  listenOn,
  paperOrdersChannel,
  releasePaperExchange,
  tryLockPaperExchange,
  workingPaperOrders,
  type WorkingPaperOrderRow,
} from '../store/trading-order.ts';

/** A working paper order as this task knows it; the engine's exchange holds its fill state. */
interface WorkingOrder {
  /** trading_order.id, also the engine order's clientId */
  id: string;
  clientOrderId: string;
  accountId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  /** Its state as this task booked it last: a fill is stored in one statement while the order is still so. */
  state: OrderState;
  /** Filled so far: stored, plus fills the engine made whose booking is under way. */
  filled: number;
  /** Fills so far (stored or under way): the next live fill is number fills + 1. */
  fills: number;
  /** The engine order id in its account's exchange; undefined when the engine refused the order. */
  engineId: string | undefined;
  /** What the order was submitted with: a change (another task's edit) resubmits it. */
  terms: string;
  /** Bookings of this order, one after another, in fill order. */
  booking: Promise<void>;
  /** A booking failed: later fills are not booked; the order is read again from PostgreSQL. */
  failed: boolean;
}

/** One account's simulated exchange: its costs are the account's. */
interface AccountExchange {
  exchange: SimulatedExchange;
  /** costsKey of the costs it was built with */
  costs: string;
  /** The instant its clock answers: the submission instant of the order being submitted. */
  submitAt: { ms: number };
  options: SimulatedExchangeOptions;
}

type WorkingRow = WorkingPaperOrderRow;

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

/** Tick payloads kept while orders are read (a stalled database must not grow memory without end). */
const maxHeldPayloads = 10_000;

const workingStates = ['new', 'submitted', 'accepted', 'partially_filled'];
/** The order types the engine's exchange works from the live feed (MOO at the session's open, MOC at its close). */
const workedTypes = ['market', 'limit', 'market_on_open', 'market_on_close'];

/**
 * Paper trading on live prices, through the engine's SimulatedExchange: the one fill model of
 * backtests and paper (fills from the first event at or after submission, ticks at bid/ask, bars
 * by the OHLC path, the account's fees, slippage and volume cap, sessions from the calendar).
 *
 * One task at a time runs it (a PostgreSQL advisory lock held by the connection that LISTENs, so
 * it is released the moment that task or its connection dies, and another task takes over within
 * `takeoverMs`). The working paper orders (market and limit) are read from PostgreSQL at start
 * and on `trading_paper_orders`, and submitted into a SimulatedExchange per account, each at its
 * `placed_at` (or its session's open, when that is later) so only later prices fill it. Each live
 * tick or one-minute bar on the prices service's channel is processed by the exchanges at its own
 * time; their fills are stored through the order desk with the id `<client order id>:live:<n>`,
 * n counting the order's stored fills, so a retry, a restart or a second task never fills twice;
 * their expiries (a day order past its session's close) are stored as order updates. Tasks are
 * otherwise stateless: everything is read back from PostgreSQL.
 *
 * The exchanges' clock is not the service clock: it is the submission instant of the order being
 * submitted (after a restart, orders placed long ago are submitted again at their own placed_at,
 * in any order, which a clock that only goes forward cannot do); events carry their own time.
 */
export class PaperExchange {
  private readonly options: PaperExchangeOptions;
  private readonly working = new Map<string, WorkingOrder>();
  /** client order id -> order id of the working orders: an announced order already handed over is not read again. */
  private readonly byClientId = new Map<string, string>();
  private readonly accounts = new Map<string, AccountExchange>();
  private client: PoolClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Loads under way: ticks wait for them, so an order just announced is in the exchange before the next price. */
  private loading = 0;
  private held: (readonly LiveTick[])[] = [];
  /** Session closes working MOC orders wait for (epoch ms, ascending), and their timers. */
  private closesDue: number[] = [];
  private closeTimers: NodeJS.Timeout[] = [];
  /** The last tick time seen per symbol (epoch ms): an order's view says when no price came. */
  readonly lastTickAt = new Map<string, number>();

  constructor(options: PaperExchangeOptions) {
    this.options = options;
  }

  /** The orders (trading_order ids) this task's exchange works now. */
  workingOrderIds(): string[] {
    return [...this.working.keys()];
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
        await releasePaperExchange(client);
      } catch {
        // The connection is going anyway.
      }
      // Ended, not pooled: it held a LISTEN and a lock, and keeps the no-op error listener above.
      client.release(true);
    }
    this.forgetAll();
  }

  private forgetAll(): void {
    this.held = [];
    this.closesDue = [];
    for (const timer of this.closeTimers) clearTimeout(timer);
    this.closeTimers = [];
    if (this.options.orders.paperAccepted) this.options.orders.paperAccepted = undefined;
    this.working.clear();
    this.byClientId.clear();
    this.accounts.clear();
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
      held = await tryLockPaperExchange(client);
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
      else if (message.channel === paperOrdersChannel && message.payload && !this.byClientId.has(message.payload))
        void this.load(message.payload).catch((error: unknown) => this.options.log.error({ err: error }, 'paper exchange: an order could not be loaded'));
    });
    client.on('error', (error) => {
      // Stopped already (the client went back to the pool): nothing of ours fails.
      if (this.client !== client) return;
      this.options.log.error({ err: error }, 'paper exchange: its connection failed; another task (or this one) takes over');
      client.removeAllListeners('notification');
      this.client = undefined;
      this.forgetAll();
      client.release(error);
      this.schedule(this.options.takeoverMs ?? 5_000, () => this.tryTakeOver());
    });
    await listenOn(client, liveTicksChannel);
    await listenOn(client, paperOrdersChannel);
    this.options.orders.paperAccepted = (accepted) => this.admitAccepted(accepted);
    await this.load();
    this.options.log.info({ orders: this.working.size }, 'paper exchange: running on this task');
    this.scheduleRefresh();
  }

  private scheduleRefresh(): void {
    this.schedule(this.options.refreshMs ?? 30_000, async () => {
      await this.refresh();
      this.scheduleRefresh();
    });
  }

  /** Reads every working paper order again (cancels and expiries made elsewhere), as the timer does every `refreshMs`. */
  async refresh(): Promise<void> {
    if (this.client) await this.load();
  }

  /** Reads the working paper orders (all, or one client order id) and submits the new ones into their account's exchange. */
  private async load(clientOrderId?: string): Promise<void> {
    if (!this.client) return;
    this.loading++;
    try {
      await this.loadNow(clientOrderId);
    } finally {
      if (--this.loading === 0 && this.held.length > 0) {
        const held = this.held;
        this.held = [];
        for (const ticks of held) this.fillFrom(ticks);
      }
    }
  }

  private async loadNow(clientOrderId: string | undefined): Promise<void> {
    // The read sees PostgreSQL as it was when it began: an order handed over while it runs (placed in
    // its one statement, or announced) is not in it, and is not dropped for that. (Ticks wait for
    // loads, so no order fills meanwhile.) A one-order read (an announcement) drops nothing.
    const workedBefore = clientOrderId === undefined ? [...this.working.values()] : [];
    const rows = await workingPaperOrders(this.options.pool, workingStates, workedTypes, clientOrderId ?? null);
    if (!this.client) return;
    if (clientOrderId === undefined) {
      // Cancelled, expired or filled elsewhere: no longer ours to fill.
      const still = new Set(rows.map((row) => row.order_id));
      for (const order of workedBefore)
        if (!still.has(order.id) && this.working.get(order.id) === order) this.drop(order, 'no longer working in trading_order');
    }
    for (const row of rows) this.admit(row);
    if (clientOrderId === undefined) this.compact();
  }

  /** Submits an order read from PostgreSQL, unless the exchange already works it on the same terms and costs. */
  private admit(row: WorkingRow): void {
    const costs = engineCostsOf(row);
    const account = this.accountExchange(row.account_id, costs);
    const placedAtMs = row.placed_at.getTime();
    const terms = `${row.side}|${row.quantity}|${row.type}|${row.time_in_force}|${row.limit_price}|${row.session_date}|${placedAtMs}`;
    const known = this.working.get(row.order_id);
    if (known && known.terms === terms && !known.failed) return;
    if (known) this.drop(known, 'its terms changed');
    const filled = Math.max(row.filled, known?.filled ?? 0);
    const order: WorkingOrder = {
      id: row.order_id,
      clientOrderId: row.client_order_id,
      accountId: row.account_id,
      symbol: row.symbol,
      side: row.side,
      quantity: row.quantity,
      state: row.state,
      filled,
      fills: Math.max(row.fills, known?.fills ?? 0),
      engineId: undefined,
      terms,
      booking: known?.booking ?? Promise.resolve(),
      failed: false,
    };
    const remaining = toNumber(fromNumber(row.quantity) - fromNumber(filled));
    if (!(remaining > 0)) return;
    // The order's session from the calendar: submitted at its open when that is after the order was
    // placed. A MOO placed before its session's open is submitted just before it, so the engine books
    // it for that session; placed after the open, it waits for the next session's open, and says which.
    const session = calendarFor(row.symbol).session(row.session_date);
    const open = session?.open ?? placedAtMs;
    account.submitAt.ms = row.type === 'market_on_open' ? (placedAtMs < open ? open - 1 : placedAtMs) : Math.max(placedAtMs, open);
    const common = { clientId: row.order_id, symbol: row.symbol, side: row.side, quantity: remaining, timeInForce: row.time_in_force } as const;
    const request: OrderRequest =
      row.type === 'limit' ? { ...common, type: 'limit', limitPrice: row.limit_price ?? Number.NaN } : { ...common, type: row.type };
    const accepted = account.exchange.submit(request);
    if (accepted.order.state === 'rejected') {
      // Not fillable here (a fractional share, say): the broker's sync still answers for it.
      this.options.log.warn({ orderId: row.order_id, reason: accepted.order.reason }, 'paper exchange: the simulated exchange refused an order');
    } else {
      order.engineId = accepted.order.id;
      if (row.type === 'market_on_close' && session) this.settleAt(session.close);
    }
    this.working.set(order.id, order);
    this.byClientId.set(order.clientOrderId, order.id);
  }

  /** A paper order this task accepted in its placement statement: worked at once, with no read. */
  private admitAccepted({ order, costs, placedAt }: AcceptedPaperOrder): void {
    if (!this.client || this.working.has(order.id)) return;
    this.admit({
      order_id: order.id,
      client_order_id: order.client_order_id,
      state: order.state,
      symbol: order.symbol,
      side: order.side,
      quantity: order.quantity,
      type: order.type,
      time_in_force: order.time_in_force,
      limit_price: order.limit_price,
      session_date: order.session_date,
      placed_at: placedAt,
      filled: order.filled_quantity,
      fills: 0,
      account_id: order.account_id,
      ...costs,
    });
  }

  private accountExchange(accountId: string, costs: CostConfig): AccountExchange {
    const key = costsKey(costs);
    const known = this.accounts.get(accountId);
    if (known && known.costs === key) return known;
    const submitAt = { ms: 0 };
    const options: SimulatedExchangeOptions = {
      clock: { nowMs: () => submitAt.ms, now: () => new Date(submitAt.ms) },
      calendarFor,
      costsFor: () => costs,
      idPrefix: `paper-${accountId}-`,
    };
    // New costs apply to what is still to fill: the open orders move over as they are.
    const exchange = known ? SimulatedExchange.restore(known.exchange.snapshot(), options) : new SimulatedExchange(options);
    const account = { exchange, costs: key, submitAt, options };
    this.accounts.set(accountId, account);
    return account;
  }

  /** Keeps only open orders in each exchange: the engine remembers finished ones, which a long-running task must not pile up. */
  private compact(): void {
    for (const [accountId, account] of this.accounts) {
      if (account.exchange.openOrders().length === 0) this.accounts.delete(accountId);
      else account.exchange = SimulatedExchange.restore(account.exchange.snapshot(), account.options);
    }
  }

  private drop(order: WorkingOrder, reason: string): void {
    this.forget(order);
    const account = this.accounts.get(order.accountId);
    if (account && order.engineId !== undefined && account.exchange.order(order.engineId)) account.exchange.cancel(order.engineId, reason);
  }

  /**
   * Ticks of one NOTIFY: each is processed by every account's exchange at its own time. While
   * orders are being read (an order announced on `trading_paper_orders` a moment before the tick,
   * say), the ticks wait for them, in order, so the order's first price is not missed.
   */
  onTicks(ticks: readonly LiveTick[]): void {
    for (const tick of ticks) this.lastTickAt.set(tick.symbol, Math.max(this.lastTickAt.get(tick.symbol) ?? 0, tick.ts));
    if (this.loading === 0) this.fillFrom(ticks);
    else if (this.held.length < maxHeldPayloads) this.held.push(ticks);
    else
      this.options.log.warn(
        { symbols: [...new Set(ticks.map((tick) => tick.symbol))] },
        'paper exchange: ticks dropped while orders are read (the database is slow)',
      );
  }

  private fillFrom(ticks: readonly LiveTick[]): void {
    for (const tick of ticks) {
      if (this.working.size === 0) return;
      // A session close a MOC order waits for has passed: settled before this later price (of any symbol) counts.
      if (this.closesDue.length > 0 && this.closesDue[0]! <= tick.ts) this.settleCloses(tick.ts);
      const event = marketEventOf(tick);
      if (!event) continue;
      for (const account of this.accounts.values()) {
        const report = account.exchange.process(event);
        if (report.fills.length > 0 || report.updates.length > 0)
          this.record(report, `paper exchange: ${tick.type} ${tick.symbol} at ${new Date(tick.ts).toISOString()} (position ${tick.position})`);
      }
    }
  }

  /**
   * A MOC order fills at its session's close: at the close of the bar that holds it, or at the last
   * live price before it, settled by the first event at or after the close. With no later price of
   * its own symbol (the NYSE is shut after 16:00), the first later tick of any symbol, or a timer at
   * the close, settles it.
   */
  private settleAt(closeMs: number): void {
    if (this.closesDue.includes(closeMs)) return;
    this.closesDue.push(closeMs);
    this.closesDue.sort((a, b) => a - b);
    const timer = setTimeout(
      () => {
        if (this.client && this.loading === 0) this.settleCloses(closeMs);
      },
      Math.max(0, closeMs - this.options.clock.nowMs()) + 1,
    );
    timer.unref();
    this.closeTimers.push(timer);
  }

  private settleCloses(atMs: number): void {
    this.closesDue = this.closesDue.filter((closeMs) => closeMs > atMs);
    for (const account of this.accounts.values()) {
      const report = account.exchange.process({ kind: 'timer', ts: atMs, name: 'session close' });
      if (report.fills.length > 0 || report.updates.length > 0) this.record(report, `paper exchange: the session close at ${new Date(atMs).toISOString()}`);
    }
  }

  /** Books an exchange report: fills through the order desk, expiries and cancels as order updates. */
  private record(report: ExchangeReport, cause: string): void {
    for (const fill of report.fills) {
      const order = fill.clientId === undefined ? undefined : this.working.get(fill.clientId);
      if (!order || order.failed) continue;
      order.fills += 1;
      order.filled = toNumber(fromNumber(order.filled) + fill.exact.quantity);
      const done = order.filled >= order.quantity - 1e-9;
      if (done) this.forget(order);
      const booked = { fillId: `${order.clientOrderId}:live:${order.fills}`, quantity: fill.quantity, price: fill.price, fee: fill.fee, at: new Date(fill.ts) };
      this.book(order, { clientOrderId: order.clientOrderId, state: done ? 'filled' : 'partially_filled', fills: [booked] }, cause);
    }
    for (const update of report.updates) {
      const { state, clientId, reason } = update.order;
      if ((state !== 'expired' && state !== 'cancelled') || clientId === undefined) continue;
      const order = this.working.get(clientId);
      if (!order || order.failed) continue;
      this.forget(order);
      this.book(order, { clientOrderId: order.clientOrderId, state, ...(reason ? { reason } : {}), fills: [] }, cause);
    }
  }

  private forget(order: WorkingOrder): void {
    if (this.working.get(order.id) === order) this.working.delete(order.id);
    if (this.byClientId.get(order.clientOrderId) === order.id) this.byClientId.delete(order.clientOrderId);
  }

  /** One booking after the order's previous one; a failed one stops the rest and drops the order (read again at the next refresh). */
  private book(order: WorkingOrder, update: Parameters<OrderDesk['apply']>[1], cause: string): void {
    order.booking = order.booking.then(async () => {
      if (order.failed) return;
      try {
        const booked = await this.options.orders.apply(order.id, update, cause, { state: order.state, side: order.side, symbol: order.symbol });
        order.state = booked.state;
      } catch (error) {
        // Cancelled or expired meanwhile (a 409 from the state machine), or the database failed: not ours to fill until read again.
        order.failed = true;
        this.options.log.warn({ orderId: order.id, err: error }, 'paper exchange: a live fill or update was not booked');
        if (this.working.get(order.id) === order) this.drop(order, 'its booking failed');
      }
    });
  }
}
