import type { DailyBar, Side, StreamingRule } from '@closecross/quant';
import { paperFills, type FillCosts, type PaperOrder } from '../brokers/paper/paper-fill-model.ts';
import { PositionBook, type ClosedRoundTrip } from '../positions/position-book.ts';
import type { Strategy } from '../strategies/strategy-definition.ts';
import { entryIntent, exitIntents, opensPosition, type OrderIntent } from '../strategies/strategy-decisions.ts';
import { ruleFor } from '../strategies/strategy-rules.ts';

export interface BacktestOptions {
  /** First and last day whose signals count (YYYY-MM-DD, inclusive); bars before `start` warm the rule up. */
  start?: string;
  end?: string;
  costs: FillCosts;
}

export interface BacktestTrade extends ClosedRoundTrip {
  side: Side;
}

export interface BacktestResult {
  trades: BacktestTrade[];
  dailyEquity: { date: string; equity: number; cash: number; exposure: number }[];
  realized: number;
  signals: number;
  orders: number;
  expiredOrders: number;
}

interface WorkingOrder extends PaperOrder {
  intent: OrderIntent;
  id: string;
  seenFills: number;
  bars: DailyBar[];
}

/**
 * A strategy over stored bars on a simulated clock, with the code live paper trading runs: the
 * same rule objects, entry and exit decisions after each close, the paper broker's fill model
 * and the position book. Signals are taken as approved (a backtest has nobody to ask).
 */
export function runBacktest(strategy: Strategy, barsBySymbol: ReadonlyMap<string, readonly DailyBar[]>, options: BacktestOptions): BacktestResult {
  const start = options.start ?? '0000-01-01';
  const end = options.end ?? '9999-12-31';
  const days = [...new Set([...barsBySymbol.values()].flatMap((bars) => bars.map((bar) => bar.date)))].filter((day) => day <= end).sort();
  const rules = new Map<string, StreamingRule>();
  const indexOf = new Map<string, number>();
  const cursor = new Map<string, number>();
  const lotOpenedAt = new Map<string, number>();
  const latestClose = new Map<string, number>();
  for (const symbol of barsBySymbol.keys()) {
    rules.set(symbol, ruleFor(strategy.rule));
    cursor.set(symbol, 0);
  }
  const book = new PositionBook();
  let cash = strategy.allocation;
  let working: WorkingOrder[] = [];
  let orderCount = 0;
  let signals = 0;
  let expiredOrders = 0;
  const trades: BacktestTrade[] = [];
  const dailyEquity: BacktestResult['dailyEquity'] = [];

  const work = (order: WorkingOrder, bar: DailyBar | undefined): boolean => {
    if (bar) order.bars.push(bar);
    const outcome = paperFills(order, order.bars, options.costs);
    for (const fill of outcome.fills.slice(order.seenFills)) {
      const date = fill.barDate ?? order.sessionDate;
      cash += (order.side === 'buy' ? -1 : 1) * fill.quantity * fill.price - fill.fee;
      const closed = book.apply({ symbol: order.intent.symbol, side: order.side, quantity: fill.quantity, price: fill.price, fee: fill.fee, date, orderId: order.id, closesLot: order.intent.closesLot });
      for (const trip of closed) trades.push({ ...trip, side: trip.direction === 1 ? 'buy' : 'sell' });
      if (order.intent.purpose === 'entry' && !lotOpenedAt.has(order.id)) lotOpenedAt.set(order.id, indexOf.get(order.intent.symbol)!);
    }
    order.seenFills = outcome.fills.length;
    if (outcome.state === 'expired') expiredOrders++;
    return outcome.state === 'working';
  };
  const place = (intent: OrderIntent, today: ReadonlyMap<string, DailyBar>) => {
    const order: WorkingOrder = { ...intent, intent, id: `bt-${++orderCount}`, clientOrderId: `bt-${orderCount}`, seenFills: 0, bars: [] };
    // An order for today's session (market-on-close) meets today's bar at once; the others wait.
    const keep = intent.sessionDate === today.get(intent.symbol)?.date ? work(order, today.get(intent.symbol)) : true;
    if (keep) working.push(order);
  };

  for (const day of days) {
    const today = new Map<string, DailyBar>();
    for (const [symbol, bars] of barsBySymbol) {
      const at = cursor.get(symbol)!;
      if (bars[at]?.date === day) {
        today.set(symbol, bars[at]!);
        indexOf.set(symbol, at);
        cursor.set(symbol, at + 1);
        latestClose.set(symbol, bars[at]!.close);
      }
    }
    // The session trades: orders waiting for it meet its bar.
    working = working.filter((order) => {
      const bar = today.get(order.intent.symbol);
      return bar ? work(order, bar) : true;
    });
    // After the close: the scan, then exits and entries, as the scheduled scan does live.
    for (const [symbol, bar] of today) {
      const index = indexOf.get(symbol)!;
      const fired = rules.get(symbol)!.update(bar);
      const counts = fired !== undefined && index >= strategy.warmup_bars && day >= start;
      const signal = counts ? fired : undefined;
      const bars = barsBySymbol.get(symbol)!;
      const nextSession = bars[index + 1]?.date ?? day;
      for (const intent of exitIntents(strategy, bar, book.openLots(symbol), (lot) => index - (lotOpenedAt.get(lot.key) ?? index), signal)) {
        if (!working.some((order) => order.intent.closesLot === intent.closesLot)) place(intent, today);
      }
      if (signal !== undefined && opensPosition(strategy, signal)) {
        signals++;
        const intent = entryIntent(strategy, symbol, signal, bar, nextSession);
        if (intent) place(intent, today);
      }
    }
    let exposure = 0;
    let marketValue = 0;
    for (const symbol of book.symbols()) {
      const position = book.position(symbol);
      const price = latestClose.get(symbol) ?? 0;
      marketValue += position.quantity * price;
      exposure += Math.abs(position.quantity) * price;
    }
    if (day >= start) dailyEquity.push({ date: day, equity: cash + marketValue, cash, exposure });
  }
  return { trades, dailyEquity, realized: book.totalRealized(), signals, orders: orderCount, expiredOrders };
}
