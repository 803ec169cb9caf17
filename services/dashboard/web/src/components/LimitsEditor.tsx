import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, unwrap } from '../api/client';
import { apiErrorsFor, type FieldErrors } from '../lib/field-errors';
import { formatDateTime } from '../lib/format';
import { describeLimits, fieldsOfScope, formatLimit, limitChangeFromForm, type LimitChange } from '../lib/limits';
import { can } from '../lib/permissions';
import { useMe } from '../session';
import { Field, FormError } from './Field';
import { QueryState } from './QueryState';

const limitsQuery = { queryKey: ['trading-limits'], queryFn: () => unwrap(api.GET('/trading/limits')) };

/**
 * The limits of one scope (everything as one book, or one strategy) as a form: an empty input is
 * no limit; every change needs a reason and lands in the history below. Messages sit under the
 * input they are about, from the form's own checks or the API's answer.
 */
export function LimitsEditor() {
  const me = useMe();
  const client = useQueryClient();
  const limits = useQuery(limitsQuery);
  const strategies = useQuery({ queryKey: ['strategies'], queryFn: () => unwrap(api.GET('/trading/strategies')) });
  const [scope, setScope] = useState('global');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const strategyId = scope === 'global' ? null : Number(scope.slice('strategy:'.length));
  const fields = fieldsOfScope(strategyId !== null);
  const inputNames = [...fields.map((field) => `limits.${field.name}`), 'reason', 'breach_action'];
  const save = useMutation({
    mutationFn: (change: LimitChange) =>
      strategyId === null
        ? unwrap(api.PUT('/trading/limits/global', { body: change }))
        : unwrap(api.PUT('/trading/limits/strategies/{id}', { params: { path: { id: strategyId } }, body: change })),
    onSuccess: () => (setErrors({}), setSaved(scopeName(scope))),
    onError: (error) => setErrors(apiErrorsFor(error instanceof ApiError ? error.message : String(error), inputNames)),
    onSettled: () => Promise.all(['trading-limits', 'trading-limits-history', 'trading-risk'].map((key) => client.invalidateQueries({ queryKey: [key] }))),
  });
  const scopeName = (value: string) =>
    value === 'global' ? 'all trading' : `strategy ${strategies.data?.strategies.find((strategy) => `strategy:${strategy.id}` === value)?.name ?? value}`;
  const editable = can(me, 'risk');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(null);
    const { value, errors: found } = limitChangeFromForm(new FormData(event.currentTarget), strategyId !== null);
    setErrors(found);
    if (value) save.mutate(value);
  };
  return (
    <QueryState query={limits}>
      {(data) => {
        const current = data.limits.find((set) => set.scope === scope);
        return (
          <div data-testid="limits-editor">
            <div className="row">
              <label>
                Limits of
                <select
                  value={scope}
                  onChange={(event) => {
                    setScope(event.target.value);
                    setErrors({});
                    setSaved(null);
                  }}
                >
                  <option value="global">all trading (one book)</option>
                  {(strategies.data?.strategies ?? []).map((strategy) => (
                    <option key={strategy.id} value={`strategy:${strategy.id}`}>
                      strategy {strategy.name}
                    </option>
                  ))}
                </select>
              </label>
              <span className="muted">
                {current
                  ? `Set ${formatDateTime(current.updated_at)} by ${current.updated_by ?? '—'}: ${current.reason ?? ''}`
                  : 'No limit set for this scope.'}
              </span>
            </div>
            {!editable ? (
              // Read-only for whoever lacks the risk scope: the values as text, no input that looks editable.
              <table data-testid="limits-read-only">
                <caption className="visually-hidden">Limits of {scopeName(scope)}</caption>
                <tbody>
                  {fields.map((field) => (
                    <tr key={field.name}>
                      <th scope="row">{field.label}</th>
                      <td>{current?.limits[field.name] == null ? 'no limit' : formatLimit(field.name, current.limits[field.name])}</td>
                    </tr>
                  ))}
                  <tr>
                    <th scope="row">On a daily-loss or drawdown breach</th>
                    <td>{(current?.breach_action ?? 'halted') === 'halted' ? 'halt' : 'reduce only'}</td>
                  </tr>
                </tbody>
              </table>
            ) : (
              // Keyed by scope: switching scope starts from that scope's stored limits.
              <form
                key={`${scope}-${current?.updated_at ?? 'none'}`}
                className="panel"
                onSubmit={submit}
                aria-label={`Limits of ${scopeName(scope)}`}
                noValidate
              >
                <fieldset className="grid">
                  <legend className="visually-hidden">Limits (empty: no limit)</legend>
                  {fields.map((field) => (
                    <Field key={field.name} label={field.label} name={`limits.${field.name}`} errors={errors} hint={data.descriptions[field.name]}>
                      {(props) => <input {...props} inputMode="decimal" placeholder="no limit" defaultValue={current?.limits[field.name] ?? ''} />}
                    </Field>
                  ))}
                </fieldset>
                <div className="row">
                  <Field label="On a daily-loss or drawdown breach" name="breach_action" errors={errors}>
                    {(props) => (
                      <select {...props} defaultValue={current?.breach_action ?? 'halted'}>
                        <option value="halted">halt</option>
                        <option value="reducing">reduce only</option>
                      </select>
                    )}
                  </Field>
                  <Field label="Reason for the change" name="reason" errors={errors} className="wide">
                    {(props) => <input {...props} maxLength={500} autoComplete="off" />}
                  </Field>
                  <button type="submit" disabled={save.isPending}>
                    Save limits
                  </button>
                </div>
                <FormError errors={errors} />
                {saved && <p role="status">Saved the limits of {saved}.</p>}
              </form>
            )}
            {!editable && <p className="muted">Changing limits needs the risk scope.</p>}
          </div>
        );
      }}
    </QueryState>
  );
}

/** Every change of the limits, newest first: what, who and why. */
export function LimitsHistory() {
  const history = useQuery({
    queryKey: ['trading-limits-history'],
    queryFn: () => unwrap(api.GET('/trading/limits/history', { params: { query: { limit: 20 } } })),
  });
  const strategies = useQuery({ queryKey: ['strategies'], queryFn: () => unwrap(api.GET('/trading/strategies')) });
  const names = new Map((strategies.data?.strategies ?? []).map((strategy) => [`strategy:${strategy.id}`, strategy.name]));
  return (
    <QueryState query={history} isEmpty={(data) => data.changes.length === 0} empty="No limit changed yet.">
      {(data) => (
        <table data-testid="limits-history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Scope</th>
              <th scope="col">Limits</th>
              <th scope="col">On breach</th>
              <th scope="col">Who</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {data.changes.map((change, index) => (
              <tr key={`${change.at}-${index}`}>
                <td>{formatDateTime(change.at)}</td>
                <td>{change.scope === 'global' ? 'all trading' : (names.get(change.scope) ?? change.scope)}</td>
                <td>{describeLimits(change.limits)}</td>
                <td>{change.breach_action}</td>
                <td>{change.changed_by ?? '—'}</td>
                <td>{change.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </QueryState>
  );
}
