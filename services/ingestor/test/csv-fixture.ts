import { writeFileSync } from 'node:fs';
import type { GeneratedStockRow } from '@closecross/tests/support';

const columns = [
  'stock_id',
  'date_id',
  'seconds_in_bucket',
  'imbalance_size',
  'imbalance_buy_sell_flag',
  'reference_price',
  'matched_size',
  'far_price',
  'near_price',
  'bid_price',
  'bid_size',
  'ask_price',
  'ask_size',
  'wap',
  'target',
  'time_id',
  'row_id',
] as const;

/** Writes rows in the competition's train.csv layout (empty cells for nulls). */
export function writeAuctionCsv(file: string, rows: GeneratedStockRow[], options: { dropColumns?: string[]; extraColumn?: string } = {}): void {
  const kept = columns.filter((name) => !options.dropColumns?.includes(name));
  const header = [...kept, ...(options.extraColumn ? [options.extraColumn] : [])].join(',');
  const lines = rows.map((row) => [...kept.map((name) => (row[name] === null ? '' : String(row[name]))), ...(options.extraColumn ? ['false'] : [])].join(','));
  writeFileSync(file, `${header}\n${lines.join('\n')}`);
}
