import { fileURLToPath } from 'node:url';
import { createTestDatabase, spawnTsx, waitFor, type RunningProcess, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedKeyOf } from '../src/providers/adapter.ts';
import { createSubscription } from '../src/store/price-subscription.ts';
import { writeReplayFiles } from './replay-fixture.ts';

const workerEntry = fileURLToPath(new URL('../src/worker-main.ts', import.meta.url));
const symbols = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
const leaseMs = 2_000;
const fixture = writeReplayFiles(symbols, 400);
let database: TestDatabase;
const workers: RunningProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const worker of workers) worker.child.kill('SIGKILL');
  await database.drop();
});

function startWorker(): RunningProcess {
  const worker = spawnTsx(workerEntry, {
    DATABASE_URL: database.url,
    MIGRATE_ON_START: 'false',
    PRICES_REPLAY_DIR: fixture.folder,
    PRICES_REPLAY_SPEED: '600', // a bar every 100 ms
    PRICES_LEASE_MS: String(leaseMs),
    PRICES_FLUSH_MS: '200',
    LOG_LEVEL: 'error',
  });
  workers.push(worker);
  return worker;
}

async function feedsPerOwner(): Promise<number[]> {
  const result = await database.pool.query<{ n: number }>(
    'select count(*)::int as n from price_feed where owner is not null and lease_until > now() group by owner order by n desc',
  );
  return result.rows.map((row) => row.n);
}

async function ownerOf(pid: number): Promise<string> {
  const result = await database.pool.query<{ id: string }>(`select id from fleet_worker where pid = $1`, [pid]);
  return result.rows[0]!.id;
}

describe('price workers sharing subscriptions', () => {
  it('two split six 3/3, a third takes its share, a SIGKILLed one loses its feeds to the others, and no bar is lost or doubled', async () => {
    const [first, second] = [startWorker(), startWorker()];
    for (const symbol of symbols)
      await createSubscription(database.pool, {
        provider: 'replay',
        symbol,
        channels: ['trades', 'quotes'],
        feed: feedKeyOf('replay', symbol, 'ws://unused/v2/iex'),
      });
    await waitFor(async () => JSON.stringify(await feedsPerOwner()) === '[3,3]', 30_000, 'a 3/3 split');

    const third = startWorker();
    await waitFor(async () => JSON.stringify(await feedsPerOwner()) === '[2,2,2]', 30_000, 'a 2/2/2 split after the third joined');

    const victim = await ownerOf(second.child.pid!);
    const held = await database.pool.query<{ key: string }>('select key from price_feed where owner = $1', [victim]);
    expect(held.rows).toHaveLength(2);
    second.child.kill('SIGKILL');
    await second.exited;
    const killedAt = Date.now();
    await waitFor(async () => JSON.stringify(await feedsPerOwner()) === '[3,3]', 4 * leaseMs, "the killed worker's feeds taken over");
    const movedMs = Date.now() - killedAt;
    const moved = await database.pool.query<{ owner: string }>('select owner from price_feed where key = any($1)', [held.rows.map((row) => row.key)]);
    expect(moved.rows.every((row) => row.owner !== victim)).toBe(true);
    console.info(`feeds moved ${movedMs} ms after SIGKILL (lease ${leaseMs} ms)`);

    // Play on past the takeover, then stop the survivors cleanly and compare with the files.
    await waitFor(
      async () => {
        const cursors = await database.pool.query<{ n: number }>('select min(coalesce(cursor, 0))::int as n from price_subscription');
        return cursors.rows[0]!.n >= 9 * 120;
      },
      60_000,
      'every symbol past 120 bars',
    );
    for (const worker of [first, third]) worker.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(await third.exited).toBe(0);

    for (const symbol of symbols) {
      const subscription = await database.pool.query<{ cursor: string }>('select cursor from price_subscription where symbol = $1', [symbol]);
      const cursor = Number(subscription.rows[0]!.cursor);
      // Nine events a bar: four trades (a quarter of the bar's volume each) at 9n, 9n+2, 9n+4, 9n+6, a quote after each.
      const file = fixture.bars.get(symbol)!;
      let trades = 0;
      let volume = 0;
      for (let position = 0; position <= cursor; position++) {
        const step = position % 9;
        if (step > 6 || step % 2 === 1) continue;
        trades++;
        volume += file[Math.floor(position / 9) % file.length]!.volume / 4;
      }
      // The bars hold exactly the trades up to the cursor, each once, across the takeover.
      const stored = await database.pool.query<{ trades: number; volume: number }>(
        'select sum(trades)::int as trades, sum(volume)::float8 as volume from price_bar_1m where symbol = $1',
        [symbol],
      );
      expect(stored.rows[0]).toEqual({ trades, volume });
    }
  });
});
