/**
 * Research benchmarks (pnpm --filter @closecross/trading bench; BENCH_SMOKE=1 for tiny sizes), on
 * generated daily bars (a seeded random walk per symbol; not /work/shared/data, which holds four
 * symbols): the built-in moving-average cross (an SMA cross) over BENCH_RESEARCH_SYMBOLS (100)
 * symbols x BENCH_RESEARCH_YEARS (10) years.
 *
 * This process only coordinates (TRADING_RESEARCH_THREADS=0: it serves the API and runs the
 * optimisation's coordinating job); trials run in worker processes started from this file
 * (`research.bench.ts worker`), each a whole trading task on the same database, as ECS tasks are.
 *
 * (a) BENCH_RESEARCH_TRIALS (1,000) random-search trials on one task with two research threads
 *     (both cores busy): minutes, goal < 3; the task's own /health p99 meanwhile (polled over HTTP
 *     every 25 ms), goal < 50 ms.
 * (b) job-engine overhead per trial: a run through the engine vs the same trials, in the same
 *     batches, through the trial job's own handler called directly (same trial reads, thread
 *     series and result writes, on two research threads of this process), interleaved, goal < 5 %
 *     by wall time; beside it the overhead from the threads' own time (their slack, engine minus
 *     direct), which other processes' load does not move as much, and each side's trial thread CPU.
 * (c) two tasks vs one, like for like on 2 cores: every task runs one research thread
 *     (TRADING_RESEARCH_THREADS=1), so one task keeps one core on trials and two keep two; this
 *     process only coordinates. Interleaved, goal >= 1.8x; each variant's tasks are started and
 *     warmed (threads started, bars loaded) before the timed run. Only meaningful when nothing
 *     else wants the cores.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SimulatedClock } from '@closecross/engine';
import { jobsChannel, jobsModule, parseJobNotice, type JobContext } from '@closecross/jobs';
import { createPool, createService } from '@closecross/platform';
import pg from 'pg';
import { BenchResults, benchSize, describeRow, interleavedRuns, median, spawnTsx, startBenchPostgres, type RunningProcess } from '@closecross/tests/support';
import { tradingServiceWith } from '../src/plugin.ts';
import { ResearchDatasets, runTrialJob, type ResearchDeps, type TrialJobParams } from '../src/research/research-jobs.ts';
import { ResearchStore } from '../src/research/research-store.ts';
import { ResearchThreadPool } from '../src/research/research-threads.ts';
import { PriceReader } from '../src/market/price-reader.ts';
import { loadTradingConfig } from '../src/trading-config.ts';
import { generatedBars, insertBars, p99Of } from './bench-support.ts';

const symbolsCount = benchSize('BENCH_RESEARCH_SYMBOLS', 100, 3);
const years = benchSize('BENCH_RESEARCH_YEARS', 10, 1);
const sweepTrials = benchSize('BENCH_RESEARCH_TRIALS', 1000, 8);
const ratioTrials = benchSize('BENCH_RESEARCH_RATIO_TRIALS', 200, 4);
const rounds = benchSize('BENCH_RESEARCH_ROUNDS', 7, 1);
/** Which measures to run (BENCH_RESEARCH_PARTS=b for the overhead alone, say): all three by default. */
/** Development knobs of (b): BENCH_RESEARCH_ONE_TRIAL_A_JOB=0 leaves that variant out; BENCH_RESEARCH_TABLE_STATS=1 prints each run's statements per trial (its reads wait a second each). */
const withOneTrialAJob = process.env.BENCH_RESEARCH_ONE_TRIAL_A_JOB !== '0';
const tableStats = process.env.BENCH_RESEARCH_TABLE_STATS === '1';
const parts = new Set((process.env.BENCH_RESEARCH_PARTS ?? 'a,b,c').split(',').map((part) => part.trim()));
const barsPerSymbol = Math.round(years * 252);
const thisFile = fileURLToPath(import.meta.url);

interface ThreadSample {
  thread: number;
  idle: number | null;
  busy: number;
}

/**
 * The threads' waits between trials over their time on trials, in percent: how much of a thread's
 * time its task kept it waiting (on a job's claim and bookkeeping). Steadier than wall time on a
 * busy machine. Each thread's longest wait in a run is its wait from the run before, left out.
 */
