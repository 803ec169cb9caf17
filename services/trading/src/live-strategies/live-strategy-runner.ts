/**
 * Live strategies: each enabled instance in live mode runs its code in a worker thread (the
 * engine's isolation host, with a time budget per event) on the live ticks and one-minute bars
 * the paper exchange's listener hands over (one LISTEN per task: the runner never opens its own).
 * What a strategy sends becomes a pending signal (approval manual) or an order through the order
 * desk and its pre-trade risk checks (approval auto). A strategy that throws, loops or blows its
 * budget is stopped, its error kept and alerted; the others go on. Its ctx.state is saved in
 * trading_strategy_state after every event that changed it and restored at start.
 */
import { recordAlert } from '@closecross/alerts';
import { priceLatest } from '@closecross/db';
import type { LiveTick } from '@closecross/contracts';
import {
  calendarForSymbol,
  fromNumber,
  mulFixed,
  type Bar,
  type Clock,
  type FillEvent,
  type OrderRequest,
  type OrderUpdate,
  type OrderView,
  type StrategyState,
  type Tick,
} from '@closecross/engine';
import { StrategyWorkerHost, type AccountSnapshot, type HostEvent, type StrategyCommand, type StrategyFailure } from '@closecross/engine/host';
import type { Pool } from 'pg';
import type { OrderType } from '../brokers/broker.ts';
import type { OrderDesk } from '../orders/order-desk.ts';
import type { BrokerFill } from '../brokers/broker.ts';
import type { OrderView as DeskOrder } from '../orders/order-desk.ts';
import type { PositionBook } from '../positions/position-book.ts';
import { positionBookOf } from '../positions/strategy-positions.ts';
import type { SignalDesk } from '../signals/signal-desk.ts';
import type { StrategyRecord, StrategyDesk } from '../strategies/strategy-desk.ts';
import type { LiveStrategyStatus } from '../schemas/live-strategies.ts';
import { cashBalance } from '../store/trading-cash-entry.ts';
import { trackedOrderRows, type TrackedOrderRow } from '../store/trading-order.ts';
import { runStatuses, runStatusOf, saveRunStatus, savedStrategyState, saveStrategyState } from '../store/trading-strategy-state.ts';
import { MinuteBars } from './minute-bars.ts';

export interface LiveStrategyLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface LiveStrategyDeps {
  pool: Pool;
  strategies: StrategyDesk;
  signals: SignalDesk;
  orders: OrderDesk;
  clock: Clock;
  log: LiveStrategyLog;
  /** Longest one event may take in a strategy (ms); default 1,000. */
  budgetMs?: number;
}

interface Running {
  strategy: StrategyRecord;
  host: StrategyWorkerHost;
  /** Events of one instance are handled one at a time, in arrival order. */
  queue: Promise<void>;
  stopped: boolean;
  /** The instance's updated_at when started: a change restarts it. */
  version: string;
  /** Its orders at the desk (id -> local id and the fills already told), until they are done. */
  orders: Map<string, { localId: string; clientId: string | undefined; told: Set<string> }>;
  /** When its orders were last read from PostgreSQL (performance.now()): see pollOrdersMs. */
  polledAt: number;
}

export type { LiveStrategyStatus };

/** A running instance whose symbol has had no live price for this long says so (ms). */
const quietFeedMs = 120_000;

/** Desk states after which an order changes no more. */
const endedStates = new Set(['filled', 'cancelled', 'expired', 'rejected']);

/** A desk order that ended as the engine's OrderView, as a strategy reads it in onOrder (the host gives it the strategy's own id). */
function engineOrderView(row: TrackedOrderRow, clientId: string | undefined): OrderView {
  return {
    id: row.order_id,
    clientId,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    timeInForce: row.time_in_force,
    quantity: row.order_quantity,
    filledQuantity: row.filled_quantity,
    averageFillPrice: row.average_fill_price ?? undefined,
    limitPrice: row.limit_price ?? undefined,
    stopPrice: undefined,
    trailAmount: undefined,
    trailPercent: undefined,
    triggered: false,
    state: row.state as OrderView['state'],
    reason: row.reason ?? undefined,
    submittedMs: row.placed_at.getTime(),
    sessionDay: row.session_date,
    activeFromMs: row.placed_at.getTime(),
    expiresMs: undefined,
    updatedMs: row.updated_at.getTime(),
    parentId: undefined,
    bracketRole: undefined,
    ocoId: undefined,
  };
}

