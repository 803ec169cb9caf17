/**
 * /analyse wall time on the reference parameters (h=101, t=sell, p=7) on NVDA with s=local,
 * r=1 and r=2, beside the library's single-thread time for the same work in the same run.
 *   service overhead = api(r=1) / library(r=1) - 1        (goal < 20%)
 *   speed-up from 2 workers = library(r=2) / api(r=2)      (goal >= 1.6x)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { marketDataService } from '@closecross/market-data';
import { createService } from '@closecross/platform';
import { analyse, BarSeries, parseYahooCsv, type DailyBar } from '@closecross/quant';
import { benchSize, median, sharedDataPath, startBenchPostgres } from '@closecross/tests/support';
import { riskAnalysisServiceWith } from '../src/plugin.ts';
import { loadRiskConfig } from '../src/risk-config.ts';

const d = benchSize('BENCH_SHOTS', 1_000_000, 1_000);
const runs = benchSize('BENCH_RUNS', 3, 1);

const dailyFolder = sharedDataPath('data/daily');
let bars: DailyBar[];
let source: string;
if (dailyFolder) {
  bars = parseYahooCsv(readFileSync(path.join(dailyFolder, 'NVDA.csv'), 'utf8')).bars;
  source = 'NVDA.csv';
} else {
  // Without ../shared/data: a generated series of the same length.
  let close = 50;
  bars = Array.from({ length: 1258 }, (_, day) => {
    const open = close * (1 + Math.sin(day * 1.7) * 0.004);
    close = open * (1 + Math.sin(day * 0.37) * 0.03);
    return { date: new Date(Date.UTC(2016, 0, 4) + day * 86_400_000).toISOString().slice(0, 10), open, high: Math.max(open, close), low: Math.min(open, close), close, adjClose: close, volume: 1 };
  });
  source = 'generated';
}
const series = BarSeries.from(bars);
const reference = { h: 101, d, t: 'sell' as const, p: 7, seed: 1 };

const postgres = await startBenchPostgres();
const { pool } = await postgres.database();
const app = await createService({
  name: 'bench',
  modules: [marketDataService, riskAnalysisServiceWith({ config: loadRiskConfig({ RISK_JOB_CONCURRENCY: '0' }) })],
  pool,
  logLevel: 'warn',
  auth: false, // the bench measures the work, not credential checks (loopback only)
});
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const post = async (url: string, body: unknown) => {
  const response = await fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
};
await post('/price_bars/NVDA', bars.map((bar) => ({ date: bar.date, open: bar.open, high: bar.high, low: bar.low, close: bar.close })));

async function timed(work: () => unknown | Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const figures: Record<number, { library: number; api: number; signals: number }> = {};
for (const r of [1, 2]) {
  await post('/warmup', { s: 'local', r });
  await post('/analyse', { ...reference, seed: 99, start: bars[0]!.date }); // warm the threads at full size
  const api = median(await Promise.all([] as number[]).then(async () => {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) times.push(await timed(() => post('/analyse', { ...reference, seed: run, start: bars[0]!.date }))); // the scale r comes from /warmup
    return times;
  }));
  analyse(series, { ...reference, r, seed: 99 }); // warm the JIT at full size
  const library = median(await (async () => {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) times.push(await timed(() => analyse(series, { ...reference, r, seed: run })));
    return times;
  })());
  figures[r] = { library, api, signals: analyse(series, { ...reference, d: 100, r }).signals.length };
}

const overhead = figures[1]!.api / figures[1]!.library - 1;
const speedUp = figures[2]!.library / figures[2]!.api;
console.log(`/analyse on ${source}: h=101, d=${d.toLocaleString('en')}, t=sell, p=7, ${figures[1]!.signals} signals; median of ${runs} runs`);
console.table([
  { r: 1, 'library, one thread (ms)': figures[1]!.library.toFixed(0), 'POST /analyse, s=local (ms)': figures[1]!.api.toFixed(0) },
  { r: 2, 'library, one thread (ms)': figures[2]!.library.toFixed(0), 'POST /analyse, s=local (ms)': figures[2]!.api.toFixed(0) },
]);
console.log(`service overhead at r=1: ${(overhead * 100).toFixed(1)}%  (goal < 20%: ${overhead < 0.2 ? 'met' : 'missed'})`);
console.log(`speed-up from 2 workers: ${speedUp.toFixed(2)}x  (goal >= 1.6x: ${speedUp >= 1.6 ? 'met' : 'missed'})`);

await app.close();
await pool.end();
await postgres.stop();
