/**
 * What the trading benches share (trading, risk, live paper; research may take it too): generated
 * daily bars and their insert, the trading service on the bench database, the loose limits that let
 * every check run to its end, and the percentiles the benches print.
 */
import type { Clock } from '@closecross/engine';
import { jobsModule } from '@closecross/jobs';
import { createService } from '@closecross/platform';
import type { DailyBar } from '@closecross/quant';
import { median, spawnTsx, waitFor, type RunningProcess } from '@closecross/tests/support';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'pg';
import { tradingServiceWith } from '../src/plugin.ts';
import { RiskStore } from '../src/risk/risk-store.ts';
import { loadTradingConfig, type TradingConfig } from '../src/trading-config.ts';

/** A seeded random walk of `count` weekday bars from `from` (a Monday or any weekday, 'YYYY-MM-DD'). */
export function generatedBars(count: number, seed: number, options: { from: string; volume: number }): DailyBar[] {
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296;
  const bars: DailyBar[] = [];
  let close = 50 + 100 * random();
  let day = Date.parse(`${options.from}T00:00:00Z`);
  for (let i = 0; i < count; i++) {
    while ([0, 6].includes(new Date(day).getUTCDay())) day += 86_400_000;
    const open = close * (1 + (random() - 0.5) * 0.01);
    close = open * (1 + (random() - 0.5) * 0.04);
    bars.push({
      date: new Date(day).toISOString().slice(0, 10),
      open,
      high: Math.max(open, close) * 1.005,
      low: Math.min(open, close) * 0.995,
      close,
      adjClose: close,
      volume: options.volume,
    });
    day += 86_400_000;
  }
  return bars;
}

/** Stores one symbol's daily bars in market-data's price_bars (the bench database is the bench's own). */
export async function insertBars(pool: Pool, symbol: string, bars: readonly DailyBar[]): Promise<void> {
  await pool.query(
    `insert into price_bars (symbol, date, open, high, low, close, adj_close, volume)
     select $1, * from unnest($2::date[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::bigint[])`,
    [
      symbol,
      bars.map((b) => b.date),
      bars.map((b) => b.open),
      bars.map((b) => b.high),
      bars.map((b) => b.low),
      bars.map((b) => b.close),
      bars.map((b) => b.adjClose),
      bars.map((b) => b.volume),
    ],
  );
}

/** The admin API key the bench service is started with (bootstrapAdmin): every request signs in with it, as a user's would. */
export const benchApiKey = `bench-trading-${'k'.repeat(32)}`;
/** The headers of a signed-in JSON request. */
export const signedIn = { authorization: `Bearer ${benchApiKey}` };

/**
 * The trading service with the job API on the bench database, no schedules, sign-in on (the bench's
 * admin key; the rate limit raised past the bench's own pace), listening on loopback: requests go
 * over real HTTP (`baseUrl`) or app.inject, both signed in.
 */
export async function benchTradingService(
  pool: Pool,
  clock: Clock,
  config: TradingConfig = loadTradingConfig({}),
  beforeListen?: (app: Awaited<ReturnType<typeof createService>>) => void,
) {
  const app = await createService({
    name: 'bench',
    modules: [tradingServiceWith({ config, clock, engine: { scheduleSeconds: 0 } }), jobsModule],
    pool,
    auth: { rateLimitPerMinute: 1_000_000 },
    bootstrapAdmin: { apiKey: benchApiKey },
    logLevel: 'silent',
  });
  beforeListen?.(app);
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, baseUrl };
}

/**
 * The benches' REST client: one keep-alive connection pool (node:http), as a trading client keeps
 * its connection to the API open. It is a lean client on purpose: the bench shares the machine's
 * two cores with the service and PostgreSQL, and undici's fetch cost about 0.5 ms of CPU a request
 * in the bench's own process (web streams, a Request and a Response object each time).
 */
const benchAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** POST a JSON body over HTTP, signed in (with any `headers` more); the status and the parsed answer. */
export function postJson(url: string, body: object, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: benchAgent,
        headers: { ...signedIn, ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** Every limit, loose enough that the benches' orders pass (every check runs to its end). */
export const looseLimits = {
  max_order_notional: 1e9,
  max_position_notional: 1e9,
  max_gross_exposure: 1e10,
  max_net_exposure: 1e10,
  max_var99: 1e10,
  max_daily_loss: 1e9,
  max_drawdown: 0.99,
  max_orders_per_minute: 1e6,
};

/** The loose limits on the total book, and on each strategy (with its allocation use). */
export async function setLooseLimits(pool: Pool, strategyIds: readonly number[] = []): Promise<void> {
  const store = new RiskStore(pool);
  await store.putLimits(null, { limits: looseLimits, reason: 'bench' }, 'bench');
  for (const id of strategyIds) await store.putLimits(id, { limits: { ...looseLimits, max_allocation_use: 100 }, reason: 'bench' }, 'bench');
}

/** The p-th percentile of sorted values (nearest rank, as every trading bench has printed it). */
export const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
export const percentileOf = (values: readonly number[], p: number) =>
  percentile(
    [...values].sort((a, b) => a - b),
    p,
  );
export const p99Of = (values: readonly number[]) => percentileOf(values, 99);

/** `p50 x ms, p99 y ms` of pooled times. */
export const latencySummary = (times: readonly number[]) => `p50 ${percentileOf(times, 50).toFixed(2)} ms, p99 ${percentileOf(times, 99).toFixed(2)} ms`;

/** The median over runs of each run's p50 and p99, and the p99s' spread. */
export const runSpread = (runs: readonly (readonly number[])[]) => {
  const p99s = runs.map(p99Of);
  const p50s = runs.map((times) => percentileOf(times, 50));
  return `p50 median ${median(p50s).toFixed(2)} ms, p99 median ${median(p99s).toFixed(2)} ms (runs ${Math.min(...p99s).toFixed(2)} to ${Math.max(...p99s).toFixed(2)})`;
};

/** utime + stime (and, with `children`, the reaped children's) of a process in ms, from /proc/<pid>/stat; 0 when it is gone. */
export function processCpuMs(pid: number, children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14), in clock ticks (100 a second on Linux).
    const ticks = Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
    return ticks * 10;
  } catch {
    return 0;
  }
}

/**
 * CPU time (ms) the bench's PostgreSQL server has used so far: its postmaster (with the backends it
 * has reaped) and every live process it started. Other engineers' servers are left out.
 */
export async function postgresCpuMs(pool: Pool): Promise<number> {
  const backend = (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  const stat = readFileSync(`/proc/${backend}/stat`, 'utf8');
  const postmaster = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  let total = processCpuMs(postmaster, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const child = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(child.slice(child.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) total += processCpuMs(Number(entry));
    } catch {
      // Gone meanwhile: its time is in the postmaster's reaped children's.
    }
  }
  return total;
}

/**
 * The trading service alone in a process of its own (trading-server.ts), listening: its address,
 * pid, and `report()`, which reads the report it writes on SIGTERM (once `server.closed`).
 */
export async function startTradingServer(databaseUrl: string, clock: string) {
  const reportFile = join(await mkdtemp(join(tmpdir(), 'trading-server-')), 'server-report.json');
  const server: RunningProcess = spawnTsx(fileURLToPath(new URL('./trading-server.ts', import.meta.url)), {}, [databaseUrl, clock, reportFile]);
  let exited = false;
  void server.exited.then(() => (exited = true));
  await waitFor(async () => exited || /listening /.test(server.output()), 60_000, 'the trading server');
  if (exited) throw new Error(`the trading server exited: ${server.output()}`);
  return {
    server,
    url: /listening (\S+)/.exec(server.output())![1]!,
    pid: server.child.pid!,
    report: async <Report>() => JSON.parse(await readFile(reportFile, 'utf8')) as Report,
  };
}