/** An order as the desk answers it, as a tracked row without a fill. */
function deskRowOf(order: DeskOrder): TrackedOrderRow {
  return {
    fill_id: null,
    order_id: order.id,
    symbol: order.symbol,
    side: order.side,
    quantity: null,
    price: null,
    fee: null,
    at: null,
    state: order.state,
    reason: order.reason,
    type: order.type,
    time_in_force: order.time_in_force,
    order_quantity: order.quantity,
    filled_quantity: order.filled_quantity,
    average_fill_price: order.average_fill_price,
    limit_price: order.limit_price,
    session_date: order.session_date,
    placed_at: new Date(order.placed_at),
    updated_at: new Date(order.updated_at),
  };
}

/** How long a strategy's ledger is trusted before it is read again in the background (ms of monotonic time). */
const accountRefreshMs = 1_000;

/**
 * How often a strategy's open orders are read again from PostgreSQL (ms of monotonic time): what
 * this task's order desk changes (the paper exchange's fills and expiries, a cancel through the
 * API, a broker's answer) reaches the strategy at once through the desk's change listener; what
 * another task changed shows within this.
 */
const pollOrdersMs = 1_000;

/** A strategy's cash and holdings as this task knows them: read from its ledger, with its own fills since applied. */
interface Ledger {
  readAt: number;
  cash: number;
  book: PositionBook;
  /** Fills applied in memory since it was read: a read that started before one of them is not taken. */
  applied: number;
  refreshing: Promise<void> | undefined;
}

const liveOrderTypes: Partial<Record<OrderRequest['type'], OrderType>> = {
  market: 'market',
  limit: 'limit',
  market_on_open: 'market_on_open',
  market_on_close: 'market_on_close',
};

/** A live tick as the engine's event: a one-minute bar (its minute ended), a trade or a quote. */
export function engineEventOf(tick: LiveTick): Bar | Tick | undefined {
  if (tick.type === 'bar' && tick.open !== undefined && tick.high !== undefined && tick.low !== undefined && tick.close !== undefined) {
    return {
      kind: 'bar',
      symbol: tick.symbol,
      interval: '1m',
      startMs: tick.ts,
      endMs: tick.ts + 60_000,
      open: tick.open,
      high: tick.high,
      low: tick.low,
      close: tick.close,
      volume: tick.size ?? 0,
    };
  }
  if (tick.type === 'trade' && tick.price !== undefined) return { kind: 'trade', symbol: tick.symbol, ts: tick.ts, price: tick.price, size: tick.size ?? 0 };
  if (tick.type === 'quote' && tick.bid !== undefined && tick.ask !== undefined)
    return { kind: 'quote', symbol: tick.symbol, ts: tick.ts, bid: tick.bid, ask: tick.ask, bidSize: tick.bidSize ?? 0, askSize: tick.askSize ?? 0 };
  return undefined;
}

export class LiveStrategyRunner {
  private readonly deps: LiveStrategyDeps;
  private readonly running = new Map<number, Running>();
  private readonly lastPrice = new Map<string, number>();
  private readonly minuteBars = new MinuteBars();
  /** Each running strategy's cash and holdings as last read from its ledger (see account()). */
  private readonly ledgers = new Map<number, Ledger>();
  private starting: Promise<void> = Promise.resolve();

  constructor(deps: LiveStrategyDeps) {
    this.deps = deps;
    deps.orders.onChanged((order, fills) => this.orderChanged(order, fills));
  }

  /**
   * A change the order desk of this task stored (after its commit): an order of a running
   * strategy hears of its new fills and of its end on its queue, before its next event.
   */
  private orderChanged(order: DeskOrder, fills: readonly BrokerFill[]): void {
    for (const running of this.running.values()) {
      if (!running.orders.has(order.id)) continue;
      const row = deskRowOf(order);
      const rows: TrackedOrderRow[] =
        fills.length === 0
          ? [row]
          : fills.map((fill) => ({ ...row, fill_id: fill.fillId, quantity: fill.quantity, price: fill.price, fee: fill.fee, at: fill.at }));
      this.enqueueStep(running, () => this.tellRows(running, rows));
    }
  }

