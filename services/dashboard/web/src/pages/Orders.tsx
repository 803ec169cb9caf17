import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../api/client';
import { ErrorNote, QueryState } from '../components/QueryState';
import { actionsHeader, QueryTable } from '../components/QueryTable';
import { StateBadge, tradingStateQuery } from '../components/TradingStates';
import { useStrategyNames } from '../components/useStrategyNames';
import { deskToday, formatChange, formatDateTime, formatMoney, formatNumber, signClass } from '../lib/format';
import { isOpenOrder, sessionLabel } from '../lib/orders';
import { can } from '../lib/permissions';
import { useMe } from '../session';

/** Orders with their state history, positions with unrealized P&L, and manual order entry. */
export default function Orders() {
  const me = useMe();
  const client = useQueryClient();
  const orders = useQuery({
    queryKey: ['orders'],
    queryFn: () => unwrap(api.GET('/trading/orders', { params: { query: { limit: 200 } } })),
    refetchInterval: 3_000,
  });
  const positions = useQuery({ queryKey: ['positions'], queryFn: () => unwrap(api.GET('/trading/positions')), refetchInterval: 3_000 });
  const [selected, setSelected] = useState<string | null>(null);
  const detail = useQuery({
    queryKey: ['order', selected],
    enabled: !!selected,
    queryFn: () => unwrap(api.GET('/trading/orders/{id}', { params: { path: { id: selected! } } })),
  });
  const cancel = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/trading/orders/{id}/cancel', { params: { path: { id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: ['orders'] }),
  });
  const trader = can(me, 'trade');
  const strategyName = useStrategyNames();
  const states = useQuery(tradingStateQuery);
  const global = states.data?.states.find((view) => view.strategy_id === null);
  const halted = global?.state === 'halted';
  return (
    <section aria-labelledby="orders-title">
      <h1 id="orders-title">Orders and positions</h1>
      {global && global.state !== 'active' && (
        <div className="banner" role="alert" data-testid="halted-banner">
          Trading is <StateBadge view={global} />.{' '}
          {halted
            ? 'New orders are refused until someone with the risk scope resumes trading on the Risk page.'
            : 'Only orders that reduce a position are accepted.'}
        </div>
      )}
      <h2>Positions</h2>
      <QueryTable
        query={positions}
        rows={(data) => data.positions}
        empty="No position."
        testId="positions"
        headers={['Symbol', 'Strategy', 'Quantity', 'Average cost', 'Last', 'Unrealized', 'Realized']}
        row={(position) => (
          <tr key={`${position.strategy_id}-${position.symbol}`}>
            <td>{position.symbol}</td>
            <td>{strategyName(position.strategy_id)}</td>
            <td>{formatNumber(position.quantity, 4)}</td>
            <td>{formatMoney(position.average_cost)}</td>
            <td>{formatMoney(position.last_price)}</td>
            <td className={signClass(position.unrealized_pnl)}>{formatChange(position.unrealized_pnl)}</td>
            <td className={signClass(position.realized_pnl)}>{formatChange(position.realized_pnl)}</td>
          </tr>
        )}
      />
      {trader && <OrderEntry halted={halted} />}
      <h2>Orders</h2>
      {cancel.isError && <ErrorNote error={cancel.error} />}
      <QueryTable
        query={orders}
        rows={(data) => data.orders}
        empty="No order yet."
        testId="orders"
        headers={['Symbol', 'Strategy', 'Side', 'Quantity', 'Type', 'Session', 'State', 'Filled', 'Created', actionsHeader]}
        row={(order) => (
          <tr key={order.id} data-testid={`order-${order.id}`}>
            <td>{order.symbol}</td>
            <td>{strategyName(order.strategy_id)}</td>
            <td>{order.side}</td>
            <td>{formatNumber(order.quantity, 4)}</td>
            <td>{order.type}</td>
            <td>{sessionLabel(order, deskToday())}</td>
            <td>
              <span className={`status status-${order.state}`}>{order.state}</span>
              {order.risk_check ? ` (${order.risk_check})` : ''}
              {order.reason ? <span className="muted"> {order.reason}</span> : null}
            </td>
            <td>
              {formatNumber(order.filled_quantity, 4)} @ {formatMoney(order.average_fill_price)}
            </td>
            <td>{formatDateTime(order.created_at)}</td>
            <td>
              <button type="button" className="link" onClick={() => setSelected(order.id)}>
                History
              </button>
              {trader && isOpenOrder(order) && (
                <button type="button" className="secondary" onClick={() => cancel.mutate(order.id)}>
                  Cancel
                </button>
              )}
            </td>
          </tr>
        )}
      />
      {selected && (
        <section aria-labelledby="order-history">
          <h2 id="order-history">Order {selected.slice(0, 8)}: state history</h2>
          <QueryState query={detail}>
            {(data) => (
              <ol>
                {data.transitions.map((transition, index) => (
                  <li key={index}>
                    {formatDateTime(transition.at)}: {transition.from_state ?? '—'} → <strong>{transition.to_state}</strong> ({transition.cause})
                  </li>
                ))}
                {data.fills.map((fill) => (
                  <li key={fill.fill_id}>
                    fill {formatNumber(fill.quantity, 4)} @ {formatMoney(fill.price)}, fee {formatMoney(fill.fee)} on {fill.trade_date}
                  </li>
                ))}
              </ol>
            )}
          </QueryState>
        </section>
      )}
    </section>
  );
}

