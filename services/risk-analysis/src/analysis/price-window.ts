import { priceBars, type Pool } from '@closecross/db';
import { InvalidInputError, NotFoundError } from '@closecross/platform';
import { BarSeries } from '@closecross/quant';

/**
 * The window an analysis runs on: `start`..`end` as given, by default the last `defaultDays`
 * calendar days ending at the symbol's last stored bar. 404 with how to load bars when none are stored.
 */
export async function resolveWindow(
  pool: Pool,
  symbol: string,
  window: { start?: string | undefined; end?: string | undefined },
  defaultDays: number,
): Promise<{ start: string; end: string }> {
  const last = await priceBars.lastDate(pool, symbol);
  if (!last) {
    throw new NotFoundError(
      `no price bars for ${symbol}; load them first with POST /price_bars/${symbol} (a Yahoo Finance CSV as Content-Type: text/csv, or JSON bars)`,
    );
  }
  const end = window.end ?? last;
  const start = window.start ?? new Date(Date.parse(`${end}T00:00:00Z`) - defaultDays * 86_400_000).toISOString().slice(0, 10);
  if (start > end) throw new InvalidInputError(`body/start (${start}) must not be after end (${end})`);
  return { start, end };
}

/** The bars an analysis runs on, market-data's daily bars of `symbol` between `start` and `end` (inclusive). */
export async function loadAnalysisBars(pool: Pool, symbol: string, window: { start: string; end: string }): Promise<BarSeries> {
  const rows = await priceBars.barsBetween(pool, symbol, window.start, window.end);
  // volume is int8: a number through the platform's pools already, a string through a bare pg pool.
  return BarSeries.from(rows.map((row) => ({ ...row, volume: row.volume === null ? null : Number(row.volume) })));
}
