import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { axesSizedToLabels, dailyXAxis, dailyXRange } from '../lib/chart-axes';
import { deskTimeZone } from '../lib/format';
import { afterPaint } from './afterPaint';

/**
 * uPlot for lines and bars (P&L, VaR, auction series). Redrawn when data or options change. Value
 * axes are as wide as their labels. `deskTime`: an intraday time axis in the desk's zone. `daily`:
 * x values are days (00:00 UTC), ticked and labelled as dates in no time zone (a browser west of
 * UTC would otherwise draw each day as the evening before).
 */
export function UPlotChart({
  options,
  data,
  label,
  onDrawn,
  deskTime = false,
  daily = false,
}: {
  options: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
  label: string;
  onDrawn?: (ms: number) => void;
  deskTime?: boolean;
  daily?: boolean;
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current!;
    const started = performance.now();
    const zone = daily ? 'UTC' : deskTime ? deskTimeZone() : null;
    const axes = axesSizedToLabels(options);
    if (daily) axes[0] = dailyXAxis(axes[0]);
    // One day of data would otherwise be drawn on an axis running years ahead.
    const range = daily && !options.scales?.x?.range ? dailyXRange(data[0]) : null;
    const scales = range ? { ...options.scales, x: { ...options.scales?.x, time: true, range: (): uPlot.Range.MinMax => range } } : options.scales;
    const chart = new uPlot(
      {
        ...options,
        axes,
        ...(scales ? { scales } : {}),
        ...(zone ? { tzDate: (seconds: number) => uPlot.tzDate(new Date(seconds * 1000), zone) } : {}),
        width: Math.max(320, element.clientWidth),
      } as uPlot.Options,
      data,
      element,
    );
    afterPaint(started, `chart:${label}`, onDrawn);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(320, element.clientWidth), height: options.height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [options, data, onDrawn, deskTime, daily]);
  return <div ref={host} className="chart" role="img" aria-label={label} />;
}

/** Bars for uPlot (its bars path), for daily and monthly P&L. */
export const barsPath = uPlot.paths.bars!({ size: [0.7, 40] });
