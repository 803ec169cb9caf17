import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/clock.ts';
import type { Bar } from '../src/events.ts';
import { SimulatedExchange } from '../src/exchange/simulated-exchange.ts';
import { toDecimalString } from '../src/money.ts';
import { aaplDaily, at, dataDir } from './exchange-helpers.ts';

describe('costs with the default, stated models', () => {
  it('charges IBKR-like fees and 1 bp slippage on AAPL, exactly: minimum $1, $0.005 a share, at most 1 %', () => {
    const bars = aaplDaily('2016-08-24', '2016-08-29');
    const clock = new SimulatedClock(bars[0]!.endMs);
    const exchange = new SimulatedExchange({ clock });
    exchange.process(bars[0]!);
    exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 100 });
    clock.advanceTo(bars[1]!.endMs);
    const [small] = exchange.process(bars[1]!).fills;
    // open 26.8475 x 1.0001 = 26.85018475 -> 26.8502; 100 shares: $0.50 in per-share fees, so the $1 minimum
    expect([toDecimalString(small!.exact.price), toDecimalString(small!.exact.notional), toDecimalString(small!.exact.fee)]).toEqual([
      '26.8502',
      '2685.02',
      '1',
    ]);
    expect(small!.slippage).toBe(0.0027);

    exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1000 });
    clock.advanceTo(bars[2]!.endMs);
    const [large] = exchange.process(bars[2]!).fills;
    // 26.852501 x 1.0001 = 26.8551862501 -> 26.8552; 1000 x $0.005 = $5
    expect([toDecimalString(large!.exact.price), toDecimalString(large!.exact.notional), toDecimalString(large!.exact.fee)]).toEqual([
      '26.8552',
      '26855.2',
      '5',
    ]);

    exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'market', quantity: 1 });
    const [tiny] = exchange.process(bars[3]!).fills;
    // 26.655001 x 0.9999 = 26.6523354999 -> 26.6523; 1 % of that (0.266523) is below the $1 minimum, rounded up to the cent
    expect([toDecimalString(tiny!.exact.price), toDecimalString(tiny!.exact.fee)]).toEqual(['26.6523', '0.27']);
  });

  it('fills BTC-PERP on a Sunday (2 January 2022, real FTX minute) with a 5 bps taker fee and 2 bps slippage', () => {
    const row = readFileSync(new URL('intraday/ftx_btc-perp_1m_2022-01.csv', dataDir), 'utf8')
      .split('\n')
      .find((line) => line.startsWith('2022-01-02 12:00:00'))!
      .split(',');
    const startMs = at('2022-01-02T12:00:00Z');
    const bar: Bar = {
      kind: 'bar',
      symbol: 'BTC-PERP',
      interval: '1m',
      startMs,
      endMs: startMs + 60_000,
      open: Number(row[1]),
      high: Number(row[2]),
      low: Number(row[3]),
      close: Number(row[4]),
      volume: Number(row[5]),
    };
    const exchange = new SimulatedExchange({ clock: new SimulatedClock(startMs) });
    const order = exchange.submit({ symbol: 'BTC-PERP', side: 'buy', type: 'market', quantity: 0.5 });
    expect(order.order.state).toBe('working');
    const [fill] = exchange.process(bar).fills;
    // 47257 x 1.0002 = 47266.4514; x 0.5 = 23633.2257; 5 bps = 11.81661285 -> 11.82
    expect([toDecimalString(fill!.exact.price), toDecimalString(fill!.exact.notional), toDecimalString(fill!.exact.fee)]).toEqual([
      '47266.4514',
      '23633.2257',
      '11.82',
    ]);
  });
});
