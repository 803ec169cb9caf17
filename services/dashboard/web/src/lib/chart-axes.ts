import type uPlot from 'uplot';

/** The context a value axis measures its labels with (a canvas 2D context in the browser). */
export interface LabelMeasure {
  font: string;
  measureText(text: string): { width: number };
}

/**
 * Every chart's axes with each value axis as wide as its longest label: uPlot's default width cut
 * the first digit off labels such as 148.45 or -12,500. Applied to every chart, whether it passes
 * its own `axes` or not (a chart without them gets uPlot's default x and y axes, the y one sized).
 * An axis with its own `size` keeps it.
 */
export function axesSizedToLabels(options: Pick<uPlot.Options, 'axes' | 'series' | 'scales'>): uPlot.Axis[] {
  const axes = options.axes ?? [{}, {}];
  return axes.map((axis, index) => (index === 0 || axis.size !== undefined ? axis : { ...axis, size: labelWidth(axis) }));
}

type SizeOf = Extract<NonNullable<uPlot.Axis['size']>, (...args: never[]) => number>;

/** The width an axis needs: its longest label, the tick and gap, and room for its title. */
export function labelWidth(axis: uPlot.Axis): SizeOf {
  return (self, values, axisIndex, cycle) => {
    const drawn = self.axes[axisIndex] as uPlot.Axis & { _size?: number; font?: [string] };
    if (cycle > 1 && drawn._size) return drawn._size;
    return widthOfLabels(
      values ?? [],
      self.ctx as LabelMeasure,
      drawn.font?.[0],
      axis.label ? 20 : 0,
      (globalThis as { devicePixelRatio?: number }).devicePixelRatio ?? 1,
    );
  };
}

/** CSS pixels for the longest of `labels` in `font`, plus 18 for the tick and gap and `titleRoom` for the axis label. */
export function widthOfLabels(labels: readonly string[], measure: LabelMeasure, font: string | undefined, titleRoom: number, pixelRatio: number): number {
  if (font) measure.font = font;
  const widest = labels.reduce((most, label) => Math.max(most, measure.measureText(label).width), 0);
  return Math.ceil(widest / pixelRatio + 10 + 8 + titleRoom);
}

const day = 86_400;
/** Whole days, weeks, months (30 d), quarters and years: a daily chart never ticks at "2am". */
export const dailyIncrements = [day, 2 * day, 7 * day, 14 * day, 30 * day, 91 * day, 182 * day, 365 * day, 2 * 365 * day, 5 * 365 * day];

/** The x axis of a chart of days (seconds at 00:00 UTC): ticks on whole days, labelled with the date itself, in no time zone. */
export function dailyXAxis(axis: uPlot.Axis = {}): uPlot.Axis {
  return { space: 90, ...axis, incrs: dailyIncrements, values: (_chart, splits) => splits.map((seconds) => dayLabel(seconds)) };
}

export const dayLabel = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 10);

/**
 * The x range of a chart of days, from its days themselves: a single day (the first snapshot) is
 * drawn three days either side of it. uPlot widens one point's time axis by 86400 / ms units,
 * which for seconds ran the axis from that day to nearly three years on.
 */
export function dailyXRange(days: ArrayLike<number | null | undefined>): [number, number] | null {
  const first = days[0];
  const last = days[days.length - 1];
  if (first == null || last == null) return null;
  return first === last ? [first - 3 * day, last + 3 * day] : [first, last];
}
