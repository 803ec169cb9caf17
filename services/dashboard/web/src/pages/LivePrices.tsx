import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type uPlot from 'uplot';
import { api, unwrap } from '../api/client';
import { ErrorNote } from '../components/QueryState';
import { actionsHeader, QueryTable } from '../components/QueryTable';
import { UPlotChart } from '../components/UPlotChart';
import { deskZoneLabel, formatAge, formatMoney, formatNumber } from '../lib/format';
import { appendTick, parseTick, type LiveTick, type SymbolHistory } from '../lib/live';
import { can } from '../lib/permissions';
import { useMe } from '../session';

const liveOptions = (): Omit<uPlot.Options, 'width'> => ({
  height: 260,
  axes: [{ label: `time (${deskZoneLabel()})` }, {}],
  series: [{}, { label: 'price', stroke: '#1f6feb', width: 2 }],
});

/** Subscriptions (add, remove), a live table and a live chart fed by /prices/stream. */
export default function LivePrices() {
  const me = useMe();
  const client = useQueryClient();
  const subscriptions = useQuery({ queryKey: ['subscriptions'], queryFn: () => unwrap(api.GET('/prices/subscriptions')), refetchInterval: 3_000 });
  const add = useMutation({
    mutationFn: (body: { provider: 'replay' | 'alpaca' | 'binance'; symbol: string }) => unwrap(api.POST('/prices/subscriptions', { body })),
    onSettled: () => client.invalidateQueries({ queryKey: ['subscriptions'] }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/prices/subscriptions/{id}', { params: { path: { id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: ['subscriptions'] }),
  });
  const symbols = useMemo(
    () => [...new Set((subscriptions.data?.subscriptions ?? []).map((subscription) => subscription.symbol))].sort(),
    [subscriptions.data],
  );
  const { latest, history, streamError } = useLiveTicks(symbols);
  const [chartSymbol, setChartSymbol] = useState<string | null>(null);
  const shown = chartSymbol && symbols.includes(chartSymbol) ? chartSymbol : symbols[0];
  const shownHistory = shown ? history[shown] : undefined;
  const chartOptions = useMemo(liveOptions, []);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    add.mutate({ provider: form.get('provider') as 'replay', symbol: String(form.get('symbol')).trim() });
  };
  const ingest = can(me, 'ingest');
  return (
    <section aria-labelledby="prices-title">
      <h1 id="prices-title">Live prices</h1>
      {ingest && (
        <form className="row panel" onSubmit={submit} aria-label="Add a subscription">
          <label>
            Provider
            <select name="provider">
              <option value="replay">replay (recorded minutes)</option>
              <option value="alpaca">alpaca</option>
              <option value="binance">binance</option>
            </select>
          </label>
          <label>
            Symbol
            <input name="symbol" required pattern="[A-Za-z0-9.\-\/]{1,20}" />
          </label>
          <button type="submit" disabled={add.isPending}>
            Subscribe
          </button>
          {add.isError && <ErrorNote error={add.error} />}
        </form>
      )}
      {remove.isError && <ErrorNote error={remove.error} />}
      {streamError && <ErrorNote error={streamError} />}
      <QueryTable
        query={subscriptions}
        rows={(data) => data.subscriptions}
        empty="No subscription."
        testId="live-table"
        headers={['Symbol', 'Provider', 'State', 'Last price', 'Bid / ask', 'Ticks', 'Last tick', ingest && actionsHeader]}
        row={(subscription) => {
          const tick = latest[subscription.symbol];
          return (
            <tr key={subscription.id}>
              <td>
                <button type="button" className="link" onClick={() => setChartSymbol(subscription.symbol)}>
                  {subscription.symbol}
                </button>
              </td>
              <td>{subscription.provider}</td>
              <td>
                {subscription.state}
                {subscription.last_error ? ` (${subscription.last_error})` : ''}
              </td>
              <td data-testid={`price-${subscription.symbol}`}>{tick ? formatMoney(tick.price) : '—'}</td>
              <td>{tick?.bid !== undefined ? `${formatNumber(tick.bid, 4)} / ${formatNumber(tick.ask, 4)}` : '—'}</td>
              <td>{formatNumber(subscription.ticks, 0)}</td>
              <td>{formatAge(subscription.last_tick_age_ms)}</td>
              {ingest && (
                <td>
                  <button type="button" className="secondary" onClick={() => remove.mutate(subscription.id)}>
                    Remove
                  </button>
                </td>
              )}
            </tr>
          );
        }}
      />
      {shown && (
        <section aria-labelledby="live-chart">
          <h2 id="live-chart">{shown}</h2>
          {shownHistory && shownHistory.times.length > 1 ? (
            <UPlotChart options={chartOptions} data={[shownHistory.times, shownHistory.prices]} label={`Live price of ${shown}`} deskTime />
          ) : (
            <p role="status" className="muted">
              Waiting for ticks…
            </p>
          )}
        </section>
      )}
    </section>
  );
}

/** One EventSource for the subscribed symbols; re-opened when the set changes. Chart updates are batched per animation frame. */
function useLiveTicks(symbols: readonly string[]) {
  const [latest, setLatest] = useState<Record<string, LiveTick>>({});
  const [history, setHistory] = useState<Record<string, SymbolHistory>>({});
  const [streamError, setStreamError] = useState<string | null>(null);
  const key = symbols.join(',');
  useEffect(() => {
    if (!key) return;
    const source = new EventSource(`/prices/stream?symbols=${encodeURIComponent(key)}`);
    let pending: LiveTick[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const ticks = pending;
      pending = [];
      setLatest((current) => {
        const next = { ...current };
        for (const tick of ticks) next[tick.symbol] = tick;
        return next;
      });
      setHistory((current) => {
        const next = { ...current };
        for (const tick of ticks) next[tick.symbol] = appendTick(next[tick.symbol], tick);
        return next;
      });
    };
    const onTick = (event: MessageEvent<string>) => {
      try {
        const tick = parseTick(event.type, event.data);
        if (!tick) return;
        pending.push(tick);
        if (!frame) frame = requestAnimationFrame(flush);
      } catch (error) {
        setStreamError((error as Error).message);
      }
    };
    for (const type of ['trade', 'quote', 'bar']) source.addEventListener(type, onTick as EventListener);
    source.onopen = () => setStreamError(null);
    source.onerror = () => setStreamError('The live stream dropped; reconnecting…');
    return () => {
      source.close();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [key]);
  return { latest, history, streamError };
}
