import { ConflictError, NotFoundError } from '@closecross/platform';
import type { Pool } from 'pg';
import type { Channel, ProviderName } from '../model.ts';
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

export async function createSubscription(pool: Pool, input: { provider: ProviderName; symbol: string; channels: Channel[]; feed: string }): Promise<SubscriptionView> {
  const client = await pool.connect();
  try {
    await client.query('begin');
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
      await client.query('rollback');
      const existing = await pool.query<{ id: string; provider: string }>('select id, provider from price_subscription where symbol = $1', [input.symbol]);
      throw new ConflictError(`${input.symbol} is already subscribed (subscription ${existing.rows[0]?.id}, provider ${existing.rows[0]?.provider}); delete it first to change it`);
    }
    // Workers look at once instead of at their next lease round.
    await client.query(`select pg_notify($1, $2)`, [subscriptionsChannel, subscriptionNotice('created', input.symbol, inserted.rows[0]!.id)]);
    await client.query('commit');
    return (await getSubscription(pool, inserted.rows[0]!.id))!;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
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
  const client = await pool.connect();
  try {
    await client.query('begin');
    const deleted = await client.query<{ feed: string; symbol: string; provider: ProviderName; cursor: string | null }>('delete from price_subscription where id = $1 returning feed, symbol, provider, cursor', [id]);
    if (deleted.rowCount === 0) throw new NotFoundError(`no subscription ${id}`);
    const gone = deleted.rows[0]!;
    if (gone.provider === 'replay' && gone.cursor !== null) await client.query('update price_latest set replay_cursor = $2 where symbol = $1', [gone.symbol, gone.cursor]);
    await client.query('delete from price_feed f where key = $1 and not exists (select 1 from price_subscription s where s.feed = f.key)', [deleted.rows[0]!.feed]);
    await client.query(`select pg_notify($1, $2)`, [subscriptionsChannel, subscriptionNotice('deleted', deleted.rows[0]!.symbol, id)]);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
