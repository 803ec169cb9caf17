import { useMemo } from 'react';
import type uPlot from 'uplot';
import { CandleChart } from '../components/CandleChart';
import { UPlotChart } from '../components/UPlotChart';
import { candlesFrom, pnlSeries, type PriceBar } from '../lib/series';

/** Generated series for the benchmark: 10 years of daily bars and 5,000 days of equity, drawn by the app's own chart components. */
function generated() {
  let state = 7;
  const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const bars: PriceBar[] = [];
  const equity: { date: string; equity: number }[] = [];
  const day = new Date('2000-01-03T00:00:00Z');
  let close = 100;
  let value = 1_000_000;
  for (let index = 0; equity.length < 5_000; index++) {
    const date = day.toISOString().slice(0, 10);
    value += (random() - 0.48) * 5_000;
    equity.push({ date, equity: value });
    if (bars.length < 2_520 && day.getUTCDay() % 6 !== 0) {
      const open = close;
      close = Math.max(1, open * (1 + (random() - 0.5) * 0.04));
      bars.push({ date, open, high: Math.max(open, close) * 1.005, low: Math.min(open, close) * 0.995, close });
    }
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return { bars, equity };
}

const pnlOptions: Omit<uPlot.Options, 'width'> = {
  height: 260,
  series: [{}, { label: 'cumulative P&L', stroke: '#0a7d32', width: 2 }, { label: 'drawdown', stroke: '#b42318' }],
};

/** One chart per visit (?chart=candles or ?chart=pnl), so neither's work is counted in the other's time. */
export default function ChartBench() {
  const chart = new URLSearchParams(window.location.search).get('chart') ?? 'candles';
  const { candles, pnl } = useMemo(() => {
    const { bars, equity } = generated();
    return { candles: candlesFrom(bars), pnl: pnlSeries(equity) };
  }, []);
  const markers = useMemo(() => [], []);
  const data = useMemo(() => [pnl.days, pnl.cumulative, pnl.drawdown] as uPlot.AlignedData, [pnl]);
  return (
    <section aria-labelledby="bench-title">
      <h1 id="bench-title">Chart benchmark</h1>
      {chart === 'candles' ? (
        <CandleChart candles={candles} markers={markers} label="bench candles" />
      ) : (
        <UPlotChart options={pnlOptions} data={data} label="bench pnl" />
      )}
    </section>
  );
}
