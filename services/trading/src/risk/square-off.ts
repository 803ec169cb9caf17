import { randomUUID } from 'node:crypto';
import { recordAlert } from '@closecross/alerts';
import { withTransaction } from '@closecross/db';
import type { Clock } from '@closecross/engine';
import type { Pool } from 'pg';
import type { Side } from '../brokers/broker.ts';
import type { OrderDesk, OrderView } from '../orders/order-desk.ts';
import { isTerminal, openOrderStates } from '../orders/order-state-machine.ts';
import { waitingFor } from '../orders/order-waits.ts';
import { currentSession } from '../sessions.ts';
import { globalScope, strategyScope } from './risk-limits.ts';
import type { RiskStore } from './risk-store.ts';
import type { SquareOffAction, SquareOffResult } from '../schemas/risk.ts';
import { orderIdsIn } from '../store/trading-order.ts';
import { openPositions, positionsLeftToClose } from '../store/trading-position.ts';
import { finishSquareOff, insertSquareOff, tryLockSquareOff, unlockSquareOff } from '../store/trading-square-off.ts';

export interface SquareOffSettings {
  /** The whole square-off answers within this, whatever the brokers do. */
  deadlineMs: number;
  /** Each broker call (submit, cancel, status) is abandoned after this. */
  callTimeoutMs: number;
  /** Attempts after the first for a call that timed out or found the broker unavailable. */
  retries: number;
}

export type { SquareOffAction, SquareOffResult };

class CallTimeoutError extends Error {}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The kill switch: halts the scope (everything, or one strategy), cancels every open order in
 * it, then closes every position at market, and answers what it did order by order. Calling it
 * again is safe: a closing order still open from an earlier call is followed, not doubled, and a
 * flat book needs nothing. Every broker call has a timeout and retries, the whole run a deadline;
 * what is left at the deadline is listed with why, stored, and alerted.
 */
export class SquareOff {
  private readonly deps: { pool: Pool; orders: OrderDesk; store: RiskStore; clock: Clock; settings: SquareOffSettings };
  constructor(deps: { pool: Pool; orders: OrderDesk; store: RiskStore; clock: Clock; settings: SquareOffSettings }) {
    this.deps = deps;
  }

  async run(input: { strategyId: number | null; by: string; reason?: string }): Promise<SquareOffResult> {
    const { pool, orders, store, settings } = this.deps;
    // The deadline is elapsed time on the wall (a timeout), not a business decision: a pinned clock must not stop it.
    const started = Date.now();
    const deadline = started + settings.deadlineMs;
    // When it ran, as every record of ours says: by the service's clock.
    const startedAt = this.deps.clock.now();
    const scope = input.strategyId === null ? globalScope : strategyScope(input.strategyId);
    const id = randomUUID();
    const why = `square-off by ${input.by}${input.reason ? `: ${input.reason}` : ''}`;

    // First, no new entries: the halt commits before any order is touched.
    const before = (await store.states()).find((row) => row.scope === scope)?.state ?? 'active';
    const halt = await store.setState(input.strategyId, 'halted', why, input.by);

    const lock = await pool.connect();
    const actions: SquareOffAction[] = [];
    try {
      while (!(await tryLockSquareOff(lock))) {
        if (Date.now() > deadline) throw new Error('another square-off held the book past the deadline');
        await pause(50);
      }
      try {
        await insertSquareOff(pool, { id, scope, requestedBy: input.by, reason: input.reason ?? null });
        const open = await this.openOrders(input.strategyId);
        // Our own earlier closing orders are followed, not cancelled: cancelling and placing them again would only churn.
        const earlierCloses = open.filter((order) => order.purpose === 'square_off');
        const cancels = open.filter((order) => order.purpose !== 'square_off');
        actions.push(...(await inParallel(cancels, (order) => this.cancelOne(order, deadline, input.by))));
        actions.push(...(await inParallel(earlierCloses, (order) => this.follow(order, deadline, 0))));

        const toClose = await this.positionsToClose(input.strategyId);
        actions.push(
          ...(await inParallel(toClose, async (position) => {
            const side: Side = position.quantity > 0 ? 'sell' : 'buy';
            const quantity = Math.abs(position.quantity);
            let placed: OrderView;
            try {
              placed = (
                await orders.place(
                  {
                    clientOrderId: `square-off-${id}-${position.strategy_id ?? 'manual'}-${position.symbol}`,
                    accountId: position.account_id,
                    strategyId: position.strategy_id,
                    purpose: 'square_off',
                    symbol: position.symbol,
                    side,
                    quantity,
                    type: 'market',
                    timeInForce: 'day',
                    sessionDate: currentSession(this.deps.clock.nowMs(), position.symbol),
                    createdBy: input.by,
                  },
                  why,
                  undefined,
                  // Stored here, sent by follow() under a timeout: a slow broker cannot hold the run past its deadline.
                  { squareOff: true, deferSubmit: true },
                )
              ).order;
            } catch (error) {
              return {
                kind: 'close' as const,
                order_id: null,
                strategy_id: position.strategy_id,
                symbol: position.symbol,
                side,
                quantity,
                outcome: 'failed' as const,
                state: null,
                attempts: 1,
                reason: (error as Error).message,
              };
            }
            return this.follow(placed, deadline, 0);
          })),
        );
      } finally {
        await unlockSquareOff(lock);
      }
    } finally {
      lock.release();
    }

    const result = await this.finish(id, scope, input, actions, { scope, from: before, changed: halt.changed }, started, startedAt);
    return result;
  }

