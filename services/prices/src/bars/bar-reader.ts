import { priceBars } from '@closecross/db';
import type { Pool } from 'pg';
import type { Bar, BarInterval } from '../schemas/prices.ts';
import { latestBars, type StoredBarRow } from '../store/price-bar-1m.ts';
import { lastTickAt } from '../store/price-subscription.ts';

const intervalMs: Record<BarInterval, number> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 };

/** With no range, the latest `limit` bars. */
export async function readBars(
  pool: Pool,
  symbol: string,
  interval: BarInterval,
  range: { start?: Date | undefined; end?: Date | undefined; limit: number },
): Promise<Bar[]> {
  const rows: StoredBarRow[] =
    interval === '1d'
      ? // Daily bars are market-data's price_bars (a date each, no zone): its start is that date at 00:00 UTC.
        await priceBars.latestDailyBarsAsIntervals(pool, symbol, range.start ?? null, range.end ?? null, range.limit)
      : await latestBars(pool, symbol, interval, { start: range.start ?? null, end: range.end ?? null, limit: range.limit });
  const lastTick = await lastTickAt(pool, symbol);
  const building = lastTick ? new Date(lastTick).getTime() : null;
  return rows.map((row) => {
    const start = new Date(row.start).getTime();
    return {
      start: new Date(start).toISOString(),
      open: row.open,
      high: row.high,
      low: row.low,
      close: row.close,
      volume: Number(row.volume),
      complete: building === null || start + intervalMs[interval] <= building,
    };
  });
}