  /** Starts the live instances not running yet and stops the ones no longer live, enabled or unchanged; idempotent. */
  sync(): Promise<void> {
    this.starting = this.starting
      .then(() => this.syncNow())
      .catch((error: unknown) => this.deps.log.error({ err: error }, 'live strategies: could not sync the instances'));
    return this.starting;
  }

  private async syncNow(): Promise<void> {
    const live = (await this.deps.strategies.list()).filter((strategy) => strategy.mode === 'live' && strategy.enabled);
    const wanted = new Map(live.map((strategy) => [strategy.id, strategy]));
    for (const [id, running] of this.running) {
      const now = wanted.get(id);
      if (!now || now.updated_at !== running.version) await this.halt(running, 'stopped', null);
    }
    for (const strategy of live) {
      if (this.running.has(strategy.id)) continue;
      const failed = await runStatusOf(this.deps.pool, strategy.id);
      // A strategy stopped for a fault stays stopped until the instance is changed (PATCH): no restart loop on the same bug.
      if (failed?.status === 'failed' && failed.updated_at.getTime() >= Date.parse(strategy.updated_at)) continue;
      await this.startOne(strategy);
    }
  }

  private async startOne(strategy: StrategyRecord): Promise<void> {
    const saved = await savedStrategyState(this.deps.pool, strategy.id);
    try {
      const resolved = await this.deps.strategies.catalogue.resolve(strategy.code, 'code');
      const host = await StrategyWorkerHost.start(
        {
          source: resolved.source,
          params: strategy.effective_parameters,
          universe: strategy.universe,
          interval: strategy.interval as Bar['interval'],
          ...(saved ? { state: saved } : {}),
          budgetMs: this.deps.budgetMs ?? 1_000,
        },
        this.deps.clock.nowMs(),
      );
      const running: Running = {
        strategy,
        host,
        queue: Promise.resolve(),
        stopped: false,
        version: strategy.updated_at,
        orders: new Map(),
        polledAt: performance.now(),
      };
      this.running.set(strategy.id, running);
      await this.saveStatus(strategy.id, 'running', null);
      this.enqueue(running, () => host.start(this.deps.clock.nowMs(), this.accountFallback(strategy)), 'start');
      this.deps.log.info({ strategyId: strategy.id, code: strategy.code }, 'live strategy started');
    } catch (error) {
      const failure = (error as { failure?: StrategyFailure }).failure;
      await this.fail(strategy, failure ?? { strategy: strategy.code, reason: 'load_failed', message: (error as Error).message, during: 'load' });
    }
  }

  /** Ticks from the live feed (the paper exchange's listener calls this): each live instance on the symbol gets them in order. */
  onTicks(ticks: readonly LiveTick[]): void {
    if (this.running.size === 0) return;
    for (const tick of ticks) {
      const event = engineEventOf(tick);
      if (!event) continue;
      if (event.kind === 'trade') {
        this.lastPrice.set(event.symbol, event.price);
        // A feed of trades alone (the replay) still gives 1m strategies their bars: a completed minute comes first.
        const completed = this.minuteBars.trade(event.symbol, event.ts, event.price, event.size);
        if (completed) this.deliver(completed);
      } else if (event.kind === 'bar') {
        this.lastPrice.set(event.symbol, event.close);
        this.minuteBars.sawSourceBar(event.symbol);
      }
      this.deliver(event);
    }
  }

  /** One event to each running instance that trades its symbol and reads its kind. */
  private deliver(event: Bar | Tick): void {
    for (const running of this.running.values()) {
      if (running.stopped || !running.strategy.universe.includes(event.symbol)) continue;
      // A one-minute bar reaches a strategy reading 1m bars; trades and quotes reach every live strategy (onTick).
      if (event.kind === 'bar' && running.strategy.interval !== '1m') continue;
      this.enqueue(running, async () => running.host.event(event as HostEvent, this.deps.clock.nowMs(), await this.account(running.strategy)), event);
    }
  }

  private enqueue(
    running: Running,
    send: () => Promise<{ commands: readonly StrategyCommand[]; state: StrategyState | undefined; failure: StrategyFailure | undefined }>,
    event: Bar | Tick | 'start',
  ): void {
    this.enqueueStep(running, async () => {
      // What became of its orders in another task (or unheard of) since they were last read reaches it first.
      if (running.orders.size > 0 && performance.now() - running.polledAt >= pollOrdersMs && !(await this.tellFills(running))) return;
      const outcome = await send();
      if (outcome.failure) {
        await this.halt(running, 'failed', outcome.failure);
        return;
      }
      // Its state is saved while its orders go out: an order does not wait for that write.
      const saving = outcome.state ? this.saveState(running.strategy.id, outcome.state) : undefined;
      for (const command of outcome.commands) if (command.type === 'submit') await this.act(running, command.order, command.localId, event);
      await saving;
    });
  }

