import type { ResponseOf } from '@closecross/client';
import { daySeconds } from './series.ts';

/** One row of GET /trading/risk/history: the day's risk after the close, in total or for one strategy (the fields the chart reads). */
export type RiskSnapshot = Pick<
  ResponseOf<'/trading/risk/history'>['snapshots'][number],
  'date' | 'gross_exposure' | 'net_exposure' | 'var95' | 'var99' | 'es95' | 'es99' | 'details'
>;

export interface RiskHistorySeries {
  /** uPlot x: day starts in seconds, in order. */
  days: number[];
  var95: (number | null)[];
  var99: (number | null)[];
  es99: (number | null)[];
  gross: number[];
  /** The day's highest limit use (1 = at a limit), null when no limit was set: how close the book came. */
  closestLimit: (number | null)[];
}

/**
 * The history of maximum risk as chart series: VaR and ES stay gaps (null) on days without enough
 * returns to compute them, never zeros that would read as "no risk".
 */
export function riskHistorySeries(rows: readonly RiskSnapshot[]): RiskHistorySeries {
  const ordered = [...rows].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const finite = (value: number | null | undefined) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
  return {
    days: ordered.map((row) => daySeconds(row.date)),
    var95: ordered.map((row) => finite(row.var95)),
    var99: ordered.map((row) => finite(row.var99)),
    es99: ordered.map((row) => finite(row.es99)),
    gross: ordered.map((row) => finite(row.gross_exposure) ?? 0),
    closestLimit: ordered.map((row) => {
      const uses = (row.details?.limits ?? []).map((limit) => finite(limit.use)).filter((use): use is number => use !== null);
      return uses.length === 0 ? null : Math.max(...uses);
    }),
  };
}

/** The worst day of the window by VaR 99 (the maximum risk), or null when no day has one. */
export function worstDay(rows: readonly RiskSnapshot[]): RiskSnapshot | null {
  let worst: RiskSnapshot | null = null;
  for (const row of rows) if (typeof row.var99 === 'number' && (worst === null || row.var99 > worst.var99!)) worst = row;
  return worst;
}
