import { describe, expect, it } from 'vitest';
import { intradaySignalExpiry } from '../src/signals/signal-desk.ts';
import { newYork } from './support/build-app.ts';

describe('an intraday signal expires on its own interval', () => {
  it('a 1m AAPL signal at 10:00 waits five minutes; one at 15:58 only until the 16:00 NYSE close', () => {
    const ten = newYork('2026-12-07', '10:00').getTime();
    expect(intradaySignalExpiry(ten, '1m', 'AAPL').toISOString()).toBe(new Date(ten + 5 * 60_000).toISOString());
    expect(intradaySignalExpiry(newYork('2026-12-07', '15:58').getTime(), '1m', 'AAPL').toISOString()).toBe(newYork('2026-12-07', '16:00').toISOString());
    // A 5m signal: five of its own bars.
    expect(intradaySignalExpiry(ten, '5m', 'AAPL').toISOString()).toBe(new Date(ten + 25 * 60_000).toISOString());
  });

  it('a 1m BTC-PERP signal at 23:58 UTC is not cut at midnight: the 24/7 market goes on into the next day', () => {
    const late = Date.parse('2026-12-12T23:58:00Z');
    expect(intradaySignalExpiry(late, '1m', 'BTC-PERP').toISOString()).toBe('2026-12-13T00:03:00.000Z');
  });
});
