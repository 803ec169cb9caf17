/**
 * Where a POST /analyse goes, phase by phase (issue 23): the service in its own process
 * (risk-server.ts with RISK_BENCH_PHASES=1, which prints each call's phases and its threads' run
 * times), this process its client waiting for each answer. With `ab`, two services (each on its
 * own database) take the calls in turn: A begins the threads before the plan, B (RISK_BENCH_BEGIN=0)
 * once it is made; same seeds, and the answers are checked equal.
 * Prints each call's phases, the CPU of the service's Postgres backends over the call, and medians.
 * Usage: analyse-phases.ts [calls, 10] [d, 1000000] [r, 2] [ab]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYahooCsv } from '@closecross/quant';
import { median, sharedDataPath, spawnTsx, startBenchPostgres, waitFor, type RunningProcess } from '@closecross/tests/support';

const calls = Number(process.argv[2] ?? 10);
const d = Number(process.argv[3] ?? 1_000_000);
const r = Number(process.argv[4] ?? 2);
const ab = process.argv[5] === 'ab';
const dailyFolder = sharedDataPath('data/daily');
if (!dailyFolder) throw new Error('needs ../shared/data/daily/NVDA.csv');
const bars = parseYahooCsv(readFileSync(path.join(dailyFolder, 'NVDA.csv'), 'utf8')).bars;
const postgres = await startBenchPostgres();
const sides = ab ? (['begin', 'after-plan'] as const) : (['begin'] as const);
const started: { name: string; server: RunningProcess; pool: Awaited<ReturnType<typeof postgres.database>>['pool']; base: string }[] = [];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
try {
  for (const name of sides) {
    const { pool, url } = await postgres.database();
    const server = spawnTsx(
      fileURLToPath(new URL('./risk-server.ts', import.meta.url)),
      { RISK_BENCH_PHASES: '1', RISK_BENCH_BEGIN: name === 'begin' ? '1' : '0' },
      [url],
    );
    let base = '';
    await waitFor(async () => ((base = /^listening (\S+)/m.exec(server.output())?.[1] ?? ''), base !== ''), 120_000, 'the risk service to listen').catch(
      (error) => {
        throw new Error(`${error.message}: ${server.output()}`);
      },
    );
    started.push({ name, server, pool, base });
  }
  const post = async (base: string, route: string, body: unknown) => {
    const response = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const body = { h: 101, d, t: 'sell', p: 7, start: bars[0]!.date };
  for (const { base } of started) {
    await post(
      base,
      '/price_bars/NVDA',
      bars.map(({ date, open, high, low, close }) => ({ date, open, high, low, close })),
    );
    await post(base, '/warmup', { s: 'local', r });
    for (let i = 0; i < 2; i++) await post(base, '/analyse', { ...body, seed: 1000 + i }); // warm-up
  }
  const backendCpuMs = async (pool: (typeof started)[number]['pool']) => {
    const { rows } = await pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    let ticks = 0;
    for (const { pid } of rows) {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // a backend that ended meanwhile
      }
    }
    return ticks * 10;
  };
  const seen = started.map(
    ({ server }) =>
      server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('phases ')).length,
  );
  const walls = started.map(() => [] as number[]);
  const answers = started.map(() => [] as unknown[]);
  for (let i = 0; i < calls; i++) {
    for (const [side, { name, pool, base }] of started.entries()) {
      const cpu = await backendCpuMs(pool);
      const sent = performance.now();
      await post(base, '/analyse', { ...body, seed: i + 1 });
      const wall = performance.now() - sent;
      walls[side]!.push(wall);
      answers[side]!.push(await (await fetch(`${base}/get_avg_vars9599`)).json());
      console.log(`${name} call ${i}: wall ${wall.toFixed(1)} ms, postgres backends ${(await backendCpuMs(pool)) - cpu} ms cpu (10 ms ticks), load ${load()}`);
    }
  }
  if (ab && JSON.stringify(answers[0]) !== JSON.stringify(answers[1])) throw new Error('the two sides answered differently');
  for (const [side, { name, server }] of started.entries()) {
    const phases = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('phases '))
      .slice(seen[side])
      .map((line) => JSON.parse(line.slice(7)) as Record<string, number | number[]>);
    for (const phase of phases) console.log(name, JSON.stringify(phase));
    const keys = Object.keys(phases[0]!).filter((key) => typeof phases[0]![key] === 'number');
    const spread = (values: number[]) => `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)} to ${Math.max(...values).toFixed(1)})`;
    console.log(
      `${name}: medians over ${phases.length}: wall ${spread(walls[side]!)},`,
      keys.map((key) => `${key} ${median(phases.map((p) => p[key] as number)).toFixed(2)}`).join(', '),
    );
    console.log(
      `${name}: threads' run time a call ${spread(phases.map((p) => ((p.runOthers as number[])[0] ?? 0) + ((p.runOthers as number[])[1] ?? 0)))}, main + their mean ${spread(phases.map((p) => (p.runMain as number) + (((p.runOthers as number[])[0] ?? 0) + ((p.runOthers as number[])[1] ?? 0)) / 2))}, last thread's end ${spread(phases.map((p) => Math.max(...(p.threadEnds as number[]))))}`,
    );
  }
  console.log(`load after: ${load()}`);
} finally {
  for (const { server } of started) server.child.kill('SIGTERM');
  await Promise.all(started.map(({ server }) => server.exited));
  for (const { pool } of started) await pool.end();
  await postgres.stop();
}
