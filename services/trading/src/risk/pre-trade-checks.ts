import type { Side } from '../brokers/broker.ts';
import { exposureOf, type RiskBook } from './risk-book.ts';
import { globalScope, strategyScope, type BreachAction, type LimitName, type Limits } from './risk-limits.ts';
import type { BookRiskFigures } from './portfolio-var.ts';
import { isStricter, shrinksPosition, stricterState, type StateChange } from './trading-state.ts';

/** An order as the engine sees it before it is stored. */
export interface ProposedOrder {
  strategyId: number | null;
  symbol: string;
  side: Side;
  quantity: number;
  limitPrice?: number | null;
  /** A square-off's closing order: exempt from every check while it only shrinks a position. */
  squareOff?: boolean;
}

export const riskCheckNames = [
  'trading_state',
  'daily_loss',
  'drawdown',
  'orders_per_minute',
  'price',
  'order_notional',
  'position_notional',
  'gross_exposure',
  'net_exposure',
  'allocation_use',
  'var99',
] as const;
export type RiskCheckName = (typeof riskCheckNames)[number];

export interface Breach {
  limit: 'max_daily_loss' | 'max_drawdown';
  scope: string;
  value: number;
  threshold: number;
  action: BreachAction;
}

export interface RiskDecision {
  accepted: boolean;
  check?: RiskCheckName;
  reason?: string;
  /** The order only shrinks an existing position of its book. */
  reducing: boolean;
  breaches: Breach[];
  stateChanges: StateChange[];
}

const money = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 2 });
const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
const epsilon = 1e-6;

/**
 * Daily-loss and drawdown breaches of the given scopes, and the state each moves to (its limit
 * set's breach_action) when that is stricter than the scope's state now; the book's states follow.
 */
export function findBreaches(
  book: RiskBook,
  strategies: readonly (number | 'total')[],
  by = 'risk engine',
): { breaches: Breach[]; stateChanges: StateChange[] } {
  const breaches: Breach[] = [];
  const stateChanges: StateChange[] = [];
  for (const target of strategies) {
    const scope = target === 'total' ? globalScope : strategyScope(target);
    const set = book.limits(scope);
    if (!set) continue;
    const { dailyLoss, drawdown } = book.lossAndDrawdown(target);
    const found: Breach[] = [];
    if (set.limits.max_daily_loss !== undefined && dailyLoss > set.limits.max_daily_loss)
      found.push({ limit: 'max_daily_loss', scope, value: dailyLoss, threshold: set.limits.max_daily_loss, action: set.breach_action });
    if (set.limits.max_drawdown !== undefined && drawdown > set.limits.max_drawdown)
      found.push({ limit: 'max_drawdown', scope, value: drawdown, threshold: set.limits.max_drawdown, action: set.breach_action });
    breaches.push(...found);
    const first = found[0];
    const now = book.state(scope);
    if (first && isStricter(set.breach_action, now)) {
      stateChanges.push({
        scope,
        strategyId: target === 'total' ? null : target,
        from: now,
        to: set.breach_action,
        reason: describeBreach(first),
        by,
        automatic: true,
      });
      book.setState(scope, set.breach_action);
    }
  }
  return { breaches, stateChanges };
}

export function describeBreach(breach: Breach): string {
  const where = breach.scope === globalScope ? 'in total' : `of ${breach.scope}`;
  return breach.limit === 'max_daily_loss'
    ? `daily loss ${where} is ${money(breach.value)}, over the limit ${money(breach.threshold)}`
    : `drawdown ${where} is ${percent(breach.value)} from the peak, over the limit ${percent(breach.threshold)}`;
}

const priceLimits: LimitName[] = ['max_order_notional', 'max_position_notional', 'max_gross_exposure', 'max_net_exposure', 'max_allocation_use', 'max_var99'];
/** Limits that value every position of their scope's book at its mark (equity, exposures, VaR). */
const bookWideLimits: LimitName[] = ['max_gross_exposure', 'max_net_exposure', 'max_allocation_use', 'max_var99', 'max_daily_loss', 'max_drawdown'];

/** The marks evaluateOrder reads for an order: every book's symbols, some books' (strategy ids, 0 manual), and the order's own price. */
export interface MarksRead {
  everyBook: boolean;
  books: number[];
  ownSymbol: boolean;
}