function idleShare(samples: readonly ThreadSample[]): number {
  let idle = 0;
  let busy = 0;
  for (const thread of new Set(samples.map((sample) => sample.thread))) {
    const mine = samples.filter((sample) => sample.thread === thread);
    const waits = mine.flatMap((sample) => (sample.idle === null ? [] : [sample.idle])).sort((a, b) => a - b);
    if (waits.length === mine.length) waits.pop();
    idle += waits.reduce((sum, wait) => sum + wait, 0);
    busy += mine.reduce((sum, sample) => sum + sample.busy, 0);
  }
  return busy > 0 ? (idle / busy) * 100 : 0;
}

/** A process's CPU so far (user + system, all its threads), ms; 0 once it is gone. Linux /proc, 100 ticks a second. */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Per thread of a process (by thread id): its name, CPU so far (ms) and context switches (involuntary: preempted). Linux /proc. */
function threadsOf(pid: number): Map<string, { name: string; cpuMs: number; preempted: number; yielded: number }> {
  const threads = new Map<string, { name: string; cpuMs: number; preempted: number; yielded: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      threads.set(tid, {
        name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(') ')),
        cpuMs: (Number(fields[11]) + Number(fields[12])) * 10,
        preempted: Number(/nonvoluntary_ctxt_switches:\s*(\d+)/.exec(status)?.[1] ?? 0),
        yielded: Number(/\nvoluntary_ctxt_switches:\s*(\d+)/.exec(status)?.[1] ?? 0),
      });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return threads;
}

/** What each named thread group of the processes did between two snapshots: CPU ms and context switches, keyed "process:thread name". */
function threadDeltas(
  before: Map<string, ReturnType<typeof threadsOf>>,
  after: Map<string, ReturnType<typeof threadsOf>>,
): Map<string, { cpuMs: number; preempted: number; yielded: number }> {
  const groups = new Map<string, { cpuMs: number; preempted: number; yielded: number }>();
  for (const [label, threads] of after) {
    for (const [tid, now] of threads) {
      const then = before.get(label)?.get(tid) ?? { cpuMs: 0, preempted: 0, yielded: 0 };
      const key = `${label.split('/')[0]}:${now.name}`;
      const group = groups.get(key) ?? { cpuMs: 0, preempted: 0, yielded: 0 };
      group.cpuMs += now.cpuMs - then.cpuMs;
      group.preempted += now.preempted - then.preempted;
      group.yielded += now.yielded - then.yielded;
      groups.set(key, group);
    }
  }
  return groups;
}

/** A trading task on the bench database (the clock after the last bar: nothing depends on today). */
async function tradingTask(databaseUrl: string, lastDay: string, name: string) {
  // Named, so the PostgreSQL backends' CPU is told apart per process (pg_stat_activity.application_name).
  const pool = createPool({ connectionString: `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}application_name=${name}`, max: 10 });
  const clock = new SimulatedClock(Date.parse(`${lastDay}T00:00:00Z`) + 2 * 86_400_000);
  const app = await createService({
    name: 'research-bench',
    // The engine's default poll (0.5 s): a task hears another's enqueue at once (LISTEN/NOTIFY), the poll is the fallback.
    modules: [tradingServiceWith({ config: loadTradingConfig({}), clock, engine: { scheduleSeconds: 0 } }), jobsModule],
    pool,
    auth: false,
    logLevel: 'silent',
  });
  await app.ready();
  return { app, pool };
}

