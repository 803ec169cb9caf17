import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseIntradayCsvInSlices, type IntradayBar } from '../bars/intraday-csv.ts';

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

/** A file's bars, read and parsed without holding the event loop (the BTC-PERP month is 45,031 rows). */
export async function loadReplayBars(file: string): Promise<IntradayBar[]> {
  return (await parseIntradayCsvInSlices(await readFile(file, 'utf8'), 'UTC')).bars;
}
