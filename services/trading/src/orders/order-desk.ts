import { recordAlert } from '@closecross/alerts';
import { systemClock, type Clock } from '@closecross/engine';
import { withTransaction } from '@closecross/db';
import { ConflictError, NotFoundError } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import {
  BrokerRejectedError,
  BrokerUnavailableError,
  type Broker,
  type BrokerFill,
  type BrokerOrderUpdate,
  type OrderState,
  type OrderType,
  type Side,
  type TimeInForce,
} from '../brokers/broker.ts';
import type { BrokerName } from '../brokers/broker-factory.ts';
import { PaperBroker } from '../brokers/paper/paper-broker.ts';
import type { RiskEngine } from '../risk/risk-engine.ts';
import { tradingLogEvents } from '../trading-events.ts';
import { isTerminal, openOrderStates, pathBetween } from './order-state-machine.ts';
import { bookedDecimal } from '../money/numeric-values.ts';
import type { Account } from '../schemas/accounts.ts';
import { sessionOn } from '../sessions.ts';
import { fillTradeDate } from './trade-date.ts';
import type { StoredOrder } from '../schemas/orders.ts';
import { fillStored, insertFillWithCash } from '../store/trading-fill.ts';
import {
  insertCheckedOrder,
  insertGuardedOrder,
  insertTransitions,
  lockOrderForChange,
  orderByClientId,
  orderById,
  ordersIn,
  placedPaperOrder,
  type PaperOrderRow,
  storeFillIfUnchanged,
  storeOrderState,
} from '../store/trading-order.ts';

export interface NewOrder {
  clientOrderId: string;
  accountId: string;
  strategyId?: number | null;
  signalId?: number | null;
  purpose: 'entry' | 'exit' | 'manual' | 'square_off';
  symbol: string;
  side: Side;
  quantity: number;
  type: OrderType;
  timeInForce: TimeInForce;
  limitPrice?: number | null;
  sessionDate: string;
  closesLot?: string | null;
  createdBy?: string | null;
}

/** A stored order, as store/trading-order.ts reads it: the API's order shape without what it waits for. */
export type OrderView = StoredOrder;

/** What the caller of apply() knows of the order (the paper exchange, which books its fills in order): its state now, side and symbol. */
export interface KnownOrder {
  state: OrderState;
  side: Side;
  symbol: string;
}

/** An account's paper costs, as the paper exchange builds its fill model from them. */
export type PaperOrderCosts = Pick<Account, 'fee_per_share' | 'fee_bps' | 'fee_minimum' | 'slippage_bps' | 'volume_participation'>;

/** A paper order accepted in its placement statement, for this task's paper exchange. */
export interface AcceptedPaperOrder {
  order: OrderView;
  costs: PaperOrderCosts;
  /** placed_at, to the millisecond the clock gave it */
  placedAt: Date;
}

export interface OrderDeskLog {
  warn(object: object, message: string): void;
}

/** The same order asked for twice: a retried submission answers the first, a different one is a conflict. */
function sameOrder(stored: OrderView, order: NewOrder): boolean {
  return (
    stored.symbol === order.symbol &&
    stored.side === order.side &&
    stored.quantity === order.quantity &&
    stored.type === order.type &&
    stored.account_id === order.accountId &&
    (stored.limit_price ?? null) === (order.limitPrice ?? null)
  );
}

/** A client order id already stored: the same order answers it (created: false); an unknown account is a 404, a different order a 409. */
async function storedBefore(db: Pool | PoolClient, order: NewOrder): Promise<{ order: OrderView; created: false }> {
  const existing = await orderByClientId(db, order.clientOrderId);
  if (!existing) throw new NotFoundError(`account ${order.accountId} does not exist`);
  if (!sameOrder(existing, order))
    throw new ConflictError(
      `client order id ${order.clientOrderId} was used for a different order (${existing.side} ${existing.quantity} ${existing.symbol} ${existing.type})`,
    );
  return { order: existing, created: false };
}

/**
 * Orders: stored first (state `new`), then sent to the account's broker; every answer moves the
 * order along the written state machine, each step stored with its time and cause, in one
 * transaction with the fills and cash entries it brings.
 */
