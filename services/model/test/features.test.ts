import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDataPath } from '@closecross/tests/support';
import { describe, expect, it } from 'vitest';
import { featureMatrix, featureNames } from '../src/features.ts';
import { rowsWithSignal } from './build-app.ts';

const optiver = sharedDataPath('data/optiver');

describe('features', () => {
  it('are the reference 29, in its order', () => {
    expect(featureNames).toHaveLength(29);
    expect(featureNames.slice(0, 3)).toEqual(['seconds_in_bucket', 'imbalance_buy_sell_flag', 'imbalance_size']);
    expect(featureNames.slice(12, 15)).toEqual(['imb_s1', 'imb_s2', 'reference_price_far_price_diff']);
    expect(featureNames[28]).toBe('bid_price_wap_diff');
    expect(featureNames).not.toContain('row_id');
    expect(featureNames).not.toContain('time_id');
  });

  it('mark missing far/near prices and zero denominators as NaN (missing to XGBoost)', () => {
    const [row] = [
      featureMatrix([
        {
          seconds_in_bucket: 0,
          imbalance_buy_sell_flag: 0,
          imbalance_size: 0,
          matched_size: 0,
          bid_size: 0,
          ask_size: 0,
          reference_price: 1,
          far_price: null,
          near_price: null,
          ask_price: 1,
          bid_price: 1,
          wap: 1,
        },
      ]),
    ];
    const byName = Object.fromEntries(featureNames.map((name, index) => [name, row![index]]));
    expect(byName.far_price).toBeNaN();
    expect(byName.imb_s1).toBeNaN();
    expect(byName.reference_price_far_price_diff).toBeNaN();
    expect(byName.reference_price_wap_diff).toBe(0);
  });

  it('give each price difference by its name, bit for bit, for generated rows', () => {
    const rows = rowsWithSignal([0], 20, 3);
    const matrix = featureMatrix(rows);
    const prices = ['reference_price', 'far_price', 'near_price', 'ask_price', 'bid_price', 'wap'] as const;
    let checked = 0;
    rows.forEach((row, index) => {
      for (const [column, name] of featureNames.entries()) {
        const pair = prices.flatMap((a) => prices.map((b) => [a, b] as const)).find(([a, b]) => name === `${a}_${b}_diff`);
        if (!pair) continue;
        const [a, b] = pair.map((price) => row[price] ?? Number.NaN);
        expect(Object.is(matrix[index * featureNames.length + column], Math.fround(a! - b!))).toBe(true);
        checked++;
      }
    });
    expect(checked).toBe(rows.length * 15);
  });

  it.skipIf(!optiver)('match values computed by hand on real rows of day 0', () => {
    const lines = readFileSync(path.join(optiver!, 'train_sample_krithiktoure.csv'), 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const parse = (line: string) => {
      const cells = line.split(',');
      return Object.fromEntries(header.map((name, i) => [name, cells[i] === '' ? null : Number(cells[i])])) as any;
    };
    // A row from before 300 s (no far/near price) and one after.
    const early = parse(lines.find((line) => line.startsWith('3,0,120,'))!);
    const late = parse(lines.find((line) => line.startsWith('3,0,400,'))!);
    const matrix = featureMatrix([early, late]);
    const at = (row: number, name: string) => matrix[row * 29 + featureNames.indexOf(name)]!;
    for (const [index, row] of [early, late].entries()) {
      expect(at(index, 'imb_s1')).toBeCloseTo((row.bid_size - row.ask_size) / (row.bid_size + row.ask_size), 6);
      expect(at(index, 'imb_s2')).toBeCloseTo((row.imbalance_size - row.matched_size) / (row.matched_size + row.imbalance_size), 6);
      expect(at(index, 'ask_price_bid_price_diff')).toBeCloseTo(row.ask_price - row.bid_price, 6);
      expect(at(index, 'matched_size')).toBe(Math.fround(row.matched_size));
    }
    expect(at(0, 'near_price_wap_diff')).toBeNaN();
    expect(at(1, 'far_price_near_price_diff')).toBeCloseTo(late.far_price - late.near_price, 6);
  });
});
