import type { RequestBodyOf, ResponseOf } from '@closecross/client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type uPlot from 'uplot';
import { api, sendText, unwrap } from '../api/client';
import { CandleChart } from '../components/CandleChart';
import { ErrorNote, QueryState } from '../components/QueryState';
import { UPlotChart } from '../components/UPlotChart';
import { batches, parseAuctionCsv } from '../lib/csv';
import { formatNumber } from '../lib/format';
import { can } from '../lib/permissions';
import { auctionSeries, candlesFrom, signalMarkers } from '../lib/series';
import { useMe } from '../session';

/** Daily candles with signal markers, the auction explorer, and CSV import with progress. */
export default function MarketData() {
  const me = useMe();
  const symbols = useQuery({ queryKey: ['price-symbols'], queryFn: () => unwrap(api.GET('/price_bars/')) });
  const [symbol, setSymbol] = useState<string | null>(null);
  useEffect(() => {
    if (!symbol && symbols.data?.[0]) setSymbol(symbols.data[0].symbol);
  }, [symbols.data, symbol]);

  return (
    <section aria-labelledby="market-title">
      <h1 id="market-title">Market data</h1>
      <h2>Daily bars</h2>
      <QueryState query={symbols} isEmpty={(data) => data.length === 0} empty="No price bars yet: import a daily CSV below.">
        {(data) => (
          <>
            <label>
              Symbol{' '}
              <select value={symbol ?? ''} onChange={(event) => setSymbol(event.target.value)}>
                {data.map((entry) => (
                  <option key={entry.symbol} value={entry.symbol}>
                    {entry.symbol} ({entry.bars} bars, {entry.first_date} to {entry.last_date})
                  </option>
                ))}
              </select>
            </label>
            {symbol && <Candles symbol={symbol} />}
          </>
        )}
      </QueryState>
      <AuctionExplorer />
      {can(me, 'ingest') && <CsvImport />}
    </section>
  );
}

function Candles({ symbol }: { symbol: string }) {
  const bars = useQuery({ queryKey: ['price-bars', symbol], queryFn: () => unwrap(api.GET('/price_bars/{symbol}', { params: { path: { symbol } } })) });
  // Signals are the trading service's; without them the chart is still the chart.
  const signals = useQuery({
    queryKey: ['signals', 'all'],
    queryFn: () => unwrap(api.GET('/trading/signals', { params: { query: { limit: 500 } } })),
    retry: false,
  });
  const candles = useMemo(() => candlesFrom(bars.data?.bars ?? []), [bars.data]);
  const markers = useMemo(() => signalMarkers(signals.data?.signals ?? [], symbol), [signals.data, symbol]);
  return (
    <QueryState query={bars} isEmpty={(data) => data.bars.length === 0} empty="No bars for this symbol.">
      {() => (
        <>
          <CandleChart candles={candles} markers={markers} label={`Daily candles of ${symbol} with ${markers.length} signal markers`} />
          <p className="muted">
            {candles.length} bars; {markers.length} signals marked{signals.isError ? ` (signals unavailable: ${signals.error.message})` : ''}.
          </p>
        </>
      )}
    </QueryState>
  );
}

const priceOptions: Omit<uPlot.Options, 'width'> = {
  height: 260,
  scales: { x: { time: false } },
  axes: [{ label: 'seconds_in_bucket' }, { label: 'price' }],
  series: [
    { label: 's' },
    { label: 'reference price', stroke: '#6e40c9', width: 2 },
    { label: 'WAP', stroke: '#1f6feb', width: 2 },
    { label: 'bid', stroke: '#0a7d32' },
    { label: 'ask', stroke: '#b42318' },
  ],
};
const flowOptions: Omit<uPlot.Options, 'width'> = {
  height: 200,
  scales: { x: { time: false } },
  axes: [{ label: 'seconds_in_bucket' }, { label: 'imbalance', scale: 'imbalance' }, { label: 'target', scale: 'target', side: 1 }],
  series: [{ label: 's' }, { label: 'imbalance size', stroke: '#9a6700', scale: 'imbalance' }, { label: 'target', stroke: '#57606a', scale: 'target' }],
};

