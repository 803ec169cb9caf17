import { describe, expect, it } from 'vitest';
import { prepareRows, rowIdOf, RowError, type StockRowType } from '../src/index.ts';

const row = (stock_id: number, date_id: number, seconds_in_bucket: number, wap = 1): StockRowType => ({
  stock_id, date_id, seconds_in_bucket, wap,
  imbalance_size: null, imbalance_buy_sell_flag: null, reference_price: null, matched_size: null,
  bid_price: null, bid_size: null, ask_price: null, ask_size: null,
});

describe('auction row contract', () => {
  it('row ids read date_id, seconds_in_bucket, stock_id as the reference writes them', () => {
    expect(rowIdOf({ date_id: 3, seconds_in_bucket: 540, stock_id: 17 })).toBe('3_540_17');
  });

  it('prepared rows come in key order with the last of duplicate keys kept', () => {
    const prepared = prepareRows([row(2, 1, 0), row(1, 1, 10), row(1, 0, 10), row(2, 1, 0, 9)]);
    expect(prepared.map((r) => [rowIdOf(r), r.wap])).toEqual([['0_10_1', 1], ['1_0_2', 9], ['1_10_1', 1]]);
  });

  it('a row_id that disagrees with the key is refused naming the row index and field', () => {
    const rows = [row(1, 0, 0), { ...row(1, 0, 10), row_id: '0_10_2' }];
    expect(() => prepareRows(rows)).toThrow(RowError);
    expect(() => prepareRows(rows)).toThrow('body/data/1/row_id must be "0_10_1" (date_id_seconds_in_bucket_stock_id), got "0_10_2"');
  });
});
