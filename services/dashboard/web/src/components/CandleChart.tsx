import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  type AutoscaleInfo,
  type CandlestickData,
  type SeriesMarker,
  type Time,
} from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import { markerLabelPadding, priceAxisRange, type Candle, type Marker } from '../lib/series';
import { afterPaint } from './afterPaint';

/**
 * Candles with signal markers (TradingView lightweight-charts). Room is left beside the first and
 * last bars for their markers' labels, and the price axis stays at zero or above. The drawn price
 * range is on the element (data-price-min / data-price-max) for tests.
 */
export function CandleChart({
  candles,
  markers,
  label,
  onDrawn,
}: {
  candles: readonly Candle[];
  markers: readonly Marker[];
  label: string;
  onDrawn?: (ms: number) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current!;
    const started = performance.now();
    const chart = createChart(element, {
      height: 360,
      autoSize: true,
      layout: { attributionLogo: false },
      timeScale: { borderVisible: false },
      rightPriceScale: { borderVisible: false },
    });
    const series = chart.addSeries(CandlestickSeries, {
      upColor: '#0a7d32',
      downColor: '#b42318',
      wickUpColor: '#0a7d32',
      wickDownColor: '#b42318',
      borderVisible: false,
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => {
        const info = original();
        return info ? { ...info, priceRange: priceAxisRange(info.priceRange) } : null;
      },
    });
    series.setData(candles as CandlestickData<Time>[]);
    if (markers.length > 0) createSeriesMarkers(series, markers as SeriesMarker<Time>[]);
    const padding = markerLabelPadding(markers, candles.length, element.clientWidth - 70);
    if (padding > 0) chart.timeScale().setVisibleLogicalRange({ from: -padding, to: candles.length - 1 + padding });
    else chart.timeScale().fitContent();
    const drawn = requestAnimationFrame(() => {
      const range = series.priceScale().getVisibleRange();
      if (range) {
        element.dataset.priceMin = String(range.from);
        element.dataset.priceMax = String(range.to);
      }
    });
    afterPaint(started, `chart:${label}`, onDrawn);
    return () => {
      cancelAnimationFrame(drawn);
      chart.remove();
    };
  }, [candles, markers, onDrawn]);
  return <div ref={host} className="chart candles" role="img" aria-label={label} />;
}