function AuctionExplorer() {
  const [picked, setPicked] = useState<{ stock_id: number; date_id: number } | null>(null);
  const rows = useQuery({
    queryKey: ['auction', picked],
    enabled: !!picked,
    queryFn: () => unwrap(api.GET('/stock_data/', { params: { query: { ...picked!, page: 1, page_size: 1000 } } })),
  });
  const series = useMemo(() => (rows.data && rows.data.data.length > 0 ? auctionSeries(rows.data.data) : null), [rows.data]);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPicked({ stock_id: Number(form.get('stock_id')), date_id: Number(form.get('date_id')) });
  };
  return (
    <section aria-labelledby="auction-title">
      <h2 id="auction-title">Auction explorer</h2>
      <form className="row" onSubmit={submit} aria-labelledby="auction-title">
        <label>
          Stock (stock_id)
          <input name="stock_id" type="number" min={0} required defaultValue={0} />
        </label>
        <label>
          Day (date_id)
          <input name="date_id" type="number" min={0} required defaultValue={0} />
        </label>
        <button type="submit">Show</button>
      </form>
      {picked && rows.isPending && <p role="status">Loading…</p>}
      {rows.isError && <ErrorNote error={rows.error} />}
      {rows.data && !series && <p className="muted empty">No auction rows for that stock and day.</p>}
      {series && (
        <>
          <UPlotChart
            options={priceOptions}
            data={[series[0], series[1], series[2], series[3], series[4]] as uPlot.AlignedData}
            label="Reference price, WAP, bid and ask over the auction"
          />
          <UPlotChart options={flowOptions} data={[series[0], series[5], series[6]] as uPlot.AlignedData} label="Imbalance size and target over the auction" />
        </>
      )}
    </section>
  );
}

function CsvImport() {
  const client = useQueryClient();
  const [kind, setKind] = useState<'auction' | 'daily'>('auction');
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const file = form.get('file') as File | null;
    if (!file || file.size === 0) return setError('Choose a CSV file.');
    setError(null);
    setOutcome(null);
    try {
      const text = await file.text();
      if (kind === 'daily') {
        const symbol = String(form.get('symbol')).trim().toUpperCase();
        setProgress({ done: 0, total: 1 });
        const answer = (await sendText('POST', `/price_bars/${encodeURIComponent(symbol)}`, text, 'text/csv')) as ResponseOf<'/price_bars/{symbol}', 'post'>;
        setProgress({ done: 1, total: 1 });
        setOutcome(`${symbol}: ${answer.written} bars written, ${answer.skipped} skipped.`);
        await client.invalidateQueries({ queryKey: ['price-symbols'] });
      } else {
        const rows = parseAuctionCsv(text);
        const parts = batches(rows, 5_000);
        let written = 0;
        setProgress({ done: 0, total: rows.length });
        let done = 0;
        for (const part of parts) {
          const answer = await unwrap(api.POST('/stock_data/', { body: { commit: true, data: part as RequestBodyOf<'/stock_data/', 'post'>['data'] } }));
          written += answer.written;
          done += part.length;
          setProgress({ done, total: rows.length });
        }
        setOutcome(`${rows.length} rows sent, ${written} new or changed.`);
      }
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="import-title">
      <h2 id="import-title">Import a CSV</h2>
      <div className="row">
        <label>
          Kind
          <select value={kind} onChange={(event) => setKind(event.target.value as 'auction' | 'daily')}>
            <option value="auction">auction rows (competition layout)</option>
            <option value="daily">daily bars (Yahoo Finance CSV)</option>
          </select>
        </label>
        {kind === 'daily' && (
          <label>
            Symbol
            <input name="symbol" required pattern="[A-Za-z0-9.\-]{1,16}" />
          </label>
        )}
        <label>
          File
          <input name="file" type="file" accept=".csv,text/csv" required />
        </label>
        <button type="submit">Import</button>
      </div>
      {progress && (
        <p>
          <progress max={progress.total} value={progress.done} aria-label="Import progress" /> {formatNumber(progress.done, 0)} /{' '}
          {formatNumber(progress.total, 0)}
        </p>
      )}
      {outcome && <p role="status">{outcome}</p>}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