  /** One step on an instance's queue: steps run one at a time, in the order they were queued; none runs once it stopped. */
  private enqueueStep(running: Running, step: () => Promise<unknown>): void {
    running.queue = running.queue
      .then(async () => {
        if (!running.stopped) await step();
      })
      .catch((error: unknown) => this.deps.log.error({ err: error, strategyId: running.strategy.id }, 'live strategy: an event could not be handled'));
  }

  /** A strategy's order: a pending signal (manual approval) or an order through the desk and its risk checks (auto). */
  private async act(running: Running, order: OrderRequest, localId: string, event: Bar | Tick | 'start'): Promise<void> {
    const strategy = running.strategy;
    const nowMs = this.deps.clock.nowMs();
    const calendar = calendarForSymbol(order.symbol);
    const session = calendar.sessionOf(nowMs) ?? calendar.nextSession(nowMs);
    const price = this.lastPrice.get(order.symbol) ?? (typeof event === 'object' && event.kind === 'bar' ? event.close : undefined);
    if (strategy.approval === 'manual') {
      if (price === undefined)
        return this.deps.log.warn({ strategyId: strategy.id, symbol: order.symbol }, 'live strategy: an order with no price seen yet is not a signal');
      // Keyed by the instant of the bar (its end) or tick that made it: a 1m strategy signals many times a session.
      const at = typeof event === 'object' ? (event.kind === 'bar' ? event.endMs : event.ts) : nowMs;
      const stored = await this.deps.signals.record(
        strategy,
        order.symbol,
        order.side,
        { date: session.day, open: price, high: price, low: price, close: price, adjClose: null, volume: null },
        { at, interval: strategy.interval },
        order.quantity,
      );
      if (!stored)
        this.deps.log.warn(
          { strategyId: strategy.id, symbol: order.symbol, side: order.side, at: new Date(at).toISOString() },
          'live strategy: a second signal on the same bar, symbol and side is not stored again',
        );
      return;
    }
    const type = liveOrderTypes[order.type];
    if (!type)
      return this.deps.log.warn(
        { strategyId: strategy.id, type: order.type },
        `live strategy: ${order.type} orders are not placed live yet (market, limit, market_on_open, market_on_close are)`,
      );
    const limitPrice = order.type === 'limit' ? order.limitPrice : null;
    const { order: placed } = await this.deps.orders.place(
      {
        clientOrderId: `live-${strategy.id}-${nowMs}-${localId}`,
        accountId: strategy.account_id,
        strategyId: strategy.id,
        purpose: 'entry',
        symbol: order.symbol,
        side: order.side,
        quantity: order.quantity,
        type,
        timeInForce: 'day',
        limitPrice,
        sessionDate: session.day,
        createdBy: 'live strategy',
      },
      `live strategy ${strategy.name} (${strategy.code})`,
    );
    // Its later fills and cancels name the desk's id; the strategy keeps seeing the id ctx.submit gave it.
    running.host.bindOrder(localId, placed.id);
    running.orders.set(placed.id, { localId, clientId: order.clientId, told: new Set() });
  }

  /**
   * Tells the strategy what became of its desk orders since it was last told: each new fill
   * (onFill), in the order they happened, then an order that ended without filling all of it
   * (cancelled, expired at its session's close, rejected) as an order update (onOrder) with the
   * desk's reason. False when the strategy failed on one.
   */
  private async tellFills(running: Running): Promise<boolean> {
    running.polledAt = performance.now();
    const ids = [...running.orders.keys()];
    return this.tellRows(running, await trackedOrderRows(this.deps.pool, ids));
  }

