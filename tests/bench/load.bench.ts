/**
 * Load, and load across a database restart, on loopback only, against the services as they run
 * in their tasks: market-data and risk-analysis from their own entry points (sign-in on, one admin
 * key), on a PostgreSQL of the bench's own that it stops and starts.
 *
 * - 50 concurrent clients (autocannon) for 8 s on each of: a read route (`GET /stock_data/`, a
 *   page of 100 rows), the bulk write route (`POST /stock_data/`, 100-row batches over 5,000 keys),
 *   `POST /analyses` (small analyses, so the job queue fills and admission control answers) and
 *   `POST /monte-carlo-task`; the routes interleaved, BENCH_LOAD_RUNS (5) runs each. Throughput is
 *   2xx answers per second; refusals (429) per second and other non-2xx are counted apart, and
 *   p50/p99 are of the 2xx answers; the deepest job queue, and the longest `/health` answer seen
 *   by a probe every 100 ms during the run. Medians and spreads go to bench-results/load.json.
 * - The read and write load across a 10 s database restart (fast shutdown, then start): time from
 *   the database being back to the first 2xx, the longest any request waited, non-2xx by status.
 *
 * Sizes: BENCH_LOAD_SECONDS (8), BENCH_LOAD_RUNS (5), BENCH_OUTAGE_SECONDS (10), BENCH_CONNECTIONS (50);
 * BENCH_SMOKE=1: one 2 s run a route, a 1 s outage, 10 clients. Needs nothing but loopback.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '@closecross/dev-postgres';
import autocannon from 'autocannon';
import {
  BenchResults,
  benchSize,
  describeRow,
  generateStockRows,
  sharedDataPath,
  spawnTsx,
  startFaultyPostgres,
  waitFor,
  type RunningProcess,
} from '../support/index.ts';

const seconds = benchSize('BENCH_LOAD_SECONDS', 8, 2);
const loadRuns = Math.max(1, Math.round(benchSize('BENCH_LOAD_RUNS', 5, 1)));
const results = new BenchResults('load');
const outageSeconds = benchSize('BENCH_OUTAGE_SECONDS', 10, 1);
const connections = benchSize('BENCH_CONNECTIONS', 50, 10);
const connectTimeoutMs = 5_000;
const statementTimeoutMs = 30_000;
// The longest a request may wait on the database: the read timeout a frozen server meets.
const requestBoundMs = statementTimeoutMs + 2_000;

const entry = (service: string) => fileURLToPath(new URL(`../../services/${service}/src/server.ts`, import.meta.url));
const adminKey = `cc_bench_${randomBytes(24).toString('hex')}`;
const authorization = `Bearer ${adminKey}`;

const database = await startFaultyPostgres({ migrate: true });
const started: RunningProcess[] = [];

async function startService(service: string): Promise<string> {
  const port = await freePort();
  const task = spawnTsx(entry(service), {
    DATABASE_URL: database.url,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'error',
    ADMIN_BOOTSTRAP_KEY: adminKey,
    // The bench is one caller: the per-key rate limit would answer nearly everything 429.
    RATE_LIMIT_PER_MINUTE: '1000000',
    DB_CONNECT_TIMEOUT_MS: String(connectTimeoutMs),
    DB_STATEMENT_TIMEOUT_MS: String(statementTimeoutMs),
  });
  started.push(task);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/ready`)).ok, 120_000, `${service} to be ready`).catch((error: unknown) => {
    console.error(task.output());
    throw error;
  });
  return base;
}

const percentile = (sorted: number[], fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;

/** Probes `/health` every 100 ms and the job queues every 500 ms while a run lasts. */
function watch(healthUrls: string[], queuesUrl: string) {
  let longestHealthMs = 0;
  let deepestQueue = 0;
  let running = true;
  const probes = healthUrls.map(async (url) => {
    while (running) {
      const begun = performance.now();
      await fetch(url)
        .then((answer) => answer.arrayBuffer())
        .catch(() => undefined);
      longestHealthMs = Math.max(longestHealthMs, performance.now() - begun);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  const queues = (async () => {
    while (running) {
      const answer = await fetch(queuesUrl, { headers: { authorization } }).catch(() => undefined);
      if (answer?.ok)
        for (const queue of ((await answer.json()) as { queues: { queued: number }[] }).queues) deepestQueue = Math.max(deepestQueue, queue.queued);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    async stop() {
      running = false;
      await Promise.all([...probes, queues]);
      return { longestHealthMs, deepestQueue };
    },
  };
}

interface RunReport {
  /** Every answer, whatever its status. */
  requests: number;
  /** 2xx answers per second: the work done. */
  okPerSecond: number;
  /** 429 answers per second: refused by admission control or a rate limit, no work done. */
  refusedPerSecond: number;
  /** Answers neither 2xx nor 429 (errors, timeouts). */
  otherNon2xx: number;
  /** Of the 2xx answers. */
  p50: number;
  p99: number;
  longest: number;
  byStatus: Record<string, number>;
}

/**
 * One autocannon run; every answer's status and time are kept (autocannon's own latency histogram
 * has no per-status split). `until` ends it early (the restart run ends a while after the database is back).
 */
async function load(
  url: string,
  requests: autocannon.Request[],
  durationSeconds: number,
  onAnswer?: (status: number, at: number) => void,
  until?: Promise<unknown>,
): Promise<RunReport> {
  const begun = Date.now();
  const latencies: number[] = [];
  let answered = 0;
  const byStatus: Record<string, number> = {};
  const options: autocannon.Options = {
    url,
    connections,
    duration: durationSeconds,
    requests,
    headers: { authorization, 'content-type': 'application/json' },
    // A request is given up on only well past the longest the service may take to answer it.
    timeout: Math.ceil((requestBoundMs + 10_000) / 1000),
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, finished) => (error ? reject(error) : resolve(finished)));
    void until?.then(() => instance.stop());
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      answered++;
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      byStatus[statusCode] = (byStatus[statusCode] ?? 0) + 1;
      onAnswer?.(statusCode, Date.now());
    });
  });
  if (result.errors > 0) byStatus.error = result.errors;
  if (result.timeouts > 0) byStatus.timeout = result.timeouts;
  latencies.sort((a, b) => a - b);
  const elapsedSeconds = (Date.now() - begun) / 1000;
  const otherNon2xx = Object.entries(byStatus)
    .filter(([status]) => !status.startsWith('2') && status !== '429')
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    requests: answered,
    okPerSecond: latencies.length / elapsedSeconds,
    refusedPerSecond: (byStatus['429'] ?? 0) / elapsedSeconds,
    otherNon2xx,
    p50: Math.round(percentile(latencies, 0.5)),
    p99: Math.round(percentile(latencies, 0.99)),
    longest: Math.round(latencies.at(-1) ?? 0),
    byStatus,
  };
}

