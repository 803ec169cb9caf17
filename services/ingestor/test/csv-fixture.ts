import { writeFileSync } from 'node:fs';
import { auctionCsvColumns } from '@closecross/contracts/auction-csv-rows';
import type { GeneratedStockRow } from '@closecross/tests/support';

/**
 * Writes rows in the competition's train.csv layout (empty cells for nulls): a writer, not a second
 * reader; its columns are the row rules' list.
 */
export function writeAuctionCsv(file: string, rows: GeneratedStockRow[], options: { dropColumns?: string[]; extraColumn?: string } = {}): void {
  const kept = auctionCsvColumns.filter((name) => !options.dropColumns?.includes(name));
  const header = [...kept, ...(options.extraColumn ? [options.extraColumn] : [])].join(',');
  const lines = rows.map((row) => [...kept.map((name) => (row[name] === null ? '' : String(row[name]))), ...(options.extraColumn ? ['false'] : [])].join(','));
  writeFileSync(file, `${header}\n${lines.join('\n')}`);
}
