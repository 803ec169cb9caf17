import type { BarInterval, Bar, FillEvent, OrderUpdate, Tick, Timer } from '../events.ts';
import type { OrderRequest, OrderView } from '../orders.ts';
import type { PositionView, StrategyState } from '../strategy/context.ts';

/** Where a worker finds the strategy: a module file (a user's STRATEGIES_DIR) or a built-in by name. */
export type StrategySource = { readonly module: string } | { readonly builtin: string };

/** The money side a host sends with each event: what ctx.cash/equity/position/openOrders answer during it. */
export interface AccountSnapshot {
  readonly cash: number;
  readonly equity: number;
  readonly positions: readonly PositionView[];
  readonly openOrders: readonly OrderView[];
}

export type HostEvent = Bar | Tick | FillEvent | OrderUpdate | Timer;

export type HostMessage =
  | { type: 'init'; source: StrategySource; params: unknown; universe: string[]; interval: BarInterval; state: StrategyState | undefined; nowMs: number }
  | { type: 'event'; seq: number; nowMs: number; event: HostEvent; account: AccountSnapshot }
  | { type: 'start' | 'stop'; seq: number; nowMs: number; account: AccountSnapshot };

/** What the strategy asked for during one event, in order. `localId` is the id ctx.submit answered. */
export type StrategyCommand = { type: 'submit'; localId: string; order: OrderRequest } | { type: 'cancel'; orderId: string };

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

export type WorkerMessage =
  | { type: 'ready'; name: string; nextTimerMs: number }
  /** `state`: only when the event changed it (its JSON differs from the last one sent, or restored at init). */
  | { type: 'done'; seq: number; commands: StrategyCommand[]; state?: StrategyState; nextTimerMs: number; logs: LogLine[] }
  | { type: 'failed'; seq: number | undefined; error: string; logs: LogLine[]; parameter?: { field: string; value: unknown; allowed: string } };
