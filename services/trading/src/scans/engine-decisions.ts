/**
 * What an instance's strategy code decides on the last bar of each symbol: the engine's own
 * runtime over the same bars a backtest feeds it (daily bars built on the symbol's calendar),
 * so a scheduled scan and a backtest take the same decisions on the same bars. Built-ins run
 * here (our code); a user module runs in its worker thread under the per-event budget.
 */
import { calendarForSymbol, dailyBar, SimulatedClock, StrategyRuntime, type Bar, type OrderRequest, type StrategyBackend } from '@closecross/engine';
import { StrategyWorkerHost, type AccountSnapshot } from '@closecross/engine/host';
import type { DailyBar } from '@closecross/quant';
import type { ResolvedCode } from '../strategies/strategy-code.ts';

export interface LastBarDecision {
  symbol: string;
  /** The symbol's last bar in the window (the scan's bar). */
  bar: DailyBar;
  /** The orders the strategy sent while handling that bar. */
  orders: OrderRequest[];
}

/** Daily rows as engine bars, merged in time order; a row on a day the symbol's calendar was shut is left out. */
export function engineBarsOf(barsBySymbol: ReadonlyMap<string, readonly DailyBar[]>): Bar[] {
  const bars: Bar[] = [];
  for (const [symbol, rows] of barsBySymbol) {
    const calendar = calendarForSymbol(symbol);
    for (const row of rows) {
      if (!calendar.session(row.date)) continue;
      bars.push(dailyBar(symbol, row.date, { open: row.open, high: row.high, low: row.low, close: row.close, volume: row.volume ?? 0 }, calendar));
    }
  }
  return bars.sort((a, b) => a.endMs - b.endMs || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

const flatAccount = (cash: number): AccountSnapshot => ({ cash, equity: cash, positions: [], openOrders: [] });

/**
 * Runs the code over the window from a flat book (the strategy's own positions live in the
 * order desk; a scan asks only what the code decides on the latest bar) and answers, per symbol,
 * the orders it sent during its last bar.
 */
export async function decisionsOnLastBar(
  resolved: ResolvedCode,
  instance: { universe: string[]; effective_parameters: Record<string, unknown>; allocation: number },
  barsBySymbol: ReadonlyMap<string, readonly DailyBar[]>,
): Promise<LastBarDecision[]> {
  const bars = engineBarsOf(barsBySymbol);
  const lastEnd = new Map<string, number>();
  for (const bar of bars) lastEnd.set(bar.symbol, bar.endMs);
  const decided = new Map<string, OrderRequest[]>();
  const note = (bar: Bar, orders: OrderRequest[]) => {
    if (bar.endMs === lastEnd.get(bar.symbol) && orders.length > 0) decided.set(bar.symbol, [...(decided.get(bar.symbol) ?? []), ...orders]);
  };

  if (resolved.builtin) {
    const clock = new SimulatedClock(bars[0]?.startMs ?? 0);
    let sent: OrderRequest[] = [];
    let ids = 0;
    const backend: StrategyBackend = {
      submit(order) {
        sent.push(order);
        return `scan-${++ids}`;
      },
      cancel() {},
      openOrders: () => [],
      position: (symbol) => ({ symbol, quantity: 0, averagePrice: 0, lastPrice: 0 }),
      positions: () => [],
      cash: () => instance.allocation,
      equity: () => instance.allocation,
    };
    const runtime = new StrategyRuntime({
      definition: resolved.builtin,
      params: instance.effective_parameters,
      universe: instance.universe,
      interval: '1d',
      clock,
      backend,
    });
    runtime.start();
    for (const bar of bars) {
      if (bar.endMs > clock.nowMs()) clock.advanceTo(bar.endMs);
      sent = [];
      runtime.bar(bar);
      note(bar, sent);
    }
  } else {
    const host = await StrategyWorkerHost.start(
      { source: resolved.source, params: instance.effective_parameters, universe: instance.universe, interval: '1d' },
      bars[0]?.startMs ?? 0,
    );
    try {
      const account = flatAccount(instance.allocation);
      const started = await host.start(bars[0]?.startMs ?? 0, account);
      if (started.failure) throw new Error(`the strategy failed in ${started.failure.during}: ${started.failure.message}`);
      for (const bar of bars) {
        const outcome = await host.event(bar, bar.endMs, account);
        if (outcome.failure) throw new Error(`the strategy failed in ${outcome.failure.during}: ${outcome.failure.message}`);
        note(
          bar,
          outcome.commands.flatMap((command) => (command.type === 'submit' ? [command.order] : [])),
        );
      }
    } finally {
      await host.terminate();
    }
  }

  const result: LastBarDecision[] = [];
  for (const [symbol, rows] of barsBySymbol) {
    const bar = rows.at(-1);
    if (bar) result.push({ symbol, bar, orders: decided.get(symbol) ?? [] });
  }
  return result;
}