export class OrderDesk {
  private readonly pool: Pool;
  private readonly brokerOf: (name: BrokerName) => Broker;
  private readonly log: OrderDeskLog;
  private readonly risk: RiskEngine | undefined;
  readonly clock: Clock;
  /** Whether an order placed alone is checked on the risk book in memory (the default); false: always the locked path (benchmarks compare the two). */
  private readonly riskInMemory: boolean;
  private readonly changeListeners: ((order: OrderView, fills: readonly BrokerFill[]) => void)[] = [];
  /** This task's paper exchange, while it runs here: a paper order accepted in its placement statement is handed to it at once. */
  paperAccepted: ((accepted: AcceptedPaperOrder) => void) | undefined;
  constructor(
    pool: Pool,
    brokerOf: (name: BrokerName) => Broker,
    log: OrderDeskLog,
    risk?: RiskEngine,
    clock: Clock = systemClock,
    options: { riskInMemory?: boolean } = {},
  ) {
    this.riskInMemory = options.riskInMemory ?? true;
    this.pool = pool;
    this.brokerOf = brokerOf;
    this.log = log;
    this.risk = risk;
    this.clock = clock;
  }

  /**
   * Stores and submits an order; a known client order id answers that order (created: false).
   * The risk engine decides in the transaction that stores it: an order it refuses is stored as
   * rejected (new -> rejected, the check named in `risk_check` and the transition's cause) and
   * never reaches a broker.
   */
  async place(
    order: NewOrder,
    cause: string,
    client?: PoolClient,
    options: { squareOff?: boolean; deferSubmit?: boolean } = {},
  ): Promise<{ order: OrderView; created: boolean }> {
    // Alone (not in a caller's transaction), an order the book in memory lets through is stored in one statement.
    if (!client && this.risk && this.riskInMemory) {
      const placed = await this.placeInOneStatement(this.risk, order, cause, options);
      if (placed) return placed;
    }
    const insert = async (db: PoolClient) => {
      const decision = this.risk
        ? await this.risk.check(db, {
            strategyId: order.strategyId ?? null,
            symbol: order.symbol,
            side: order.side,
            quantity: order.quantity,
            limitPrice: order.limitPrice ?? null,
            squareOff: options.squareOff === true,
          })
        : undefined;
      const refused = decision !== undefined && !decision.accepted;
      // The order and its first transitions in one statement: one round trip on the hot path.
      const inserted = await insertCheckedOrder(db, order, {
        refusal: refused ? { reason: decision.reason, check: decision.check } : undefined,
        cause,
        placedAt: this.clock.now(),
      });
      if (!inserted) return storedBefore(db, order);
      const row = inserted.order;
      if (refused) {
        await recordAlert(db, {
          event: 'order_rejected',
          payload: {
            order_id: row.id,
            ...(order.strategyId && inserted.strategyName ? { strategy: inserted.strategyName } : {}),
            symbol: row.symbol,
            side: row.side,
            quantity: row.quantity,
            reason: row.reason ?? '',
            check: row.risk_check ?? undefined,
          },
        });
      }
      return { order: row, created: true };
    };
    const placed = client ? await insert(client) : await withTransaction(this.pool, insert);
    // Decided on the book as read under the lock: the copy in memory is read again before the next check.
    this.risk?.book.invalidate();
    if (placed.created && placed.order.state === 'rejected') {
      this.log.warn(
        {
          event: tradingLogEvents.orderRejected,
          orderId: placed.order.id,
          symbol: placed.order.symbol,
          reason: placed.order.reason,
          riskCheck: placed.order.risk_check,
        },
        'order rejected',
      );
    }
    // Inside a caller's transaction the broker hears of it once that commits; deferred, when the caller submits it (sync).
    if (!placed.created || client || options.deferSubmit || placed.order.state !== 'new') return placed;
    return { order: await this.submit(placed.order), created: true };
  }

