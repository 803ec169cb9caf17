import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { afterPaint } from './afterPaint';

/** uPlot for lines and bars (P&L, VaR, auction series). Redrawn when data or options change. */
export function UPlotChart({ options, data, label, onDrawn }: { options: Omit<uPlot.Options, 'width'>; data: uPlot.AlignedData; label: string; onDrawn?: (ms: number) => void }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current!;
    const started = performance.now();
    const chart = new uPlot({ ...options, axes: options.axes?.map(sizedToLabels), width: Math.max(320, element.clientWidth) } as uPlot.Options, data, element);
    afterPaint(started, `chart:${label}`, onDrawn);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(320, element.clientWidth), height: options.height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [options, data, onDrawn]);
  return <div ref={host} className="chart" role="img" aria-label={label} />;
}

/**
 * A value axis without a fixed size is as wide as its longest label (uPlot's default width cut
 * the first digit off prices such as 148.45).
 */
function sizedToLabels(axis: uPlot.Axis, index: number): uPlot.Axis {
  if (index === 0 || axis.size !== undefined) return axis;
  return {
    ...axis,
    size(self, values, axisIndex, cycle) {
      const drawn = self.axes[axisIndex] as uPlot.Axis & { _size?: number; font?: [string] };
      if (cycle > 1 && drawn._size) return drawn._size;
      const longest = (values ?? []).reduce((widest, value) => (value.length > widest.length ? value : widest), '');
      self.ctx.font = drawn.font?.[0] ?? self.ctx.font;
      const labelWidth = longest ? self.ctx.measureText(longest).width / devicePixelRatio : 0;
      return Math.ceil(labelWidth + 10 + 8 + (axis.label ? 20 : 0));
    },
  };
}

/** Bars for uPlot (its bars path), for daily and monthly P&L. */
export const barsPath = uPlot.paths.bars!({ size: [0.7, 40] });