  /** Cancels one order: retried while the broker is unavailable or slow, then followed to a final state. */
  private async cancelOne(order: OrderView, deadline: number, by: string): Promise<SquareOffAction> {
    const { orders } = this.deps;
    let attempts = 0;
    let reason: string | null = null;
    let current = order;
    while (attempts <= this.deps.settings.retries && Date.now() < deadline) {
      attempts++;
      try {
        // Asked again even when we hold it cancel_pending: the first request may never have reached the broker.
        current = await this.bounded(orders.cancel(order.id, `square-off (${by})`), deadline, `cancel of order ${order.id}`);
        reason = null;
        break;
      } catch (error) {
        reason = (error as Error).message;
        // Where does it stand now? A refusal may mean it filled or was cancelled meanwhile.
        current = await orders.get(order.id);
        if (isTerminal(current.state)) break;
      }
    }
    const followed = await this.follow(current, deadline, attempts, reason);
    return { ...followed, kind: 'cancel' };
  }

  /** Polls an order until it is final or the deadline passes; an order still open is reported open, with why. */
  private async follow(order: OrderView, deadline: number, attempts: number, failure: string | null = null): Promise<SquareOffAction> {
    let current = order;
    let reason = failure;
    let wait = 25;
    let tries = attempts;
    while (!isTerminal(current.state) && Date.now() < deadline) {
      tries++;
      try {
        current = await this.bounded(this.deps.orders.sync(order.id), deadline, `status of order ${order.id}`);
        if (current.state === 'new') reason = `the broker has not accepted it yet (${current.broker} unavailable); the order-sync job sends it again`;
      } catch (error) {
        reason = (error as Error).message;
      }
      if (isTerminal(current.state)) break;
      // A paper order waiting for its market to open cannot fill before the deadline: say so now instead of waiting it out.
      const waits = waitingFor(current, this.deps.clock.nowMs());
      if (waits !== null && !waits.startsWith('market open')) {
        reason = waits;
        break;
      }
      await pause(Math.min(wait, Math.max(0, deadline - Date.now())));
      wait = Math.min(wait * 2, 500);
    }
    const done =
      current.purpose === 'square_off'
        ? current.state === 'filled'
        : current.state === 'cancelled' || current.state === 'expired' || current.state === 'filled' || current.state === 'rejected';
    const outcome: SquareOffAction['outcome'] = done ? 'done' : isTerminal(current.state) ? 'failed' : 'open';
    if (!done && isTerminal(current.state)) reason = current.reason ?? `ended ${current.state}`;
    if (outcome === 'open' && !reason?.includes('waits for the open')) {
      // With the market open, what it still waits for (a first live price, a price at its limit) says why it did not fill.
      const waits = waitingFor(current, this.deps.clock.nowMs());
      const why = [reason, waits && !reason?.includes(waits) ? waits : null].filter(Boolean).join('; ');
      reason = `still ${current.state} at the deadline${why ? `: ${why}` : ''}`;
    }
    return {
      kind: 'close',
      order_id: current.id,
      strategy_id: current.strategy_id,
      symbol: current.symbol,
      side: current.side,
      quantity: current.quantity,
      outcome,
      state: current.state,
      attempts: tries,
      reason: outcome === 'done' ? null : reason,
    };
  }

