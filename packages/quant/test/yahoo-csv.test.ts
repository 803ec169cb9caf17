import { describe, expect, it } from 'vitest';
import { CsvError, parseYahooCsv } from '../src/index.ts';

describe('parseYahooCsv', () => {
  it('reads columns by name in any order and sorts rows by date', () => {
    const { bars } = parseYahooCsv('Volume,Close,Date,Open,High,Low\n5,2,2020-01-03,1,3,0.5\n4,1.5,2020-01-02,1,2,0.9');
    expect(bars).toEqual([
      { date: '2020-01-02', open: 1, high: 2, low: 0.9, close: 1.5, adjClose: null, volume: 4 },
      { date: '2020-01-03', open: 1, high: 3, low: 0.5, close: 2, adjClose: null, volume: 5 },
    ]);
  });

  it('rejects an impossible date with its line number', () => {
    expect(() => parseYahooCsv('Date,Open,High,Low,Close\n2020-02-30,1,1,1,1')).toThrow(CsvError);
    expect(() => parseYahooCsv('Date,Open,High,Low,Close\n2020-02-30,1,1,1,1')).toThrow('line 2: Date must be YYYY-MM-DD, got "2020-02-30"');
  });

  it('reads a byte-order mark and blank lines', () => {
    expect(parseYahooCsv('\uFEFFDate,Open,High,Low,Close\n\n2020-01-02,1,1,1,1\n\n').bars).toHaveLength(1);
  });
});
