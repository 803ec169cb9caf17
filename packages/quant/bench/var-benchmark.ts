/**
 * Monte Carlo VaR speed, single thread, against numpy in the same run, and the whole reference
 * analysis on each daily file. Prints figures; it is not a test.
 *   goal 1: samples/s ours / numpy >= 1.5 at d = 10^7
 *   goal 2: the reference analysis (h=101, d=10000, t=sell, p=7, r=3) under 50 ms per file
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { benchSize, median, sharedDataPath } from '@closecross/tests/support';
import { analyse, BarSeries, monteCarloVar, parseYahooCsv } from '../src/index.ts';

const d = benchSize('BENCH_SHOTS', 10_000_000, 10_000);
const runs = benchSize('BENCH_RUNS', 5, 1);

function timeMs(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

monteCarloVar(0.001, 0.02, d, 0); // warm-up
const ours = median(Array.from({ length: runs }, (_, run) => timeMs(() => monteCarloVar(0.001, 0.02, d, run + 1))));
const oursRate = d / (ours / 1000);

const numpyScript = `
import sys, time
import numpy as np
d, runs = int(sys.argv[1]), int(sys.argv[2])
k95, k99 = d - 1 - int(d * 0.95), d - 1 - int(d * 0.99)
times = []
for run in range(runs + 1):
    rng = np.random.default_rng(run)
    t = time.perf_counter()
    x = rng.normal(0.001, 0.02, d)
    p = np.partition(x, [k99, k95])
    var95, var99 = p[k95], p[k99]
    if run > 0:
        times.append((time.perf_counter() - t) * 1000)
times.sort()
print(times[len(times) // 2])
`;
let numpyMs: number | undefined;
try {
  numpyMs = Number(execFileSync('python3', ['-c', numpyScript, String(d), String(runs)], { encoding: 'utf8' }).trim());
} catch {
  numpyMs = undefined; // no python3 or no numpy here
}

console.log(`Monte Carlo VaR 95/99, one mean/std, d = ${d.toLocaleString('en')}, single thread, median of ${runs} runs`);
console.table([
  { engine: 'closecross (selection on seeded uniforms)', ms: ours.toFixed(1), 'samples/s': Math.round(oursRate).toLocaleString('en') },
  ...(numpyMs === undefined
    ? []
    : [{ engine: 'numpy default_rng().normal + np.partition', ms: numpyMs.toFixed(1), 'samples/s': Math.round(d / (numpyMs / 1000)).toLocaleString('en') }]),
]);
if (numpyMs === undefined) console.log('numpy: not available (python3 with numpy not found); no ratio');
else console.log(`ratio ours/numpy (samples/s): ${(numpyMs / ours).toFixed(2)}  (goal >= 1.5: ${numpyMs / ours >= 1.5 ? 'met' : 'missed'})`);

const dailyFolder = sharedDataPath('data/daily');
if (!dailyFolder) {
  console.log('../shared/data/daily not found: skipping the whole-analysis figures');
} else {
  const rows = readdirSync(dailyFolder)
    .filter((name) => name.endsWith('.csv'))
    .map((name) => {
      const series = BarSeries.from(parseYahooCsv(readFileSync(path.join(dailyFolder, name), 'utf8')).bars);
      const params = { h: 101, d: 10_000, t: 'sell' as const, p: 7, r: 3, seed: 1 };
      analyse(series, params);
      const ms = median(Array.from({ length: runs * 2 }, (_, run) => timeMs(() => analyse(series, { ...params, seed: run }))));
      const signals = analyse(series, params).signals.length;
      return { file: name, bars: series.length, 'sell signals': signals, ms: ms.toFixed(2), 'goal < 50 ms': ms < 50 ? 'met' : 'missed' };
    });
  console.log('Whole reference analysis (h=101, d=10000, t=sell, p=7, r=3), one thread, with ES, historical VaR and backtest');
  console.table(rows);
}
