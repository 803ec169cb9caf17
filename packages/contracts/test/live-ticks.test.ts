import { describe, expect, it } from 'vitest';
import { decodeLiveTicks, encodeTickFrame, liveTicksChannel, parseTickEventId, tickSectionStart, tickSymbolEnd } from '../src/index.ts';

const section = (symbol: string, frames: string[]): string => `${tickSectionStart}${symbol}${tickSymbolEnd}${frames.join('')}`;

describe('live ticks as the prices service publishes them', () => {
  it('names the channel trading listens on', () => {
    expect(liveTicksChannel).toBe('price_ticks');
  });

  it('decodes a payload of two symbols back to their trades, quotes and bars, in order', () => {
    const payload =
      section('AAPL', [
        encodeTickFrame(
          { type: 'trade', provider: 'replay', symbol: 'AAPL', time: 1_796_000_000_000, position: 1023, price: 148.21, size: 300 },
          1_796_000_000_005,
        ),
        encodeTickFrame(
          { type: 'quote', provider: 'replay', symbol: 'AAPL', time: 1_796_000_000_010, position: 1024, bid: 148.2, ask: 148.22, bidSize: 5, askSize: 7 },
          1_796_000_000_011,
        ),
      ]) +
      section('BTC/USDT', [
        encodeTickFrame(
          { type: 'bar', provider: 'binance', symbol: 'BTC/USDT', time: 1_796_000_040_000, position: 9, open: 1, high: 3, low: 0.5, close: 2, volume: 12.5 },
          1_796_000_100_000,
        ),
      ]);
    expect(decodeLiveTicks(payload)).toEqual([
      { type: 'trade', provider: 'replay', symbol: 'AAPL', ts: 1_796_000_000_000, position: 1023, price: 148.21, size: 300, receivedAt: 1_796_000_000_005 },
      {
        type: 'quote',
        provider: 'replay',
        symbol: 'AAPL',
        ts: 1_796_000_000_010,
        position: 1024,
        bid: 148.2,
        ask: 148.22,
        bidSize: 5,
        askSize: 7,
        receivedAt: 1_796_000_000_011,
      },
      {
        type: 'bar',
        provider: 'binance',
        symbol: 'BTC/USDT',
        ts: 1_796_000_040_000,
        position: 9,
        open: 1,
        high: 3,
        low: 0.5,
        close: 2,
        price: 2,
        size: 12.5,
        receivedAt: 1_796_000_100_000,
      },
    ]);
  });

  it('gives every frame an SSE id of symbol and position, read back even when the symbol holds a colon', () => {
    const frame = encodeTickFrame({ type: 'trade', provider: 'binance', symbol: 'X:Y', time: 1, position: 77, price: 1, size: 1 }, 2);
    expect(frame.startsWith('id: X:Y:77\nevent: trade\ndata: {')).toBe(true);
    expect(frame.endsWith('}\n\n')).toBe(true);
    expect(parseTickEventId('X:Y:77')).toEqual({ symbol: 'X:Y', position: 77 });
    expect(parseTickEventId('AAPL')).toBeUndefined();
    expect(parseTickEventId('AAPL:')).toBeUndefined();
    expect(parseTickEventId('AAPL:1.5')).toBeUndefined();
  });

  it('writes a missing number as null and skips a frame that is not a tick', () => {
    const frame = encodeTickFrame({ type: 'trade', provider: 'replay', symbol: 'MSFT', time: 5, position: 1, price: Number.NaN, size: 2 }, 6);
    const payload = section('MSFT', [frame, 'id: MSFT:2\nevent: trade\ndata: {not json\n\n']);
    expect(decodeLiveTicks(payload)).toEqual([
      { type: 'trade', provider: 'replay', symbol: 'MSFT', ts: 5, position: 1, price: undefined, size: 2, receivedAt: 6 },
    ]);
    expect(decodeLiveTicks('')).toEqual([]);
  });
});
