import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, unwrap } from '../api/client';
import { apiErrorsFor, type FieldErrors } from '../lib/field-errors';
import { changedFields, newStrategy, sizingAmount, strategyFromForm, type RuleKind, type SizingMode, type StrategyDefinition } from '../lib/strategy-form';
import { Field, FormError } from './Field';

// Every input the form may show, so an API refusal about one of them lands under it.
const inputNames = [
  'name',
  'account_id',
  'universe',
  'rule.kind',
  'rule.body',
  'rule.period',
  'rule.oversold',
  'rule.overbought',
  'rule.fast',
  'rule.slow',
  'side_policy',
  'warmup_bars',
  'schedule.cron',
  'schedule.timezone',
  'approval',
  'entry.timing',
  'entry.limit_offset_bps',
  'sizing.mode',
  'sizing.quantity',
  'sizing.notional',
  'sizing.share',
  'exits.after_bars',
  'exits.stop_loss_pct',
  'exits.take_profit_pct',
  'allocation',
  'enabled',
];

/**
 * Creates a strategy, or edits one (`editing`: its id and stored definition; only the fields that
 * changed are sent; `onSaved` hears what was done). Rule parameters, sizing amount and the limit offset follow the choices made.
 */
export function StrategyForm({
  editing,
  onSaved,
  onClose,
}: {
  editing?: { id: number; strategy: StrategyDefinition };
  onSaved: (message: string) => void;
  onClose?: () => void;
}) {
  const client = useQueryClient();
  const base = editing?.strategy ?? newStrategy;
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: () => unwrap(api.GET('/trading/accounts')) });
  const [ruleKind, setRuleKind] = useState<RuleKind>(base.rule.kind);
  const [sizingMode, setSizingMode] = useState<SizingMode>(base.sizing.mode);
  const [timing, setTiming] = useState(base.entry.timing);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [unchanged, setUnchanged] = useState(false);
  const save = useMutation({
    mutationFn: (value: StrategyDefinition) => {
      if (!editing) return unwrap(api.POST('/trading/strategies', { body: value }));
      return unwrap(api.PATCH('/trading/strategies/{id}', { params: { path: { id: editing.id } }, body: changedFields(editing.strategy, value) }));
    },
    onSuccess: (strategy) => {
      setErrors({});
      onSaved(editing ? `Saved ${strategy.name}.` : `Created ${strategy.name}.`);
    },
    onError: (error) => setErrors(apiErrorsFor(error instanceof ApiError ? error.message : String(error), inputNames)),
    onSettled: () => client.invalidateQueries({ queryKey: ['strategies'] }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setUnchanged(false);
    const { value, errors: found } = strategyFromForm(new FormData(event.currentTarget), base);
    setErrors(found);
    if (!value) return;
    if (editing && Object.keys(changedFields(editing.strategy, value)).length === 0) return setUnchanged(true);
    save.mutate(value);
  };
  const rule = base.rule as Record<string, unknown>;
  const number = (value: unknown) => (typeof value === 'number' ? value : '');
  const amount = sizingAmount[sizingMode];
  const title = editing ? `Edit ${editing.strategy.name}` : 'New strategy';
  const headingId = editing ? `edit-strategy-${editing.id}` : 'new-strategy';
  return (
    <form className="panel" onSubmit={submit} aria-labelledby={headingId} noValidate data-testid={editing ? 'edit-strategy' : 'new-strategy'}>
      <h2 id={headingId}>{title}</h2>
      <div className="row">
        <Field label="Name" name="name" errors={errors}>
          {(props) => <input {...props} defaultValue={base.name} maxLength={120} />}
        </Field>
        <Field label="Account" name="account_id" errors={errors}>
          {(props) => (
            <select {...props} defaultValue={base.account_id}>
              {(accounts.data?.accounts ?? [{ id: base.account_id, name: base.account_id }]).map((account) => (
                <option key={account.id} value={account.id}>
                  {account.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Universe" name="universe" errors={errors} className="wide" hint="symbols with stored daily bars, separated by commas or spaces">
          {(props) => <input {...props} defaultValue={base.universe.join(', ')} placeholder="AAPL, MSFT" />}
        </Field>
        <Field label="Sides" name="side_policy" errors={errors}>
          {(props) => (
            <select {...props} defaultValue={base.side_policy}>
              <option value="long_only">long only</option>
              <option value="short_only">short only</option>
              <option value="long_short">long and short</option>
            </select>
          )}
        </Field>
      </div>
      <div className="row">
        <Field label="Rule" name="rule.kind" errors={errors}>
          {(props) => (
            <select {...props} value={ruleKind} onChange={(event) => setRuleKind(event.target.value as RuleKind)}>
              <option value="three_candles">three candles</option>
              <option value="rsi">RSI</option>
              <option value="moving_average_crossover">moving-average crossover</option>
            </select>
          )}
        </Field>
        {ruleKind === 'three_candles' && (
          <Field label="Candle body" name="rule.body" errors={errors} hint="smallest body that counts; empty: 0.01">
            {(props) => <input {...props} inputMode="decimal" defaultValue={number(rule.body)} />}
          </Field>
        )}
        {ruleKind === 'rsi' && (
          <>
            <Field label="Period" name="rule.period" errors={errors} hint="empty: 14">
              {(props) => <input {...props} inputMode="numeric" defaultValue={number(rule.period)} />}
            </Field>
            <Field label="Oversold" name="rule.oversold" errors={errors} hint="empty: 30">
              {(props) => <input {...props} inputMode="decimal" defaultValue={number(rule.oversold)} />}
            </Field>
            <Field label="Overbought" name="rule.overbought" errors={errors} hint="empty: 70">
              {(props) => <input {...props} inputMode="decimal" defaultValue={number(rule.overbought)} />}
            </Field>
          </>
        )}
        {ruleKind === 'moving_average_crossover' && (
          <>
            <Field label="Fast" name="rule.fast" errors={errors} hint="bars of the fast average">
              {(props) => <input {...props} inputMode="numeric" defaultValue={number(rule.fast)} />}
            </Field>
            <Field label="Slow" name="rule.slow" errors={errors} hint="bars of the slow average">
              {(props) => <input {...props} inputMode="numeric" defaultValue={number(rule.slow)} />}
            </Field>
          </>
        )}
        <Field label="Warm-up bars" name="warmup_bars" errors={errors} hint="history before the first signal (h)">
          {(props) => <input {...props} inputMode="numeric" defaultValue={base.warmup_bars} />}
        </Field>
      </div>
      <div className="row">
        <Field label="Entry" name="entry.timing" errors={errors}>
          {(props) => (
            <select {...props} value={timing} onChange={(event) => setTiming(event.target.value as StrategyDefinition['entry']['timing'])}>
              <option value="close">at the signal&apos;s close</option>
              <option value="next_open">at the next open</option>
              <option value="limit">day limit order</option>
            </select>
          )}
        </Field>
        {timing === 'limit' && (
          <Field label="Limit offset (bps)" name="entry.limit_offset_bps" errors={errors}>
            {(props) => <input {...props} inputMode="decimal" defaultValue={base.entry.limit_offset_bps ?? ''} />}
          </Field>
        )}
        <Field label="Sizing" name="sizing.mode" errors={errors}>
          {(props) => (
            <select {...props} value={sizingMode} onChange={(event) => setSizingMode(event.target.value as SizingMode)}>
              <option value="fixed_quantity">fixed quantity</option>
              <option value="fixed_notional">fixed value</option>
              <option value="allocation_share">share of allocation</option>
            </select>
          )}
        </Field>
        <Field key={amount.field} label={amount.label} name={`sizing.${amount.field}`} errors={errors}>
          {(props) => <input {...props} inputMode="decimal" defaultValue={number((base.sizing as Record<string, unknown>)[amount.field])} />}
        </Field>
        <Field label="Allocation" name="allocation" errors={errors} hint="capital given to the strategy">
          {(props) => <input {...props} inputMode="decimal" defaultValue={base.allocation} />}
        </Field>
      </div>
      <div className="row">
        <Field label="Exit after (bars)" name="exits.after_bars" errors={errors}>
          {(props) => <input {...props} inputMode="numeric" defaultValue={base.exits.after_bars ?? ''} />}
        </Field>
        <Field label="Stop loss (%)" name="exits.stop_loss_pct" errors={errors}>
          {(props) => <input {...props} inputMode="decimal" defaultValue={base.exits.stop_loss_pct ?? ''} />}
        </Field>
        <Field label="Take profit (%)" name="exits.take_profit_pct" errors={errors}>
          {(props) => <input {...props} inputMode="decimal" defaultValue={base.exits.take_profit_pct ?? ''} />}
        </Field>
        <label className="inline">
          <input name="exits.on_opposite_signal" type="checkbox" defaultChecked={base.exits.on_opposite_signal ?? false} /> Exit on the opposite signal
        </label>
      </div>
      <div className="row">
        <Field label="Scan cron" name="schedule.cron" errors={errors} hint="trading days only; empty: on demand">
          {(props) => <input {...props} defaultValue={base.schedule?.cron ?? ''} />}
        </Field>
        <Field label="Time zone" name="schedule.timezone" errors={errors}>
          {(props) => <input {...props} defaultValue={base.schedule?.timezone ?? 'America/New_York'} />}
        </Field>
        <Field label="Approval" name="approval" errors={errors}>
          {(props) => (
            <select {...props} defaultValue={base.approval}>
              <option value="manual">manual (signals wait)</option>
              <option value="auto">auto (signals become orders)</option>
            </select>
          )}
        </Field>
        <label className="inline">
          <input name="enabled" type="checkbox" defaultChecked={base.enabled} /> Enabled
        </label>
        <button type="submit" disabled={save.isPending}>
          {editing ? 'Save changes' : 'Create'}
        </button>
        {onClose && (
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
        )}
      </div>
      <FormError errors={errors} />
      {unchanged && <p role="status">Nothing changed: nothing sent.</p>}
    </form>
  );
}
