import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client';
import { alertSummary, deliverySummary, eventLabel } from '../lib/alerts';
import { formatDateTime } from '../lib/format';
import { isOpenOrder } from '../lib/orders';
import { can } from '../lib/permissions';
import { parseSquareOffAnswer, squareOffOutcome, squareOffProgress } from '../lib/square-off';
import { useMe } from '../session';
import { ErrorNote, QueryState } from './QueryState';
import { StateBadge, StateChanger, tradingStateQuery } from './TradingStates';
import { useStrategyNames } from './useStrategyNames';

/** The phrase the API requires for a square-off: typed by the person, so it is never one stray click. */
export const squareOffPhrase = 'SQUARE OFF';

/** The global trading state with halt / reduce / resume (risk scope, each with a reason), and the square-off (trade scope) behind a typed confirmation. */
export function TradingControls() {
  const me = useMe();
  const client = useQueryClient();
  const states = useQuery(tradingStateQuery);
  const global = states.data?.states.find((state) => state.strategy_id === null);
  const refresh = () => Promise.all(['trading-state', 'positions', 'orders'].map((key) => client.invalidateQueries({ queryKey: [key] })));
  const [confirming, setConfirming] = useState(false);
  const squareOff = useMutation({
    mutationFn: async (reason: string) => parseSquareOffAnswer(await unwrap(api.POST('/trading/square-off', { body: { confirm: squareOffPhrase, reason } }))),
    onSettled: refresh,
    onSuccess: () => setConfirming(false),
  });
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
            Trading is <StateBadge view={global ?? { state: 'active', changed_at: null, changed_by: null, reason: null }} />.
          </p>
          <StateChanger strategyId={null} label="all trading" state={global?.state ?? 'active'} />
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
          {(squareOff.isPending || squareOff.data) && <SquareOffReport answer={squareOff.data} startedAt={squareOff.submittedAt} />}
          <p>
            <Link href="/risk">Per-strategy states, limits and risk</Link>
          </p>
        </div>
      )}
    </QueryState>
  );
}

/**
 * The square-off as it goes: while the API works (up to its deadline), the seconds and what is
 * still open; then the API's outcome with what remains and why, and, when incomplete, what is
 * open now (refreshed), so a wait for the market's open shows its progress.
 */
function SquareOffReport({ answer, startedAt }: { answer: ReturnType<typeof parseSquareOffAnswer> | undefined; startedAt: number }) {
  const strategyName = useStrategyNames();
  const watching = !answer || answer.status === 'incomplete';
  const positions = useQuery({ queryKey: ['positions'], queryFn: () => unwrap(api.GET('/trading/positions')), refetchInterval: watching ? 2_000 : false });
  const openOrders = useQuery({
    queryKey: ['orders', 'open'],
    queryFn: () => unwrap(api.GET('/trading/orders', { params: { query: { limit: 1000 } } })),
    refetchInterval: watching ? 2_000 : false,
  });
  const [now, setNow] = useState(startedAt);
  useEffect(() => {
    if (answer) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [answer]);
  const heldNow = positions.data?.positions.filter((position) => position.quantity !== 0).length;
  const ordersNow = openOrders.data?.orders.filter(isOpenOrder).length;
  const progress = heldNow === undefined || ordersNow === undefined ? null : squareOffProgress(heldNow, ordersNow, answer ? null : now - startedAt);
  if (!answer)
    return (
      <p role="status" data-testid="square-off-outcome" data-status="running">
        {progress ?? 'Squaring off…'}
      </p>
    );
  const outcome = squareOffOutcome(answer, strategyName);
  return (
    <div role="status" data-testid="square-off-outcome" data-status={outcome.status} className={outcome.status === 'done' ? '' : 'panel warning'}>
      <p>
        <strong>{outcome.headline}</strong>
      </p>
      {outcome.remaining.length > 0 && (
        <ul data-testid="square-off-remaining">
          {outcome.remaining.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      {outcome.status === 'incomplete' && progress && <p data-testid="square-off-progress">{progress}</p>}
    </div>
  );
}

/** The latest alerts (job failures, state changes, rejected orders …) with how their deliveries went. */
export function LatestAlerts() {
  const alerts = useQuery({
    queryKey: ['alerts', 'latest'],
    queryFn: () => unwrap(api.GET('/alerts', { params: { query: { limit: 8 } } })),
    refetchInterval: 10_000,
  });
  return (
    <>
      <QueryState query={alerts} isEmpty={(data) => data.alerts.length === 0} empty="No alert.">
        {(data) => (
          <ul className="plain" data-testid="latest-alerts">
            {data.alerts.map((alert) => (
              <li key={alert.id}>
                <strong>{eventLabel(alert.event, alert.payload)}</strong> <span className="muted">{formatDateTime(alert.created_at)}</span>{' '}
                {alertSummary(alert.event, alert.payload)} <span className="muted">({deliverySummary(alert.deliveries)})</span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <p>
        <Link href="/alerts">All alerts and channels</Link>
      </p>
    </>
  );
}
