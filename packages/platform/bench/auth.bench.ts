/**
 * What sign-in costs per request: the same read route over HTTP on loopback, with auth off and
 * with an API key (a bearer token checked against the database, then cached for 5 s), sequential
 * keep-alive requests; plus a key's first use, when its hash is looked up in PostgreSQL.
 * The two sides run interleaved, BENCH_RUNS (5) rounds of BENCH_REQUESTS / BENCH_RUNS requests
 * each (20,000 in all a side); each round's p50 and p99 are one run of the figure. BENCH_FIRST_USES
 * (500) keys' first uses are spread over the rounds too. BENCH_SMOKE=1 (or --smoke) runs tiny sizes.
 * Figures go to bench-results/platform-auth.json.
 */
import { createService, type Service } from '@closecross/platform';
import { BenchResults, benchSize, describeRow, startBenchPostgres } from '@closecross/tests/support';

const rounds = Math.max(1, Math.round(benchSize('BENCH_RUNS', 5, 1)));
const requests = benchSize('BENCH_REQUESTS', 20_000, 200);
const firstUses = benchSize('BENCH_FIRST_USES', 500, 20);
const perRound = Math.max(1, Math.round(requests / rounds));
const firstUsesPerRound = Math.max(1, Math.round(firstUses / rounds));
const warmUp = Math.min(200, perRound);
const results = new BenchResults('platform-auth');
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
    modules: [
      {
        name: 'auth-bench',
        plugin: async (instance) => {
          instance.get('/things', { config: { scope: 'read' } }, async () => ({ things: [1, 2, 3] }));
        },
      },
    ],
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
  for (let i = 0; i < count + warmUp; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/things`, { headers });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    if (i >= warmUp) times.push(performance.now() - started); // the first ones warm up
  }
  return times;
}

const postgres = await startBenchPostgres();
const { pool } = await postgres.database();
try {
  const open = await serve(pool, false);
  const secured = await serve(pool, true);
  // Interleaved rounds (off, key, first uses, off, key ...), so drift of the machine falls on all alike.
  const sides = {
    off: { p50: [] as number[], p99: [] as number[] },
    on: { p50: [] as number[], p99: [] as number[] },
    first: { p50: [] as number[], p99: [] as number[] },
  };
  const keep = (side: keyof typeof sides, times: number[]) => {
    const row = summary(side, times);
    sides[side].p50.push(row.p50);
    sides[side].p99.push(row.p99);
  };
  for (let round = 0; round < rounds; round++) {
    keep('off', await timeRequests(open.url, {}, perRound));
    keep('on', await timeRequests(secured.url, { authorization: `Bearer ${adminKey}` }, perRound));
    const keys: string[] = [];
    for (let i = 0; i < firstUsesPerRound; i++) keys.push((await secured.app.auth!.keys.create({ name: `bench-${round}-${i}`, scopes: ['read'] })).key);
    const first: number[] = [];
    for (const key of keys) {
      const started = performance.now();
      const response = await fetch(`${secured.url}/things`, { headers: { authorization: `Bearer ${key}` } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`a key's first use answered ${response.status}`);
      first.push(performance.now() - started);
    }
    keep('first', first);
  }
  await open.app.close();
  await secured.app.close();

  console.log(
    `\nSign-in cost per request: GET /things over HTTP on loopback, ${rounds} interleaved rounds of ${perRound} sequential requests a side (${firstUsesPerRound} first uses a round)`,
  );
  const labels = { off: 'auth off', on: 'API key (cached)', first: "API key's first use (hash looked up in PostgreSQL)" } as const;
  for (const side of ['off', 'on', 'first'] as const) {
    for (const quantile of ['p50', 'p99'] as const) {
      console.log(
        describeRow(
          results.record({
            name: `sign-in: GET /things over HTTP, ${labels[side]}, ${quantile}`,
            unit: 'ms',
            runs: sides[side][quantile],
            note: side === 'first' ? `${firstUsesPerRound} keys a run` : `${perRound} requests a run`,
          }),
        ),
      );
    }
  }
  const added = (quantile: 'p50' | 'p99') => sides.on[quantile].map((value, round) => value - sides.off[quantile][round]!);
  for (const quantile of ['p50', 'p99'] as const) {
    console.log(
      describeRow(
        results.record({
          name: `sign-in: added by a cached API key over auth off, ${quantile}`,
          unit: 'ms',
          runs: added(quantile),
          note: 'each run one interleaved pair',
        }),
      ),
    );
  }
  console.log(`results: ${await results.write()}`);
} finally {
  await pool.end();
  await postgres.stop();
}
