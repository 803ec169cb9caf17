import { describe, expect, it } from 'vitest';
import { list } from '../src/commands/shared.ts';
import { searchSpace } from '../src/commands/strategies.ts';
import { CliError } from '../src/exit-codes.ts';

describe('comma-separated option values, read as one CSV line', () => {
  it('splits on commas, trims, drops empty items and keeps a quoted comma inside its item', () => {
    expect(list('AAPL, MSFT,,NVDA ')).toEqual(['AAPL', 'MSFT', 'NVDA']);
    expect(list('read,"trade",  "a,b"')).toEqual(['read', 'trade', 'a,b']);
    expect(list('')).toEqual([]);
  });
  it('refuses an unclosed quote with a usage error naming the value', () => {
    expect(() => list('"AAPL,MSFT')).toThrow(CliError);
    expect(() => list('"AAPL,MSFT')).toThrow(/"\\"AAPL,MSFT": not a comma-separated list/);
  });
  it('reads a searched choice list in --space the same way', () => {
    expect(searchSpace(['side=long,short', 'label="x,y",z', 'period=5:30:5'])).toEqual({
      side: { values: ['long', 'short'] },
      label: { values: ['x,y', 'z'] },
      period: { min: 5, max: 30, step: 5 },
    });
  });
});
