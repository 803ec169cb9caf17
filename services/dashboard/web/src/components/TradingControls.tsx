import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../api/client';
import { formatDateTime } from '../lib/format';
import { can } from '../lib/permissions';
import { useMe } from '../session';
import { ErrorNote, QueryState } from './QueryState';

interface StateView {
  scope: string;
  strategy_id: number | null;
  state: 'active' | 'reducing' | 'halted';
  reason: string | null;
  changed_by: string | null;
  changed_at: string | null;
}

/** The phrase the API requires for a square-off: typed by the person, so it is never one stray click. */
export const squareOffPhrase = 'SQUARE OFF';

/** The global trading state with halt / reduce / resume (risk scope), and the square-off (trade scope) behind a typed confirmation. */
export function TradingControls() {
  const me = useMe();
  const client = useQueryClient();
  const states = useQuery({ queryKey: ['trading-state'], queryFn: async () => (await unwrap(api.GET('/trading/state'))) as unknown as { states: StateView[] }, refetchInterval: 5_000 });
  const global = states.data?.states.find((state) => state.strategy_id === null);
  const refresh = () => Promise.all(['trading-state', 'positions', 'orders'].map((key) => client.invalidateQueries({ queryKey: [key] })));
  const setState = useMutation({
    mutationFn: (body: { state: 'active' | 'reducing' | 'halted'; reason: string }) => unwrap(api.PUT('/trading/state', { body })),
    onSettled: refresh,
  });
  const [confirming, setConfirming] = useState(false);
  const squareOff = useMutation({
    mutationFn: (reason: string) => unwrap(api.POST('/trading/square-off', { body: { confirm: squareOffPhrase, reason } })),
    onSettled: refresh,
    onSuccess: () => setConfirming(false),
  });
  const change = (state: 'active' | 'reducing' | 'halted') => {
    const reason = window.prompt(`Why set trading to ${state}?`);
    if (reason && reason.trim()) setState.mutate({ state, reason: reason.trim() });
  };
  const submitSquareOff = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    squareOff.mutate(String(form.get('reason') || 'square-off from the dashboard'));
  };
  return (
    <QueryState query={states}>
      {() => (
        <div data-testid="trading-state">
          <p>
            Trading is <strong className={`status state-${global?.state ?? 'active'}`}>{global?.state ?? 'active'}</strong>
            {global?.changed_at ? ` since ${formatDateTime(global.changed_at)} (${global.changed_by ?? '—'}: ${global.reason ?? ''})` : ''}.
          </p>
          {can(me, 'risk') && (
            <p className="row">
              <button type="button" className="secondary" disabled={setState.isPending || global?.state === 'halted'} onClick={() => change('halted')}>
                Halt
              </button>
              <button type="button" className="secondary" disabled={setState.isPending || global?.state === 'reducing'} onClick={() => change('reducing')}>
                Reduce only
              </button>
              <button type="button" className="secondary" disabled={setState.isPending || (global?.state ?? 'active') === 'active'} onClick={() => change('active')}>
                Resume
              </button>
            </p>
          )}
          {setState.isError && <ErrorNote error={setState.error} />}
          {can(me, 'trade') &&
            (confirming ? (
              <form className="panel danger" onSubmit={submitSquareOff} aria-label="Confirm square-off">
                <p>Halts trading, cancels every open order and closes every position at market.</p>
                <label>
                  Type {squareOffPhrase} to confirm
                  <input name="confirm" required pattern={squareOffPhrase} autoComplete="off" />
                </label>
                <label>
                  Reason
                  <input name="reason" />
                </label>
                <p className="row">
                  <button type="submit" className="danger" disabled={squareOff.isPending}>
                    Square off everything
                  </button>
                  <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                    Keep positions
                  </button>
                </p>
              </form>
            ) : (
              <button type="button" className="danger" onClick={() => setConfirming(true)}>
                Square off…
              </button>
            ))}
          {squareOff.isError && <ErrorNote error={squareOff.error} />}
          {squareOff.isSuccess && <p role="status">Square-off done: every open order cancelled, positions closing at market.</p>}
        </div>
      )}
    </QueryState>
  );
}

interface AlertView {
  id: string;
  event: string;
  payload: Record<string, unknown>;
  created_at: string;
  deliveries: { status: string }[];
}

/** The latest alerts (job failures, state changes, rejected orders …) with how their deliveries went. */
export function LatestAlerts() {
  const alerts = useQuery({ queryKey: ['alerts'], queryFn: async () => (await unwrap(api.GET('/alerts', { params: { query: { limit: 8 } } }))) as unknown as { alerts: AlertView[] }, refetchInterval: 10_000 });
  return (
    <QueryState query={alerts} isEmpty={(data) => data.alerts.length === 0} empty="No alert.">
      {(data) => (
        <ul className="plain">
          {data.alerts.map((alert) => (
            <li key={alert.id}>
              <strong>{alert.event}</strong> {formatDateTime(alert.created_at)}{' '}
              <span className="muted">{String(alert.payload.message ?? alert.payload.reason ?? alert.payload.kind ?? '')}</span>{' '}
              <span className="muted">({alert.deliveries.map((delivery) => delivery.status).join(', ') || 'no channel'})</span>
            </li>
          ))}
        </ul>
      )}
    </QueryState>
  );
}
