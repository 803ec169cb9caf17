import { recordAlert } from '@closecross/alerts';
import { systemClock, type Clock } from '@closecross/engine';
import type { Pool, PoolClient } from 'pg';
import type { PriceReader } from '../market/price-reader.ts';
import { bookRisk, type AlignedReturns, type BookRiskFigures } from './portfolio-var.ts';
import { describeBreach, evaluateOrder, findBreaches, marksReadBy, type Breach, type ProposedOrder, type RiskDecision } from './pre-trade-checks.ts';
import { LiveRiskBook, type BookGuard } from './live-risk-book.ts';
import { LocalDay } from './local-day.ts';
import { RiskBook } from './risk-book.ts';
import { lockRiskBook, readRiskBook } from '../store/trading-risk-book.ts';
import { recordStateChange } from './risk-store.ts';
import type { ReturnHistory } from './return-history.ts';
import type { StateChange } from './trading-state.ts';

export interface RiskEngineDeps {
  pool: Pool;
  prices: PriceReader;
  returns: ReturnHistory;
  timezone: string;
  /** Today's trading day, and which bars are stale; the system clock by default. */
  clock?: Clock;
}

/**
 * The one pre-trade risk engine every order passes (manual, signal entries, strategy exits; a
 * square-off's closing orders only while they shrink a position). It runs inside the
 * transaction that stores the order: the lock, one read of the whole book, the checks in memory
 * (VaR over precomputed returns), and any state change a breach causes, stored and alerted in
 * that same transaction.
 */
export class RiskEngine {
  private readonly deps: RiskEngineDeps;
  /** This task's book in memory, for the one-statement placement (OrderDesk.place). */
  readonly book: LiveRiskBook;
  private readonly localDay: LocalDay;
  constructor(deps: RiskEngineDeps) {
    this.deps = deps;
    this.book = new LiveRiskBook(deps.prices);
    this.localDay = new LocalDay(deps.timezone);
  }

  /**
   * The same checks on the book in memory (read first when its version moved): the decision, and
   * the guard the order's statement must prove (the version and the marks it was valued at). A
   * refusal or a state change is not final here: the caller takes the locked path (check()).
   */
  async checkInMemory(order: ProposedOrder): Promise<{ decision: RiskDecision; guard: BookGuard }> {
    const today = this.today();
    if (this.book.stale(today)) await this.book.load(this.deps.pool, today, [order.symbol]);
    const { data, guard } = this.book.view(order.symbol, marksReadBy(this.book.limits(), order));
    const book = new RiskBook(data);
    const needsVar = data.limits.some((set) => set.limits.max_var99 !== undefined);
    const returns = needsVar ? await this.returnsOf(book, [order.symbol]) : undefined;
    return { decision: evaluateOrder(book, order, (exposures) => this.varOf(exposures, returns)), guard };
  }

  /** The trading day (the exchange's time zone) of an instant: the injected clock's now by default. */
  today(now = (this.deps.clock ?? systemClock).now()): string {
    return this.localDay.of(now);
  }

  async check(db: PoolClient, order: ProposedOrder): Promise<RiskDecision> {
    await lockRiskBook(db);
    const book = new RiskBook(await readRiskBook(db, this.deps.prices, this.today(), [order.symbol]));
    const needsVar = book.data.limits.some((set) => set.limits.max_var99 !== undefined);
    const returns = needsVar ? await this.returnsOf(book, [order.symbol]) : undefined;
    const decision = evaluateOrder(book, order, (exposures) => this.varOf(exposures, returns));
    await this.recordBreaches(db, decision.breaches, decision.stateChanges);
    return decision;
  }

  /** Breaches found without an order (after fills, by the order-sync job and the risk snapshot): states move and are alerted. */
  async watch(db: PoolClient): Promise<{ breaches: Breach[]; stateChanges: StateChange[] }> {
    await lockRiskBook(db);
    const book = new RiskBook(await readRiskBook(db, this.deps.prices, this.today()));
    const found = findBreaches(book, ['total', ...book.strategies.keys()], 'risk watch');
    await this.recordBreaches(db, found.breaches, found.stateChanges);
    return found;
  }

  async returnsOf(book: RiskBook, extra: readonly string[] = []): Promise<AlignedReturns> {
    const symbols = new Set(extra);
    for (const positions of book.quantities.values()) for (const [symbol, quantity] of positions) if (quantity !== 0) symbols.add(symbol);
    const clock = this.deps.clock ?? systemClock;
    return this.deps.returns.returnsFor(symbols, clock.nowMs(), this.today());
  }

  /** VaR of signed exposures: aligned scenarios, stale symbols charged on their own history. */
  varOf(exposures: ReadonlyMap<string, number>, returns: AlignedReturns | undefined): BookRiskFigures {
    if (!returns) throw new Error('returns were not read for a VaR limit');
    return bookRisk(exposures, returns);
  }

  /** Each state a breach moved, with its limit_breached and trading_state_changed alerts. */
  private async recordBreaches(db: PoolClient, breaches: readonly Breach[], changes: readonly StateChange[]): Promise<void> {
    for (const change of changes) {
      const breach = breaches.find((candidate) => candidate.scope === change.scope);
      if (breach)
        await recordAlert(db, {
          event: 'limit_breached',
          payload: {
            limit: breach.limit,
            scope: breach.scope,
            value: breach.value,
            threshold: breach.threshold,
            action: `${change.scope} moved to ${change.to}: ${describeBreach(breach)}`,
          },
        });
      await recordStateChange(db, change);
    }
  }
}
