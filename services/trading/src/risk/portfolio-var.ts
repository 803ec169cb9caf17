import { historicalVar } from '@closecross/quant';

/**
 * Daily returns of several symbols on one calendar: `dates[k]` is the day of return k of every
 * series, so a portfolio's P&L on day k is the sum of exposure x return over its symbols.
 */
export interface AlignedReturns {
  dates: readonly string[];
  bySymbol: ReadonlyMap<string, Float64Array>;
  /** Symbols whose bars stopped (sessions missing against the calendar): not aligned, valued on their own. */
  stale?: ReadonlyMap<string, StaleSeries>;
}

/** A series whose last bar is too old to be carried forward as zero returns. */
export interface StaleSeries {
  lastBar: string;
  /** Trading sessions since the last bar, before today. */
  missingSessions: number;
  /** The series' own daily returns (its last bars, on its own dates). */
  returns: Float64Array;
}

/** VaR and expected shortfall as positive losses in account currency (0 when the tail is a gain). */
export interface RiskFigures {
  var95: number;
  var99: number;
  es95: number;
  es99: number;
}

export const noRisk: RiskFigures = { var95: 0, var99: 0, es95: 0, es99: 0 };

/** A book's VaR with what it could not measure from aligned returns, said in words for a refusal. */
export interface BookRiskFigures extends RiskFigures {
  /** Symbols held without a return history at all (no two bars): their risk is not in the figures. */
  unmeasured: string[];
  /** Stale symbols charged on their own history, e.g. `ACME (last bar 2019-06-28, 540 sessions missing)`. */
  stale: string[];
}

/**
 * The portfolio's P&L in each historical scenario: exposure (signed value held) times the symbol's
 * return that day, summed. Symbols without a history add nothing (the caller lists them).
 */
export function scenarioPnl(exposures: Iterable<readonly [string, number]>, returns: AlignedReturns): Float64Array {
  const pnl = new Float64Array(returns.dates.length);
  for (const [symbol, value] of exposures) {
    const series = returns.bySymbol.get(symbol);
    if (!series || value === 0) continue;
    for (let k = 0; k < pnl.length; k++) pnl[k]! += value * series[k]!;
  }
  return pnl;
}

/**
 * VaR and ES of a book, never less than its stale parts alone: the aligned scenarios of the fresh
 * symbols, plus each stale symbol's own VaR and ES (exposure times its own returns) added in full,
 * with no diversification credit. A stale series is unknown risk, so it is charged, not netted.
 */
export function bookRisk(exposures: Iterable<readonly [string, number]>, returns: AlignedReturns): BookRiskFigures {
  const values = [...exposures];
  const risk: BookRiskFigures = { ...riskOfPnl(scenarioPnl(values, returns)), unmeasured: [], stale: [] };
  for (const [symbol, value] of values) {
    if (value === 0 || returns.bySymbol.has(symbol)) continue;
    const series = returns.stale?.get(symbol);
    if (!series || series.returns.length < 2) {
      risk.unmeasured.push(symbol);
      continue;
    }
    risk.stale.push(`${symbol} (last bar ${series.lastBar}, ${series.missingSessions} sessions missing)`);
    const own = riskOfPnl(series.returns.map((r) => value * r));
    risk.var95 += own.var95;
    risk.var99 += own.var99;
    risk.es95 += own.es95;
    risk.es99 += own.es99;
  }
  return risk;
}

/** Historical-simulation VaR 95/99 and ES of scenario P&Ls (packages/quant's historicalVar), as losses. */
export function riskOfPnl(pnl: Float64Array): RiskFigures {
  if (pnl.length < 2) return noRisk;
  const tail = historicalVar(pnl);
  const loss = (value: number) => Math.max(0, -value);
  return { var95: loss(tail.var95), var99: loss(tail.var99), es95: loss(tail.es95), es99: loss(tail.es99) };
}

/**
 * Each part's share of the portfolio's 99% expected shortfall: its own P&L averaged over the
 * portfolio's worst days (those at or below the portfolio's 99% quantile). The parts' shares add
 * up to the portfolio's ES99, so they say who the bad days come from.
 */
export function es99Contributions(portfolio: Float64Array, parts: ReadonlyMap<string, Float64Array>): Map<string, number> {
  const contributions = new Map<string, number>();
  if (portfolio.length < 2) return contributions;
  const threshold = historicalVar(portfolio).var99;
  const tailDays: number[] = [];
  for (let k = 0; k < portfolio.length; k++) if (portfolio[k]! <= threshold) tailDays.push(k);
  for (const [name, pnl] of parts) {
    let sum = 0;
    for (const k of tailDays) sum += pnl[k]!;
    contributions.set(name, tailDays.length === 0 ? 0 : -sum / tailDays.length);
  }
  return contributions;
}