  /** Tells the strategy the fills among rows not told yet, then the orders among them that ended (see tellFills). */
  private async tellRows(running: Running, rows: readonly TrackedOrderRow[]): Promise<boolean> {
    const ended = new Map<string, TrackedOrderRow>();
    for (const row of rows) {
      const tracked = running.orders.get(row.order_id);
      if (!tracked) continue;
      if (row.fill_id && !tracked.told.has(row.fill_id)) {
        tracked.told.add(row.fill_id);
        // Its cash and holdings moved: the ledger in memory takes the fill before the strategy hears of it.
        this.applyFill(running.strategy.id, row);
        const quantity = fromNumber(row.quantity!);
        const price = fromNumber(row.price!);
        const fill: FillEvent = {
          kind: 'fill',
          ts: row.at!.getTime(),
          orderId: row.order_id,
          clientId: tracked.clientId,
          symbol: row.symbol,
          side: row.side,
          quantity: row.quantity!,
          price: row.price!,
          fee: row.fee!,
          slippage: 0,
          exact: { quantity, price, notional: mulFixed(quantity, price), fee: fromNumber(row.fee!) },
        };
        if (!(await this.tell(running, fill))) return false;
      }
      if (endedStates.has(row.state)) ended.set(row.order_id, row);
    }
    for (const [orderId, row] of ended) {
      const tracked = running.orders.get(orderId);
      if (!tracked) continue;
      running.orders.delete(orderId);
      if (row.state !== 'filled') {
        const update: OrderUpdate = { kind: 'order', ts: row.updated_at.getTime(), order: engineOrderView(row, tracked.clientId) };
        if (!(await this.tell(running, update))) {
          running.host.releaseOrder(orderId);
          return false;
        }
      }
      running.host.releaseOrder(orderId);
    }
    return true;
  }

  /** One fill or order update to the strategy, and what it does about it; false when it failed. */
  private async tell(running: Running, event: FillEvent | OrderUpdate): Promise<boolean> {
    const outcome = await running.host.event(event, this.deps.clock.nowMs(), await this.account(running.strategy));
    if (outcome.failure) {
      await this.halt(running, 'failed', outcome.failure);
      return false;
    }
    if (outcome.state) await this.saveState(running.strategy.id, outcome.state);
    for (const command of outcome.commands) if (command.type === 'submit') await this.act(running, command.order, command.localId, 'start');
    return true;
  }

  /**
   * What ctx.cash/positions answer: the strategy's cash ledger and its positions from its fills,
   * marked at the last live prices. The ledger is read again after a fill of its own orders, and
   * otherwise at most once per `accountRefreshMs` (fills it did not place itself, such as a
   * square-off's, show within that), not on every tick: replaying its fills per tick put the
   * strategy behind a fast feed.
   */
  private async account(strategy: StrategyRecord): Promise<AccountSnapshot> {
    let ledger = this.ledgers.get(strategy.id);
    if (!ledger) {
      ledger = await this.readLedger(strategy.id);
      this.ledgers.set(strategy.id, ledger);
    } else if (performance.now() - ledger.readAt > accountRefreshMs && !ledger.refreshing) {
      this.refreshLedger(strategy.id, ledger);
    }
    let equity = ledger.cash;
    const positions: { symbol: string; quantity: number; averagePrice: number; lastPrice: number }[] = [];
    for (const symbol of ledger.book.symbols()) {
      const { quantity, averageCost } = ledger.book.position(symbol);
      if (quantity === 0) continue;
      const lastPrice = this.lastPrice.get(symbol) ?? averageCost;
      equity += quantity * lastPrice;
      positions.push({ symbol, quantity, averagePrice: averageCost, lastPrice });
    }
    return { cash: ledger.cash, equity, positions, openOrders: [] };
  }

  private async readLedger(strategyId: number): Promise<Ledger> {
    const [cash, book] = await Promise.all([cashBalance(this.deps.pool, strategyId), positionBookOf(this.deps.pool, strategyId)]);
    return { readAt: performance.now(), cash, book, applied: 0, refreshing: undefined };
  }

  /**
   * Reads the ledger again in the background (fills it did not place itself, such as a
   * square-off's, show so); the event that asked goes on with the one in memory. A read that a
   * fill applied in memory overtook is not taken: the next event reads again.
   */
  private refreshLedger(strategyId: number, ledger: Ledger): void {
    const appliedBefore = ledger.applied;
    ledger.refreshing = this.readLedger(strategyId)
      .then((fresh) => {
        if (this.ledgers.get(strategyId) === ledger && ledger.applied === appliedBefore) this.ledgers.set(strategyId, fresh);
      })
      .catch((error: unknown) => this.deps.log.warn({ err: error, strategyId }, 'live strategy: its ledger could not be read again'))
      .finally(() => {
        ledger.refreshing = undefined;
      });
  }