/**
 * Which marks a decision on `order` can read, from the limits set on its scopes (the total's and
 * its strategy's): a book-wide limit values that scope's book, a priced limit the order's own symbol
 * (unless its limit price prices it); no priced limit, no mark. A placement's guard proves only
 * these unchanged, so a mark that cannot move the decision never sends the statement round again.
 */
export function marksReadBy(limits: readonly { scope: string; limits: Limits }[], order: ProposedOrder): MarksRead {
  const scopes = new Map([[globalScope, undefined as number | undefined]]);
  if (order.strategyId !== null) scopes.set(strategyScope(order.strategyId), order.strategyId);
  const read: MarksRead = { everyBook: false, books: [], ownSymbol: false };
  for (const set of limits) {
    if (!scopes.has(set.scope)) continue;
    if (bookWideLimits.some((name) => set.limits[name] !== undefined)) {
      const strategyId = scopes.get(set.scope);
      if (strategyId === undefined) read.everyBook = true;
      else read.books.push(strategyId);
    }
    if ((order.limitPrice ?? null) === null && priceLimits.some((name) => set.limits[name] !== undefined)) read.ownSymbol = true;
  }
  return read;
}

/**
 * The pre-trade checks, in order: trading state (after any daily-loss or drawdown breach has
 * moved it), order rate, then, priced at the limit price or the mark, order notional, position
 * notional per symbol, gross and net exposure, allocation use and VaR 99, each for the order's
 * strategy and in total. A measure over its limit refuses the order only when the order makes it
 * larger, so an order that brings an over-limit book back down always passes.
 * `varOf` answers the VaR of signed exposures per symbol (historical simulation).
 */
