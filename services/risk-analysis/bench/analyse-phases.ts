/**
 * Where a POST /analyse at r=2 goes, phase by phase (issue 23): the service in its own process
 * (risk-server.ts with RISK_BENCH_PHASES=1, which prints each call's phases and its threads' run
 * times), this process its client waiting for each answer. Prints each call's phases, the CPU of
 * the service's Postgres backends over the call, and the medians.
 * Usage: analyse-phases.ts [calls, 10] [d, 1000000] [r, 2]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYahooCsv } from '@closecross/quant';
import { median, sharedDataPath, spawnTsx, startBenchPostgres, waitFor } from '@closecross/tests/support';

const calls = Number(process.argv[2] ?? 10);
const d = Number(process.argv[3] ?? 1_000_000);
const r = Number(process.argv[4] ?? 2);
const dailyFolder = sharedDataPath('data/daily');
if (!dailyFolder) throw new Error('needs ../shared/data/daily/NVDA.csv');
const bars = parseYahooCsv(readFileSync(path.join(dailyFolder, 'NVDA.csv'), 'utf8')).bars;
const postgres = await startBenchPostgres();
const { pool, url } = await postgres.database();
const server = spawnTsx(fileURLToPath(new URL('./risk-server.ts', import.meta.url)), { RISK_BENCH_PHASES: '1' }, [url]);
try {
  let base = '';
  await waitFor(async () => ((base = /^listening (\S+)/m.exec(server.output())?.[1] ?? ''), base !== ''), 30_000, 'the risk service to listen').catch(
    (error) => {
      throw new Error(`${error.message}: ${server.output()}`);
    },
  );
  const post = async (route: string, body: unknown) => {
    const response = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  await post(
    '/price_bars/NVDA',
    bars.map(({ date, open, high, low, close }) => ({ date, open, high, low, close })),
  );
  await post('/warmup', { s: 'local', r });
  const backendCpuMs = async () => {
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
  const body = { h: 101, d, t: 'sell', p: 7, start: bars[0]!.date };
  for (let i = 0; i < 2; i++) await post('/analyse', { ...body, seed: 1000 + i }); // warm-up
  const walls: number[] = [];
  const seen = server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('phases ')).length;
  for (let i = 0; i < calls; i++) {
    const cpu = await backendCpuMs();
    const sent = performance.now();
    await post('/analyse', { ...body, seed: i + 1 });
    const wall = performance.now() - sent;
    walls.push(wall);
    console.log(
      `call ${i}: wall ${wall.toFixed(1)} ms, postgres backends ${(await backendCpuMs()) - cpu} ms cpu (10 ms ticks), load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    );
  }
  const phases = server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('phases '))
    .slice(seen)
    .map((line) => JSON.parse(line.slice(7)) as Record<string, number | number[]>);
  for (const phase of phases) console.log(JSON.stringify(phase));
  const keys = Object.keys(phases[0]!).filter((key) => typeof phases[0]![key] === 'number');
  console.log(
    `medians over ${phases.length}: wall ${median(walls).toFixed(1)}`,
    keys.map((key) => `${key} ${median(phases.map((p) => p[key] as number)).toFixed(2)}`).join(', '),
  );
  console.log(`top-2 others' run time medians`, [0, 1].map((k) => median(phases.map((p) => (p.runOthers as number[])[k] ?? 0)).toFixed(1)).join(', '));
} finally {
  server.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await pool.end();
  await postgres.stop();
}