  /** One fill of its own orders, as the ledger books it: the trade's cash and its fee, and the position. */
  private applyFill(strategyId: number, row: TrackedOrderRow): void {
    const ledger = this.ledgers.get(strategyId);
    if (!ledger) return;
    const notional = row.quantity! * row.price!;
    ledger.cash += (row.side === 'buy' ? -notional : notional) - row.fee!;
    ledger.book.apply({
      symbol: row.symbol,
      side: row.side,
      quantity: row.quantity!,
      price: row.price!,
      fee: row.fee!,
      date: row.at!.toISOString().slice(0, 10),
      orderId: row.order_id,
    });
    ledger.applied += 1;
  }

  private accountFallback(strategy: StrategyRecord): AccountSnapshot {
    return { cash: strategy.allocation, equity: strategy.allocation, positions: [], openOrders: [] };
  }

  private async halt(running: Running, status: 'stopped' | 'failed', failure: StrategyFailure | null): Promise<void> {
    if (running.stopped) return;
    running.stopped = true;
    this.running.delete(running.strategy.id);
    this.ledgers.delete(running.strategy.id);
    await running.host.terminate();
    if (failure) await this.fail(running.strategy, failure);
    else await this.saveStatus(running.strategy.id, status, null);
  }

  private async fail(strategy: StrategyRecord, failure: StrategyFailure): Promise<void> {
    const error = `${failure.reason} during ${failure.during}: ${failure.message}`;
    this.deps.log.error({ strategyId: strategy.id, failure }, `live strategy ${strategy.name} stopped: ${error}`);
    await this.saveStatus(strategy.id, 'failed', error);
    await recordAlert(this.deps.pool, {
      event: 'trading_state_changed',
      payload: {
        scope: `strategy:${strategy.id}`,
        from: 'running',
        to: 'stopped',
        reason: `live strategy ${strategy.name} (${strategy.code}) stopped: ${error}`,
        by: 'live strategy host',
      },
    });
  }

  private async saveState(strategyId: number, state: StrategyState): Promise<void> {
    await saveStrategyState(this.deps.pool, strategyId, state);
  }

  private async saveStatus(strategyId: number, status: LiveStrategyStatus['status'], error: string | null): Promise<void> {
    await saveRunStatus(this.deps.pool, strategyId, status, error);
  }

  /** Each live instance's run status and its last error. */
  async statuses(): Promise<LiveStrategyStatus[]> {
    const rows = await runStatuses(this.deps.pool);
    const universes = new Map((await this.deps.strategies.list()).map((strategy) => [strategy.id, strategy.universe]));
    const symbols = [...new Set(rows.flatMap((row) => universes.get(row.strategy_id) ?? []))];
    // The prices service's latest price per symbol (its table, read through its typed reader): a strategy hears nothing of a symbol no feed serves.
    const lastPriceAt = new Map(
      await Promise.all(symbols.map(async (symbol) => [symbol, (await priceLatest.livePrice(this.deps.pool, symbol))?.at ?? null] as const)),
    );
    const nowMs = this.deps.clock.nowMs();
    return rows.map((row) => {
      const prices = (universes.get(row.strategy_id) ?? []).map((symbol) => ({ symbol, last_price_at: lastPriceAt.get(symbol)?.toISOString() ?? null }));
      const quiet =
        row.status === 'running' ? prices.filter((price) => price.last_price_at === null || nowMs - Date.parse(price.last_price_at) > quietFeedMs) : [];
      const waiting_for =
        quiet.length === 0
          ? null
          : `live prices for ${quiet.map((price) => `${price.symbol} (${price.last_price_at === null ? 'none yet' : `last at ${price.last_price_at}`})`).join(', ')}: ` +
            `a live strategy hears the symbols the prices service serves; subscribe each (POST /prices/subscriptions {"provider": "replay", "symbol": "${quiet[0]!.symbol}"}, or the dashboard's Live prices page), or wait for its market to open`;
      return { ...row, updated_at: row.updated_at.toISOString(), prices, waiting_for };
    });
  }

  /** Waits for the events handed over so far (tests and shutdown). */
  async settled(): Promise<void> {
    await this.starting;
    await Promise.all([...this.running.values()].map((running) => running.queue));
  }

  async stop(): Promise<void> {
    await this.starting;
    for (const running of [...this.running.values()]) await this.halt(running, 'stopped', null);
  }
}
