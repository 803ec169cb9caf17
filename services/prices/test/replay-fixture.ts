import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seededRandom } from '@closecross/tests/support';

export interface FixtureBar {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Small intraday files in the layout of lumibot_AAPL_1m_2021-08.csv (zoned Datetime), one per symbol. */
export function writeReplayFiles(symbols: string[], bars: number, seed = 7): { folder: string; bars: Map<string, FixtureBar[]> } {
  const folder = mkdtempSync(path.join(tmpdir(), 'prices-replay-'));
  const random = seededRandom(seed);
  const all = new Map<string, FixtureBar[]>();
  for (const symbol of symbols) {
    let price = 100 + Math.floor(random() * 100);
    const rows: FixtureBar[] = [];
    const lines = ['Datetime,Open,High,Low,Close,Volume'];
    for (let index = 0; index < bars; index++) {
      const start = Date.UTC(2021, 7, 23, 13, 30) + index * 60_000;
      const open = price;
      const close = Math.round((price + (random() - 0.5) * 2) * 100) / 100;
      const high = Math.max(open, close) + 0.25;
      const low = Math.min(open, close) - 0.25;
      const volume = 1000 + Math.floor(random() * 1000) * 4;
      price = close;
      rows.push({ start, open, high, low, close, volume });
      // Written in New York time with its offset, as the lumibot files are.
      const local = new Date(start - 4 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
      lines.push(`${local}-04:00,${open},${high},${low},${close},${volume}`);
    }
    writeFileSync(path.join(folder, `fixture_${symbol}_1m_2021-08.csv`), `${lines.join('\n')}\n`);
    all.set(symbol, rows);
  }
  return { folder, bars: all };
}
