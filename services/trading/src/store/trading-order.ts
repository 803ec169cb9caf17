/**
 * SQL on trading_order and the rows that hang off it (trading_order_transition, trading_fill, the
 * cash entries of a fill): the order desk's placements and changes, the order routes' reads, and
 * what the paper broker and the paper exchange read of the paper orders.
 */
import { createHash, randomUUID } from 'node:crypto';
import { priceBars } from '@closecross/db';
import { utcIsoColumn } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import type { BrokerOrderRequest, OrderState, OrderType } from '../brokers/broker.ts';
import type { NewOrder, OrderView, PaperOrderCosts } from '../orders/order-desk.ts';
import type { BookGuard } from '../risk/live-risk-book.ts';
import type { LiveQuoteSource } from './trading-risk-book.ts';
import type { Account } from '../schemas/accounts.ts';
import type { Fill, Transition } from '../schemas/orders.ts';
import type { NewFill } from './trading-fill.ts';
import { currentMarksSql } from './trading-risk-book.ts';

type Db = Pool | PoolClient;

/**
 * A hot statement, named by its text's hash (two texts never share a name): sent by name,
 * PostgreSQL parses and plans it once per connection, and each later call sends only its values.
 * Built once (per variant of its text), so a call neither rebuilds nor hashes the text.
 */
function namedStatement(prefix: string, text: string): { name: string; text: string } {
  return { name: `${prefix}_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`, text };
}

/** The channel the paper exchange listens on for orders to work (payload: the client order id). */
export const paperOrdersChannel = 'trading_paper_orders';

/** The columns of an order as the API shows it (StoredOrder). */
export const orderColumns = `id, client_order_id, account_id, strategy_id::int as strategy_id, signal_id::int as signal_id, purpose, symbol, side, quantity, type, time_in_force, limit_price,
  to_char(session_date, 'YYYY-MM-DD') as session_date, closes_lot, state, reason, risk_check, broker, broker_order_id, filled_quantity, average_fill_price, created_by, ${utcIsoColumn('placed_at')}, ${utcIsoColumn('created_at')}, ${utcIsoColumn('updated_at')}`;

/** $1..$15 of both placement statements: a new id and the order's own values. */
function orderValues(order: NewOrder): unknown[] {
  return [
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
  ];
}

/** The risk engine's decision on an order placed on the locked path. */
export interface CheckedOrder {
  refusal: { reason: string | undefined; check: string | undefined } | undefined;
  cause: string;
  placedAt: Date;
}

/**
 * Stores an order checked under the risk lock, with its first transitions (new, and rejected when
 * refused), in one statement; undefined when its client order id is taken (or the account is unknown).
 */
export async function insertCheckedOrder(
  client: PoolClient,
  order: NewOrder,
  checked: CheckedOrder,
): Promise<{ order: OrderView; strategyName: string | null } | undefined> {
  const { refusal } = checked;
  const inserted = await client.query<OrderView & { strategy_name: string | null }>(
    `with o as (
       insert into trading_order (id, client_order_id, account_id, strategy_id, signal_id, purpose, symbol, side, quantity, type, time_in_force, limit_price, session_date, closes_lot, state, reason, risk_check, broker, created_by, placed_at)
       select $1, $2, a.id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $17, $18, a.broker, $15, $21 from trading_account a where a.id = $3
       on conflict (client_order_id) do nothing returning *),
     t as (
       insert into trading_order_transition (order_id, from_state, to_state, cause)
       select id, null, 'new', $19 from o union all select id, 'new', 'rejected', $20 from o where o.state = 'rejected')
     select ${orderColumns}, (select s.name from trading_strategy s where s.id = o.strategy_id) as strategy_name from o`,
    [
      ...orderValues(order),
      refusal ? 'rejected' : 'new',
      refusal?.reason ?? null,
      refusal?.check ?? null,
      checked.cause,
      refusal ? `refused by the risk check ${refusal.check}: ${refusal.reason}` : null,
      checked.placedAt,
    ],
  );
  const row = inserted.rows[0];
  if (!row) return undefined;
  const { strategy_name: strategyName, ...stored } = row;
  return { order: stored, strategyName };
}

