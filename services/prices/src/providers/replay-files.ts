import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseIntradayCsv, type IntradayBar } from '../store/intraday-csv.ts';

/** lumibot_AAPL_1m_2021-08.csv is AAPL; ftx_btc-perp_1m_2022-01.csv is BTC-PERP. */
export function symbolOfFile(file: string): string | undefined {
  const match = /^[^_]+_(.+?)_1m(?:_|\.)/.exec(path.basename(file));
  return match ? match[1]!.toUpperCase() : undefined;
}

/** The replayable symbols of a folder and their files (an absent folder has none). */
export function replayFiles(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(folder)) return files;
  for (const name of readdirSync(folder).sort()) {
    const symbol = name.endsWith('.csv') ? symbolOfFile(name) : undefined;
    if (symbol && !files.has(symbol)) files.set(symbol, path.join(folder, name));
  }
  return files;
}

export function loadReplayBars(file: string): IntradayBar[] {
  return parseIntradayCsv(readFileSync(file, 'utf8'), 'UTC').bars;
}
