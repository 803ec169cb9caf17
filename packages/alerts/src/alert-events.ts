/**
 * The events a channel can switch on or off, and what each carries. Callers write them with
 * `recordAlert` inside the transaction of the change they report; job events are written by the
 * database itself when a job finishes (migration 0009's trigger on `job`).
 */
export const alertEventNames = [
  'job_failed',
  'job_succeeded',
  'signal_awaiting_approval',
  'order_filled',
  'order_rejected',
  'limit_breached',
  'trading_state_changed',
  'square_off_done',
  'reconciliation_differences',
  'ingest_lag',
  'daily_pnl_summary',
] as const;
export type AlertEventName = (typeof alertEventNames)[number];

/** What the trigger writes for a finished job of any kind (training, inference, analyses, scans, backtests, snapshots). */
export interface JobFinishedPayload {
  job_id: string;
  kind: string;
  attempts: number;
  error: string | null;
  created_by?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
}

export interface SignalAwaitingApprovalPayload {
  signal_id: string;
  strategy: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity?: number;
  price?: number;
  expires_at?: string;
}

export interface OrderFilledPayload {
  order_id: string;
  strategy?: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: number;
}

export interface OrderRejectedPayload {
  order_id: string;
  strategy?: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  /** The risk check or broker that refused it, in words. */
  reason: string;
  check?: string;
}

export interface LimitBreachedPayload {
  limit: string;
  /** `global` or a strategy's name. */
  scope: string;
  value: number;
  threshold: number;
  action?: string;
}

export interface TradingStateChangedPayload {
  scope: string;
  from: string;
  to: string;
  reason: string;
  by?: string;
}

export interface SquareOffDonePayload {
  scope: string;
  /** How it ended: `done` only when nothing is left open or held. Absent in alerts written before it existed. */
  status?: 'done' | 'incomplete';
  cancelled_orders: number;
  closed_positions: number;
  /** What is left: counts, or the lists of open orders and positions (their length counts). */
  remaining?: { open_orders: number | unknown[]; positions: number | unknown[] };
  /** Why what is left waits, when it waits for something (`market closed: waits for the 2026-12-14 open`). */
  waiting_for?: string;
  /** What could not be cancelled or closed, each with why. */
  failures: { what: string; id?: string; symbol?: string; reason: string }[];
}

export interface ReconciliationDifferencesPayload {
  broker: string;
  differences: { symbol: string; ours: number; theirs: number }[];
}

export interface IngestLagPayload {
  source: string;
  /** An episode's two alerts: the lag went over the threshold, or came back under half of it. */
  state?: 'started' | 'recovered';
  lag_seconds: number;
  threshold_seconds: number;
}

export interface DailyPnlSummaryPayload {
  date: string;
  realized: number;
  unrealized: number;
  total: number;
  equity?: number;
  by_strategy?: { strategy: string; pnl: number; realized?: number; unrealized?: number; equity?: number }[];
}

/** One alert as callers write it: the event's name and its payload, checked together. */
export type AlertEvent =
  | { event: 'job_failed'; payload: JobFinishedPayload }
  | { event: 'job_succeeded'; payload: JobFinishedPayload }
  | { event: 'signal_awaiting_approval'; payload: SignalAwaitingApprovalPayload }
  | { event: 'order_filled'; payload: OrderFilledPayload }
  | { event: 'order_rejected'; payload: OrderRejectedPayload }
  | { event: 'limit_breached'; payload: LimitBreachedPayload }
  | { event: 'trading_state_changed'; payload: TradingStateChangedPayload }
  | { event: 'square_off_done'; payload: SquareOffDonePayload }
  | { event: 'reconciliation_differences'; payload: ReconciliationDifferencesPayload }
  | { event: 'ingest_lag'; payload: IngestLagPayload }
  | { event: 'daily_pnl_summary'; payload: DailyPnlSummaryPayload };

/** The one message `POST /alerts/test` sends; no switch applies to it. */
export const testEventName = 'test';
