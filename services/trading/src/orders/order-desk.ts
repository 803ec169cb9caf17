import { randomUUID } from 'node:crypto';
import { recordAlert } from '@closecross/alerts';
import { systemClock, type Clock } from '@closecross/engine';
import { priceBars, withTransaction } from '@closecross/db';
import { ConflictError, NotFoundError, utcIsoColumn } from '@closecross/platform';
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
import type { RiskEngine } from '../risk/risk-engine.ts';
import { tradingLogEvents } from '../trading-events.ts';
import { isTerminal, openOrderStates, pathBetween } from './order-state-machine.ts';
import { bookedDecimal } from '../money/numeric-values.ts';
import type { Account } from '../schemas/accounts.ts';
import { paperOrdersChannel } from '../brokers/paper/paper-broker.ts';
import { sessionOn } from '../sessions.ts';
import { fillTradeDate } from './trade-date.ts';
import type { StoredOrder } from '../schemas/orders.ts';

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

/** A stored order, as orderColumns reads it: the API's order shape without what it waits for. */
export type OrderView = StoredOrder;

export const orderColumns = `id, client_order_id, account_id, strategy_id::int as strategy_id, signal_id::int as signal_id, purpose, symbol, side, quantity, type, time_in_force, limit_price,
  to_char(session_date, 'YYYY-MM-DD') as session_date, closes_lot, state, reason, risk_check, broker, broker_order_id, filled_quantity, average_fill_price, created_by, ${utcIsoColumn('placed_at')}, ${utcIsoColumn('created_at')}, ${utcIsoColumn('updated_at')}`;

