/**
 * Online performance figures of an equity series: drawdown from the running peak, and the mean,
 * spread and downside deviation of period returns (Welford), so a run of 10 million bars keeps
 * O(1) state, not the series.
 */
export class PerformanceTracker {
  peak = Number.NEGATIVE_INFINITY;
  maxDrawdown = 0;
  maxDrawdownPct = 0;
  private returns = 0;
  private mean = 0;
  private m2 = 0;
  private downsideSquares = 0;
  private previousPeriodEquity: number | undefined;

  /** An equity reading (every time step). */
  observe(equity: number): number {
    if (equity > this.peak) this.peak = equity;
    const drawdown = this.peak - equity;
    if (drawdown > this.maxDrawdown) this.maxDrawdown = drawdown;
    const pct = this.peak > 0 ? drawdown / this.peak : 0;
    if (pct > this.maxDrawdownPct) this.maxDrawdownPct = pct;
    return drawdown;
  }

  /** The equity at the end of a period (a session): one return per period. */
  closePeriod(equity: number): void {
    const previous = this.previousPeriodEquity;
    this.previousPeriodEquity = equity;
    if (previous === undefined || previous <= 0) return;
    const r = equity / previous - 1;
    this.returns++;
    const delta = r - this.mean;
    this.mean += delta / this.returns;
    this.m2 += delta * (r - this.mean);
    if (r < 0) this.downsideSquares += r * r;
  }

  get periods(): number {
    return this.returns;
  }

  /** Annualised Sharpe of period returns (risk-free 0); undefined with fewer than two returns or no spread. */
  sharpe(periodsPerYear: number): number | undefined {
    if (this.returns < 2) return undefined;
    const sd = Math.sqrt(this.m2 / (this.returns - 1));
    return sd > 0 ? (this.mean / sd) * Math.sqrt(periodsPerYear) : undefined;
  }

  /** Annualised Sortino (target 0): mean over the downside deviation. */
  sortino(periodsPerYear: number): number | undefined {
    if (this.returns < 2) return undefined;
    const downside = Math.sqrt(this.downsideSquares / this.returns);
    return downside > 0 ? (this.mean / downside) * Math.sqrt(periodsPerYear) : undefined;
  }
}
