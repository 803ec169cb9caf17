/**
 * SQL of the pre-trade risk book: its one-statement read (positions, open orders, marks, strategies,
 * states, limits, baselines, the order rate), the version every change to it moves
 * (trading_risk_book_version), and the advisory lock every locked check takes.
 */
import { priceBars, priceLatest } from '@closecross/db';
import type { Pool, PoolClient } from 'pg';
import type { PriceReader } from '../market/price-reader.ts';
import { openOrderStates } from '../orders/order-state-machine.ts';
import type { RiskBookData } from '../risk/risk-book.ts';

type Db = Pool | PoolClient;

/** One advisory lock for every pre-trade check: two orders never pass on the same view of the book. */
const riskLockKey = 0x74524953;

/** Where a mark's live quote comes from (PriceReader.liveQuoteSource), or undefined: bars only. */
export type LiveQuoteSource = Awaited<ReturnType<PriceReader['liveQuoteSource']>>;

/** Takes the risk lock for the caller's transaction. */
export async function lockRiskBook(client: PoolClient): Promise<void> {
  await client.query('select pg_advisory_xact_lock($1)', [riskLockKey]);
}

/**
 * Everything the pre-trade checks need, in one query (one round trip): positions from the
 * fill-maintained `trading_position`, open orders, marks (latest bar, or a fresher live quote),
 * strategies, states, limits, the baselines of daily loss and drawdown, and the order rate.
 */
export async function readRiskBook(db: Db, prices: PriceReader, today: string, extraSymbols: readonly string[] = []): Promise<RiskBookData> {
  const live = liveQuoteJoin(await prices.liveQuoteSource());
  const result = await db.query<Omit<RiskBookData, 'today'>>(
    `with pos as (select strategy_id::int as strategy_id, symbol, quantity, cash_flow from trading_position),
     pending as (
       select strategy_id::int as strategy_id, symbol, sum(case when side = 'buy' then 1 else -1 end * (quantity - filled_quantity))::float8 as quantity
       from trading_order where state = any($3::text[]) group by strategy_id, symbol),
     symbols as (select symbol from pos where quantity <> 0 union select symbol from pending union select unnest($1::text[])),
     marks as (
       ${marksOf('symbols', live)}),
     scopes as (select 'total' as scope union all select 'strategy:' || id from trading_strategy)
     select
       (select coalesce(json_agg(pos), '[]'::json) from pos) as positions,
       (select coalesce(json_agg(pending), '[]'::json) from pending where abs(quantity) > 1e-9) as pending,
       (select coalesce(json_agg(marks), '[]'::json) from marks) as marks,
       (select coalesce(json_agg(json_build_object('id', id::int, 'name', name, 'allocation', allocation) order by id), '[]'::json) from trading_strategy) as strategies,
       (select coalesce(json_agg(json_build_object('scope', scope, 'state', state)), '[]'::json) from trading_state) as states,
       (select coalesce(json_agg(json_build_object('scope', scope, 'strategy_id', strategy_id::int, 'limits', limits, 'breach_action', breach_action)), '[]'::json) from trading_risk_limit) as limits,
       (select coalesce(json_agg(b), '[]'::json) from (select s.scope, l.equity, l.peak_equity from scopes s cross join lateral
          (select equity, peak_equity from trading_snapshot t where t.scope = s.scope and t.date < $2::date order by t.date desc limit 1) l) b) as baselines,
       (select coalesce(json_agg(c), '[]'::json) from (select strategy_id::int as strategy_id, count(*)::int as n from trading_order
          where created_at > now() - interval '1 minute' and risk_check is null group by strategy_id) c) as recent_orders`,
    [extraSymbols, today, openOrderStates],
  );
  return { today, ...result.rows[0]! };
}

/** The book's version now (moved by every change to what the checks read). */
export async function riskBookVersion(db: Db): Promise<string | undefined> {
  return (await db.query<{ version: string }>('select version::text as version from trading_risk_book_version')).rows[0]?.version;
}

export interface OpenOrdersAndRate {
  /** Each open order's signed unfilled quantity (buys positive). */
  open: { id: string; strategy_id: number | null; symbol: string; remaining: number }[];
  /** Orders the engine let through in the last minute, with their age. */
  recent: { strategy_id: number | null; age_ms: number }[];
}

/** The open orders one by one and the last minute's orders, as the book in memory keeps them. */
export async function openOrdersAndRate(db: Db): Promise<OpenOrdersAndRate> {
  const result = await db.query<OpenOrdersAndRate>(
    `select
       (select coalesce(json_agg(json_build_object('id', id, 'strategy_id', strategy_id::int, 'symbol', symbol, 'remaining', case when side = 'buy' then 1 else -1 end * (quantity - filled_quantity))), '[]'::json)
          from trading_order where state = any($1::text[]) and quantity - filled_quantity <> 0) as open,
       (select coalesce(json_agg(json_build_object('strategy_id', strategy_id::int, 'age_ms', extract(epoch from now() - created_at) * 1000)), '[]'::json)
          from trading_order where created_at > now() - interval '1 minute' and risk_check is null) as recent`,
    [openOrderStates],
  );
  return result.rows[0]!;
}

/** The live-quote join of a mark: the latest quote of the prices service's table, when it has one. */
function liveQuoteJoin(quote: LiveQuoteSource): string {
  return quote
    ? `left join lateral ${priceLatest.fragments.latestQuoteLateral('s.symbol')} q on true`
    : 'left join lateral (select null::float8 as price, null::timestamptz as at) q on true';
}

/** The marks (latest bar's close, latest live quote) of the symbols in relation `symbols` (a column `symbol`), as RiskBookData['marks'] rows. */
function marksOf(symbols: string, live: string): string {
  return `select s.symbol, b.close, b.date, q.price as live_price, to_char(q.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as live_at from ${symbols} s
       left join lateral ${priceBars.fragments.latestCloseLateral('s.symbol')} b on true
       ${live}`;
}

/**
 * In a statement: the marks now of the symbols in `symbolsParam` (a text[] parameter), as a jsonb
 * object keyed by symbol ([close, date, live price, live at]).
 *
 * The `limit` of the array's own length takes nothing away; it is there for the plan. Without it a
 * generic plan counts ten symbols for the unnest (a custom plan sees the one or two there are), so
 * PostgreSQL judged the generic plan of the statement holding this dearer than planning afresh and
 * planned the one-statement placement on every order (0.68 ms of its 1 ms in PostgreSQL). A limit
 * it cannot evaluate when planning counts as a tenth of the rows: about one, as the orders have.
 */
export function currentMarksSql(symbolsParam: string, quote: LiveQuoteSource): string {
  return `select coalesce(jsonb_object_agg(m.symbol, jsonb_build_array(m.close, m.date, m.live_price, m.live_at)), '{}'::jsonb) from (${marksOf(
    `(select unnest(${symbolsParam}::text[]) as symbol limit cardinality(${symbolsParam}::text[]))`,
    liveQuoteJoin(quote),
  )}) m`;
}
