import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { ErrorNote, QueryState } from '../components/QueryState';
import { formatDateTime, formatMoney } from '../lib/format';
import { can } from '../lib/permissions';
import { useMe } from '../session';

/** Pending signals to approve or reject (trade scope), and the history with each outcome. */
export default function Signals() {
  const me = useMe();
  const client = useQueryClient();
  const pending = useQuery({ queryKey: ['signals', 'pending'], queryFn: () => unwrap(api.GET('/trading/signals', { params: { query: { status: 'pending', limit: 200 } } })), refetchInterval: 5_000 });
  const history = useQuery({ queryKey: ['signals', 'history'], queryFn: () => unwrap(api.GET('/trading/signals', { params: { query: { limit: 200 } } })), refetchInterval: 5_000 });
  const refresh = () => Promise.all([client.invalidateQueries({ queryKey: ['signals'] }), client.invalidateQueries({ queryKey: ['orders'] }), client.invalidateQueries({ queryKey: ['positions'] })]);
  const decide = useMutation({
    mutationFn: async ({ id, approve }: { id: number; approve: boolean }): Promise<unknown> =>
      approve ? unwrap(api.POST('/trading/signals/{id}/approve', { params: { path: { id } }, body: {} })) : unwrap(api.POST('/trading/signals/{id}/reject', { params: { path: { id } }, body: {} })),
    onSettled: refresh,
  });
  const trader = can(me, 'trade');
  return (
    <section aria-labelledby="signals-title">
      <h1 id="signals-title">Signals</h1>
      <h2>Pending</h2>
      {decide.isError && <ErrorNote error={decide.error} />}
      <QueryState query={pending} isEmpty={(data) => data.signals.length === 0} empty="No signal waits for a decision.">
        {(data) => (
          <table data-testid="pending-signals">
            <thead>
              <tr>
                <th scope="col">Symbol</th>
                <th scope="col">Side</th>
                <th scope="col">Bar</th>
                <th scope="col">Price</th>
                <th scope="col">Strategy</th>
                <th scope="col">Expires</th>
                {trader && <th scope="col">Decision</th>}
              </tr>
            </thead>
            <tbody>
              {data.signals.map((signal) => (
                <tr key={signal.id}>
                  <td>{signal.symbol}</td>
                  <td>{signal.side}</td>
                  <td>{signal.bar_date}</td>
                  <td>{formatMoney(signal.price)}</td>
                  <td>{signal.strategy_id}</td>
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
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      <h2>History</h2>
      <QueryState query={history} isEmpty={(data) => data.signals.length === 0} empty="No signal yet.">
        {(data) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Symbol</th>
                <th scope="col">Side</th>
                <th scope="col">Bar</th>
                <th scope="col">Status</th>
                <th scope="col">Decided by</th>
                <th scope="col">Order</th>
              </tr>
            </thead>
            <tbody>
              {data.signals.map((signal) => (
                <tr key={signal.id}>
                  <td>{signal.symbol}</td>
                  <td>{signal.side}</td>
                  <td>{signal.bar_date}</td>
                  <td>{signal.status}</td>
                  <td>{signal.decided_by ?? '—'}</td>
                  <td>{signal.order_id ? <code>{signal.order_id.slice(0, 8)}</code> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}
