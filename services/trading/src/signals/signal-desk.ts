import { recordAlert } from '@closecross/alerts';
import { withTransaction } from '@closecross/db';
import { ConflictError, NotFoundError, UnprocessableError } from '@closecross/platform';
import type { DailyBar, Side } from '@closecross/quant';
import { calendarForSymbol, intervalMs, type BarInterval, type Clock } from '@closecross/engine';
import type { Pool } from 'pg';
import type { OrderDesk, OrderView } from '../orders/order-desk.ts';
import { nextTradingDay, sessionClose } from '../sessions.ts';
import type { Strategy } from '../strategies/strategy-definition.ts';
import { entryIntent, forSessionAhead } from '../strategies/strategy-decisions.ts';
import type { SignalView } from '../schemas/strategies.ts';
import { decideSignal, expireSignalsDue, insertSignal, listSignals, markSignalOrdered, signalById } from '../store/trading-signal.ts';
import type { StrategyDesk } from '../strategies/strategy-desk.ts';

/** How many bars of its own interval an intraday signal waits for a person before it expires. */
export const intradaySignalBars = 5;

/**
 * Signals: pending -> approved / rejected / expired, approved -> ordered. A daily bar's pending
 * signal expires at the close of the session after its bar (its entry window); an intraday one
 * (a live strategy's, `at` given) after five bars of its interval, and no later than the close of
 * its session where the market shuts (a 24/7 market's sessions run back to back: no cap).
 */
export class SignalDesk {
  private readonly pool: Pool;
  private readonly strategies: StrategyDesk;
  private readonly orders: OrderDesk;
  readonly clock: Clock;
  constructor(pool: Pool, strategies: StrategyDesk, orders: OrderDesk, clock: Clock) {
    this.pool = pool;
    this.strategies = strategies;
    this.orders = orders;
    this.clock = clock;
  }

  /**
   * Stores a signal once per strategy, symbol, bar date, side and (intraday, `intraday.at`) the
   * instant of the bar or tick it came from; answers it only when this call stored it (a second
   * signal on the same bar is logged, not silently dropped, by the caller). A manual strategy's new signal waits for a person: its signal_awaiting_approval
   * alert commits with it (an auto strategy's is ordered at once, and alerted when filled; one
   * whose entry window already passed, from a scan of old bars, has nobody to wait for).
   */
  async record(
    strategy: Strategy,
    symbol: string,
    side: Side,
    bar: DailyBar,
    intraday?: { at: number; interval: string },
    quantity?: number,
  ): Promise<SignalView | undefined> {
    const expiresAt = intraday ? intradaySignalExpiry(intraday.at, intraday.interval, symbol) : sessionClose(nextTradingDay(bar.date, symbol), symbol);
    return withTransaction(this.pool, async (client) => {
      const stored = await insertSignal(client, {
        strategyId: strategy.id,
        symbol,
        barDate: bar.date,
        barAt: intraday ? new Date(intraday.at) : null,
        side,
        price: bar.close,
        quantity: quantity ?? null,
        expiresAt,
      });
      if (stored && strategy.approval === 'manual' && Date.parse(stored.expires_at) > this.clock.nowMs()) {
        const sized = entryIntent(strategy, symbol, side, bar, nextTradingDay(bar.date, symbol), stored.quantity ?? undefined)?.quantity;
        await recordAlert(client, {
          event: 'signal_awaiting_approval',
          payload: {
            signal_id: String(stored.id),
            strategy: strategy.name,
            symbol,
            side,
            ...(sized === undefined ? {} : { quantity: sized }),
            price: stored.price,
            expires_at: stored.expires_at,
          },
        });
      }
      return stored;
    });
  }

  async get(id: number): Promise<SignalView> {
    const signal = await signalById(this.pool, id);
    if (!signal) throw new NotFoundError(`signal ${id} does not exist`);
    return signal;
  }

