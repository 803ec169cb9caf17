import { calendarForSymbol } from '../calendar/index.ts';
import type { TradingCalendar } from '../calendar/types.ts';
import { SimulatedClock } from '../clock.ts';
import type { Bar, BarInterval, FillEvent, OrderUpdate } from '../events.ts';
import { SimulatedExchange, type ExchangeBook } from '../exchange/simulated-exchange.ts';
import type { AccountModel, CostConfig, ExchangeReport, Instrument } from '../exchange/types.ts';
import { fromNumber, toNumber } from '../money.ts';
import type { OrderRequest, OrderView } from '../orders.ts';
import { Portfolio } from '../portfolio/portfolio.ts';
import type { PositionView, StrategyLogger, StrategyState } from '../strategy/context.ts';
import type { BarHistory } from '../strategy/bar-history.ts';
import type { AnyStrategyDefinition } from '../strategy/define.ts';
import { StrategyRuntime, type StrategyBackend } from '../strategy/runtime.ts';
import { BarMerger, type BarSource } from './bar-merge.ts';
import { PerformanceTracker } from './performance.ts';
import { buildReport, type BacktestReport, type EquityPoint } from './report.ts';
import { TradeLedger } from './trade-ledger.ts';

export interface BacktestOptions {
  definition: AnyStrategyDefinition;
  /** Raw instance parameters (validated against the definition's schema). */
  params?: unknown;
  universe: readonly string[];
  interval: BarInterval;
  /** Bars, one source per symbol or any grouping, each in time order; merged by time. */
  sources: readonly BarSource[];
  startingCash: number;
  /**
   * What the account may buy (default a cash account): an order it cannot pay for is rejected at
   * submission, and the strategy's onOrder hears "insufficient buying power: needs X, has Y".
   * `{kind: 'margin', leverage: 2}` lets positions reach twice the equity.
   */
  account?: AccountModel;
  /** Costs per instrument; the exchange's stated defaults when absent. */
  costsFor?: (instrument: Instrument) => CostConfig;
  instrumentFor?: (symbol: string) => Instrument;
  calendarFor?: (symbol: string) => TradingCalendar;
  /**
   * When a strategy decides on a daily bar. `after_close` (default, as paper and live do): the bar
   * is delivered at the session's close, so a market-on-close order fills at the next session's
   * close. `close_auction`: the bar is delivered at the closing auction's cut-off
   * (`closeAuctionLeadMs` before the close), so a market-on-close order fills at that same
   * session's close: the reference's convention, where the day's close stands in for the price at
   * the cut-off. Intraday bars are always delivered at their end.
   */
  dailyDecision?: 'after_close' | 'close_auction';
  closeAuctionLeadMs?: number;
  /** Equity points kept in the report: one per time step (`step`) or one per session (`session`, the default for intraday bars). */
  equityPoints?: 'step' | 'session';
  /** Closed trades listed in the report (default 10,000); every trade still counts in the summary. */
  maxTrades?: number;
  /** State the instance saved in an earlier run. */
  state?: StrategyState;
  log?: StrategyLogger;
  /** Stops the run between bars (a cancelled job). */
  signal?: AbortSignal;
}

interface SymbolBook {
  quantity: number;
  averagePrice: number;
  lastPrice: number;
}

/** Per symbol, resolved once per bar: its book here, its book at the exchange and its bar history in the strategy's runtime. */
interface SymbolSlot {
  readonly symbol: string;
  readonly book: SymbolBook;
  readonly interval: BarInterval;
  readonly history: BarHistory;
  readonly exchangeBook: ExchangeBook;
}

const dailyIntervals = new Set(['1d', '1w']);

/**
 * A backtest: the strategy's own code on the simulated exchange and portfolio, event by event on
 * a simulated clock. Bars are streamed (memory bounded by one chunk per source, the strategy's
 * history windows and the sampled equity curve); the hot path allocates nothing exact per bar:
 * equity and exposure are kept incrementally in numbers and the portfolio books only fills.
 */