const describeStatuses = (byStatus: Record<string, number>) => {
  const other = Object.entries(byStatus).filter(([status]) => !status.startsWith('2'));
  return other.length === 0 ? 'none' : other.map(([status, count]) => `${status}: ${count}`).join(', ');
};

try {
  const [marketData, risk] = await Promise.all([startService('market-data'), startService('risk-analysis')]);
  // Data to read and the prices the analyses need.
  const day = generateStockRows({ dateIds: [0], stocks: 200, buckets: 55 });
  const seeded = await fetch(`${marketData}/stock_data/`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ commit: true, data: day }),
  });
  if (!seeded.ok) throw new Error(`seeding rows: ${seeded.status} ${await seeded.text()}`);
  const nvda = sharedDataPath('data/daily/NVDA.csv');
  if (!nvda) throw new Error('the bench needs ../shared/data/daily/NVDA.csv for the analyses');
  const bars = await fetch(`${marketData}/price_bars/NVDA`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'text/csv' },
    body: readFileSync(nvda),
  });
  if (!bars.ok) throw new Error(`loading NVDA bars: ${bars.status} ${await bars.text()}`);

  // 50 batches of 100 rows over 5,000 keys on day 1, sent round and round: overlapping upserts.
  const batches = Array.from({ length: 50 }, (_, index) =>
    JSON.stringify({
      commit: true,
      data: generateStockRows({ dateIds: [1], stocks: 100, buckets: 1, seed: index }).map((row) => ({
        ...row,
        seconds_in_bucket: (index % 50) * 10,
        row_id: undefined,
      })),
    }),
  );
  const read: autocannon.Request = { method: 'GET', path: '/stock_data/?date_id=0&page_size=100' };
  const writes: autocannon.Request[] = batches.map((body) => ({ method: 'POST', path: '/stock_data/', body }));
  const analysis: autocannon.Request = {
    method: 'POST',
    path: '/analyses',
    body: JSON.stringify({ h: 101, d: 1000, t: 'sell', p: 7, symbol: 'NVDA', s: 'local', r: 1 }),
  };

  // Compute within the work budget (5 × 10M draws), run on the worker routes' threads: /health while they are busy.
  const compute: autocannon.Request = {
    method: 'POST',
    path: '/monte-carlo-task',
    body: JSON.stringify({ resource: 0, d: 10_000_000, seed: 1, moments: Array.from({ length: 5 }, () => ({ mean: 0.0005, std: 0.02 })) }),
  };
  console.log(`load: ${connections} clients, ${seconds} s a run, ${loadRuns} runs a route, the routes interleaved; services on loopback, sign-in on`);
  const routes: Array<[string, string, autocannon.Request[]]> = [
    ['GET /stock_data/ (100 rows)', marketData, [read]],
    ['POST /stock_data/ (100-row batches)', marketData, writes],
    ['POST /analyses', risk, [analysis]],
    ['POST /monte-carlo-task (d = 10M over 5 moments)', risk, [compute]],
  ];
  const figures = new Map(
    routes.map(([name]) => [
      name,
      {
        ok: [] as number[],
        refused: [] as number[],
        other: [] as number[],
        p50: [] as number[],
        p99: [] as number[],
        health: [] as number[],
        queue: [] as number[],
      },
    ]),
  );
  for (let run = 0; run < loadRuns; run++) {
    for (const [name, base, requests] of routes) {
      const watcher = watch([`${marketData}/health`, `${risk}/health`], `${marketData}/jobs/queues`);
      const report = await load(base, requests, seconds);
      const seen = await watcher.stop();
      const figure = figures.get(name)!;
      figure.ok.push(report.okPerSecond);
      figure.refused.push(report.refusedPerSecond);
      figure.other.push(report.otherNon2xx);
      figure.p50.push(report.p50);
      figure.p99.push(report.p99);
      figure.health.push(seen.longestHealthMs);
      figure.queue.push(seen.deepestQueue);
      console.log(
        `run ${run + 1}, ${name}: ${report.okPerSecond.toFixed(0)} 2xx/s, ${report.refusedPerSecond.toFixed(0)} refused (429)/s; 2xx p50 ${report.p50} ms, p99 ${report.p99} ms; ` +
          `other non-2xx ${describeStatuses(Object.fromEntries(Object.entries(report.byStatus).filter(([status]) => status !== '429')))}; deepest queue ${seen.deepestQueue}; longest /health ${seen.longestHealthMs.toFixed(0)} ms`,
      );
    }
  }
  for (const [name] of routes) {
    const figure = figures.get(name)!;
    const rows = [
      results.record({ name: `load ${name}: 2xx answers per second`, unit: 'req/s', runs: figure.ok, note: `${connections} clients, ${seconds} s a run` }),
      results.record({ name: `load ${name}: refused (429) per second`, unit: 'req/s', runs: figure.refused, note: 'apart from the 2xx; no work done' }),
      results.record({ name: `load ${name}: other non-2xx answers a run`, unit: 'answers', runs: figure.other }),
      results.record({
        name: `load ${name}: 2xx p99`,
        unit: 'ms',
        runs: figure.p99,
        note: `2xx p50 median ${figure.p50.sort((a, b) => a - b)[Math.floor(figure.p50.length / 2)]} ms; deepest job queue ${Math.max(...figure.queue)}`,
      }),
      results.record({ name: `load ${name}: longest /health during the run`, unit: 'ms', runs: figure.health }),
    ];
    for (const row of rows) console.log(describeRow(row));
  }

  // The same read and write load across a restart of the database.
  const before = Math.max(1, Math.min(5, seconds));
  const after = Math.max(2, Math.min(10, seconds));
  let backAt = 0;
  let firstSuccessAfterBack = 0;
  const outage = (async () => {
    await new Promise((resolve) => setTimeout(resolve, before * 1000));
    await database.stop();
    await new Promise((resolve) => setTimeout(resolve, outageSeconds * 1000));
    await database.start();
    backAt = Date.now();
    // The load goes on for `after` seconds once the database is back, however long its start took.
    await new Promise((resolve) => setTimeout(resolve, after * 1000));
  })();
  const record = (status: number, at: number) => {
    if (backAt > 0 && firstSuccessAfterBack === 0 && status >= 200 && status < 300 && at >= backAt) firstSuccessAfterBack = at;
  };
  const [readsAcross, writesAcross] = await Promise.all([
    load(marketData, [read], before + outageSeconds + after + 120, record, outage),
    load(marketData, writes, before + outageSeconds + after + 120, record, outage),
    outage,
  ]);
  const exited = started.filter((task) => task.child.exitCode !== null).length;
  console.log(`across a ${outageSeconds} s database restart (fast shutdown, then start; ${before} s of load before it, ${after} s after):`);
  for (const [name, report] of [
    ['reads', readsAcross],
    ['writes', writesAcross],
  ] as const) {
    console.log(
      `  ${name}: ${report.requests} answers; non-2xx ${describeStatuses(report.byStatus)}; longest wait ${report.longest} ms (bound ${requestBoundMs} ms)`,
    );
  }
  console.log(
    `  first 2xx ${firstSuccessAfterBack ? `${firstSuccessAfterBack - backAt} ms` : 'never'} after the database was back (goal under 5000 ms); service processes exited: ${exited}`,
  );
  console.log(
    describeRow(
      results.record({
        name: `load across a ${outageSeconds} s database restart: first 2xx after the database is back`,
        unit: 'ms',
        // None at all: the whole window after it, so the row shows the goal missed.
        runs: [firstSuccessAfterBack ? firstSuccessAfterBack - backAt : after * 1000],
        goal: { below: 5000 },
        note: `one run${firstSuccessAfterBack ? '' : `; NO 2xx in the ${after} s after`}; longest wait reads ${readsAcross.longest} ms, writes ${writesAcross.longest} ms (bound ${requestBoundMs} ms); service processes exited: ${exited}`,
      }),
    ),
  );
  console.log(`results: ${await results.write()}`);
} finally {
  for (const task of started) task.child.kill('SIGTERM');
  await Promise.all(started.map((task) => task.exited));
  await database.dispose();
}