/** What the one-statement placement answers. */
export interface GuardedPlacementRow {
  /** The version the statement moved the book to; null: the book had moved (nothing stored). */
  version: string | null;
  current_version: string;
  marks: Record<string, [number | null, string | null, number | null, string | null]>;
  /**
   * Its client order id was stored before the statement began: nothing is stored, and the guard
   * takes no lock (a retried submission must not hold the book's version while it waits on the
   * first one's order row, which that order's fill holds while it waits on the version: a deadlock).
   */
  taken: boolean;
  /** The order stored; null with a version: its client order id was taken. */
  placed: OrderView | null;
  costs: PaperOrderCosts | null;
  /** A paper order stored `new` (to be answered by the paper broker now, `paperRead`): its account and its bars from its session on. */
  paper: (Account & { bars: PaperOrderRow['bars'] }) | null;
}

/** The paper broker's row of an order the placement statement stored `new` (as paperOrderWithBars reads it): nothing filled yet. */
export function placedPaperOrder(row: GuardedPlacementRow, placedAt: Date): PaperOrderRow | undefined {
  const { placed, paper } = row;
  if (!placed || !paper || placed.state !== 'new') return undefined;
  return {
    ...paper,
    client_order_id: placed.client_order_id,
    account_id: placed.account_id,
    symbol: placed.symbol,
    side: placed.side,
    quantity: placed.quantity,
    type: placed.type,
    time_in_force: placed.time_in_force,
    limit_price: placed.limit_price,
    session_date: placed.session_date,
    placed_at: placedAt,
    state: placed.state,
    live_filled: 0,
  };
}

const placementStatements = new Map<string, { name: string; text: string }>();
/** insertGuardedOrder's statement for where the marks' live quotes come from (none, or the prices service's table). */
function placementStatement(quotes: LiveQuoteSource): { name: string; text: string } {
  const key = quotes ? `${quotes.table}|${quotes.price}|${quotes.at}` : '';
  let statement = placementStatements.get(key);
  if (statement === undefined) {
    const sessionHasBar = priceBars.fragments.hasBarOnOrAfter('$7', '$13::date');
    statement = namedStatement(
      'trading_place_guarded',
      `with counted as (select set_config('closecross.risk_book_counted', 'on', true) as flag),
     current_marks as (${currentMarksSql('$21', quotes)}),
     guard as (
       update trading_risk_book_version set version = version + 1
       where version = $22::bigint and (select * from current_marks) = $23::jsonb and not exists (select 1 from trading_order where client_order_id = $2) returning version),
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
     announced as (select pg_notify($20, o.client_order_id) from o where o.state = 'accepted' and $24::boolean)
     select (select version::text from guard) as version, (select version::text from trading_risk_book_version) as current_version, (select * from current_marks) as marks,
       exists (select 1 from trading_order where client_order_id = $2) as taken,
       (select row_to_json(x) from (select ${orderColumns} from o) x) as placed,
       (select row_to_json(y) from (select a.fee_per_share, a.fee_bps, a.fee_minimum, a.slippage_bps, a.volume_participation from o join trading_account a on a.id = o.account_id) y) as costs,
       (select row_to_json(z) from (select a.id, a.name, a.broker, a.currency, a.fee_per_share, a.fee_bps, a.fee_minimum, a.slippage_bps, a.volume_participation, a.seed::float8 as seed,
          ${priceBars.fragments.barsJsonFrom('o.symbol', 'o.session_date')} as bars
          from o join trading_account a on a.id = o.account_id where o.state = 'new' and a.broker = 'paper' and $25::boolean) z) as paper,
       (select count(*) from announced) + (select count(*) from counted where flag = 'on') as effects`,
    );
    placementStatements.set(key, statement);
  }
  return statement;
}

/**
 * Stores an order only while the risk book's version and the marks are the ones its check saw
 * (the guard), with its transitions; a paper order the statement may accept (`paperWorkable`, no
 * daily bar of its session stored to fill it from) goes new -> submitted -> accepted and, with
 * `announce`, is announced on `trading_paper_orders` (the task running the paper exchange is
 * handed it directly and announces nothing). A paper order stored `new` with `paperRead` (the
 * paper broker answers it next: a fill from its session's stored bar) comes back with its account
 * and bars, so the broker reads nothing. One round trip.
 */
export async function insertGuardedOrder(
  pool: Pool,
  order: NewOrder,
  placement: { placedAt: Date; paperWorkable: boolean; paperRead: boolean; cause: string; guard: BookGuard; announce: boolean },
): Promise<GuardedPlacementRow> {
  const { guard } = placement;
  const statement = placementStatement(guard.quotes);
  const result = await pool.query<GuardedPlacementRow>({
    ...statement,
    values: [
      ...orderValues(order),
      placement.placedAt,
      placement.paperWorkable,
      placement.cause,
      'paper answered',
      paperOrdersChannel,
      guard.symbols,
      guard.version,
      guard.marks,
      placement.announce,
      placement.paperRead,
    ],
  });
  return result.rows[0]!;
}