  /**
   * The hot path of a placement: the pre-trade checks on the risk book in memory, then one
   * statement that stores the order only while the book's version and the marks are the ones the
   * checks saw (else nothing is stored: the book takes the marks the statement answered, is read
   * again when its version moved, and the checks run again). A paper market or limit order for a
   * session still ahead, with no daily bar of its session stored to fill it from, is accepted in
   * that same statement (new -> submitted -> accepted, as the paper broker answers it) and
   * announced to the paper exchange. Undefined when the locked path must decide: a refusal, a
   * breach that moves a state, or a book that kept moving.
   */
  private async placeInOneStatement(
    risk: RiskEngine,
    order: NewOrder,
    cause: string,
    options: { squareOff?: boolean; deferSubmit?: boolean },
  ): Promise<{ order: OrderView; created: boolean } | undefined> {
    const placedAt = this.clock.now();
    const session = sessionOn(order.sessionDate, order.symbol);
    const paperWorkable =
      !options.deferSubmit &&
      (order.type === 'market' || (order.type === 'limit' && (order.limitPrice ?? 0) > 0)) &&
      (order.timeInForce === 'gtc' || (session !== undefined && placedAt.getTime() < session.close));
    for (let attempt = 0; attempt < 3; attempt++) {
      const { decision, guard } = await risk.checkInMemory({
        strategyId: order.strategyId ?? null,
        symbol: order.symbol,
        side: order.side,
        quantity: order.quantity,
        limitPrice: order.limitPrice ?? null,
        squareOff: options.squareOff === true,
      });
      if (!decision.accepted || decision.stateChanges.length > 0) return undefined;
      const row = await risk.book.track(() =>
        insertGuardedOrder(this.pool, order, {
          placedAt,
          paperWorkable,
          paperRead: !options.deferSubmit,
          cause,
          guard,
          // This task's paper exchange is handed the order below; only another task's would need the NOTIFY, and none runs it while this one does.
          announce: this.paperAccepted === undefined,
        }),
      );
      if (row.taken) {
        // A retried submission: the order stored first answers it, and the guard moved nothing.
        risk.book.moved(row.current_version, row.marks);
        return storedBefore(this.pool, order);
      }
      if (row.version === null) {
        risk.book.moved(row.current_version, row.marks);
        await risk.book.settled();
        continue;
      }
      const placed = row.placed;
      if (!placed) {
        risk.book.unchanged(row.version);
        return storedBefore(this.pool, order);
      }
      risk.book.placed(row.version, {
        id: placed.id,
        strategyId: placed.strategy_id,
        symbol: placed.symbol,
        side: placed.side,
        quantity: placed.quantity,
        counted: true,
      });
      if (placed.state === 'accepted') {
        this.paperAccepted?.({ order: placed, costs: row.costs!, placedAt });
        return { order: placed, created: true };
      }
      if (options.deferSubmit) return { order: placed, created: true };
      return { order: await this.submit(placed, placedPaperOrder(row, placedAt)), created: true };
    }
    return undefined;
  }

  /** Sends a stored `new` order to its broker and records the answer; `paperRow`: the paper broker's row of it, read by the statement that placed it. */
  async submit(order: OrderView, paperRow?: PaperOrderRow): Promise<OrderView> {
    const broker = this.brokerOf(order.broker as BrokerName);
    let update: BrokerOrderUpdate;
    try {
      const request = {
        clientOrderId: order.client_order_id,
        symbol: order.symbol,
        side: order.side,
        quantity: order.quantity,
        type: order.type,
        timeInForce: order.time_in_force,
        ...(order.limit_price !== null ? { limitPrice: order.limit_price } : {}),
      };
      update = paperRow && broker instanceof PaperBroker ? await broker.submit(request, paperRow) : await broker.submit(request);
    } catch (error) {
      if (error instanceof BrokerRejectedError)
        return this.apply(
          order.id,
          { clientOrderId: order.client_order_id, state: 'rejected', reason: error.message, fills: [] },
          `rejected by ${broker.name}`,
        );
      if (error instanceof BrokerUnavailableError) {
        // Stays new: the order-sync job sends it again (the client order id keeps it one order).
        this.log.warn({ orderId: order.id, err: error }, 'broker unavailable; the order is sent again by the next sync');
        return this.get(order.id);
      }
      throw error;
    }
    // The order as just stored: a fill at submit (a paper order filled from its session's stored bar) takes the one-statement path.
    return this.apply(order.id, update, `${broker.name} answered`, { state: order.state, side: order.side, symbol: order.symbol });
  }

  /** Asks the broker where an order stands and records it. */
  async sync(id: string): Promise<OrderView> {
    const order = await this.get(id);
    if (order.state === 'new') return this.submit(order);
    if (isTerminal(order.state)) return order;
    const broker = this.brokerOf(order.broker as BrokerName);
    return this.apply(id, await broker.status(order.client_order_id), `${broker.name} status`);
  }

  /** Every open order, synced; answers how many changed state. */
  async syncOpen(): Promise<number> {
    let changed = 0;
    for (const row of await ordersIn(this.pool, openOrderStates)) {
      const after = await this.sync(row.id);
      if (after.state !== row.state) changed++;
    }
    return changed;
  }

