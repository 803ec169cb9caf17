import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYahooCsv, type DailyBar } from '@closecross/quant';
import { sharedDataPath } from '@closecross/tests/support';

const dailyFolder = sharedDataPath('data/daily');

/** Whether the real daily files (../shared/data/daily) back the prices, or generated ones stand in. */
export const realPrices = dailyFolder !== undefined && ['AAPL', 'MSFT', 'NVDA', 'SPY'].every((symbol) => existsSync(path.join(dailyFolder, `${symbol}.csv`)));

/**
 * Daily bars of a symbol: the real Yahoo file when present; otherwise a seeded random walk of the
 * same length and a similar daily volatility (about 2%), ending on 2021-08-23.
 */
export function dailyBars(symbol: string): DailyBar[] {
  if (realPrices) return parseYahooCsv(readFileSync(path.join(dailyFolder!, `${symbol}.csv`), 'utf8')).bars;
  let state = [...symbol].reduce((hash, char) => Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0, 2166136261);
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296;
  const days: string[] = [];
  for (let day = Date.parse('2021-08-23T00:00:00Z'); days.length < 1257; day -= 86_400_000) {
    if (![0, 6].includes(new Date(day).getUTCDay())) days.unshift(new Date(day).toISOString().slice(0, 10));
  }
  let close = 50 + 200 * random();
  return days.map((date) => {
    const open = close * (1 + (random() - 0.5) * 0.01);
    close = open * (1 + (random() - 0.5) * 0.07);
    return { date, open, high: Math.max(open, close) * 1.01, low: Math.min(open, close) * 0.99, close, adjClose: close, volume: 50_000_000 };
  });
}
