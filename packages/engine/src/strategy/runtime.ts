import * as Indicators from 'trading-signals';
import { calendarForSymbol } from '../calendar/index.ts';
import type { TradingCalendar } from '../calendar/types.ts';
import type { Clock } from '../clock.ts';
import type { Bar, BarInterval, FillEvent, OrderUpdate, Tick, Timer } from '../events.ts';
import type { OrderRequest, OrderView } from '../orders.ts';
import { FastEMA, FastSMA } from '../indicators/fast-moving-averages.ts';
import { BarHistory } from './bar-history.ts';
import type { JsonValue, PositionView, StrategyContext, StrategyHandlers, StrategyIndicators, StrategyLogger, StrategyState } from './context.ts';
import { historyBarsOf, strategyParameters, type AnyStrategyDefinition } from './define.ts';

/** What a host gives a running strategy: its orders go out and its money comes in through this. */
export interface StrategyBackend {
  submit(order: OrderRequest): string;
  cancel(orderId: string): void;
  openOrders(symbol?: string): OrderView[];
  position(symbol: string): PositionView;
  positions(): PositionView[];
  cash(): number;
  equity(): number;
}

export interface StrategyRuntimeOptions {
  definition: AnyStrategyDefinition;
  /** Raw parameters; validated here (a StrategyParameterError names the field). */
  params: unknown;
  universe: readonly string[];
  interval: BarInterval;
  clock: Clock;
  backend: StrategyBackend;
  /** State saved by an earlier run of this instance (restored before onStart). */
  state?: StrategyState;
  log?: StrategyLogger;
  /** Calendars by symbol (default: NYSE, 24/7 for crypto). */
  calendarFor?: (symbol: string) => TradingCalendar;
}

interface PendingTimer {
  name: string;
  atMs: number;
  payload: JsonValue | undefined;
}

/** The library's classes and our fast averages, built once. */
const indicators: StrategyIndicators = Object.freeze({ ...Indicators, FastSMA, FastEMA });

const silentLog: StrategyLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * One strategy instance: its context and handlers, its bar history (appended before onBar, so
 * it ends at the current event) and its timers. Hosts (the backtest runner, the worker) feed it
 * events in time order; it never reads a clock of its own.
 */
export class StrategyRuntime {
  readonly definition: AnyStrategyDefinition;
  readonly context: StrategyContext<any>;
  private readonly handlers: StrategyHandlers<any>;
  private readonly histories = new Map<string, BarHistory>();
  private readonly historyBars: number;
  private readonly interval: BarInterval;
  private timers: PendingTimer[] = [];
  /** The earliest pending timer (Infinity when none): hosts compare it with each event's time. */
  nextTimerMs = Number.POSITIVE_INFINITY;

  constructor(options: StrategyRuntimeOptions) {
    this.definition = options.definition;
    const params = strategyParameters(options.definition, options.params);
    this.historyBars = historyBarsOf(options.definition, params);
    this.interval = options.interval;
    const { clock, backend } = options;
    this.context = {
      params,
      universe: Object.freeze([...options.universe]),
      interval: options.interval,
      now: () => clock.nowMs(),
      calendar: options.calendarFor ?? calendarForSymbol,
      history: (symbol, interval) => this.historyOf(symbol, interval ?? options.interval),
      indicators,
      position: (symbol) => backend.position(symbol),
      positions: () => backend.positions(),
      cash: () => backend.cash(),
      equity: () => backend.equity(),
      submit: (order) => backend.submit(order),
      cancel: (orderId) => backend.cancel(orderId),
      openOrders: (symbol) => backend.openOrders(symbol),
      setTimer: (name, atMs, payload) => this.setTimer(name, atMs, payload),
      cancelTimer: (name) => this.cancelTimer(name),
      log: options.log ?? silentLog,
      state: options.state ? structuredClone(options.state) : {},
    };
    this.handlers = options.definition.create(params);
  }

  /** The history of a symbol and interval (created empty on first use). */
  historyOf(symbol: string, interval: BarInterval = this.interval): BarHistory {
    const key = interval === this.interval ? symbol : `${symbol}\u0000${interval}`;
    let history = this.histories.get(key);
    if (!history) this.histories.set(key, (history = new BarHistory(symbol, interval, this.historyBars)));
    return history;
  }

  private setTimer(name: string, atMs: number, payload: JsonValue | undefined): void {
    if (!Number.isFinite(atMs)) throw new RangeError(`timer ${name}: atMs must be a finite instant, got ${atMs}`);
    this.timers = this.timers.filter((timer) => timer.name !== name);
    this.timers.push({ name, atMs, payload });
    this.timers.sort((a, b) => a.atMs - b.atMs);
    this.nextTimerMs = this.timers[0]!.atMs;
  }

  private cancelTimer(name: string): void {
    this.timers = this.timers.filter((timer) => timer.name !== name);
    this.nextTimerMs = this.timers[0]?.atMs ?? Number.POSITIVE_INFINITY;
  }

  /** Takes the next timer due at or before `ms` (hosts set the clock to its time, then call `timer`). */
  takeDueTimer(ms: number): Timer | undefined {
    const first = this.timers[0];
    if (!first || first.atMs > ms) return undefined;
    this.timers.shift();
    this.nextTimerMs = this.timers[0]?.atMs ?? Number.POSITIVE_INFINITY;
    return { kind: 'timer', ts: first.atMs, name: first.name, ...(first.payload !== undefined ? { payload: first.payload } : {}) };
  }

  start(): void {
    this.handlers.onStart?.(this.context);
  }
  /** A closed bar: appended to the history first, then onBar. */
  bar(bar: Bar): void {
    this.historyOf(bar.symbol, bar.interval).push(bar.endMs, bar.open, bar.high, bar.low, bar.close, bar.volume);
    this.handlers.onBar?.(this.context, bar);
  }
  /** `bar`, with the bar's history already looked up by the host (`historyOf(bar.symbol, bar.interval)`). */
  barInto(history: BarHistory, bar: Bar): void {
    history.push(bar.endMs, bar.open, bar.high, bar.low, bar.close, bar.volume);
    this.handlers.onBar?.(this.context, bar);
  }
  tick(tick: Tick): void {
    this.handlers.onTick?.(this.context, tick);
  }
  fill(fill: FillEvent): void {
    this.handlers.onFill?.(this.context, fill);
  }
  order(update: OrderUpdate): void {
    this.handlers.onOrder?.(this.context, update);
  }
  timer(timer: Timer): void {
    this.handlers.onTimer?.(this.context, timer);
  }
  stop(): void {
    this.handlers.onStop?.(this.context);
  }
  /** The state to persist (a copy: JSON only). */
  state(): StrategyState {
    return JSON.parse(this.stateJson()) as StrategyState;
  }
  /** The state to persist, as its JSON text (to tell whether an event changed it). */
  stateJson(): string {
    return JSON.stringify(this.context.state);
  }
}
