import { JobInputError } from '@closecross/jobs';
import type { Side } from '@closecross/quant';
import { NotFoundError } from '@closecross/platform';
import type { PriceReader } from '../market/price-reader.ts';
import type { OrderDesk } from '../orders/order-desk.ts';
import { positionBookOf } from '../positions/strategy-positions.ts';
import type { SignalDesk } from '../signals/signal-desk.ts';
import type { Strategy } from '../strategies/strategy-definition.ts';
import { exitIntents, forSessionAhead, opensPosition } from '../strategies/strategy-decisions.ts';
import { ruleLookback } from '../strategies/strategy-rules.ts';
import type { StrategyDesk } from '../strategies/strategy-desk.ts';
import type { Pool } from 'pg';
import { decisionsOnLastBar } from './engine-decisions.ts';

export interface ScanParams {
  strategy_id: number;
  /** Scan as of this day (YYYY-MM-DD): the latest bars up to it. Default: the latest stored. */
  as_of?: string;
}

export interface ScanDeps {
  pool: Pool;
  strategies: StrategyDesk;
  signals: SignalDesk;
  orders: OrderDesk;
  prices: PriceReader;
}

export interface ScanResult {
  strategy_id: number;
  symbols: number;
  signals: { id: number; symbol: string; bar_date: string; side: Side; status: string }[];
  exit_orders: number;
  entry_orders: number;
}

/** Bars a user module's scan reads per symbol (the engine's default history window and a little more). */
const userModuleWindow = 260;

/**
 * The signal in what the code sent on a bar: a built-in's entry order (client id entry:...), sized
 * by the instance; else a user module's first order, with the quantity it asked for.
 */
function signalOf(
  orders: readonly { side: Side; quantity: number; clientId?: string }[],
  builtin: boolean,
): { side: Side; quantity: number | undefined } | undefined {
  const entry = builtin ? orders.find((order) => order.clientId?.startsWith('entry:')) : orders[0];
  return entry && { side: entry.side, quantity: builtin ? undefined : entry.quantity };
}

/**
 * One scan of a strategy over the latest stored bars of its universe: exits due on open lots,
 * then a signal per symbol whose last bar fires (stored once: strategy, symbol, bar date, side);
 * with approval `auto`, each new signal becomes its entry order at once. Run again, it finds the
 * same signals and places nothing twice (signals are unique, orders carry deterministic ids).
 */
export async function runScan(deps: ScanDeps, params: ScanParams, report: (stage: string, progress: number) => void = () => {}): Promise<ScanResult> {
  let strategy: Strategy;
  try {
    strategy = await deps.strategies.get(params.strategy_id);
  } catch (error) {
    if (error instanceof NotFoundError) throw new JobInputError(error.message);
    throw error;
  }
  const resolved = await deps.strategies.catalogue.resolve(strategy.code, 'strategy/code').catch((error: unknown) => {
    throw new JobInputError((error as Error).message);
  });
  const builtin = resolved.builtin !== undefined;
  const window =
    builtin && strategy.rule
      ? Math.max(strategy.warmup_bars + ruleLookback(strategy.rule) + 1, (strategy.exits.after_bars ?? 0) + 2)
      : Math.max(userModuleWindow, strategy.warmup_bars + 1);
  report('reading bars', 0.05);
  const barsBySymbol = await deps.prices.lastBars(strategy.universe, window, params.as_of);
  const book = await positionBookOf(deps.pool, strategy.id);
  const result: ScanResult = { strategy_id: strategy.id, symbols: 0, signals: [], exit_orders: 0, entry_orders: 0 };
  // The code decides, as in a backtest: the engine's runtime over the same bars.
  report('deciding', 0.08);
  const decisions = new Map((await decisionsOnLastBar(resolved, strategy, barsBySymbol)).map((decision) => [decision.symbol, decision]));
  let done = 0;
  for (const [symbol, bars] of barsBySymbol) {
    done++;
    const latest = bars.at(-1);
    if (!latest) continue;
    result.symbols++;
    const decided = signalOf(decisions.get(symbol)?.orders ?? [], builtin);
    const signal = decided?.side;
    const indexOfDay = new Map(bars.map((bar, index) => [bar.date, index]));
    const barsSince = (openedOn: string) => {
      const opened = indexOfDay.get(openedOn);
      // Opened before the window: more bars ago than any exit waits for.
      return opened === undefined ? Number.MAX_SAFE_INTEGER : bars.length - 1 - opened;
    };
    for (const due of exitIntents(strategy, latest, book.openLots(symbol), (lot) => barsSince(lot.openedOn), signal)) {
      // Scanned after the bar's session closed, the exit goes to the session still ahead (no fill at a close already known).
      const intent = forSessionAhead(due, deps.signals.clock.nowMs());
      const exit = { ...intent, accountId: strategy.account_id, strategyId: strategy.id, createdBy: 'scan' };
      let placed = await deps.orders.place({ ...exit, clientOrderId: `exit-${intent.closesLot}` }, `exit: ${intent.reason}`);
      // An exit the risk engine refused (a halted strategy) never reached a broker: a later scan tries again, once a day.
      if (!placed.created && placed.order.risk_check !== null)
        placed = await deps.orders.place(
          { ...exit, clientOrderId: `exit-${intent.closesLot}-${latest.date}` },
          `exit: ${intent.reason} (again after ${placed.order.risk_check})`,
        );
      if (placed.created) result.exit_orders++;
    }
    if (signal !== undefined && opensPosition(strategy, signal)) {
      const stored = await deps.signals.record(strategy, symbol, signal, latest, undefined, decided?.quantity);
      // Older pending signals whose window passed expire now (an auto strategy's new one is ordered first).
      if (stored) {
        let status: string = stored.status;
        // An auto strategy orders while the signal's entry window is open; an older bar's signal just expires (no hindsight).
        if (strategy.approval === 'auto' && Date.parse(stored.expires_at) > deps.signals.clock.nowMs()) {
          const { signal: ordered } = await deps.signals.approve(stored.id, 'auto', `strategy ${strategy.id} approves automatically`, { atBar: latest });
          status = ordered.status;
          result.entry_orders++;
        }
        result.signals.push({ id: stored.id, symbol, bar_date: stored.bar_date, side: signal, status });
      }
    }
    if (done % 50 === 0) report('scanning', 0.1 + (0.9 * done) / barsBySymbol.size);
  }
  await deps.signals.expireDue();
  return result;
}
