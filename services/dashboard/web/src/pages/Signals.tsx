import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { ErrorNote } from '../components/QueryState';
import { QueryTable } from '../components/QueryTable';
import { useStrategyNames } from '../components/useStrategyNames';
import { formatDateTime, formatMoney } from '../lib/format';
import { can } from '../lib/permissions';
import { useMe } from '../session';

/** Pending signals to approve or reject (trade scope), and the history with each outcome. */
export default function Signals() {
  const me = useMe();
  const client = useQueryClient();
  const pending = useQuery({
    queryKey: ['signals', 'pending'],
    queryFn: () => unwrap(api.GET('/trading/signals', { params: { query: { status: 'pending', limit: 200 } } })),
    refetchInterval: 5_000,
  });
  const history = useQuery({
    queryKey: ['signals', 'history'],
    queryFn: () => unwrap(api.GET('/trading/signals', { params: { query: { limit: 200 } } })),
    refetchInterval: 5_000,
  });
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ['signals'] }),
      client.invalidateQueries({ queryKey: ['orders'] }),
      client.invalidateQueries({ queryKey: ['positions'] }),
    ]);
  const decide = useMutation({
    mutationFn: async ({ id, approve }: { id: number; approve: boolean }): Promise<unknown> =>
      approve
        ? unwrap(api.POST('/trading/signals/{id}/approve', { params: { path: { id } }, body: {} }))
        : unwrap(api.POST('/trading/signals/{id}/reject', { params: { path: { id } }, body: {} })),
    onSettled: refresh,
  });
  const trader = can(me, 'trade');
  const strategyName = useStrategyNames();
  return (
    <section aria-labelledby="signals-title">
      <h1 id="signals-title">Signals</h1>
      <h2>Pending</h2>
      {decide.isError && <ErrorNote error={decide.error} />}
      <QueryTable
        query={pending}
        rows={(data) => data.signals}
        empty="No signal waits for a decision."
        testId="pending-signals"
        headers={['Symbol', 'Side', 'Bar', 'Price', 'Strategy', 'Expires', trader && 'Decision']}
        row={(signal) => (
          <tr key={signal.id}>
            <td>{signal.symbol}</td>
            <td>{signal.side}</td>
            <td>{signal.bar_date}</td>
            <td>{formatMoney(signal.price)}</td>
            <td>{strategyName(signal.strategy_id)}</td>
            <td>{formatDateTime(signal.expires_at)}</td>
            {trader && (
              <td>
                <button type="button" disabled={decide.isPending} onClick={() => decide.mutate({ id: signal.id, approve: true })}>
                  Approve {signal.symbol}
                </button>{' '}
                <button type="button" className="secondary" disabled={decide.isPending} onClick={() => decide.mutate({ id: signal.id, approve: false })}>
                  Reject
                </button>
              </td>
            )}
          </tr>
        )}
      />
      <h2>History</h2>
      <QueryTable
        query={history}
        rows={(data) => data.signals}
        empty="No signal yet."
        headers={['Symbol', 'Side', 'Bar', 'Strategy', 'Status', 'Decided by', 'Order']}
        row={(signal) => (
          <tr key={signal.id}>
            <td>{signal.symbol}</td>
            <td>{signal.side}</td>
            <td>{signal.bar_date}</td>
            <td>{strategyName(signal.strategy_id)}</td>
            <td>{signal.status}</td>
            <td>{signal.decided_by ?? '—'}</td>
            <td>{signal.order_id ? <code>{signal.order_id.slice(0, 8)}</code> : '—'}</td>
          </tr>
        )}
      />
    </section>
  );
}
