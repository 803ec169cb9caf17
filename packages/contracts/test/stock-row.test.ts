import { describe, expect, it } from 'vitest';
import { prepareBatch, prepareRows, rowIdOf, type StockRowType } from '../src/index.ts';

const row = (stock_id: number, date_id: number, seconds_in_bucket: number, wap = 1): StockRowType => ({
  stock_id,
  date_id,
  seconds_in_bucket,
  wap,
  imbalance_size: null,
  imbalance_buy_sell_flag: null,
  reference_price: null,
  matched_size: null,
  bid_price: null,
  bid_size: null,
  ask_price: null,
  ask_size: null,
});

describe('auction row contract', () => {
  it('row ids read date_id, seconds_in_bucket, stock_id as the reference writes them', () => {
    expect(rowIdOf({ date_id: 3, seconds_in_bucket: 540, stock_id: 17 })).toBe('3_540_17');
  });

  it('prepared rows come in key order with the last of duplicate keys kept', () => {
    const prepared = prepareRows([row(2, 1, 0), row(1, 1, 10), row(1, 0, 10), row(2, 1, 0, 9)]);
    expect(prepared.map((r) => [rowIdOf(r), r.wap])).toEqual([
      ['0_10_1', 1],
      ['1_0_2', 9],
      ['1_10_1', 1],
    ]);
  });

  it('a row_id that pandas flattened ("1_300_7" as "13007") is replaced by the derived one and counted, the row kept', () => {
    const rows = [{ ...row(7, 1, 300), row_id: '13007' }, { ...row(1, 0, 10), row_id: '0_10_1' }, row(2, 0, 10)];
    const prepared = prepareBatch(rows);
    expect(prepared.corrected).toBe(1);
    expect(prepared.rows.map((r) => r.row_id ?? rowIdOf(r))).toEqual(['0_10_1', '0_10_2', '1_300_7']);
  });
});
