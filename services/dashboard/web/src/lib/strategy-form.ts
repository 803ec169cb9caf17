import type { ResponseOf } from '@closecross/client';
import { optionalNumber, type FieldErrors } from './field-errors.ts';
import { symbolsOf } from './symbols.ts';

type Strategy = ResponseOf<'/trading/strategies'>['strategies'][number];

/** A built-in strategy as GET /trading/strategies answers it (the fields the form edits; a built-in has a rule). */
export type StrategyDefinition = Pick<
  Strategy,
  'name' | 'account_id' | 'universe' | 'side_policy' | 'warmup_bars' | 'schedule' | 'approval' | 'entry' | 'sizing' | 'exits' | 'allocation' | 'enabled'
> & { rule: NonNullable<Strategy['rule']> };

export type RuleKind = StrategyDefinition['rule']['kind'];
export type SizingMode = StrategyDefinition['sizing']['mode'];

/** What a new strategy starts from. */
export const newStrategy: StrategyDefinition = {
  name: '',
  account_id: 'paper',
  universe: [],
  rule: { kind: 'three_candles', body: 0.01 },
  side_policy: 'long_only',
  warmup_bars: 60,
  schedule: { cron: '30 16 * * 1-5', timezone: 'America/New_York' },
  approval: 'manual',
  entry: { timing: 'next_open' },
  sizing: { mode: 'fixed_quantity', quantity: 10 },
  exits: { after_bars: 5 },
  allocation: 10_000,
  enabled: true,
};

/** The amount input of each sizing mode (its name is the API's field, so the API's errors land under it). */
export const sizingAmount: Record<SizingMode, { field: 'quantity' | 'notional' | 'share'; label: string }> = {
  fixed_quantity: { field: 'quantity', label: 'Quantity (shares)' },
  fixed_notional: { field: 'notional', label: 'Value per trade' },
  allocation_share: { field: 'share', label: 'Share of allocation (0 to 1)' },
};

const symbolPattern = /^[A-Za-z0-9.^_-]{1,15}$/;

/**
 * Reads the strategy form, checking what the API would refuse so each message sits under its
 * input before anything is sent. Input names are the API's field paths ("rule.fast",
 * "sizing.quantity"), so an API refusal the form did not foresee lands under its input too. Rule
 * options the form does not show (a three-candles body_mode) are kept from `base`.
 */
