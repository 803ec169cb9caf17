import { CandlestickSeries, createChart, createSeriesMarkers, type CandlestickData, type SeriesMarker, type Time } from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import type { Candle, Marker } from '../lib/series';
import { afterPaint } from './afterPaint';

/** Candles with signal markers (TradingView lightweight-charts). */
export function CandleChart({ candles, markers, label, onDrawn }: { candles: readonly Candle[]; markers: readonly Marker[]; label: string; onDrawn?: (ms: number) => void }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current!;
    const started = performance.now();
    const chart = createChart(element, { height: 360, autoSize: true, layout: { attributionLogo: false }, timeScale: { borderVisible: false }, rightPriceScale: { borderVisible: false } });
    const series = chart.addSeries(CandlestickSeries, { upColor: '#0a7d32', downColor: '#b42318', wickUpColor: '#0a7d32', wickDownColor: '#b42318', borderVisible: false });
    series.setData(candles as CandlestickData<Time>[]);
    if (markers.length > 0) createSeriesMarkers(series, markers as SeriesMarker<Time>[]);
    chart.timeScale().fitContent();
    afterPaint(started, `chart:${label}`, onDrawn);
    return () => chart.remove();
  }, [candles, markers, onDrawn]);
  return <div ref={host} className="chart candles" role="img" aria-label={label} />;
}
