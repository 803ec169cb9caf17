import { readFileSync } from 'node:fs';
import path from 'node:path';
import { prepareRows, type StockRowType } from '@closecross/contracts';
import { upsertStockRows, withTransaction, type Pool } from '@closecross/db';

function readCsv(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i]!, cell])));
}

const numberOrNull = (cell: string | undefined) => (cell === undefined || cell === '' ? null : Number(cell));

/**
 * Day 0 from the train sample, and days 478 and 479 from the test features joined with the
 * revealed targets whose revealed_date_id is the same day (on stock_id, seconds_in_bucket).
 */
export async function bulkLoadForTest(pool: Pool, folder: string): Promise<void> {
  const toRow = (cells: Record<string, string>, target: number | null): StockRowType => ({
    stock_id: Number(cells.stock_id),
    date_id: Number(cells.date_id),
    seconds_in_bucket: Number(cells.seconds_in_bucket),
    imbalance_size: numberOrNull(cells.imbalance_size),
    imbalance_buy_sell_flag: numberOrNull(cells.imbalance_buy_sell_flag),
    reference_price: numberOrNull(cells.reference_price),
    matched_size: numberOrNull(cells.matched_size),
    far_price: numberOrNull(cells.far_price),
    near_price: numberOrNull(cells.near_price),
    bid_price: numberOrNull(cells.bid_price),
    bid_size: numberOrNull(cells.bid_size),
    ask_price: numberOrNull(cells.ask_price),
    ask_size: numberOrNull(cells.ask_size),
    wap: numberOrNull(cells.wap),
    target,
    time_id: numberOrNull(cells.time_id),
  });
  const train = readCsv(path.join(folder, 'train_sample_krithiktoure.csv')).filter((cells) => cells.date_id === '0');
  const revealed = new Map<string, number | null>();
  for (const cells of readCsv(path.join(folder, 'example_test_revealed_targets.csv'))) {
    revealed.set(`${cells.revealed_date_id}_${cells.stock_id}_${cells.seconds_in_bucket}`, numberOrNull(cells.revealed_target));
  }
  const test = readCsv(path.join(folder, 'example_test_test.csv')).filter((cells) => cells.date_id === '478' || cells.date_id === '479');
  const rows = [
    ...train.map((cells) => toRow(cells, numberOrNull(cells.target))),
    ...test.map((cells) => toRow(cells, revealed.get(`${cells.date_id}_${cells.stock_id}_${cells.seconds_in_bucket}`) ?? null)),
  ];
  await withTransaction(pool, (client) => upsertStockRows(client, prepareRows(rows)));
}