  async cancel(id: string, by: string): Promise<OrderView> {
    const order = await this.get(id);
    if (isTerminal(order.state)) throw new ConflictError(`order ${id} is ${order.state}: it cannot be cancelled`);
    if (order.state === 'new')
      return this.apply(id, { clientOrderId: order.client_order_id, state: 'cancelled', reason: `cancelled by ${by}`, fills: [] }, `cancelled by ${by}`);
    await this.apply(id, { clientOrderId: order.client_order_id, state: 'cancel_pending', fills: [] }, `cancel asked by ${by}`);
    const broker = this.brokerOf(order.broker as BrokerName);
    return this.apply(id, await broker.cancel(order.client_order_id), `${broker.name} answered the cancel`);
  }

  /**
   * Records a broker's answer: new fills (once each, with their cash), then the state along the
   * machine's path; an answer the machine has no path for is a ConflictError, and changes nothing.
   */
  async apply(id: string, update: BrokerOrderUpdate, cause: string, known?: KnownOrder): Promise<OrderView> {
    const fill = update.fills[0];
    if (known && fill && update.fills.length === 1 && (update.state === 'filled' || update.state === 'partially_filled')) {
      const booked = await this.applyFillInOneStatement(id, update.state, fill, cause, known);
      if (booked) return this.changed(booked, update.fills);
    }
    const result = await withTransaction(this.pool, async (client) => {
      // This transaction moves the risk book's version itself, once, at the end (the triggers leave it): the book in memory follows it.
      const order = await lockOrderForChange(client, id);
      if (!order) throw new NotFoundError(`order ${id} does not exist`);
      let newFills = 0;
      const booked: { quantity: number; price: number; fee: number }[] = [];
      // Never more than the order: a fill from another source (a live tick and a daily bar, two tasks) past the quantity is dropped.
      let room = order.quantity - order.filled_quantity;
      for (const fill of update.fills) {
        const seen = await fillStored(client, fill.fillId);
        if (!seen && fill.quantity > room + 1e-9) {
          this.log.warn({ orderId: id, fillId: fill.fillId, quantity: fill.quantity, room }, 'a fill past the order quantity is dropped');
          continue;
        }
        if (!seen) room -= fill.quantity;
        // The fill and its cash (trade, and fee when there is one) in one statement; a fill seen before adds nothing.
        // Price, quantity and fee are booked as decimals (the fee to 8 places).
        const inserted = await insertFillWithCash(client, {
          fillId: fill.fillId,
          orderId: id,
          strategyId: order.strategy_id,
          accountId: order.account_id,
          symbol: order.symbol,
          side: order.side,
          quantity: bookedDecimal(fill.quantity),
          price: bookedDecimal(fill.price),
          fee: bookedDecimal(fill.fee),
          at: fill.at,
          tradeDate: fillTradeDate(order.symbol, fill.at),
          note: `${order.side} ${fill.quantity} ${order.symbol} @ ${fill.price}`,
        });
        if (inserted) {
          newFills++;
          booked.push({ quantity: Number(bookedDecimal(fill.quantity)), price: Number(bookedDecimal(fill.price)), fee: Number(bookedDecimal(fill.fee)) });
        }
      }
      // A late answer of an earlier step (the submit's `accepted` after the paper exchange filled it) changes nothing.
      const stale = (update.state === 'submitted' || update.state === 'accepted') && (order.state === 'partially_filled' || order.state === 'filled');
      const target = stale || (update.state === 'partially_filled' && newFills === 0) ? order.state : update.state;
      // No path (a cancelled order reported filled, say): a 409, and the transaction keeps nothing.
      const path = pathBetween(order.state, target);
      const from = [order.state, ...path.slice(0, -1)];
      if (path.length > 0) {
        await insertTransitions(
          client,
          id,
          from,
          path,
          path.map((state) => (state === update.state && update.reason ? `${cause}: ${update.reason}` : cause)),
        );
      }
      const reached = path.at(-1) ?? order.state;
      const filled = reached === 'filled' && order.state !== 'filled';
      // The order_filled alert rides in the same statement: the fill's transaction gains no round trip.
      const stored = await storeOrderState(client, id, {
        state: reached,
        reason: update.reason ?? null,
        brokerOrderId: update.brokerOrderId ?? null,
        alertFilled: filled,
      });
      const rejected = reached === 'rejected' && order.state !== 'rejected';
      if (rejected) {
        const strategy = order.strategy_id === null ? undefined : (stored.strategyName ?? undefined);
        await recordAlert(client, {
          event: 'order_rejected',
          payload: {
            order_id: id,
            ...(strategy ? { strategy } : {}),
            symbol: order.symbol,
            side: order.side,
            quantity: order.quantity,
            reason: stored.order.reason ?? cause,
          },
        });
      }
      return { order: stored.order, rejected, version: stored.version, booked };
    });
    this.risk?.book.orderChanged(result.version, {
      orderId: id,
      strategyId: result.order.strategy_id,
      symbol: result.order.symbol,
      side: result.order.side,
      fills: result.booked,
      remaining: isTerminal(result.order.state) ? 0 : result.order.quantity - result.order.filled_quantity,
    });
    if (result.rejected) {
      this.log.warn({ event: tradingLogEvents.orderRejected, orderId: id, symbol: result.order.symbol, reason: result.order.reason }, 'order rejected');
    }
    return this.changed(result.order, update.fills);
  }

