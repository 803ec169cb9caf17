import type { Pool } from '@closecross/db';
import { BarSeries } from '@closecross/quant';
import { InvalidInputError, NotFoundError } from '@closecross/platform';

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
  const range = await pool.query<{ last: string | null }>(`select to_char(max(date), 'YYYY-MM-DD') as last from price_bars where symbol = $1`, [symbol]);
  const last = range.rows[0]?.last;
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

/**
 * The bars an analysis runs on, from the market-data service's table: `symbol` between `start`
 * and `end` (inclusive), by default the last `defaultDays` calendar days of what is stored.
 */
export async function loadAnalysisBars(pool: Pool, symbol: string, window: { start: string; end: string }): Promise<BarSeries> {
  const result = await pool.query(
    `select to_char(date, 'YYYY-MM-DD') as date, open, high, low, close, adj_close as "adjClose", volume
       from price_bars where symbol = $1 and date between $2 and $3 order by date`,
    [symbol, window.start, window.end],
  );
  return BarSeries.from(result.rows);
}