export async function orderById(db: Db, id: string): Promise<OrderView | undefined> {
  return (await db.query<OrderView>(`select ${orderColumns} from trading_order where id = $1`, [id])).rows[0];
}

export async function orderByClientId(db: Db, clientOrderId: string): Promise<OrderView | undefined> {
  return (await db.query<OrderView>(`select ${orderColumns} from trading_order where client_order_id = $1`, [clientOrderId])).rows[0];
}

/** Orders in any of `states`, oldest first. */
export async function ordersIn(pool: Pool, states: readonly string[]): Promise<{ id: string; state: OrderState }[]> {
  return (
    await pool.query<{ id: string; state: OrderState }>('select id, state from trading_order where state = any($1::text[]) order by created_at', [states])
  ).rows;
}

/** The ids of a scope's orders (one strategy, or all with null) in any of `states`, oldest first. */
export async function orderIdsIn(pool: Pool, states: readonly string[], strategyId: number | null): Promise<string[]> {
  const result = await pool.query<{ id: string }>(
    'select id from trading_order where state = any($1::text[]) and ($2::bigint is null or strategy_id = $2) order by created_at',
    [states, strategyId],
  );
  return result.rows.map((row) => row.id);
}

/**
 * The order, locked for the caller's transaction, which moves the risk book's version itself
 * (once, at its end: the triggers leave it) so the book in memory can follow it.
 */
export async function lockOrderForChange(client: PoolClient, id: string): Promise<OrderView | undefined> {
  const row = (
    await client.query<OrderView & { counted: string }>(
      `select ${orderColumns}, set_config('closecross.risk_book_counted', 'on', true) as counted from trading_order where id = $1 for update`,
      [id],
    )
  ).rows[0];
  if (!row) return undefined;
  const { counted: _counted, ...order } = row;
  return order;
}

/** Transitions of an order, in order: from[i] -> to[i] because of causes[i]. */
export async function insertTransitions(
  client: PoolClient,
  orderId: string,
  from: readonly string[],
  to: readonly string[],
  causes: readonly string[],
): Promise<void> {
  await client.query(
    `insert into trading_order_transition (order_id, from_state, to_state, cause)
     select $1, step.from_state, step.to_state, step.cause from unnest($2::text[], $3::text[], $4::text[]) with ordinality as step(from_state, to_state, cause, n) order by step.n`,
    [orderId, from, to, causes],
  );
}

/**
 * The order's new state, its filled quantity and average from its stored fills, the order_filled
 * alert when `alertFilled` (OrderFilledPayload; alert_record keeps it and queues its deliveries), and
 * the risk book's version moved on: one statement.
 */
export async function storeOrderState(
  client: PoolClient,
  id: string,
  change: { state: OrderState; reason: string | null; brokerOrderId: string | null; alertFilled: boolean },
): Promise<{ order: OrderView; version: string; strategyName: string | null }> {
  const updated = await client.query<OrderView & { book_version: string; strategy_name: string | null }>(
    `with u as (
       update trading_order o set state = $2, reason = coalesce($3, o.reason), broker_order_id = coalesce($4, o.broker_order_id),
         filled_quantity = f.filled, average_fill_price = f.average, updated_at = now()
       from (select coalesce(sum(quantity), 0)::float8 as filled, (sum(quantity * price) / nullif(sum(quantity), 0))::float8 as average from trading_fill where order_id = $1) f
       where o.id = $1 returning o.*),
     named as (select u.id, s.name from u left join trading_strategy s on s.id = u.strategy_id),
     alerted as (
       select alert_record('order_filled', jsonb_strip_nulls(jsonb_build_object('order_id', u.id, 'strategy', named.name, 'symbol', u.symbol, 'side', u.side,
         'quantity', u.filled_quantity, 'price', u.average_fill_price))) as alert_id
       from u join named on named.id = u.id where $5::boolean),
     v as (update trading_risk_book_version set version = version + 1 returning version)
     select ${orderColumns}, (select version::text from v) as book_version, (select name from named) as strategy_name from u left join alerted on true`,
    [id, change.state, change.reason, change.brokerOrderId, change.alertFilled],
  );
  const { book_version: version, strategy_name: strategyName, ...order } = updated.rows[0]!;
  return { order, version, strategyName };
}

/** storeFillIfUnchanged's statement. */
const storeFillStatement = namedStatement(
  'trading_store_fill',
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
);

