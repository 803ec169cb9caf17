/**
 * Today's stored strategy rules (`/trading/strategies` payloads: rule, side policy, warm-up, entry,
 * sizing, exits) as instances of the built-in strategies: which built-in, with which parameters.
 * The shape is written out here (a package never imports a service); it matches the trading
 * service's `Strategy` fields.
 */
export interface StoredRuleFields {
  rule:
    | { kind: 'three_candles'; body?: number; body_mode?: 'absolute' | 'relative' }
    | { kind: 'rsi'; period?: number; oversold?: number; overbought?: number }
    | { kind: 'moving_average_crossover'; fast?: number; slow?: number };
  side_policy: 'long_only' | 'short_only' | 'long_short';
  warmup_bars: number;
  entry: { timing: 'close' | 'next_open' | 'limit'; limit_offset_bps?: number };
  sizing: { mode: 'fixed_quantity'; quantity: number } | { mode: 'fixed_notional'; notional: number } | { mode: 'allocation_share'; share: number };
  exits: { after_bars?: number; stop_loss_pct?: number; take_profit_pct?: number; on_opposite_signal?: boolean };
}

export function builtinInstanceOf(stored: StoredRuleFields): {
  strategy: 'three_candles' | 'rsi' | 'moving_average_crossover';
  params: Record<string, unknown>;
} {
  const { kind, ...ruleParams } = stored.rule;
  const sizing = stored.sizing;
  const defined = (entries: Record<string, unknown>) => Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
  return {
    strategy: kind,
    params: defined({
      ...ruleParams,
      side_policy: stored.side_policy,
      warmup_bars: stored.warmup_bars,
      entry: stored.entry.timing,
      limit_offset_bps: stored.entry.limit_offset_bps,
      sizing: sizing.mode,
      quantity: sizing.mode === 'fixed_quantity' ? sizing.quantity : undefined,
      notional: sizing.mode === 'fixed_notional' ? sizing.notional : undefined,
      share: sizing.mode === 'allocation_share' ? sizing.share : undefined,
      exit_after_bars: stored.exits.after_bars,
      stop_loss_pct: stored.exits.stop_loss_pct,
      take_profit_pct: stored.exits.take_profit_pct,
      exit_on_opposite_signal: stored.exits.on_opposite_signal,
    }),
  };
}
