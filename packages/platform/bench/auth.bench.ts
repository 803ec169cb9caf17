/**
 * What sign-in costs per request: the same read route over HTTP on loopback, with auth off and
 * with an API key (a bearer token checked against the database, then cached for 5 s), sequential
 * keep-alive requests; plus a key's first use, when its hash is looked up in PostgreSQL.
 * BENCH_SMOKE=1 runs tiny sizes (CI checks that it starts).
 */
import { createService, type Service } from '@closecross/platform';
import { startBenchPostgres } from '@closecross/tests/support';

const smoke = process.env.BENCH_SMOKE === '1';
const requests = smoke ? 200 : 20_000;
const firstUses = smoke ? 20 : 500;
const adminKey = `bench-admin-${'b'.repeat(32)}`;

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

const summary = (label: string, times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { label, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
};

async function serve(pool: import('pg').Pool, auth: boolean): Promise<{ app: Service; url: string }> {
  const app = await createService({
    name: 'auth-bench',
    modules: [{ name: 'auth-bench', plugin: async (instance) => {
      instance.get('/things', { config: { scope: 'read' } }, async () => ({ things: [1, 2, 3] }));
    } }],
    routeTable: [{ service: 'auth-bench', pathPatterns: ['/things'], healthPath: '/health' }],
    pool,
    logLevel: 'silent',
    ...(auth ? { auth: { rateLimitPerMinute: 1_000_000 }, bootstrapAdmin: { apiKey: adminKey } } : { auth: false }),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

async function timeRequests(url: string, headers: Record<string, string>, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count + 200; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/things`, { headers });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    if (i >= 200) times.push(performance.now() - started); // the first 200 warm up
  }
  return times;
}

const postgres = await startBenchPostgres();
const { pool } = await postgres.database();
try {
  const open = await serve(pool, false);
  const secured = await serve(pool, true);
  // Interleaved halves, so drift of the machine falls on both alike.
  const off: number[] = [];
  const on: number[] = [];
  for (let round = 0; round < 4; round++) {
    off.push(...(await timeRequests(open.url, {}, requests / 4)));
    on.push(...(await timeRequests(secured.url, { authorization: `Bearer ${adminKey}` }, requests / 4)));
  }
  const keys: string[] = [];
  for (let i = 0; i < firstUses; i++) keys.push((await secured.app.auth!.keys.create({ name: `bench-${i}`, scopes: ['read'] })).key);
  const first: number[] = [];
  for (const key of keys) {
    const started = performance.now();
    const response = await fetch(`${secured.url}/things`, { headers: { authorization: `Bearer ${key}` } });
    await response.arrayBuffer();
    first.push(performance.now() - started);
  }
  await open.app.close();
  await secured.app.close();

  const rows = [summary('auth off', off), summary('API key (cached)', on), summary("API key's first use (DB lookup)", first)];
  console.log(`\nSign-in cost per request: GET /things over HTTP on loopback, ${requests} sequential requests each (${firstUses} first uses)`);
  for (const row of rows) console.log(`  ${row.label.padEnd(34)} p50 ${row.p50.toFixed(3)} ms   p99 ${row.p99.toFixed(3)} ms`);
  console.log(`  added by auth (cached key)         p50 ${(rows[1]!.p50 - rows[0]!.p50).toFixed(3)} ms   p99 ${(rows[1]!.p99 - rows[0]!.p99).toFixed(3)} ms`);
  console.log(`  added by auth (first use)          p50 ${(rows[2]!.p50 - rows[0]!.p50).toFixed(3)} ms   p99 ${(rows[2]!.p99 - rows[0]!.p99).toFixed(3)} ms`);
} finally {
  await pool.end();
  await postgres.stop();
}