/** One fill of an order in the state its caller knows, as storeFillIfUnchanged books it. */
export interface KnownFill extends Pick<NewFill, 'fillId' | 'orderId' | 'quantity' | 'price' | 'fee' | 'at' | 'tradeDate' | 'note'> {
  state: 'filled' | 'partially_filled';
  knownState: OrderState;
  from: readonly OrderState[];
  path: readonly OrderState[];
  cause: string;
  alertFilled: boolean;
}

/**
 * One fill in one statement, while the order is still as its caller knows it (its state, its
 * stored fills' sum, the fill not stored yet, room for it): the fill, its cash (trade and fee), the
 * transitions, the order's filled quantity and average (as storeOrderState sums them), the
 * order_filled alert and the risk book's version. `updated` null: nothing stored.
 */
export async function storeFillIfUnchanged(pool: Pool, fill: KnownFill): Promise<{ updated: OrderView | null; version: string | null }> {
  const result = await pool.query<{ updated: OrderView | null; version: string | null }>({
    ...storeFillStatement,
    values: [
      fill.orderId,
      fill.state,
      fill.quantity,
      fill.price,
      fill.knownState,
      fill.fillId,
      fill.fee,
      fill.at,
      fill.note,
      fill.from,
      fill.path,
      fill.path.map(() => fill.cause),
      fill.alertFilled,
      fill.tradeDate,
    ],
  });
  return result.rows[0] ?? { updated: null, version: null };
}

export interface OrderFilter {
  state: string | null;
  strategyId: number | null;
  symbol: string | null;
  limit: number;
}

/** Orders, newest first, by state, strategy and symbol (any case). */
export async function listOrders(pool: Pool, filter: OrderFilter): Promise<OrderView[]> {
  const result = await pool.query<OrderView>(
    `select ${orderColumns} from trading_order where ($1::text is null or state = $1) and ($2::bigint is null or strategy_id = $2) and ($3::text is null or symbol = upper($3))
     order by created_at desc, id limit $4`,
    [filter.state, filter.strategyId, filter.symbol, filter.limit],
  );
  return result.rows;
}

export async function orderTransitions(pool: Pool, orderId: string): Promise<Transition[]> {
  return (
    await pool.query<Transition>(`select from_state, to_state, cause, ${utcIsoColumn('at')} from trading_order_transition where order_id = $1 order by id`, [
      orderId,
    ])
  ).rows;
}

export async function orderFills(pool: Pool, orderId: string): Promise<Fill[]> {
  return (
    await pool.query<Fill>(
      `select fill_id, quantity, price, fee, to_char(trade_date, 'YYYY-MM-DD') as trade_date, ${utcIsoColumn('at')} from trading_fill where order_id = $1 order by at, fill_id`,
      [orderId],
    )
  ).rows;
}

/** A paper order as the paper broker fills it from daily bars: with its account's costs, its bars from its session on, and what live prices filled. */
/** A paper order's own columns, as the paper broker and the paper exchange read them. */
interface PaperOrderColumns {
  client_order_id: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  type: BrokerOrderRequest['type'];
  time_in_force: BrokerOrderRequest['timeInForce'];
  limit_price: number | null;
  session_date: string;
  placed_at: Date;
  state: OrderState;
}

export interface PaperOrderRow extends Account, PaperOrderColumns {
  account_id: string;
  bars: { date: string; open: number; high: number; low: number; close: number; adj_close: number | null; volume: number | null }[];
  /** Fills the paper exchange made from live prices (stored; the bars serve only what they left). */
  live_filled: number;
}

/** The order, its account's costs, its bars from the session on, and what live prices filled: one query. */
export async function paperOrderWithBars(pool: Pool, clientOrderId: string): Promise<PaperOrderRow | undefined> {
  const result = await pool.query<PaperOrderRow>(
    `select o.client_order_id, o.account_id, o.symbol, o.side, o.quantity, o.type, o.time_in_force, o.limit_price, to_char(o.session_date, 'YYYY-MM-DD') as session_date, o.placed_at, o.state,
            a.id, a.name, a.broker, a.currency, a.fee_per_share, a.fee_bps, a.fee_minimum, a.slippage_bps, a.volume_participation, a.seed::float8 as seed,
            ${priceBars.fragments.barsJsonFrom('o.symbol', 'o.session_date')} as bars,
            (select coalesce(sum(f.quantity), 0)::float8 from trading_fill f where f.order_id = o.id and f.fill_id like '%:live:%') as live_filled
     from trading_order o join trading_account a on a.id = o.account_id where o.client_order_id = $1`,
    [clientOrderId],
  );
  return result.rows[0];
}