  /** A broker call with a timeout (the per-call setting, never past the deadline); the late answer is still recorded when it comes. */
  private async bounded<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
    const ms = Math.max(1, Math.min(this.deps.settings.callTimeoutMs, deadline - Date.now()));
    let timer: NodeJS.Timeout | undefined;
    work.catch(() => {});
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new CallTimeoutError(`${what}: no answer within ${ms} ms`)), ms))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async openOrders(strategyId: number | null): Promise<OrderView[]> {
    const ids = await orderIdsIn(this.deps.pool, openOrderStates, strategyId);
    return Promise.all(ids.map((id) => this.deps.orders.get(id)));
  }

  /** Filled positions in the scope, less what closing orders still open will close. */
  private async positionsToClose(strategyId: number | null): Promise<{ strategy_id: number | null; symbol: string; quantity: number; account_id: string }[]> {
    return (await positionsLeftToClose(this.deps.pool, strategyId, openOrderStates)).filter((row) => Math.abs(row.quantity) > 1e-9);
  }

  /** What is left, each with the reason its action gave; stored, and alerted with the failures. */
  private async finish(
    id: string,
    scope: string,
    input: { strategyId: number | null; by: string },
    actions: SquareOffAction[],
    halted: SquareOffResult['halted'],
    started: number,
    startedAt: Date,
  ): Promise<SquareOffResult> {
    const reasonFor = (symbol: string, strategyId: number | null, orderId?: string) =>
      actions.find(
        (action) =>
          (orderId ? action.order_id === orderId : action.symbol === symbol && action.strategy_id === strategyId && action.kind === 'close') && action.reason,
      )?.reason ?? null;
    const openOrders = (await this.openOrders(input.strategyId)).map((order) => ({
      order_id: order.id,
      strategy_id: order.strategy_id,
      symbol: order.symbol,
      state: order.state,
      reason: reasonFor(order.symbol, order.strategy_id, order.id) ?? `still ${order.state} at the broker`,
    }));
    const positions = (await openPositions(this.deps.pool, input.strategyId)).map((row) => ({
      ...row,
      reason:
        reasonFor(row.symbol, row.strategy_id) ??
        (openOrders.some((order) => order.symbol === row.symbol && order.strategy_id === row.strategy_id)
          ? 'its closing order is not filled yet'
          : 'not closed'),
    }));
    const finishedAt = Date.now();
    const result: SquareOffResult = {
      id,
      scope,
      status: openOrders.length === 0 && positions.length === 0 ? 'done' : 'incomplete',
      requested_by: input.by,
      halted,
      actions,
      remaining: { open_orders: openOrders, positions },
      started_at: startedAt.toISOString(),
      finished_at: new Date(startedAt.getTime() + (finishedAt - started)).toISOString(),
      duration_ms: finishedAt - started,
    };
    const failures = [
      ...openOrders.map((order) => ({ what: 'open order', id: order.order_id, symbol: order.symbol, reason: order.reason })),
      ...positions.map((position) => ({
        what: 'position',
        symbol: position.symbol,
        reason: `${position.quantity} left${position.strategy_id === null ? '' : ` (strategy ${position.strategy_id})`}: ${position.reason}`,
      })),
    ];
    // The first "market closed: waits for ..." reason: what the whole run waits for, in the alert's words.
    const waiting = [...openOrders.map((order) => order.reason), ...positions.map((position) => position.reason)].find((reason) =>
      reason.includes('waits for'),
    );
    await withTransaction(this.deps.pool, async (client) => {
      await finishSquareOff(client, id, result.status, result);
      await recordAlert(client, {
        event: 'square_off_done',
        payload: {
          scope,
          status: result.status,
          cancelled_orders: actions.filter((action) => action.kind === 'cancel' && action.outcome === 'done').length,
          closed_positions: actions.filter((action) => action.kind === 'close' && action.outcome === 'done').length,
          remaining: { open_orders: openOrders.length, positions: positions.length },
          ...(waiting ? { waiting_for: waiting } : {}),
          failures,
        },
      });
    });
    return result;
  }
}

/** At most four at a time: a slow broker is waited on in parallel, not once per order in turn. */
async function inParallel<T, R>(items: readonly T[], work: (item: T) => Promise<R>, width = 4): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}
