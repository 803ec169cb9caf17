/** SQL of the paper exchange's own connection: the advisory lock that makes one task run it, and its LISTENs. */
import type { PoolClient } from 'pg';

/** Held by the one task that runs the paper exchange, on the connection that listens: it ends with that connection. */
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

/** Stops listening and gives the lock back. */
export async function releasePaperExchange(client: PoolClient): Promise<void> {
  await client.query('unlisten *');
  await client.query('select pg_advisory_unlock($1)', [paperExchangeLockKey]);
}