export async function runBacktest(options: BacktestOptions): Promise<BacktestReport> {
  const calendarFor = options.calendarFor ?? calendarForSymbol;
  const clock = new SimulatedClock(0);
  const portfolio = new Portfolio(fromNumber(options.startingCash));
  let equity = options.startingCash;
  let grossExposure = 0;
  const books = new Map<string, SymbolBook>();
  const exchange = new SimulatedExchange({
    clock,
    calendarFor,
    ...(options.instrumentFor ? { instrumentFor: options.instrumentFor } : {}),
    ...(options.costsFor ? { costsFor: options.costsFor } : {}),
    idPrefix: 'BT',
    // The report counts orders and fills itself; a finished order is never asked for again.
    keepFinishedOrders: false,
    buyingPower: {
      account: options.account ?? { kind: 'cash' },
      ledger: {
        cash: () => toNumber(portfolio.cash),
        equity: () => equity,
        grossExposure: () => grossExposure,
        position: (symbol) => books.get(symbol)?.quantity ?? 0,
      },
    },
  });
  // A calendar per symbol, asked once: calendarForSymbol tests the symbol against patterns.
  const calendars = new Map<string, TradingCalendar>();
  const calendarOf = (symbol: string): TradingCalendar => {
    let calendar = calendars.get(symbol);
    if (calendar === undefined) calendars.set(symbol, (calendar = calendarFor(symbol)));
    return calendar;
  };
  const ledger = new TradeLedger((symbol, ms) => calendarOf(symbol).dayOf(ms), options.maxTrades ?? 10_000);
  const bookOf = (symbol: string): SymbolBook => {
    let book = books.get(symbol);
    if (!book) books.set(symbol, (book = { quantity: 0, averagePrice: 0, lastPrice: 0 }));
    return book;
  };
  let cash = options.startingCash;
  let fills = 0;
  let ordersSubmitted = 0;
  let ordersRejected = 0;
  const pendingUpdates: OrderUpdate[] = [];

  const positionView = (symbol: string, book: SymbolBook): PositionView => ({
    symbol,
    quantity: book.quantity,
    averagePrice: book.averagePrice,
    lastPrice: book.lastPrice,
  });
  const backend: StrategyBackend = {
    submit(order: OrderRequest): string {
      ordersSubmitted++;
      const update = exchange.submit(order);
      if (update.order.state === 'rejected') ordersRejected++;
      pendingUpdates.push(update);
      return update.order.id;
    },
    cancel(orderId: string): void {
      const view = exchange.order(orderId);
      if (!view || view.state === 'filled' || view.state === 'cancelled' || view.state === 'expired' || view.state === 'rejected') return;
      pendingUpdates.push(exchange.cancel(orderId));
    },
    openOrders: (symbol?: string): OrderView[] => exchange.openOrders(symbol),
    position: (symbol) => positionView(symbol, books.get(symbol) ?? { quantity: 0, averagePrice: 0, lastPrice: 0 }),
    positions: () => [...books].filter(([, book]) => book.quantity !== 0).map(([symbol, book]) => positionView(symbol, book)),
    cash: () => cash,
    equity: () => equity,
  };
  const runtime = new StrategyRuntime({
    definition: options.definition,
    params: options.params,
    universe: options.universe,
    interval: options.interval,
    clock,
    backend,
    calendarFor,
    ...(options.state ? { state: options.state } : {}),
    ...(options.log ? { log: options.log } : {}),
  });

  const applyFill = (fill: FillEvent): void => {
    fills++;
    portfolio.applyFill(fill);
    ledger.apply(fill);
    const book = bookOf(fill.symbol);
    if (book.lastPrice === 0) book.lastPrice = fill.price;
    const signed = fill.side === 'buy' ? fill.quantity : -fill.quantity;
    const before = book.quantity;
    const after = before + signed;
    if (after === 0) book.averagePrice = 0;
    else if (before === 0 || Math.sign(before) !== Math.sign(after)) book.averagePrice = fill.price;
    else if (Math.abs(after) > Math.abs(before)) book.averagePrice = (book.averagePrice * before + fill.price * signed) / after;
    grossExposure += (Math.abs(after) - Math.abs(before)) * book.lastPrice;
    book.quantity = Math.abs(after) < 1e-12 ? 0 : after;
    cash -= signed * fill.price + fill.fee;
    equity += signed * (book.lastPrice - fill.price) - fill.fee;
  };
  /** Fills and order changes reach the portfolio first, then the strategy; updates a handler caused are delivered after it returns. */
  const deliver = (report: ExchangeReport | undefined): void => {
    if (report) {
      for (const fill of report.fills) applyFill(fill);
      for (const fill of report.fills) runtime.fill(fill);
      for (const update of report.updates) runtime.order(update);
    }
    while (pendingUpdates.length > 0) runtime.order(pendingUpdates.shift()!);
  };

  const slots = new Map<string, SymbolSlot>();
  const slotOf = (bar: Bar): SymbolSlot => {
    let slot = slots.get(bar.symbol);
    if (slot === undefined || slot.interval !== bar.interval) {
      slot = {
        symbol: bar.symbol,
        book: bookOf(bar.symbol),
        interval: bar.interval,
        history: runtime.historyOf(bar.symbol, bar.interval),
        exchangeBook: exchange.bookOf(bar.symbol),
      };
      slots.set(bar.symbol, slot);
    }
    return slot;
  };

  const merger = new BarMerger(options.sources);
  const slotsBySource: Array<SymbolSlot | undefined> = options.sources.map(() => undefined);
  await merger.start();
  const daily = dailyIntervals.has(options.interval);
  const auction = daily && options.dailyDecision === 'close_auction';
  const leadMs = options.closeAuctionLeadMs ?? 10 * 60_000;
  const pointsPerSession = options.equityPoints ?? (daily ? 'step' : 'session');
  const performance = new PerformanceTracker();
  const equityCurve: EquityPoint[] = [];
  const mainCalendar = calendarFor(options.universe[0] ?? '');
  // Session days change on whole hours in the markets we trade: one dayOf per hour, not per step.
  let dayHour = Number.NaN;
  let dayOfHour = '';
  const dayOf = (ms: number): string => {
    const hour = Math.floor(ms / 3_600_000);
    if (hour !== dayHour) {
      dayHour = hour;
      dayOfHour = mainCalendar.dayOf(ms);
    }
    return dayOfHour;
  };
  let stepMs = Number.NaN;
  let stepDay = '';
  let steps = 0;
  let stepsInMarket = 0;
  let exposureSum = 0;
  let bars = 0;
  let firstMs = Number.NaN;

  const closeStep = (nextMs: number): void => {
    // The time step `stepMs` is complete: every bar ending then has been seen. At the closing
    // auction, market-on-close orders placed at the cut-off settle at the close just seen.
    if (auction) deliver(exchange.process({ kind: 'timer', ts: stepMs, name: 'close_auction' }));
    const drawdown = performance.observe(equity);
    steps++;
    if (grossExposure > 0) stepsInMarket++;
    exposureSum += equity > 0 ? grossExposure / equity : 0;
    const nextDay = Number.isNaN(nextMs) ? '' : dayOf(nextMs);
    const sessionEnds = nextDay !== stepDay;
    if (sessionEnds) performance.closePeriod(equity);
    if (pointsPerSession === 'step' || sessionEnds) equityCurve.push({ ms: stepMs, equity, drawdown, exposure: grossExposure });
  };

  if (options.signal?.aborted) throw new Error('backtest cancelled');
  runtime.start();
  deliver(undefined);
  for (;;) {
    const bar: Bar | undefined = merger.next();
    if (bar === undefined) {
      if (!merger.needsRefill) break;
      await merger.refill();
      continue;
    }
    if ((bars & 0xffff) === 0 && bars > 0) {
      // Every 65,536 bars, let the thread's other work run (an abort, a progress message, a timer).
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw new Error('backtest cancelled');
    }
    const t = bar.endMs;
    if (t !== stepMs) {
      if (!Number.isNaN(stepMs)) closeStep(t);
      else firstMs = bar.startMs;
      stepMs = t;
      stepDay = dayOf(t);
    }
    bars++;
    const decideAt = auction ? Math.max(bar.startMs, t - leadMs) : t;
    while (runtime.nextTimerMs <= decideAt) {
      const timer = runtime.takeDueTimer(decideAt)!;
      if (timer.ts > clock.nowMs()) clock.advanceTo(timer.ts);
      deliver(exchange.process(timer));
      runtime.timer(timer);
      deliver(undefined);
    }
    // A source usually holds one symbol: its last slot is checked before the lookup by symbol.
    let slot = slotsBySource[merger.lastSource];
    if (slot === undefined || slot.symbol !== bar.symbol || slot.interval !== bar.interval) slotsBySource[merger.lastSource] = slot = slotOf(bar);
    const book = slot.book;
    if (auction) {
      if (decideAt > clock.nowMs()) clock.advanceTo(decideAt);
      runtime.barInto(slot.history, bar);
      deliver(undefined);
      clock.advanceTo(t);
      deliver(exchange.processIn(slot.exchangeBook, bar));
    } else {
      if (t > clock.nowMs()) clock.advanceTo(t);
      const report = exchange.processIn(slot.exchangeBook, bar);
      // Most bars fill nothing: the exchange answers one shared empty report.
      if (report.fills.length > 0 || report.updates.length > 0 || pendingUpdates.length > 0) deliver(report);
    }
    // Mark to the bar's close: O(1), numbers only.
    const quantity = book.quantity;
    if (quantity !== 0) {
      equity += quantity * (bar.close - book.lastPrice);
      grossExposure += Math.abs(quantity) * (bar.close - book.lastPrice);
    }
    book.lastPrice = bar.close;
    if (!auction) {
      runtime.barInto(slot.history, bar);
      if (pendingUpdates.length > 0) deliver(undefined);
    }
  }
  if (!Number.isNaN(stepMs)) closeStep(Number.NaN);
  runtime.stop();
  deliver(undefined);

  for (const [symbol, book] of books) if (book.lastPrice > 0) portfolio.mark(symbol, book.lastPrice);
  return buildReport({
    strategy: options.definition.name,
    params: runtime.context.params as Record<string, unknown>,
    universe: options.universe,
    interval: options.interval,
    startMs: firstMs,
    endMs: stepMs,
    bars,
    startingCash: options.startingCash,
    endingCash: toNumber(portfolio.cash),
    endingEquity: toNumber(portfolio.equity),
    fees: toNumber(portfolio.fees),
    ordersSubmitted,
    ordersRejected,
    fills,
    ledger,
    lastPrices: new Map([...books].map(([symbol, book]) => [symbol, book.lastPrice])),
    performance,
    periodsPerYear: mainCalendar.name === '24/7' ? 365 : 252,
    equityCurve,
    exposure: { averageGross: steps > 0 ? exposureSum / steps : 0, timeInMarket: steps > 0 ? stepsInMarket / steps : 0 },
    finalState: runtime.state(),
  });
}
