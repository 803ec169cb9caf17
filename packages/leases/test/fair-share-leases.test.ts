import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FairShareLeases, WorkerRegistry, listFleet } from '../src/index.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await database.pool.query(
    `create table lease_item (pool text not null, id text not null, owner text, lease_until timestamptz, done boolean not null default false, primary key (pool, id))`,
  );
});
afterAll(async () => database.drop());
beforeEach(async () => {
  await database.pool.query('truncate lease_item, fleet_worker');
});

const leaseMs = 1_000;
function worker(pool = 'p', kind = 'test-worker'): FairShareLeases {
  const registry = new WorkerRegistry(database.pool, { kind, pool, leaseMs });
  return new FairShareLeases(database.pool, registry, { table: 'lease_item', key: 'id', scope: { column: 'pool', value: pool }, eligible: 'not s.done' });
}
async function items(pool: string, count: number): Promise<void> {
  await database.pool.query(`insert into lease_item (pool, id) select $1, 'item-' || g from generate_series(1, $2) g`, [pool, count]);
}
const report = { load: 0, holds: [] };

describe('fair-share leases', () => {
  it('two workers split six items 3/3; a third joins and each ends with 2, no item held twice', async () => {
    await items('p', 6);
    const [a, b, c] = [worker(), worker(), worker()];
    // Both register before either takes, as tasks started together do after one round.
    await a.registry.heartbeat();
    await b.registry.heartbeat();
    const first = await a.round(report);
    const second = await b.round(report);
    expect(first.held).toHaveLength(3);
    expect(second.held).toHaveLength(3);
    expect(first.held.filter((item) => second.held.includes(item))).toEqual([]);

    const joined = await c.round(report); // counts 3 live: share 2, nothing free yet
    expect(joined.acquired).toEqual([]);
    const handedBackA = await a.round(report, { handBack: async () => undefined });
    const handedBackB = await b.round(report);
    expect(handedBackA.handedBack).toHaveLength(1);
    expect(handedBackB.handedBack).toHaveLength(1);
    const taken = await c.round(report);
    expect(taken.held).toHaveLength(2);
    const owners = await database.pool.query('select owner, count(*)::int as n from lease_item group by owner order by owner');
    expect(owners.rows.map((row) => row.n)).toEqual([2, 2, 2]);
  });

  it('takes over the items of a worker that stopped heartbeating once their leases end', async () => {
    await items('p', 4);
    const [a, b] = [worker(), worker()];
    await a.registry.heartbeat();
    await b.registry.heartbeat();
    await a.round(report);
    const dead = await b.round(report);
    expect(dead.held).toHaveLength(2);
    // b stops here. Before its lease ends, a may not take its items.
    expect((await a.round(report)).held).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, leaseMs + 100));
    const after = await a.round(report);
    expect(after.live).toBe(1);
    expect(after.held).toEqual(['item-1', 'item-2', 'item-3', 'item-4']);
  });

  it('counts only eligible items of its own pool, and reports lost items that were finished or deleted', async () => {
    await items('p', 2);
    await items('other', 5);
    const a = worker();
    expect((await a.round(report)).held).toEqual(['item-1', 'item-2']);
    await database.pool.query(`update lease_item set done = true where pool = 'p' and id = 'item-1'`);
    await database.pool.query(`delete from lease_item where pool = 'p' and id = 'item-2'`);
    const lost: string[] = [];
    const next = await a.round(report, { lost: (keys) => void lost.push(...keys) });
    expect(next.held).toEqual([]);
    expect(lost).toEqual(['item-1', 'item-2']);
  });

  it('lists the fleet with kind, host, heartbeat, load and holdings; leave() frees the items at once', async () => {
    await items('p', 2);
    const a = worker('p', 'ingestor');
    await a.round(report);
    await a.round({ load: 2, holds: ['item-1', 'item-2'], details: { note: 'x' } });
    const fleet = await listFleet(database.pool);
    expect(fleet).toEqual([
      expect.objectContaining({
        id: a.owner,
        kind: 'ingestor',
        pool: 'p',
        pid: process.pid,
        live: true,
        load: 2,
        holds: ['item-1', 'item-2'],
        details: { note: 'x' },
      }),
    ]);
    await a.leave();
    expect(await listFleet(database.pool)).toEqual([]);
    const free = await database.pool.query('select count(*)::int as n from lease_item where owner is null');
    expect(free.rows[0].n).toBe(2);
  });

  it('refuses a table or column name that is not a plain identifier', () => {
    const registry = new WorkerRegistry(database.pool, { kind: 'k', pool: 'p', leaseMs });
    expect(() => new FairShareLeases(database.pool, registry, { table: 'items; drop table x', key: 'id' })).toThrow(/not a plain SQL identifier/);
  });
});
