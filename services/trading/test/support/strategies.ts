import type { StrategyInput } from '../../src/strategies/strategy-definition.ts';

/** The reference's analysis as a strategy payload: three candles, warm-up h, exit p bars later, one share per signal. */
export function referenceStrategy(symbol: string, side: 'buy' | 'sell', options: { h: number; p: number; body: number }): StrategyInput {
  return {
    name: `reference ${side} ${symbol}`,
    account_id: 'paper',
    universe: [symbol],
    rule: { kind: 'three_candles', body: options.body },
    side_policy: side === 'buy' ? 'long_only' : 'short_only',
    warmup_bars: options.h,
    schedule: null,
    approval: 'auto',
    entry: { timing: 'close' },
    sizing: { mode: 'fixed_quantity', quantity: 1 },
    exits: { after_bars: options.p },
    allocation: 100_000,
    enabled: true,
  };
}
