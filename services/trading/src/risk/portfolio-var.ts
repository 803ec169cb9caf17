import { historicalVar } from '@closecross/quant';

/**
 * Daily returns of several symbols on one calendar: `dates[k]` is the day of return k of every
 * series, so a portfolio's P&L on day k is the sum of exposure x return over its symbols.
 */
export interface AlignedReturns {
  dates: readonly string[];
  bySymbol: ReadonlyMap<string, Float64Array>;
}

/** VaR and expected shortfall as positive losses in account currency (0 when the tail is a gain). */
export interface RiskFigures {
  var95: number;
  var99: number;
  es95: number;
  es99: number;
}

export const noRisk: RiskFigures = { var95: 0, var99: 0, es95: 0, es99: 0 };

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
