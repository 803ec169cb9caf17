import { readFileSync } from 'node:fs';
import { parseDailyCsv, parseIntradayCsv } from '../../src/backtest/csv-bars.ts';
import type { Bar } from '../../src/events.ts';

/** The team's real market data (../shared/data), as engine bars. */
export const sharedData = new URL('../../../../../shared/data/', import.meta.url);
export const sharedReference = new URL('../../../../../shared/reference/', import.meta.url);

export function dailyBars(symbol: string): Bar[] {
  return parseDailyCsv(symbol, readFileSync(new URL(`daily/${symbol}.csv`, sharedData), 'utf8'));
}

export function minuteBars(symbol: string, file: string): Bar[] {
  return parseIntradayCsv(symbol, readFileSync(new URL(`intraday/${file}`, sharedData), 'utf8'), '1m');
}
