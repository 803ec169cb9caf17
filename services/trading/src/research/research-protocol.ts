import type { CostConfig } from '@closecross/engine';
import type { StrategySource } from '@closecross/engine/host';
import type { TrialFigures } from '../schemas/research.ts';
import type { BarColumns } from '../backtests/backtest-protocol.ts';

/** What a research thread holds for its life: one strategy's code and one data set (daily bars). */
export interface ResearchThreadData {
  source: StrategySource;
  universe: string[];
  series: BarColumns[];
  startingCash: number;
  costs: CostConfig | undefined;
  decision: 'after_close' | 'close_auction';
}

/** One run on the thread's bars: a parameter set over a range of days. */
export interface TrialRequest {
  id: number;
  params: Record<string, unknown>;
  /** First and last day of bars fed (inclusive). */
  startDay: string;
  endDay: string;
  /** Figures and equity measured from this day on (a walk-forward's out-of-sample start; its in-sample lead warms the strategy up). */
  measureFrom?: string | undefined;
  wantEquity?: boolean;
  /** Record every order the strategy sends, with its instant (the lookahead check). */
  recordDecisions?: boolean;
}

export interface RecordedDecision {
  ms: number;
  symbol: string;
  side: string;
  type: string;
  quantity: number;
  price: number | null;
}

export type TrialAnswer =
  | {
      id: number;
      type: 'done';
      figures: TrialFigures;
      params: Record<string, unknown>;
      cpuMs: number;
      /** How long the thread sat idle between its previous answer and this request (none on its first trial): the wait on a job's claim and bookkeeping. */
      idleMs?: number;
      /** The trial's wall time on the thread, and the thread (its threadId). */
      busyMs: number;
      thread: number;
      equity?: { days: string[]; equity: number[] };
      decisions?: RecordedDecision[];
    }
  | { id: number; type: 'failed'; error: string; field?: string };
