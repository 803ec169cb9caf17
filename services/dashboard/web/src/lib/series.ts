/** Turning API answers into the series the charts draw. Pure: unit-tested, and timed by the bench. */
import type { ResponseOf } from '@closecross/client';

/** The fields of a daily bar (GET /price_bars/{symbol}) a candle needs. */
export type PriceBar = Pick<ResponseOf<'/price_bars/{symbol}'>['bars'][number], 'date' | 'open' | 'high' | 'low' | 'close'>;

export interface Candle {
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** Candles in date order, one per day (the chart library refuses unordered or repeated times). */
export function candlesFrom(bars: readonly PriceBar[]): Candle[] {
  const byDate = new Map<string, Candle>();
  for (const bar of bars) byDate.set(bar.date.slice(0, 10), { time: bar.date.slice(0, 10), open: bar.open, high: bar.high, low: bar.low, close: bar.close });
  return [...byDate.values()].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** The fields of a signal (GET /trading/signals) a chart marker needs. */
export type SignalPoint = Pick<ResponseOf<'/trading/signals'>['signals'][number], 'bar_date' | 'side' | 'symbol'> &
  Partial<Pick<ResponseOf<'/trading/signals'>['signals'][number], 'status'>>;

export interface Marker {
  time: string;
  position: 'aboveBar' | 'belowBar';
  color: string;
  shape: 'arrowUp' | 'arrowDown';
  text: string;
}

/** Buy signals under the bar pointing up, sells above pointing down; only the chart's symbol, in time order. */
export function signalMarkers(signals: readonly SignalPoint[], symbol: string): Marker[] {
  return signals
    .filter((signal) => signal.symbol.toUpperCase() === symbol.toUpperCase())
    .map((signal): Marker => {
      const buy = signal.side === 'buy';
      return {
        time: signal.bar_date.slice(0, 10),
        position: buy ? 'belowBar' : 'aboveBar',
        color: buy ? '#0a7d32' : '#b42318',
        shape: buy ? 'arrowUp' : 'arrowDown',
        text: `${buy ? 'buy' : 'sell'}${signal.status ? ` (${signal.status})` : ''}`,
      };
    })
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** Seconds since the epoch at 00:00 UTC of a YYYY-MM-DD day: uPlot's time axis. */
export const daySeconds = (day: string): number => Date.parse(`${day.slice(0, 10)}T00:00:00Z`) / 1000;

export interface EquityPoint {
  date: string;
  equity: number;
}

export interface PnlSeries {
  /** uPlot x: day starts in seconds. */
  days: number[];
  daily: number[];
  cumulative: number[];
  /** Equity below its running peak, <= 0. */
  drawdown: number[];
}

/** Daily P&L, cumulative P&L and drawdown from an equity curve (one point per day). */
export function pnlSeries(points: readonly EquityPoint[]): PnlSeries {
  const ordered = [...points].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const out: PnlSeries = { days: [], daily: [], cumulative: [], drawdown: [] };
  if (ordered.length === 0) return out;
  const start = ordered[0]!.equity;
  let previous = start;
  let peak = start;
  for (const point of ordered) {
    peak = Math.max(peak, point.equity);
    out.days.push(daySeconds(point.date));
    out.daily.push(point.equity - previous);
    out.cumulative.push(point.equity - start);
    out.drawdown.push(point.equity - peak);
    previous = point.equity;
  }
  return out;
}

export interface StrategyDay {
  date: string;
  strategy: string;
  pnl: number;
}

/** Monthly P&L per strategy: months in order, and for each strategy one value per month (0 when idle). */
export function monthlyByStrategy(rows: readonly StrategyDay[]): { months: string[]; byStrategy: Map<string, number[]> } {
  const months = [...new Set(rows.map((row) => row.date.slice(0, 7)))].sort();
  const index = new Map(months.map((month, position) => [month, position]));
  const byStrategy = new Map<string, number[]>();
  for (const row of rows) {
    const values = byStrategy.get(row.strategy) ?? new Array<number>(months.length).fill(0);
    values[index.get(row.date.slice(0, 7))!]! += row.pnl;
    byStrategy.set(row.strategy, values);
  }
  return { months, byStrategy };
}

/** The fields of a VaR analysis's result (GET /analyses/{id}) the chart draws. */
export type VarResult = Pick<NonNullable<ResponseOf<'/analyses/{id}'>['result']>, 'var95' | 'var99' | 'averageVar95' | 'averageVar99'>;

/** The reference's VaR chart: VaR 95 and 99 per signal, and each one's average as a flat line. */
export function varChartData(result: VarResult): [number[], number[], number[], number[], number[]] {
  const count = Math.min(result.var95.length, result.var99.length);
  const x = Array.from({ length: count }, (_, index) => index + 1);
  const flat = (value: number | null) => new Array<number>(count).fill(value ?? Number.NaN);
  return [x, result.var95.slice(0, count), result.var99.slice(0, count), flat(result.averageVar95), flat(result.averageVar99)];
}

/** The fields of an auction row (GET /stock_data/) the explorer draws. */
export type AuctionRow = Pick<
  ResponseOf<'/stock_data/'>['data'][number],
  'seconds_in_bucket' | 'reference_price' | 'wap' | 'bid_price' | 'ask_price' | 'imbalance_size' | 'target'
>;

/** The auction explorer's series over seconds_in_bucket (gaps stay gaps: null, not 0). */
export function auctionSeries(rows: readonly AuctionRow[]): (number | null)[][] {
  const ordered = [...rows].sort((a, b) => a.seconds_in_bucket - b.seconds_in_bucket);
  return [
    ordered.map((row) => row.seconds_in_bucket),
    ordered.map((row) => row.reference_price),
    ordered.map((row) => row.wap),
    ordered.map((row) => row.bid_price),
    ordered.map((row) => row.ask_price),
    ordered.map((row) => row.imbalance_size),
    ordered.map((row) => row.target),
  ];
}

/**
 * Bars of empty space to leave on each side of the candles so a marker's label on the first or
 * last bar is drawn whole (labels are centred on their bar): half the longest label, in bars at
 * the spacing the chart will have. `charWidth` is the label font's average character width.
 */
export function markerLabelPadding(markers: readonly Pick<Marker, 'text'>[], barCount: number, chartWidth: number, charWidth = 7): number {
  if (markers.length === 0 || barCount === 0) return 0;
  const halfLabel = (Math.max(...markers.map((marker) => marker.text.length)) * charWidth) / 2 + 6;
  // pad * spacing >= halfLabel, where spacing = width / (bars + 2 pad).
  if (chartWidth <= 2 * halfLabel) return barCount;
  return Math.ceil((halfLabel * barCount) / (chartWidth - 2 * halfLabel));
}

/** A price axis never runs below zero: a price is not negative, whatever margins the markers ask for. */
export function priceAxisRange(range: { minValue: number; maxValue: number } | null): { minValue: number; maxValue: number } | null {
  if (!range) return null;
  return { minValue: Math.max(0, range.minValue), maxValue: Math.max(range.maxValue, Math.max(0, range.minValue)) };
}