/** In the placement statement: whether market-data holds a bar of the order's symbol ($7) on or after its session ($13); with none, a paper order waits for live prices. */
const sessionHasBar = priceBars.fragments.hasBarOnOrAfter('$7', '$13::date');

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
      const inserted = await db.query<OrderView>(
        // The order and its first transitions in one statement: one round trip on the hot path.
        `with o as (
           insert into trading_order (id, client_order_id, account_id, strategy_id, signal_id, purpose, symbol, side, quantity, type, time_in_force, limit_price, session_date, closes_lot, state, reason, risk_check, broker, created_by, placed_at)
           select $1, $2, a.id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $17, $18, a.broker, $15, $21 from trading_account a where a.id = $3
           on conflict (client_order_id) do nothing returning *),
         t as (
           insert into trading_order_transition (order_id, from_state, to_state, cause)
           select id, null, 'new', $19 from o union all select id, 'new', 'rejected', $20 from o where o.state = 'rejected')
         select ${orderColumns} from o`,
        [
          randomUUID(),
          order.clientOrderId,
          order.accountId,
          order.strategyId ?? null,
          order.signalId ?? null,
          order.purpose,
          order.symbol,
          order.side,
          order.quantity,
          order.type,
          order.timeInForce,
          order.limitPrice ?? null,
          order.sessionDate,
          order.closesLot ?? null,
          order.createdBy ?? null,
          refused ? 'rejected' : 'new',
          refused ? decision.reason : null,
          refused ? decision.check : null,
          cause,
          refused ? `refused by the risk check ${decision.check}: ${decision.reason}` : null,
          this.clock.now(),
        ],
      );
      const row = inserted.rows[0];
      if (row) {
        if (refused) {
          const strategy = order.strategyId
            ? (await db.query<{ name: string }>('select name from trading_strategy where id = $1', [order.strategyId])).rows[0]?.name
            : undefined;
          await recordAlert(db, {
            event: 'order_rejected',
            payload: {
              order_id: row.id,
              ...(strategy ? { strategy } : {}),
              symbol: row.symbol,
              side: row.side,
              quantity: row.quantity,
              reason: row.reason ?? '',
              check: row.risk_check ?? undefined,
            },
          });
        }
        return { order: row, created: true };
      }
      const existing = (await db.query<OrderView>(`select ${orderColumns} from trading_order where client_order_id = $1`, [order.clientOrderId])).rows[0];
      if (!existing) throw new NotFoundError(`account ${order.accountId} does not exist`);
      if (!sameOrder(existing, order))
        throw new ConflictError(
          `client order id ${order.clientOrderId} was used for a different order (${existing.side} ${existing.quantity} ${existing.symbol} ${existing.type})`,
        );
      return { order: existing, created: false };
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
      const result = await risk.book.track(() =>
        this.pool.query<{
          version: string | null;
          current_version: string;
          marks: Record<string, [number | null, string | null, number | null, string | null]>;
          placed: OrderView | null;
          costs: PaperOrderCosts | null;
        }>(
          `with counted as (select set_config('closecross.risk_book_counted', 'on', true) as flag),
         current_marks as (${guard.marksSql('$21')}),
         guard as (
           update trading_risk_book_version set version = version + 1
           where version = $22::bigint and (select * from current_marks) = $23::jsonb returning version),
         o as (
           insert into trading_order (id, client_order_id, account_id, strategy_id, signal_id, purpose, symbol, side, quantity, type, time_in_force, limit_price, session_date, closes_lot, state, broker, broker_order_id, created_by, placed_at)
           select $1, $2, a.id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
             case when a.broker = 'paper' and $17::boolean and not ${sessionHasBar} then 'accepted' else 'new' end,
             a.broker, case when a.broker = 'paper' and $17::boolean and not ${sessionHasBar} then 'paper-' || $2 end, $15, $16
           from trading_account a cross join guard where a.id = $3
           on conflict (client_order_id) do nothing returning *),
         t as (
           insert into trading_order_transition (order_id, from_state, to_state, cause)
           select id, null, 'new', $18 from o
           union all select id, 'new', 'submitted', $19 from o where o.state = 'accepted'
           union all select id, 'submitted', 'accepted', $19 from o where o.state = 'accepted'),
         announced as (select pg_notify($20, o.client_order_id) from o where o.state = 'accepted')
         select (select version::text from guard) as version, (select version::text from trading_risk_book_version) as current_version, (select * from current_marks) as marks,
           (select row_to_json(x) from (select ${orderColumns} from o) x) as placed,
           (select row_to_json(y) from (select a.fee_per_share, a.fee_bps, a.fee_minimum, a.slippage_bps, a.volume_participation from o join trading_account a on a.id = o.account_id) y) as costs,
           (select count(*) from announced) + (select count(*) from counted where flag = 'on') as effects`,
          [
            randomUUID(),
            order.clientOrderId,
            order.accountId,
            order.strategyId ?? null,
            order.signalId ?? null,
            order.purpose,
            order.symbol,
            order.side,
            order.quantity,
            order.type,
            order.timeInForce,
            order.limitPrice ?? null,
            order.sessionDate,
            order.closesLot ?? null,
            order.createdBy ?? null,
            placedAt,
            paperWorkable,
            cause,
            'paper answered',
            paperOrdersChannel,
            guard.symbols,
            guard.version,
            guard.marks,
          ],
        ),
      );
      const row = result.rows[0]!;
      if (row.version === null) {
        risk.book.moved(row.current_version, row.marks);
        await risk.book.settled();
        continue;
      }
      const placed = row.placed;
      if (!placed) {
        risk.book.unchanged(row.version);
        const existing = (await this.pool.query<OrderView>(`select ${orderColumns} from trading_order where client_order_id = $1`, [order.clientOrderId]))
          .rows[0];
        if (!existing) throw new NotFoundError(`account ${order.accountId} does not exist`);
        if (!sameOrder(existing, order))
          throw new ConflictError(
            `client order id ${order.clientOrderId} was used for a different order (${existing.side} ${existing.quantity} ${existing.symbol} ${existing.type})`,
          );
        return { order: existing, created: false };
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
      return { order: await this.submit(placed), created: true };
    }
    return undefined;
  }

  /** Sends a stored `new` order to its broker and records the answer. */
  async submit(order: OrderView): Promise<OrderView> {
    const broker = this.brokerOf(order.broker as BrokerName);
    let update: BrokerOrderUpdate;
    try {
      update = await broker.submit({
        clientOrderId: order.client_order_id,
        symbol: order.symbol,
        side: order.side,
        quantity: order.quantity,
        type: order.type,
        timeInForce: order.time_in_force,
        ...(order.limit_price !== null ? { limitPrice: order.limit_price } : {}),
      });
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
    return this.apply(order.id, update, `${broker.name} answered`);
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
    const open = await this.pool.query<{ id: string; state: OrderState }>(
      'select id, state from trading_order where state = any($1::text[]) order by created_at',
      [openOrderStates],
    );
    let changed = 0;
    for (const row of open.rows) {
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
      const order = (
        await client.query<OrderView>(
          `select ${orderColumns}, set_config('closecross.risk_book_counted', 'on', true) as counted from trading_order where id = $1 for update`,
          [id],
        )
      ).rows[0];
      if (!order) throw new NotFoundError(`order ${id} does not exist`);
      let newFills = 0;
      const booked: { quantity: number; price: number; fee: number }[] = [];
      // Never more than the order: a fill from another source (a live tick and a daily bar, two tasks) past the quantity is dropped.
      let room = order.quantity - order.filled_quantity;
      for (const fill of update.fills) {
        const seen = (await client.query('select 1 from trading_fill where fill_id = $1', [fill.fillId])).rowCount === 1;
        if (!seen && fill.quantity > room + 1e-9) {
          this.log.warn({ orderId: id, fillId: fill.fillId, quantity: fill.quantity, room }, 'a fill past the order quantity is dropped');
          continue;
        }
        if (!seen) room -= fill.quantity;
        // The fill and its cash (trade, and fee when there is one) in one statement; a fill seen before adds nothing.
        // Cash is quantity x price in numeric, exact; price, quantity and fee are booked as decimals (the fee to 8 places).
        const inserted = await client.query<{ n: number }>(
          `with f as (
             insert into trading_fill (fill_id, order_id, strategy_id, symbol, side, quantity, price, fee, trade_date, at)
             values ($1, $2, $3, $4, $5, $6::numeric, $7::numeric, $8::numeric, $12::date, $9) on conflict (fill_id) do nothing returning fill_id, quantity, price, fee),
           c as (
             insert into trading_cash_entry (strategy_id, account_id, kind, amount, fill_id, note, at)
             select $3, $10, 'trade', case when $5 = 'buy' then -(f.quantity * f.price) else f.quantity * f.price end, fill_id, $11, $9 from f
             union all select $3, $10, 'fee', -f.fee, fill_id, 'fee', $9 from f where f.fee > 0)
           select count(*)::int as n from f`,
          [
            fill.fillId,
            id,
            order.strategy_id,
            order.symbol,
            order.side,
            bookedDecimal(fill.quantity),
            bookedDecimal(fill.price),
            bookedDecimal(fill.fee),
            fill.at,
            order.account_id,
            `${order.side} ${fill.quantity} ${order.symbol} @ ${fill.price}`,
            fillTradeDate(order.symbol, fill.at),
          ],
        );
        if (inserted.rows[0]!.n > 0) {
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
        await client.query(
          `insert into trading_order_transition (order_id, from_state, to_state, cause)
           select $1, step.from_state, step.to_state, step.cause from unnest($2::text[], $3::text[], $4::text[]) with ordinality as step(from_state, to_state, cause, n) order by step.n`,
          [id, from, path, path.map((state) => (state === update.state && update.reason ? `${cause}: ${update.reason}` : cause))],
        );
      }
      const reached = path.at(-1) ?? order.state;
      const filled = reached === 'filled' && order.state !== 'filled';
      const updated = await client.query<OrderView & { book_version: string }>(
        // The order_filled alert (OrderFilledPayload) rides in the same statement: the fill's
        // transaction gains no round trip; alert_record keeps it and queues a delivery per channel that wants it.
        `with u as (
           update trading_order o set state = $2, reason = coalesce($3, o.reason), broker_order_id = coalesce($4, o.broker_order_id),
             filled_quantity = f.filled, average_fill_price = f.average, updated_at = now()
           from (select coalesce(sum(quantity), 0)::float8 as filled, (sum(quantity * price) / nullif(sum(quantity), 0))::float8 as average from trading_fill where order_id = $1) f
           where o.id = $1 returning o.*),
         alerted as (
           select alert_record('order_filled', jsonb_strip_nulls(jsonb_build_object('order_id', u.id, 'strategy', s.name, 'symbol', u.symbol, 'side', u.side,
             'quantity', u.filled_quantity, 'price', u.average_fill_price))) as alert_id
           from u left join trading_strategy s on s.id = u.strategy_id where $5::boolean),
         v as (update trading_risk_book_version set version = version + 1 returning version)
         select ${orderColumns}, (select version::text from v) as book_version from u left join alerted on true`,
        [id, reached, update.reason ?? null, update.brokerOrderId ?? null, filled],
      );
      const rejected = reached === 'rejected' && order.state !== 'rejected';
      if (rejected) {
        const strategy =
          order.strategy_id === null
            ? undefined
            : (await client.query<{ name: string }>('select name from trading_strategy where id = $1', [order.strategy_id])).rows[0]?.name;
        await recordAlert(client, {
          event: 'order_rejected',
          payload: {
            order_id: id,
            ...(strategy ? { strategy } : {}),
            symbol: order.symbol,
            side: order.side,
            quantity: order.quantity,
            reason: updated.rows[0]!.reason ?? cause,
          },
        });
      }
      const { book_version: version, ...after } = updated.rows[0]!;
      return { order: after as OrderView, rejected, version, booked };
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
    let row: { updated: OrderView | null; version: string | null } | undefined;
    try {
      const tracked = <T>(statement: () => Promise<T>) => (this.risk ? this.risk.book.track(statement) : statement());
      row = (
        await tracked(() =>
          this.pool.query<{ updated: OrderView | null; version: string | null }>(
            `with counted as (select set_config('closecross.risk_book_counted', 'on', true) as flag),
           prior as (select coalesce(sum(quantity), 0) as quantity, coalesce(sum(quantity * price), 0) as notional from trading_fill where order_id = $1),
           u as (
             update trading_order o set state = $2, filled_quantity = ((select quantity from prior) + $3::numeric)::float8,
               average_fill_price = (((select notional from prior) + $3::numeric * $4::numeric) / ((select quantity from prior) + $3::numeric))::float8, updated_at = now()
             where o.id = $1 and o.state = $5 and o.filled_quantity::float8 = (select quantity from prior)::float8 and (select quantity from prior) + $3::numeric <= o.quantity + 1e-9
               and not exists (select 1 from trading_fill where fill_id = $6)
             returning o.*),
           f as (
             insert into trading_fill (fill_id, order_id, strategy_id, symbol, side, quantity, price, fee, trade_date, at)
             select $6, u.id, u.strategy_id, u.symbol, u.side, $3::numeric, $4::numeric, $7::numeric, $14::date, $8 from u
             returning fill_id, quantity, price, fee),
           c as (
             insert into trading_cash_entry (strategy_id, account_id, kind, amount, fill_id, note, at)
             select u.strategy_id, u.account_id, 'trade', case when u.side = 'buy' then -(f.quantity * f.price) else f.quantity * f.price end, f.fill_id, $9, $8 from f cross join u
             union all select u.strategy_id, u.account_id, 'fee', -f.fee, f.fill_id, 'fee', $8 from f cross join u where f.fee > 0),
           t as (
             insert into trading_order_transition (order_id, from_state, to_state, cause)
             select u.id, step.from_state, step.to_state, step.cause from u cross join unnest($10::text[], $11::text[], $12::text[]) with ordinality as step(from_state, to_state, cause, n) order by step.n),
           alerted as (
             select alert_record('order_filled', jsonb_strip_nulls(jsonb_build_object('order_id', u.id, 'strategy', s.name, 'symbol', u.symbol, 'side', u.side,
               'quantity', u.filled_quantity, 'price', u.average_fill_price))) as alert_id
             from u left join trading_strategy s on s.id = u.strategy_id where $13::boolean),
           v as (update trading_risk_book_version set version = version + 1 where exists (select 1 from u) returning version)
           select (select row_to_json(x) from (select ${orderColumns} from u) x) as updated, (select version::text from v) as version,
             (select count(*) from alerted) + (select count(*) from counted where flag = 'on') as effects`,
            [
              id,
              state,
              bookedDecimal(fill.quantity),
              bookedDecimal(fill.price),
              known.state,
              fill.fillId,
              bookedDecimal(fill.fee),
              fill.at,
              `${known.side} ${fill.quantity} ${known.symbol} @ ${fill.price}`,
              from,
              path,
              path.map(() => cause),
              filled,
              fillTradeDate(known.symbol, fill.at),
            ],
          ),
        )
      ).rows[0];
    } catch (error) {
      // The fill stored meanwhile by another task (its id is unique): the locked path answers.
      if ((error as { code?: string }).code === '23505') return undefined;
      throw error;
    }
    const updated = row?.updated;
    if (!updated) return undefined;
    if (row!.version !== null) {
      this.risk?.book.orderChanged(row!.version, {
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
    const order = (await this.pool.query<OrderView>(`select ${orderColumns} from trading_order where id = $1`, [id])).rows[0];
    if (!order) throw new NotFoundError(`order ${id} does not exist`);
    return order;
  }
}