export function evaluateOrder(book: RiskBook, order: ProposedOrder, varOf: (exposures: ReadonlyMap<string, number>) => BookRiskFigures): RiskDecision {
  const delta = order.side === 'buy' ? order.quantity : -order.quantity;
  const reducing = shrinksPosition(book.quantity(order.strategyId, order.symbol), delta);
  const decision: RiskDecision = { accepted: true, reducing, breaches: [], stateChanges: [] };
  const reject = (check: RiskCheckName, reason: string): RiskDecision => ({ ...decision, accepted: false, check, reason });
  if (order.squareOff && reducing) return decision;

  const strategyId = order.strategyId;
  const strategy = strategyId === null ? undefined : book.strategies.get(strategyId);
  const strategyName = strategyId === null ? 'manual orders' : `strategy ${strategyId}${strategy ? ` ("${strategy.name}")` : ''}`;
  const targets: { scope: string; label: string; limits: Limits; book: number | null | undefined }[] = [
    { scope: globalScope, label: 'in total', limits: book.limits(globalScope)?.limits ?? {}, book: undefined },
  ];
  if (strategyId !== null)
    targets.push({
      scope: strategyScope(strategyId),
      label: `of ${strategyName}`,
      limits: book.limits(strategyScope(strategyId))?.limits ?? {},
      book: strategyId,
    });

  const found = findBreaches(book, strategyId === null ? ['total'] : ['total', strategyId]);
  decision.breaches = found.breaches;
  decision.stateChanges = found.stateChanges;

  const globalState = book.state(globalScope);
  const strategyState = strategyId === null ? 'active' : book.state(strategyScope(strategyId));
  const state = stricterState(globalState, strategyState);
  if (state === 'halted' || (state === 'reducing' && !reducing)) {
    const scopeWord = globalState === state ? 'globally' : `for ${strategyName}`;
    const breach = found.breaches.find((candidate) => candidate.scope === (globalState === state ? globalScope : strategyScope(strategyId!)));
    const why =
      state === 'halted'
        ? `trading is halted ${scopeWord}: no order passes`
        : `trading is reducing ${scopeWord}: only orders that shrink a position pass, and this ${order.side} of ${order.quantity} ${order.symbol} does not`;
    if (breach) return reject(breach.limit === 'max_daily_loss' ? 'daily_loss' : 'drawdown', `${describeBreach(breach)}; ${why}`);
    return reject('trading_state', why);
  }

  for (const target of targets) {
    const limit = target.limits.max_orders_per_minute;
    const rate = target.book === undefined ? book.orderRate() : book.orderRate(target.book);
    if (limit !== undefined && rate + 1 > limit)
      return reject('orders_per_minute', `${rate} orders in the last minute ${target.label}; the limit is ${limit} a minute`);
  }

  const price = order.limitPrice ?? book.marks.get(order.symbol);
  if (price === undefined) {
    const needsPrice = targets.some((target) => priceLimits.some((name) => target.limits[name] !== undefined));
    if (needsPrice) return reject('price', `no price for ${order.symbol} (no stored bar or live quote): the order cannot be valued against the limits`);
    return decision;
  }
  const notional = Math.abs(delta) * price;
  for (const target of targets) {
    const limit = target.limits.max_order_notional;
    if (limit !== undefined && !reducing && notional > limit + epsilon)
      return reject(
        'order_notional',
        `order value ${money(notional)} (${order.quantity} ${order.symbol} at ${money(price)}) is over the limit ${money(limit)} per order ${target.label}`,
      );
  }

  /** Refused when the measure ends over its limit and the order made it larger. */
  const over = (after: number, before: number, limit: number | undefined) => limit !== undefined && after > limit + epsilon && after > before + epsilon;

  for (const target of targets) {
    const quantity = target.book === undefined ? book.totalQuantity(order.symbol) : book.quantity(target.book, order.symbol);
    const before = Math.abs(quantity) * price;
    const after = Math.abs(quantity + delta) * price;
    if (over(after, before, target.limits.max_position_notional))
      return reject(
        'position_notional',
        `the ${order.symbol} position ${target.label} would be worth ${money(after)}, over the limit ${money(target.limits.max_position_notional!)} per symbol`,
      );
  }

  const varBefore = new Map<string, BookRiskFigures>();
  for (const target of targets) {
    const values = target.book === undefined ? book.exposures() : book.exposures(target.book);
    const before = exposureOf(values);
    const afterValues = new Map(values);
    afterValues.set(order.symbol, (afterValues.get(order.symbol) ?? 0) + delta * price);
    const after = exposureOf(afterValues);
    if (over(after.gross, before.gross, target.limits.max_gross_exposure))
      return reject(
        'gross_exposure',
        `gross exposure ${target.label} would be ${money(after.gross)}, over the limit ${money(target.limits.max_gross_exposure!)}`,
      );
    if (over(Math.abs(after.net), Math.abs(before.net), target.limits.max_net_exposure))
      return reject(
        'net_exposure',
        `net exposure ${target.label} would be ${money(after.net)}, over the limit ${money(target.limits.max_net_exposure!)} either way`,
      );
    if (target.book !== undefined && strategy && target.limits.max_allocation_use !== undefined) {
      const allocation = strategy.allocation;
      const useAfter = allocation > 0 ? after.gross / allocation : Number.POSITIVE_INFINITY;
      const useBefore = allocation > 0 ? before.gross / allocation : Number.POSITIVE_INFINITY;
      if (over(useAfter, useBefore, target.limits.max_allocation_use))
        return reject(
          'allocation_use',
          `${strategyName} would use ${percent(useAfter)} of its allocation ${money(allocation)} (gross ${money(after.gross)}), over the limit ${percent(target.limits.max_allocation_use)}`,
        );
    }
    const varLimit = target.limits.max_var99;
    if (varLimit !== undefined) {
      const risk = varOf(afterValues);
      const prior = varBefore.get(target.scope) ?? varOf(values);
      varBefore.set(target.scope, prior);
      // No history to measure the order's own symbol by: the VaR cannot be known, so a growing position is refused.
      if (!reducing && risk.unmeasured.includes(order.symbol))
        return reject(
          'var99',
          `no return history for ${order.symbol} (fewer than two daily bars): one-day VaR 99 ${target.label} cannot be measured against the limit ${money(varLimit)}`,
        );
      const staleNote = risk.stale.length > 0 ? `; stale prices charged on their own history, without diversification: ${risk.stale.join(', ')}` : '';
      if (over(risk.var99, prior.var99, varLimit))
        return reject(
          'var99',
          `one-day VaR 99 ${target.label} would be ${money(risk.var99)} (now ${money(prior.var99)}), over the limit ${money(varLimit)}${staleNote}`,
        );
    }
  }
  return decision;
}
