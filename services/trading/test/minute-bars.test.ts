import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDataPath } from '@closecross/tests/support';
import { describe, expect, it } from 'vitest';
import { MinuteBars } from '../src/live-strategies/minute-bars.ts';

const minute = (iso: string) => Date.parse(iso);

describe('one-minute bars built from live trades (the replay streams trades, no bars)', () => {
  it('a minute is a bar of its trades (open, high, low, close, volume), given only when a later minute begins', () => {
    const bars = new MinuteBars();
    expect(bars.trade('AAPL', minute('2026-12-07T14:30:05Z'), 150, 10)).toBeUndefined();
    expect(bars.trade('AAPL', minute('2026-12-07T14:30:20Z'), 151.5, 5)).toBeUndefined();
    expect(bars.trade('AAPL', minute('2026-12-07T14:30:59.999Z'), 149.25, 7)).toBeUndefined();
    const done = bars.trade('AAPL', minute('2026-12-07T14:31:00Z'), 150.5, 3);
    expect(done).toEqual({
      kind: 'bar',
      symbol: 'AAPL',
      interval: '1m',
      startMs: minute('2026-12-07T14:30:00Z'),
      endMs: minute('2026-12-07T14:31:00Z'),
      open: 150,
      high: 151.5,
      low: 149.25,
      close: 149.25,
      volume: 22,
    });
  });

  it('symbols form apart; a late trade of a closed minute is not folded into the next; a feed with its own bars is left to them', () => {
    const bars = new MinuteBars();
    bars.trade('AAPL', minute('2026-12-07T14:30:10Z'), 150, 1);
    bars.trade('MSFT', minute('2026-12-07T14:30:10Z'), 300, 1);
    expect(bars.trade('MSFT', minute('2026-12-07T14:32:00Z'), 301, 1)).toMatchObject({ symbol: 'MSFT', open: 300, close: 300 });
    expect(bars.trade('MSFT', minute('2026-12-07T14:31:30Z'), 999, 1)).toBeUndefined();
    expect(bars.trade('MSFT', minute('2026-12-07T14:33:00Z'), 302, 1)).toMatchObject({ startMs: minute('2026-12-07T14:32:00Z'), high: 301, close: 301 });
    bars.sawSourceBar('AAPL');
    expect(bars.trade('AAPL', minute('2026-12-07T14:35:00Z'), 151, 1)).toBeUndefined();
    expect(bars.trade('AAPL', minute('2026-12-07T14:36:00Z'), 152, 1)).toBeUndefined();
  });

  const intraday = sharedDataPath('data/intraday');
  it.skipIf(!intraday)("the BTC-PERP file played as one trade per row at its close gives back each minute's close and volume", () => {
    const lines = readFileSync(path.join(intraday!, 'ftx_btc-perp_1m_2022-01.csv'), 'utf8').trim().split('\n');
    // timestamp,open,high,low,close,volume with UTC times like 2021-12-31 23:01:00.000000
    const rows = lines.slice(1, 200).map((line) => line.split(','));
    const bars = new MinuteBars();
    const built = rows.flatMap((row) => {
      const at = Date.parse(`${row[0]!.slice(0, 19).replace(' ', 'T')}Z`) + 30_000; // mid-minute, as a trade of that minute
      const bar = bars.trade('BTC-PERP', at, Number(row[4]), Number(row[5]));
      return bar ? [bar] : [];
    });
    expect(built).toHaveLength(rows.length - 1);
    built.forEach((bar, index) => {
      expect(bar.startMs).toBe(Date.parse(`${rows[index]![0]!.slice(0, 19).replace(' ', 'T')}Z`));
      expect(bar.close).toBe(Number(rows[index]![4]));
      expect(bar.volume).toBe(Number(rows[index]![5]));
      expect(bar.open).toBe(bar.close);
    });
  });
});
