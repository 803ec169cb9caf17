import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { ResponseOf } from '@closecross/client';
import { api, ApiError, unwrap } from '../api/client';
import type { TradingState } from '../lib/exposures';
import { apiErrorsFor, type FieldErrors } from '../lib/field-errors';
import { formatDateTime } from '../lib/format';
import { can } from '../lib/permissions';
import { useMe } from '../session';
import { Field, FormError } from './Field';
import { QueryState } from './QueryState';

export type StateView = ResponseOf<'/trading/state'>['states'][number];

export const tradingStateQuery = {
  queryKey: ['trading-state'],
  queryFn: () => unwrap(api.GET('/trading/state', { params: { query: { limit: 20 } } })),
  refetchInterval: 5_000,
};

const actions: { to: TradingState; button: string; verb: string }[] = [
  { to: 'halted', button: 'Halt', verb: 'Halt' },
  { to: 'reducing', button: 'Reduce only', verb: 'Reduce only' },
  { to: 'active', button: 'Resume', verb: 'Resume' },
];

/**
 * Halt / reduce / resume for one scope (everything, or one strategy). Each change asks for a
 * reason in the page (kept with who made it, and alerted): a resume after a stop is a decision,
 * so it is never one click. `label` names the scope in the buttons for screen readers.
 */
export function StateChanger({ strategyId, label, state }: { strategyId: number | null; label: string; state: TradingState }) {
  const me = useMe();
  const client = useQueryClient();
  const [target, setTarget] = useState<TradingState | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const change = useMutation({
    mutationFn: (body: { state: TradingState; reason: string; strategy_id?: number }) => unwrap(api.PUT('/trading/state', { body })),
    onSuccess: () => (setTarget(null), setErrors({})),
    onError: (error) => setErrors(apiErrorsFor(error instanceof ApiError ? error.message : String(error), ['reason'])),
    onSettled: () => Promise.all(['trading-state', 'trading-risk', 'strategies'].map((key) => client.invalidateQueries({ queryKey: [key] }))),
  });
  if (!can(me, 'risk')) return null;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget).get('reason') ?? '').trim();
    if (!reason)
      return setErrors({
        reason: target === 'active' ? 'Say why trading may resume: the reason is kept with your name.' : 'A reason is required: it is kept with your name.',
      });
    if (reason.length > 500) return setErrors({ reason: 'At most 500 characters.' });
    change.mutate({ state: target!, reason, ...(strategyId !== null ? { strategy_id: strategyId } : {}) });
  };
  const chosen = actions.find((action) => action.to === target);
  return (
    <div className="state-changer">
      <span className="row tight">
        {actions.map((action) => (
          <button
            key={action.to}
            type="button"
            className="secondary"
            aria-label={`${action.button} ${label}`}
            disabled={change.isPending || state === action.to}
            aria-pressed={target === action.to}
            onClick={() => (setTarget(action.to), setErrors({}))}
          >
            {action.button}
          </button>
        ))}
      </span>
      {chosen && (
        <form className="panel" onSubmit={submit} aria-label={`${chosen.verb} ${label}`} noValidate>
          <Field
            label={`Why ${chosen.to === 'active' ? 'resume' : chosen.to === 'halted' ? 'halt' : 'reduce only'}? (kept with your name)`}
            name="reason"
            errors={errors}
          >
            {(props) => <input {...props} maxLength={500} autoComplete="off" autoFocus />}
          </Field>
          <p className="row tight">
            <button type="submit" disabled={change.isPending}>
              Confirm: {chosen.verb.toLowerCase()} {label}
            </button>
            <button type="button" className="secondary" onClick={() => (setTarget(null), setErrors({}))}>
              Keep {state}
            </button>
          </p>
          <FormError errors={errors['reason'] ? {} : errors} />
        </form>
      )}
    </div>
  );
}

/** A state as a badge with when, who and why it last changed. */
/** A state as the API keeps it, or a scope never changed (no row: active, changed_at null). */
export function StateBadge({ view }: { view: Pick<StateView, 'state' | 'changed_by' | 'reason'> & { changed_at: StateView['changed_at'] | null } }) {
  return (
    <>
      <strong className={`status state-${view.state}`}>{view.state}</strong>
      {view.changed_at && (
        <span className="muted">
          {' '}
          since {formatDateTime(view.changed_at)} ({view.changed_by ?? '—'}
          {view.reason ? `: ${view.reason}` : ''})
        </span>
      )}
    </>
  );
}

/** The global state and each strategy's, each with its controls, and the latest changes (who, why, automatic or not). */
export function TradingStates() {
  const states = useQuery(tradingStateQuery);
  const strategies = useQuery({ queryKey: ['strategies'], queryFn: () => unwrap(api.GET('/trading/strategies')) });
  return (
    <QueryState query={states}>
      {(data) => {
        const global = data.states.find((view) => view.strategy_id === null) ?? { state: 'active' as const, changed_at: null, changed_by: null, reason: null };
        const byStrategy = new Map(data.states.filter((view) => view.strategy_id !== null).map((view) => [view.strategy_id, view]));
        return (
          <div data-testid="trading-states">
            <table>
              <thead>
                <tr>
                  <th scope="col">Scope</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="visually-hidden">Change</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <tr data-testid="state-global">
                  <th scope="row">All trading</th>
                  <td>
                    <StateBadge view={global} />
                  </td>
                  <td>
                    <StateChanger strategyId={null} label="all trading" state={global.state} />
                  </td>
                </tr>
                {(strategies.data?.strategies ?? []).map((strategy) => {
                  const view = byStrategy.get(strategy.id) ?? { state: 'active' as const, changed_at: null, changed_by: null, reason: null };
                  return (
                    <tr key={strategy.id} data-testid={`state-strategy-${strategy.id}`}>
                      <th scope="row">{strategy.name}</th>
                      <td>
                        <StateBadge view={view} />
                      </td>
                      <td>
                        <StateChanger strategyId={strategy.id} label={`strategy ${strategy.name}`} state={view.state} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <h3>Latest changes</h3>
            {data.changes.length === 0 ? (
              <p className="muted empty">No change yet: trading has been active since the start.</p>
            ) : (
              <ol className="plain" data-testid="state-changes">
                {data.changes.slice(0, 8).map((change, index) => (
                  <li key={`${change.at}-${index}`}>
                    {formatDateTime(change.at)} {change.scope === 'global' ? 'all trading' : change.scope}: {change.from_state} →{' '}
                    <strong>{change.to_state}</strong> by {change.automatic ? 'the risk engine (automatic)' : (change.changed_by ?? '—')}
                    {change.reason ? ` — ${change.reason}` : ''}
                  </li>
                ))}
              </ol>
            )}
          </div>
        );
      }}
    </QueryState>
  );
}
