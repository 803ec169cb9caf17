import { ConflictError, NotFoundError } from '@closecross/platform';
import { withTransaction, type Queryable } from '@closecross/db';
import type { Pool } from 'pg';
import type { Channel, ProviderName } from '../providers/market-events.ts';
import type { Subscription } from '../schemas/subscriptions.ts';
import { subscriptionNotice, subscriptionsChannel } from '../stream/tick-listener.ts';

/** A subscription as the API shows it; its provider and channels are the ones the API accepted. */
export type SubscriptionView = Subscription & { provider: ProviderName; channels: Channel[] };

const viewSql = `
  select s.id, s.provider, s.symbol, s.channels, s.feed,
         case when f.lease_until > now() then f.owner end as worker,
         case when f.lease_until > now() then s.state else 'unassigned' end as state,
         s.last_error, s.ticks::float8 as ticks, s.last_tick_at, s.created_at,
         (extract(epoch from now() - s.tick_received_at) * 1000)::int as last_tick_age_ms
    from price_subscription s join price_feed f on f.key = s.feed`;

function toView(row: Record<string, unknown>): SubscriptionView {
  return {
    ...(row as unknown as SubscriptionView),
    ticks: Number(row.ticks),
    last_tick_at: row.last_tick_at ? new Date(row.last_tick_at as string).toISOString() : null,
    created_at: new Date(row.created_at as string).toISOString(),
  };
}

export async function createSubscription(
  pool: Pool,
  input: { provider: ProviderName; symbol: string; channels: Channel[]; feed: string },
): Promise<SubscriptionView> {
  const id = await withTransaction(pool, async (client) => {
    await client.query('insert into price_feed (key, provider) values ($1, $2) on conflict (key) do nothing', [input.feed, input.provider]);
    // A replay carries on where the symbol's last replay subscription stopped (kept by the delete):
    // the price goes on from there instead of jumping back to the file's first bar.
    const inserted = await client.query<{ id: string }>(
      `insert into price_subscription (provider, symbol, channels, feed, cursor)
       values ($1, $2, $3, $4, case when $1 = 'replay' then (select replay_cursor from price_latest where symbol = $2) end)
       on conflict (symbol) do nothing returning id`,
      [input.provider, input.symbol, input.channels, input.feed],
    );
    if (inserted.rowCount === 0) {
      // The other subscription is committed, so this transaction sees it; the throw rolls the feed row back.
      const existing = await client.query<{ id: string; provider: string }>('select id, provider from price_subscription where symbol = $1', [input.symbol]);
      throw new ConflictError(
        `${input.symbol} is already subscribed (subscription ${existing.rows[0]?.id}, provider ${existing.rows[0]?.provider}); delete it first to change it`,
      );
    }
    // Workers look at once instead of at their next lease round.
    await client.query(`select pg_notify($1, $2)`, [subscriptionsChannel, subscriptionNotice('created', input.symbol, inserted.rows[0]!.id)]);
    return inserted.rows[0]!.id;
  });
  return (await getSubscription(pool, id))!;
}

export async function getSubscription(pool: Pool, id: string): Promise<SubscriptionView | undefined> {
  const result = await pool.query(`${viewSql} where s.id = $1`, [id]);
  return result.rows[0] ? toView(result.rows[0]) : undefined;
}

export async function listSubscriptions(pool: Pool): Promise<SubscriptionView[]> {
  const result = await pool.query(`${viewSql} order by s.symbol`);
  return result.rows.map(toView);
}

/**
 * Deletes it, and its feed when no other subscription uses it; its worker stops it at its next
 * round. A replay's cursor is kept on the symbol's latest quote, for its next replay subscription.
 */
export async function deleteSubscription(pool: Pool, id: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    const deleted = await client.query<{ feed: string; symbol: string; provider: ProviderName; cursor: string | null }>(
      'delete from price_subscription where id = $1 returning feed, symbol, provider, cursor',
      [id],
    );
    if (deleted.rowCount === 0) throw new NotFoundError(`no subscription ${id}`);
    const gone = deleted.rows[0]!;
    if (gone.provider === 'replay' && gone.cursor !== null)
      await client.query('update price_latest set replay_cursor = $2 where symbol = $1', [gone.symbol, gone.cursor]);
    await client.query('delete from price_feed f where key = $1 and not exists (select 1 from price_subscription s where s.feed = f.key)', [gone.feed]);
    await client.query(`select pg_notify($1, $2)`, [subscriptionsChannel, subscriptionNotice('deleted', gone.symbol, id)]);
  });
}

/** When the symbol's subscription last stored a tick (the provider's time), if it has one. */
export async function lastTickAt(db: Queryable, symbol: string): Promise<Date | null> {
  const result = await db.query<{ at: Date | null }>('select last_tick_at as at from price_subscription where symbol = $1', [symbol]);
  return result.rows[0]?.at ?? null;
}

/** A subscription as a worker runs it. */
export interface HeldSubscription {
  id: string;
  provider: ProviderName;
  symbol: string;
  channels: Channel[];
  feed: string;
  cursor: string | null;
}

/** The subscriptions of the feeds a worker holds. */
export async function subscriptionsOfFeeds(db: Queryable, feeds: string[]): Promise<HeldSubscription[]> {
  const result = await db.query<HeldSubscription>('select id, provider, symbol, channels, feed, cursor from price_subscription where feed = any($1)', [feeds]);
  return result.rows;
}

/**
 * A flush's bookkeeping: the cursor, tick count and state, written only while `worker` still
 * holds the subscription's feed lease. False when it no longer does (nothing written).
 */
export async function advanceSubscription(
  db: Queryable,
  id: string,
  worker: string,
  flush: { cursor: number | null; ticks: number; lastTickTime: number | null; state: string; error: string | null },
): Promise<boolean> {
  const moved = await db.query(
    `update price_subscription set cursor = $3, ticks = ticks + $4, last_tick_at = coalesce(to_timestamp($5::float8 / 1000), last_tick_at), tick_received_at = case when $4 > 0 then now() else tick_received_at end, state = $6, last_error = $7, updated_at = now()
      where id = $1 and exists (select 1 from price_feed f where f.key = price_subscription.feed and f.owner = $2 and f.lease_until > now())`,
    [id, worker, flush.cursor, flush.ticks, flush.lastTickTime, flush.state, flush.error],
  );
  return moved.rowCount !== 0;
}

/** Hands a feed `worker` cannot serve back (remembering the refusal), and says why on its subscription. */
export async function refuseFeed(db: Queryable, feed: string, worker: string, subscriptionId: string, why: string): Promise<void> {
  await db.query(
    `with refused as (
       update price_feed set refused_by = case when $2 = any(refused_by) then refused_by else array_append(refused_by, $2) end, owner = null, lease_until = null
        where key = $1 and owner = $2 returning key)
     update price_subscription set state = 'pending', last_error = $4, updated_at = now() where id = $3 and feed in (select key from refused)`,
    [feed, worker, subscriptionId, why],
  );
}