  async list(filter: { strategy_id?: number; status?: string; limit?: number }): Promise<SignalView[]> {
    await this.expireDue();
    return listSignals(this.pool, { strategyId: filter.strategy_id ?? null, status: filter.status ?? null, limit: filter.limit ?? 100 });
  }

  /** Pending signals whose entry window passed become expired; answers how many. */
  async expireDue(now = this.clock.now()): Promise<number> {
    return expireSignalsDue(this.pool, now);
  }

  async reject(id: number, by: string, note: string | undefined): Promise<SignalView> {
    return this.decide(id, by, 'rejected', note);
  }

  /**
   * Approves a pending signal and places its entry order. From a scan (`atBar`), the order is
   * timed from the signal's bar, as in a backtest; approved later by a person, from now.
   */
  async approve(
    id: number,
    by: string,
    note?: string,
    options: { atBar?: DailyBar; now?: Date } = {},
  ): Promise<{ signal: SignalView; order: OrderView | undefined }> {
    // A scan approving at the bar decides in the bar's own time: no entry window applies.
    const signal = await this.decide(id, by, 'approved', note, options.atBar !== undefined);
    const strategy = await this.strategies.get(signal.strategy_id);
    const bar = options.atBar ?? {
      date: signal.bar_date,
      open: signal.price,
      high: signal.price,
      low: signal.price,
      close: signal.price,
      adjClose: null,
      volume: null,
    };
    // A strategy written as code said how much (signal.quantity): that is the order, not the instance's sizing rule.
    let intent = entryIntent(strategy, signal.symbol, signal.side, bar, nextTradingDay(signal.bar_date, signal.symbol), signal.quantity ?? undefined);
    if (!intent) throw new UnprocessableError(`strategy ${strategy.id}'s sizing gives no whole share of ${signal.symbol} at ${signal.price}`);
    const nowMs = (options.now ?? this.clock.now()).getTime();
    // No hindsight: approved by a person, or scanned after the bar's session closed, the entry goes to the session still ahead.
    intent = forSessionAhead(intent, nowMs, !options.atBar);
    const { order } = await this.orders.place(
      { ...intent, clientOrderId: `signal-${signal.id}`, accountId: strategy.account_id, strategyId: strategy.id, signalId: signal.id, createdBy: by },
      `entry for signal ${signal.id} (${intent.reason}), approved by ${by}`,
    );
    return { signal: await markSignalOrdered(this.pool, id, order.id), order };
  }

  private async decide(id: number, by: string, status: 'approved' | 'rejected', note: string | undefined, atBar = false): Promise<SignalView> {
    // Expiry first, in its own statement, so a late approval leaves the signal expired (and answers 409).
    if (!atBar) await this.expireDue();
    return withTransaction(this.pool, async (client) => {
      const current = await signalById(client, id, true);
      if (!current) throw new NotFoundError(`signal ${id} does not exist`);
      if (current.status === 'expired') throw new ConflictError(`signal ${id} expired at ${current.expires_at}: its entry window passed`);
      if (current.status !== 'pending')
        throw new ConflictError(
          `signal ${id} is ${current.status}${current.decided_by ? ` (by ${current.decided_by} at ${current.decided_at})` : ''}: only a pending signal can be ${status}`,
        );
      return decideSignal(client, id, status, by, note ?? null);
    });
  }
}

/**
 * When an intraday signal made at `atMs` on `interval` bars stops waiting for a person: five bars
 * later, capped at the close of its session unless the market reopens at that very instant (24/7).
 */
export function intradaySignalExpiry(atMs: number, interval: string, symbol: string): Date {
  const byBars = atMs + intradaySignalBars * intervalMs(interval as BarInterval);
  const calendar = calendarForSymbol(symbol);
  const session = calendar.sessionOf(atMs) ?? calendar.currentOrNextSession(atMs);
  const capped = calendar.isOpen(session.close) ? byBars : Math.min(byBars, session.close);
  return new Date(capped);
}