function OrderEntry({ halted }: { halted: boolean }) {
  const client = useQueryClient();
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: () => unwrap(api.GET('/trading/accounts')) });
  const place = useMutation({
    mutationFn: (body: {
      account_id: string;
      symbol: string;
      side: 'buy' | 'sell';
      quantity: number;
      type: 'market' | 'limit';
      time_in_force: 'day' | 'gtc';
      limit_price?: number;
    }) => unwrap(api.POST('/trading/orders', { body })),
    onSettled: () => Promise.all([client.invalidateQueries({ queryKey: ['orders'] }), client.invalidateQueries({ queryKey: ['positions'] })]),
  });
  const [type, setType] = useState<'market' | 'limit'>('market');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    place.mutate({
      account_id: String(form.get('account_id')),
      symbol: String(form.get('symbol')).trim().toUpperCase(),
      side: form.get('side') as 'buy' | 'sell',
      quantity: Number(form.get('quantity')),
      type,
      time_in_force: form.get('time_in_force') as 'day' | 'gtc',
      ...(type === 'limit' ? { limit_price: Number(form.get('limit_price')) } : {}),
    });
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="entry-title">
      <h2 id="entry-title">Manual order</h2>
      {halted && <p className="muted">Order entry is off while trading is halted.</p>}
      <QueryState query={accounts} isEmpty={(data) => data.accounts.length === 0} empty="No trading account: an admin creates one (POST /trading/accounts).">
        {(data) => (
          <fieldset className="row plain-fieldset" disabled={halted}>
            <legend className="visually-hidden">{halted ? 'Order entry (disabled: trading is halted)' : 'Order entry'}</legend>
            <label>
              Account
              <select name="account_id">
                {data.accounts.map((account) => (
                  <option key={account.id} value={account.id}>
                    {account.name} ({account.broker})
                  </option>
                ))}
              </select>
            </label>
            <label>
              Symbol
              <input name="symbol" required pattern="[A-Za-z0-9.\-]{1,16}" />
            </label>
            <label>
              Side
              <select name="side">
                <option value="buy">buy</option>
                <option value="sell">sell</option>
              </select>
            </label>
            <label>
              Quantity
              <input name="quantity" type="number" min={0.0001} step="any" required />
            </label>
            <label>
              Type
              <select value={type} onChange={(event) => setType(event.target.value as 'market' | 'limit')}>
                <option value="market">market</option>
                <option value="limit">limit</option>
              </select>
            </label>
            {type === 'limit' && (
              <label>
                Limit price
                <input name="limit_price" type="number" min={0.0001} step="any" required />
              </label>
            )}
            <label>
              Time in force
              <select name="time_in_force">
                <option value="day">day</option>
                <option value="gtc">gtc</option>
              </select>
            </label>
            <button type="submit" disabled={place.isPending || halted}>
              Place order
            </button>
          </fieldset>
        )}
      </QueryState>
      {place.isError && <ErrorNote error={place.error} />}
      {place.data &&
        (place.data.state === 'rejected' ? (
          <p role="alert" className="error" data-testid="order-refused">
            Order {place.data.id.slice(0, 8)} was refused{place.data.risk_check ? ` by the risk check ${place.data.risk_check}` : ''}:{' '}
            {place.data.reason ?? 'no reason given'}.
          </p>
        ) : (
          <p role="status">
            Order {place.data.id.slice(0, 8)} is {place.data.state}.
          </p>
        ))}
    </form>
  );
}