  /**
   * Listens to every change apply() stores in this task (a fill, a cancel, an expiry, a broker's
   * answer), after it committed, with the fills it was given (some may have been stored before):
   * the live strategies hear of their orders so, not by reading them again on every event.
   */
  onChanged(listener: (order: OrderView, fills: readonly BrokerFill[]) => void): void {
    this.changeListeners.push(listener);
  }

  private changed(order: OrderView, fills: readonly BrokerFill[]): OrderView {
    for (const listener of this.changeListeners) {
      try {
        listener(order, fills);
      } catch (error) {
        this.log.warn({ orderId: order.id, err: error }, 'an order-change listener failed');
      }
    }
    return order;
  }

  /**
   * One fill of an order in the state its caller knows (the paper exchange, which placed its
   * fills in order), in one statement: the fill, its cash, the transitions, the order's filled
   * quantity and average (as the locked path sums them), the order_filled alert, and the risk
   * book's version, whose in-memory copy takes the fill. Undefined, with nothing stored, when the
   * order is not as known (another fill, a cancel): the locked path then decides.
   */
  private async applyFillInOneStatement(
    id: string,
    state: 'filled' | 'partially_filled',
    fill: BrokerFill,
    cause: string,
    known: KnownOrder,
  ): Promise<OrderView | undefined> {
    let path: OrderState[];
    try {
      path = pathBetween(known.state, state);
    } catch {
      return undefined;
    }
    const from = [known.state, ...path.slice(0, -1)];
    const filled = state === 'filled' && known.state !== 'filled';
    let row: { updated: OrderView | null; version: string | null };
    try {
      const tracked = <T>(statement: () => Promise<T>) => (this.risk ? this.risk.book.track(statement) : statement());
      row = await tracked(() =>
        storeFillIfUnchanged(this.pool, {
          orderId: id,
          state,
          knownState: known.state,
          fillId: fill.fillId,
          quantity: bookedDecimal(fill.quantity),
          price: bookedDecimal(fill.price),
          fee: bookedDecimal(fill.fee),
          at: fill.at,
          tradeDate: fillTradeDate(known.symbol, fill.at),
          note: `${known.side} ${fill.quantity} ${known.symbol} @ ${fill.price}`,
          from,
          path,
          cause,
          alertFilled: filled,
        }),
      );
    } catch (error) {
      // The fill stored meanwhile by another task (its id is unique): the locked path answers.
      if ((error as { code?: string }).code === '23505') return undefined;
      throw error;
    }
    const updated = row.updated;
    if (!updated) return undefined;
    if (row.version !== null) {
      this.risk?.book.orderChanged(row.version, {
        orderId: id,
        strategyId: updated.strategy_id,
        symbol: updated.symbol,
        side: updated.side,
        fills: [{ quantity: Number(bookedDecimal(fill.quantity)), price: Number(bookedDecimal(fill.price)), fee: Number(bookedDecimal(fill.fee)) }],
        remaining: state === 'filled' ? 0 : updated.quantity - updated.filled_quantity,
      });
    }
    return updated;
  }

  async get(id: string): Promise<OrderView> {
    const order = await orderById(this.pool, id);
    if (!order) throw new NotFoundError(`order ${id} does not exist`);
    return order;
  }
}