if (process.argv[2] === 'worker') {
  // A worker task: serves the API (its /health is measured) and runs trial jobs on its research threads.
  const { app, pool } = await tradingTask(process.env.BENCH_DATABASE_URL!, process.env.BENCH_LAST_DAY!, 'research-bench-worker');
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening ${address}`);
  process.once(
    'SIGTERM',
    () =>
      void app
        .close()
        .then(() => pool.end())
        .then(() => process.exit(0)),
  );
} else {
  const results = new BenchResults('trading-research');
  const postgres = await startBenchPostgres();
  const { url, pool } = await postgres.database();
  const symbols = Array.from({ length: symbolsCount }, (_, index) => `R${String(index).padStart(3, '0')}`);
  let lastDay = '';
  for (const [index, symbol] of symbols.entries()) {
    const bars = generatedBars(barsPerSymbol, index + 1, { from: '2012-01-03', volume: 2_000_000 });
    lastDay = bars.at(-1)!.date;
    await insertBars(pool, symbol, bars);
  }
  await pool.query('analyze price_bars');
  process.env.TRADING_RESEARCH_THREADS = '0';
  const { app } = await tradingTask(url, lastDay, 'research-bench-coordinator');

  const workers = new Set<RunningProcess & { base: string }>();
  async function startWorker(threads: number) {
    const worker = spawnTsx(
      thisFile,
      {
        BENCH_DATABASE_URL: url,
        BENCH_LAST_DAY: lastDay,
        TRADING_RESEARCH_THREADS: String(threads),
        // BENCH_RESEARCH_WORKER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=...' profiles the worker tasks (a profile per thread, written at exit).
        ...(process.env.BENCH_RESEARCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_RESEARCH_WORKER_NODE_OPTIONS } : {}),
      },
      ['worker'],
    );
    for (let waited = 0; !/listening (\S+)/.test(worker.output()); waited += 50) {
      if (waited > 120_000 || worker.child.exitCode !== null) throw new Error(`research worker did not start: ${worker.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const started = Object.assign(worker, { base: /listening (\S+)/.exec(worker.output())![1]! });
    workers.add(started);
    return started;
  }
  async function stopWorkers() {
    for (const worker of workers) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    workers.clear();
  }

  const strategy = {
    name: 'bench sma cross',
    account_id: 'paper',
    universe: symbols,
    rule: { kind: 'moving_average_crossover', fast: 10, slow: 30 },
    side_policy: 'long_only',
    schedule: null,
    sizing: { mode: 'fixed_quantity', quantity: 100 },
    exits: { on_opposite_signal: true },
    allocation: 10_000_000,
  };
  let seed = 1;
  // The end of a run, heard as the job engine tells its tasks (LISTEN), not by polling its row: the bench's own CPU stays out of the threads' way.
  const ended = new Map<string, () => void>();
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  listener.on('notification', (message) => {
    const notice = parseJobNotice(message.payload);
    if (notice?.type === 'ended' && notice.id) ended.get(notice.id)?.();
  });
  await listener.query(`listen ${jobsChannel}`);
  /** The CPU (ms) of this process, of each worker task, and of the bench database's PostgreSQL backends. */
  async function cpuSnapshot() {
    const backends = (await pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()')).rows.map((row) => row.pid);
    return {
      bench: process.cpuUsage(),
      workers: [...workers].reduce((sum, worker) => sum + processCpuMs(worker.child.pid!), 0),
      postgres: new Map(backends.map((pid) => [pid, processCpuMs(pid)])),
    };
  }
  /** Where a run's CPU went (ms): this process (API, coordinator, the bench's polling), the worker tasks besides their trials, their trials' thread CPU, PostgreSQL. */
  async function cpuSince(before: Awaited<ReturnType<typeof cpuSnapshot>>, runId: string) {
    const after = await cpuSnapshot();
    const bench = process.cpuUsage(before.bench);
    let postgresMs = 0;
    for (const [pid, ms] of after.postgres) postgresMs += ms - (before.postgres.get(pid) ?? 0);
    const trials = (
      await pool.query<{ ms: number }>(
        "select coalesce(sum((trial->>'cpu_ms')::float8), 0) as ms from job, jsonb_array_elements(result->'trials') as trial where kind = 'trading-research-trial' and params->>'run_id' = $1",
        [runId],
      )
    ).rows[0]!.ms;
    return { bench: (bench.user + bench.system) / 1000, workers: after.workers - before.workers - trials, trials, postgres: postgresMs };
  }
  /** An optimisation of `budget` random trials, start to finish (its wall ms). */
  async function optimise(budget: number, label: string): Promise<{ ms: number; id: string }> {
    const started = performance.now();
    const response = await app.inject({
      method: 'POST',
      url: '/trading/optimizations',
      payload: { strategy, method: 'random', seed: seed++, budget, objective: 'sharpe', space: { fast: { min: 2, max: 50 }, slow: { min: 51, max: 250 } } },
    });
    if (response.statusCode !== 202) throw new Error(`${label}: ${response.body}`);
    const id = response.json().job_id as string;
    // Woken when the run's job ends; its row read then (and every second, should a notice be lost).
    for (;;) {
      const job = (await pool.query<{ status: string; error: string | null }>('select status, error from job where id = $1', [id])).rows[0];
      if (job?.status === 'succeeded') break;
      if (job?.status === 'failed' || job?.status === 'cancelled') throw new Error(`${label}: ${job.status} ${job.error}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        ended.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      ended.delete(id);
    }
    const failed = (await pool.query("select count(*)::int as n from trading_research_trial where run_id = $1 and status = 'failed'", [id])).rows[0]
      .n as number;
    if (failed > 0) throw new Error(`${label}: ${failed} trials failed`);
    return { ms: performance.now() - started, id };
  }

  // (a) The sweep on one task with two research threads, /health of that task polled meanwhile.
  if (parts.has('a')) {
    const sweepWorker = await startWorker(2);
    await optimise(Math.min(4, sweepTrials), 'warm-up');
    const health: number[] = [];
    let sweeping = true;
    const poller = (async () => {
      while (sweeping) {
        const started = performance.now();
        const answer = await fetch(`${sweepWorker.base}/health`);
        await answer.arrayBuffer();
        health.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const load = [loadavg()[0]!];
    const sweep = await optimise(sweepTrials, 'sweep');
    load.push(loadavg()[0]!);
    sweeping = false;
    await poller;
    const p99 = p99Of(health);
    const size = `${sweepTrials} trials, ${symbolsCount} symbols x ${years} years of generated daily bars (${(symbolsCount * barsPerSymbol).toLocaleString('en-US')} bars a trial), moving-average cross, one task with 2 research threads on ${availableParallelism()} cores`;
    console.log(
      describeRow(
        results.record({
          name: 'research sweep, one task',
          unit: 'min',
          runs: [sweep.ms / 60_000],
          goal: { below: 3 },
          note: `${size}; ${(sweep.ms / sweepTrials).toFixed(0)} ms a trial; load ${load.map((value) => value.toFixed(1)).join(' to ')}`,
        }),
      ),
    );
    const cpu = (
      await pool.query<{ ms: number }>(
        "select (trial->>'cpu_ms')::float8 as ms from job, jsonb_array_elements(result->'trials') as trial where kind = 'trading-research-trial' and params->>'run_id' = $1 and trial ? 'cpu_ms'",
        [sweep.id],
      )
    ).rows.map((row) => row.ms);
    console.log(
      describeRow(
        results.record({
          name: 'trial thread CPU (one backtest of the sweep)',
          unit: 'ms',
          runs: cpu,
          note: `${(symbolsCount * barsPerSymbol).toLocaleString('en-US')} bars: ${Math.round((symbolsCount * barsPerSymbol) / (median(cpu) / 1000)).toLocaleString('en-US')} bars per thread CPU second`,
        }),
      ),
    );
    console.log(
      describeRow(
        results.record({
          name: `research sweep of ${sweepTrials} trials on 2 cores, from thread CPU`,
          unit: 'min',
          runs: [(sweepTrials * median(cpu)) / 2 / 60_000],
          goal: { below: 3 },
          note: "the trials' median thread CPU x trials / 2 threads: what an idle 2-core machine gives, job engine excluded (its share is the overhead figure)",
        }),
      ),
    );
    console.log(
      describeRow(
        results.record({
          name: '/health p99 of the task running the sweep',
          unit: 'ms',
          runs: [p99],
          goal: { below: 50 },
          note: `${health.length} requests over HTTP every 25 ms; median ${median(health).toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms`,
        }),
      ),
    );
    await stopWorkers();
  }

  // (b) Engine overhead per trial: a run through the job engine vs the same trial jobs' handler called directly.
  if (parts.has('b')) {
    await startWorker(2);
    await optimise(Math.min(4, ratioTrials), 'warm-up');
    const store = new ResearchStore(pool);
    const direct = new ResearchThreadPool(2);
    const datasets = new ResearchDatasets(new PriceReader(pool, loadTradingConfig({}).TRADING_LATEST_QUOTE_TABLE));
    // Only what a trial job's handler reads: the store and the threads.
    const directDeps = { store, threads: direct } as ResearchDeps;
    let lastRun = '';
    type Variant = 'engine' | 'oneTrialAJob' | 'direct';
    const idleShares: Record<Variant, number[]> = { engine: [], oneTrialAJob: [], direct: [] };
    /** Per run: the share of the threads' wall time not spent on a trial (start, end and waits between trials), over their time on trials. */
    const slackShares: Record<Variant, number[]> = { engine: [], oneTrialAJob: [], direct: [] };
    const trialCpu: Record<Variant, number[]> = { engine: [], oneTrialAJob: [], direct: [] };
    const runEdges: Record<'engine' | 'oneTrialAJob', { start_ms: number; end_ms: number }[]> = { engine: [], oneTrialAJob: [] };
    const recordThreads = (variant: Variant, wallMs: number, samples: readonly (ThreadSample & { cpu: number })[]) => {
      idleShares[variant].push(idleShare(samples));
      const busyPerThread = samples.reduce((sum, sample) => sum + sample.busy, 0) / 2;
      slackShares[variant].push(((wallMs - busyPerThread) / busyPerThread) * 100);
      trialCpu[variant].push(median(samples.map((sample) => sample.cpu)));
    };
    const trialSamples = async (runId: string) =>
      (
        await pool.query<ThreadSample & { cpu: number; trial: number }>(
          `select (trial->>'trial')::int as trial, (trial->>'thread')::int as thread, (trial->>'idle_ms')::float8 as idle, (trial->>'busy_ms')::float8 as busy, (trial->>'cpu_ms')::float8 as cpu
             from job, jsonb_array_elements(result->'trials') as trial where kind = 'trading-research-trial' and params->>'run_id' = $1 and trial ? 'busy_ms'`,
          [runId],
        )
      ).rows;
    /** Every thread of this process, the worker task and the bench database's PostgreSQL backends, as now. */
    const threadsNow = async () => {
      const backends = (
        await pool.query<{ pid: number; name: string }>('select pid, application_name as name from pg_stat_activity where datname = current_database()')
      ).rows;
      return new Map([
        ['bench', threadsOf(process.pid)],
        ...[...workers].map((worker) => ['worker', threadsOf(worker.child.pid!)] as const),
        // By whose connection: the coordinator's task (this process), the worker task, or this bench's own pool (the direct side's reads and writes).
        ...backends.map(({ pid, name }) => [`postgres(${name.replace('research-bench-', '') || 'bench pool'})/${pid}`, threadsOf(pid)] as const),
      ]);
    };
    /** The bench database's statement counts so far: transactions, and per table its scans and rows read (pgstat, flushed by each backend within a second). */
    const tableStatsNow = async () => {
      await pool.query('select pg_stat_force_next_flush()');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await pool.query('select pg_stat_clear_snapshot()');
      const database = (
        await pool.query<{ xacts: string }>('select xact_commit + xact_rollback as xacts from pg_stat_database where datname = current_database()')
      ).rows[0]!;
      const tables = (
        await pool.query<{ name: string; seq: string; seq_rows: string; idx: string; changed: string }>(
          `select schemaname || '.' || relname as name, coalesce(seq_scan, 0) as seq, coalesce(seq_tup_read, 0) as seq_rows, coalesce(idx_scan, 0) as idx,
                  n_tup_ins + n_tup_upd + n_tup_del as changed
             from pg_stat_all_tables where schemaname in ('public', 'pgboss')`,
        )
      ).rows;
      return {
        xacts: Number(database.xacts),
        tables: new Map(tables.map((row) => [row.name, [Number(row.seq), Number(row.seq_rows), Number(row.idx), Number(row.changed)]])),
      };
    };
    const showTableStats = (variant: Variant, before: Awaited<ReturnType<typeof tableStatsNow>>, after: Awaited<ReturnType<typeof tableStatsNow>>) => {
      const per = (value: number) => (value / ratioTrials).toFixed(2);
      const tables = [...after.tables]
        .map(([name, now]) => [name, now.map((value, index) => value - (before.tables.get(name)?.[index] ?? 0))] as const)
        .filter(([, delta]) => delta.some((value) => value > 0))
        .map(([name, [seq, seqRows, idx, changed]]) => `${name} seq ${per(seq!)} (${per(seqRows!)} rows) idx ${per(idx!)} changed ${per(changed!)}`);
      console.log(`(b) ${variant}, a trial: ${per(after.xacts - before.xacts)} transactions; ${tables.join('; ')}`);
    };
    /** BENCH_RESEARCH_STATEMENTS=1 (a server with pg_stat_statements loaded, given as DATABASE_URL): each run's statements by time. */
    const statements = process.env.BENCH_RESEARCH_STATEMENTS === '1';
    if (statements) await pool.query('create extension if not exists pg_stat_statements');
    const showStatements = async (variant: Variant) => {
      if (!statements) return;
      const { rows } = await pool.query<{ calls: number; ms: number; plan: number; query: string }>(
        `select calls::int, total_exec_time::float8 + total_plan_time::float8 as ms, total_plan_time::float8 as plan, regexp_replace(left(query, 140), '[[:space:]]+', ' ', 'g') as query
           from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database()) order by 2 desc limit 25`,
      );
      const total = rows.reduce((sum, row) => sum + row.ms, 0);
      console.log(
        `(b) ${variant} statements (${(total / ratioTrials).toFixed(2)} ms a trial in the top 25):\n${rows.map((row) => `  ${(row.ms / ratioTrials).toFixed(3)} ms/trial (planning ${(row.plan / ratioTrials).toFixed(3)}) ${(row.calls / ratioTrials).toFixed(2)} calls/trial  ${row.query}`).join('\n')}`,
      );
    };
    const resetStatements = async () => {
      if (statements) await pool.query('select pg_stat_statements_reset()');
    };
    /** Per run: CPU ms and context switches a trial, per "process:thread name". */
    const threadShares: Record<Variant, Map<string, { cpuMs: number; preempted: number; yielded: number }>[]> = { engine: [], oneTrialAJob: [], direct: [] };
    const recordThreadShares = (variant: Variant, before: Awaited<ReturnType<typeof threadsNow>>, after: Awaited<ReturnType<typeof threadsNow>>) => {
      const groups = threadDeltas(before, after);
      for (const group of groups.values()) {
        group.cpuMs /= ratioTrials;
        group.preempted /= ratioTrials;
        group.yielded /= ratioTrials;
      }
      threadShares[variant].push(groups);
      const shown = [...groups].filter(([, group]) => group.cpuMs >= 0.05).sort(([a], [b]) => a.localeCompare(b));
      console.log(
        `(b) ${variant}, a trial: ${shown.map(([key, group]) => `${key} ${group.cpuMs.toFixed(1)} ms (${group.preempted.toFixed(1)} preempted, ${group.yielded.toFixed(1)} yielded)`).join('; ')}; load ${loadavg()[0]!.toFixed(1)}`,
      );
    };
    let lastEngineRun = '';
    /** The last engine run's thread CPU per trial number: the direct side runs the same trials, so each trial's two CPU times compare. */
    let engineTrialCpu = new Map<number, number>();
    /** Per direct run: the median over its trials of (that trial's thread CPU through the engine / direct - 1), %. */
    const pairedCpu: number[] = [];
    const engineRun = async (variant: 'engine' | 'oneTrialAJob', label: string) => {
      const statsBefore = tableStats ? await tableStatsNow() : undefined;
      const threadsBefore = await threadsNow();
      await resetStatements();
      const run = await optimise(ratioTrials, label);
      await showStatements(variant);
      recordThreadShares(variant, threadsBefore, await threadsNow());
      if (statsBefore) showTableStats(variant, statsBefore, await tableStatsNow());
      lastRun = run.id;
      if (variant === 'engine') lastEngineRun = run.id;
      const samples = await trialSamples(run.id);
      recordThreads(variant, run.ms, samples);
      if (variant === 'engine') engineTrialCpu = new Map(samples.map((sample) => [sample.trial, sample.cpu]));
      // The run's own start and end, beside its trials: queued -> first trial job started, last trial stored -> the run done.
      const edges = await pool.query<{ start_ms: number; end_ms: number }>(
        `select extract(epoch from (select min(started_at) from job where kind = 'trading-research-trial' and params->>'run_id' = $1) - run.created_at) * 1000 as start_ms,
                extract(epoch from run.finished_at - (select max(finished_at) from trading_research_trial where run_id = $1::uuid)) * 1000 as end_ms
           from job as run where run.id = $1::uuid`,
        [run.id],
      );
      runEdges[variant].push(edges.rows[0]!);
      return run.ms / ratioTrials;
    };
    const overhead = await interleavedRuns(rounds, {
      engine: () => engineRun('engine', 'engine'),
      // As before trial batches: this process coordinates, so its setting makes every job one trial.
      oneTrialAJob: async () => {
        if (!withOneTrialAJob) return 1;
        process.env.TRADING_RESEARCH_BATCH = '1';
        try {
          return await engineRun('oneTrialAJob', 'engine, one trial a job');
        } finally {
          delete process.env.TRADING_RESEARCH_BATCH;
        }
      },
      // The engine run's trials, as a run of their own, in the same batches, through the trial job's own
      // handler on two threads: the same trial reads, thread series and result writes, without the job engine.
      direct: async () => {
        // The batched engine run's trials and batches (not the one-trial-a-job run's, which runs between them).
        const replayed = lastEngineRun || lastRun;
        const spec = (await store.run(replayed))!;
        const trials = await store.trials(replayed);
        const batches = (
          await pool.query<{ params: TrialJobParams }>(
            "select params from job where kind = 'trading-research-trial' and params->>'run_id' = $1 order by created_at, (params->'trials'->>0)::int",
            [replayed],
          )
        ).rows.map((row) => row.params);
        const runId = randomUUID();
        await store.ensureRun(runId, spec);
        const statsBefore = tableStats ? await tableStatsNow() : undefined;
        const threadsBefore = await threadsNow();
        await resetStatements();
        const started = performance.now();
        await store.queueTrials(
          runId,
          trials.map(({ window_no, trial_no, phase, start_day, end_day, measure_from, params }) => ({
            window_no,
            trial_no,
            phase,
            start_day,
            end_day,
            measure_from,
            params,
          })),
        );
        const samples: (ThreadSample & { cpu: number })[] = [];
        const pairs: number[] = [];
        const signal = new AbortController().signal;
        // Three batches at once on two threads, as a task runs one trial job more than it has threads: the third waits for a thread with its trials read.
        await Promise.all(
          [0, 1, 2].map(async () => {
            for (let batch = batches.shift(); batch; batch = batches.shift()) {
              const context = {
                id: randomUUID(),
                params: { ...batch, run_id: runId },
                attempt: 1,
                signal,
                report: () => undefined,
              } as JobContext<TrialJobParams>;
              const { result } = await runTrialJob(directDeps, datasets, context);
              for (const trial of result.trials) {
                if (trial.status !== 'succeeded') throw new Error(`direct trial ${trial.trial} ${trial.status}: ${trial.error}`);
                samples.push({ thread: trial.thread!, idle: trial.idle_ms ?? null, busy: trial.busy_ms!, cpu: trial.cpu_ms! });
                const throughEngine = engineTrialCpu.get(trial.trial);
                if (throughEngine !== undefined) pairs.push((throughEngine / trial.cpu_ms! - 1) * 100);
              }
            }
          }),
        );
        const ms = performance.now() - started;
        await showStatements('direct');
        recordThreadShares('direct', threadsBefore, await threadsNow());
        pairedCpu.push(median(pairs));
        console.log(`(b) the same trials' thread CPU, engine over direct: median ${median(pairs).toFixed(2)} % over ${pairs.length} trials`);
        if (statsBefore) showTableStats('direct', statsBefore, await tableStatsNow());
        recordThreads('direct', ms, samples);
        return ms / ratioTrials;
      },
    });
    await direct.close();
    // interleavedRuns discards its first round (a warm-up): so do these.
    for (const series of [
      ...Object.values(idleShares),
      ...Object.values(slackShares),
      ...Object.values(trialCpu),
      ...Object.values(runEdges),
      ...Object.values(threadShares),
      pairedCpu,
    ])
      series.shift();
    /** Per variant, medians over its runs: the research threads' CPU a trial, and every other thread's (both tasks, this process, PostgreSQL). */
    const cpuSplit = (variant: Variant) => {
      const runs = threadShares[variant].map((groups) => {
        let threads = 0;
        let outside = 0;
        for (const [key, group] of groups) {
          if (key.endsWith(':WorkerThread')) threads += group.cpuMs;
          else outside += group.cpuMs;
        }
        return { threads, outside };
      });
      return `${median(runs.map((run) => run.threads)).toFixed(1)} ms on the research threads, ${median(runs.map((run) => run.outside)).toFixed(1)} ms outside them`;
    };
    const edgesNote = (variant: 'engine' | 'oneTrialAJob') =>
      `; a run's start (queued -> its first trial job started) median ${median(runEdges[variant].map((edge) => Number(edge.start_ms))).toFixed(0)} ms, its end (last trial stored -> the run done) ${median(runEdges[variant].map((edge) => Number(edge.end_ms))).toFixed(0)} ms`;
    const ratios = overhead.engine.map((engineMs, index) => (engineMs / overhead.direct[index]! - 1) * 100);
    const oneTrialRatios = overhead.oneTrialAJob.map((engineMs, index) => (engineMs / overhead.direct[index]! - 1) * 100);
    const slackOverhead = slackShares.engine.map((share, index) => share - slackShares.direct[index]!);
    const cpuNote = `trials' median thread CPU ${median(trialCpu.engine).toFixed(0)} ms through the engine, ${median(trialCpu.direct).toFixed(0)} ms direct; CPU a trial from /proc (every thread of both tasks, this process and PostgreSQL): engine ${cpuSplit('engine')}, direct ${cpuSplit('direct')}`;
    console.log(
      describeRow(
        results.record({
          name: 'job-engine overhead per trial vs the research threads called directly',
          unit: '%',
          runs: ratios,
          goal: { below: 5 },
          note: `wall time; ${ratioTrials} trials a run, trials batched per job, interleaved engine / one trial a job / direct (the trial job's handler on the same batches, same reads and writes); engine median ${median(overhead.engine).toFixed(0)} ms a trial, direct ${median(overhead.direct).toFixed(0)} ms (2 threads each); ${cpuNote}${edgesNote('engine')}`,
        }),
      ),
    );
    console.log(
      describeRow(
        results.record({
          name: "a trial's thread CPU through the engine over the same trial's direct",
          unit: '%',
          runs: pairedCpu,
          note: `same rounds; the direct side runs the engine run's own trials (same parameters, same batches), so each trial's two thread CPU times pair up: per run the median of (engine / direct - 1)`,
        }),
      ),
    );
    console.log(
      describeRow(
        results.record({
          name: "job-engine overhead per trial, from the threads' time (their slack through the engine minus direct)",
          unit: '%',
          runs: slackOverhead,
          note: `same rounds; per run, the threads' wall time not on a trial (the run's start and end, waits between trials) over their time on trials, engine minus direct: other processes slowing the trials cancel out; engine median ${median(slackShares.engine).toFixed(1)} %, direct ${median(slackShares.direct).toFixed(1)} %`,
        }),
      ),
    );
    for (const [variant, label] of [
      ['engine', 'trials batched per job'],
      ...(withOneTrialAJob ? ([['oneTrialAJob', 'one trial a job (TRADING_RESEARCH_BATCH=1, as before batches)']] as const) : []),
      ['direct', 'the trial job handler called directly'],
    ] as const) {
      console.log(
        describeRow(
          results.record({
            name: `research threads' idle time between trials, % of their time on trials: ${label}`,
            unit: '%',
            runs: idleShares[variant],
            note: `${ratioTrials} trials a run, same interleaved rounds; each thread's wait from its answer to its next trial, summed, over its wall time on trials (each thread's first wait in a run, from the run before, left out)`,
          }),
        ),
      );
    }
    if (withOneTrialAJob)
      console.log(
        describeRow(
          results.record({
            name: 'job-engine overhead per trial, one trial a job (TRADING_RESEARCH_BATCH=1, as before batches)',
            unit: '%',
            runs: oneTrialRatios,
            note: `the same rounds; median ${median(overhead.oneTrialAJob).toFixed(0)} ms a trial${edgesNote('oneTrialAJob')}`,
          }),
        ),
      );
    await stopWorkers();
  }

  // (c) Two tasks vs one, one research thread each: more tasks, more trials at once.
  if (parts.has('c')) {
    const cpu: Record<'one' | 'two', Awaited<ReturnType<typeof cpuSince>>[]> = { one: [], two: [] };
    /** The tasks' CPU while no run is going (ms a second, all tasks): their timers, polls and heartbeats. */
    const idleCpu: Record<'one' | 'two', number[]> = { one: [], two: [] };
    const timed = async (variant: 'one' | 'two') => {
      const idleFrom = await cpuSnapshot();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      idleCpu[variant].push((await cpuSnapshot()).workers - idleFrom.workers);
      const before = await cpuSnapshot();
      const run = await optimise(ratioTrials, variant === 'one' ? 'one task' : 'two tasks');
      cpu[variant].push(await cpuSince(before, run.id));
      await stopWorkers();
      return run.ms;
    };
    const scaling = await interleavedRuns(rounds, {
      one: async () => {
        await startWorker(1);
        // Untimed: the task's thread starts and loads the bars once, as a long-lived task's has.
        await optimise(4, 'warm-up');
        return timed('one');
      },
      two: async () => {
        await Promise.all([startWorker(1), startWorker(1)]);
        await optimise(8, 'warm-up');
        return timed('two');
      },
    });
    for (const series of [...Object.values(cpu), ...Object.values(idleCpu)]) series.shift();
    const cpuNote = (variant: 'one' | 'two') => {
      const part = (key: 'trials' | 'workers' | 'bench' | 'postgres') => (median(cpu[variant].map((run) => run[key])) / ratioTrials).toFixed(1);
      return `${variant} task${variant === 'two' ? 's' : ''}, CPU a trial: trials' threads ${part('trials')} ms, the tasks besides ${part('workers')} ms, this process (API, coordinator, the bench's polling) ${part('bench')} ms, PostgreSQL backends ${part('postgres')} ms; the tasks idle ${median(idleCpu[variant]).toFixed(0)} ms a second`;
    };
    console.log(`(c) ${cpuNote('one')}; ${cpuNote('two')}`);
    const speedups = scaling.one.map((oneMs, index) => oneMs / scaling.two[index]!);
    console.log(
      describeRow(
        results.record({
          name: 'two job-engine tasks vs one (one research thread each)',
          unit: 'x',
          runs: speedups,
          goal: { atLeast: 1.8 },
          note: `${ratioTrials} trials a run, interleaved; one task median ${(median(scaling.one) / 1000).toFixed(1)} s, two ${(median(scaling.two) / 1000).toFixed(1)} s; medians of the runs: ${cpuNote('one')}; ${cpuNote('two')}`,
        }),
      ),
    );
  }
  console.log(`results: ${await results.write()}`);
  await listener.end();
  await app.close();
  await pool.end();
  await postgres.stop();
}