/** Tells the paper exchange (whichever task holds its lock) of an order to work. */
export async function announcePaperOrder(pool: Pool, clientOrderId: string): Promise<void> {
  await pool.query('select pg_notify($1, $2)', [paperOrdersChannel, clientOrderId]);
}

/** A working paper order as the paper exchange reads it, with its account's costs. */
export interface WorkingPaperOrderRow extends PaperOrderColumns {
  order_id: string;
  filled: number;
  fills: number;
  account_id: string;
  fee_per_share: Account['fee_per_share'];
  fee_bps: Account['fee_bps'];
  fee_minimum: Account['fee_minimum'];
  slippage_bps: Account['slippage_bps'];
  volume_participation: Account['volume_participation'];
}

/** The paper orders in `states` of the `types` the exchange works: all, or the one with `clientOrderId`. */
export async function workingPaperOrders(
  pool: Pool,
  states: readonly string[],
  types: readonly string[],
  clientOrderId: string | null,
): Promise<WorkingPaperOrderRow[]> {
  const result = await pool.query<WorkingPaperOrderRow>(
    `select o.id as order_id, o.client_order_id, o.state, o.symbol, o.side, o.quantity::float8 as quantity, o.type, o.time_in_force, o.limit_price::float8 as limit_price, to_char(o.session_date, 'YYYY-MM-DD') as session_date, o.placed_at,
            o.filled_quantity::float8 as filled, (select count(*)::int from trading_fill f where f.order_id = o.id) as fills,
            a.id as account_id, a.fee_per_share, a.fee_bps, a.fee_minimum, a.slippage_bps, a.volume_participation
     from trading_order o join trading_account a on a.id = o.account_id
     where o.broker = 'paper' and o.state = any($1::text[]) and o.type = any($3::text[]) and ($2::text is null or o.client_order_id = $2)`,
    [states, clientOrderId, types],
  );
  return result.rows;
}

/** A desk order of a live strategy, with one of its fills (none: fill columns null). */
export interface TrackedOrderRow {
  fill_id: string | null;
  order_id: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number | null;
  price: number | null;
  fee: number | null;
  at: Date | null;
  state: string;
  reason: string | null;
  type: OrderType;
  time_in_force: 'day' | 'gtc';
  order_quantity: number;
  filled_quantity: number;
  average_fill_price: number | null;
  limit_price: number | null;
  session_date: string;
  placed_at: Date;
  updated_at: Date;
}

/** Orders by id, each with every fill it has (one row per fill; an order without one has a row of null fill columns), fills in the order they were made. */
export async function trackedOrderRows(pool: Pool, orderIds: readonly string[]): Promise<TrackedOrderRow[]> {
  const result = await pool.query<TrackedOrderRow>(
    `select f.fill_id, o.id::text as order_id, o.symbol, o.side, f.quantity::float8 as quantity, f.price::float8 as price, f.fee::float8 as fee, f.at, o.state, o.reason,
            o.type, o.time_in_force, o.quantity::float8 as order_quantity, o.filled_quantity::float8 as filled_quantity, o.average_fill_price::float8 as average_fill_price,
            o.limit_price::float8 as limit_price, to_char(o.session_date, 'YYYY-MM-DD') as session_date, o.placed_at, o.updated_at
       from trading_order o left join trading_fill f on f.order_id = o.id where o.id = any($1::uuid[]) order by f.at, f.fill_id`,
    [orderIds],
  );
  return result.rows;
}

/** Held by the one task that runs the paper exchange (which fills the working paper orders), on the connection that listens: it ends with that connection. */
const paperExchangeLockKey = 0x50_41_50_52;

/** Whether this connection now holds the paper exchange's lock (false: another task runs it). */
export async function tryLockPaperExchange(client: PoolClient): Promise<boolean> {
  return (await client.query<{ held: boolean }>('select pg_try_advisory_lock($1) as held', [paperExchangeLockKey])).rows[0]!.held;
}

/** LISTEN on a channel (a name of ours, never user input: LISTEN takes no parameter). */
export async function listenOn(client: PoolClient, channel: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  await client.query(`listen ${channel}`);
}

/** Stops listening and gives the paper exchange's lock back. */
export async function releasePaperExchange(client: PoolClient): Promise<void> {
  await client.query('unlisten *');
  await client.query('select pg_advisory_unlock($1)', [paperExchangeLockKey]);
}