export function strategyFromForm(form: FormData, base: StrategyDefinition = newStrategy): { value?: StrategyDefinition; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const number = (name: string, label: string, check: (value: number) => string | null, required = false): number | undefined => {
    const { value, bad } = optionalNumber(form.get(name));
    if (bad) errors[name] = `${label}: not a number.`;
    else if (value === null) {
      if (required) errors[name] = `${label} is required.`;
    } else {
      const problem = check(value);
      if (problem) errors[name] = `${label} ${problem}`;
      else return value;
    }
    return undefined;
  };
  const whole = (min: number, max: number) => (value: number) =>
    Number.isInteger(value) && value >= min && value <= max ? null : `must be a whole number from ${min} to ${max}.`;
  const between = (min: number, max: number) => (value: number) => (value >= min && value <= max ? null : `must be from ${min} to ${max}.`);
  const above = (min: number) => (value: number) => (value > min ? null : `must be above ${min}.`);

  const name = text('name');
  if (!name) errors.name = 'Name is required.';
  else if (name.length > 120) errors.name = 'Name: at most 120 characters.';
  const universe = symbolsOf(text('universe'));
  const badSymbol = universe.find((symbol) => !symbolPattern.test(symbol));
  if (universe.length === 0) errors.universe = 'Universe needs at least one symbol.';
  else if (badSymbol) errors.universe = `"${badSymbol}" is not a symbol (letters, digits, . ^ _ -, up to 15).`;

  const kind = text('rule.kind') as RuleKind;
  let rule: StrategyDefinition['rule'];
  if (kind === 'rsi') {
    const period = number('rule.period', 'Period', whole(2, 500));
    const oversold = number('rule.oversold', 'Oversold', between(0, 100));
    const overbought = number('rule.overbought', 'Overbought', between(0, 100));
    if (oversold !== undefined && overbought !== undefined && oversold >= overbought) errors['rule.oversold'] = 'Oversold must be below overbought.';
    rule = {
      ...(base.rule.kind === 'rsi' ? base.rule : {}),
      kind,
      ...(period !== undefined ? { period } : {}),
      ...(oversold !== undefined ? { oversold } : {}),
      ...(overbought !== undefined ? { overbought } : {}),
    };
  } else if (kind === 'moving_average_crossover') {
    const fast = number('rule.fast', 'Fast', whole(1, 1000));
    const slow = number('rule.slow', 'Slow', whole(2, 1000));
    if (fast !== undefined && slow !== undefined && fast >= slow) errors['rule.fast'] = `Fast must be shorter than slow (${slow}).`;
    rule = {
      ...(base.rule.kind === 'moving_average_crossover' ? base.rule : {}),
      kind,
      ...(fast !== undefined ? { fast } : {}),
      ...(slow !== undefined ? { slow } : {}),
    };
  } else if (kind === 'three_candles') {
    const body = number('rule.body', 'Candle body', (value) => (value >= 0 ? null : 'must be 0 or more.'));
    rule = { ...(base.rule.kind === 'three_candles' ? base.rule : {}), kind, ...(body !== undefined ? { body } : {}) };
  } else {
    errors['rule.kind'] = 'Pick a rule.';
    rule = base.rule;
  }

  const mode = text('sizing.mode') as SizingMode;
  const amount = sizingAmount[mode];
  let sizing = base.sizing;
  if (!amount) errors['sizing.mode'] = 'Pick a sizing.';
  else {
    const value = number(
      `sizing.${amount.field}`,
      amount.label.replace(/ \(.*\)$/, ''),
      mode === 'allocation_share' ? (share) => (share > 0 && share <= 1 ? null : 'must be above 0 and at most 1.') : above(0),
      true,
    );
    if (value !== undefined) sizing = { mode, [amount.field]: value } as StrategyDefinition['sizing'];
  }

  const timing = text('entry.timing') as StrategyDefinition['entry']['timing'];
  const offset = timing === 'limit' ? number('entry.limit_offset_bps', 'Limit offset', between(0, 5000)) : undefined;
  const cron = text('schedule.cron');
  const timezone = text('schedule.timezone') || 'America/New_York';
  if (cron && cron.split(/\s+/).length < 5) errors['schedule.cron'] = 'A cron has five fields (minute hour day month weekday); empty: scans on demand only.';
  const afterBars = number('exits.after_bars', 'Exit after', whole(1, 5000));
  const stopLoss = number('exits.stop_loss_pct', 'Stop loss', (value) => (value > 0 && value <= 100 ? null : 'must be above 0 and at most 100 (%).'));
  const takeProfit = number('exits.take_profit_pct', 'Take profit', (value) => (value > 0 && value <= 10_000 ? null : 'must be above 0 (%).'));
  const warmup = number('warmup_bars', 'Warm-up', whole(0, 5000));
  const allocation = number('allocation', 'Allocation', above(0), true);

  if (Object.keys(errors).length > 0) return { errors };
  return {
    errors,
    value: {
      name,
      account_id: text('account_id') || base.account_id,
      universe,
      rule,
      side_policy: text('side_policy') as StrategyDefinition['side_policy'],
      warmup_bars: warmup ?? 0,
      schedule: cron ? { cron, timezone } : null,
      approval: text('approval') === 'auto' ? 'auto' : 'manual',
      entry: { timing, ...(offset !== undefined ? { limit_offset_bps: offset } : {}) },
      sizing,
      exits: {
        ...(afterBars !== undefined ? { after_bars: afterBars } : {}),
        ...(stopLoss !== undefined ? { stop_loss_pct: stopLoss } : {}),
        ...(takeProfit !== undefined ? { take_profit_pct: takeProfit } : {}),
        ...(form.get('exits.on_opposite_signal') === 'on' ? { on_opposite_signal: true } : {}),
      },
      allocation: allocation!,
      enabled: form.get('enabled') === 'on',
    },
  };
}

/** The fields an edit changed, for PATCH: an unchanged strategy sends nothing, and fields edited elsewhere meanwhile are not overwritten. */
export function changedFields(before: StrategyDefinition, after: StrategyDefinition): Partial<StrategyDefinition> {
  const changed: Partial<StrategyDefinition> = {};
  for (const key of Object.keys(after) as (keyof StrategyDefinition)[]) {
    if (canonical(before[key]) !== canonical(after[key])) (changed as Record<string, unknown>)[key] = after[key];
  }
  return changed;
}

/** JSON with keys in order: the API stores rules as jsonb, which does not keep the order they were sent in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
