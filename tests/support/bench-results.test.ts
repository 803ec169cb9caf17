import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchReportPage, tableEnd, tableStart, readBenchResults, renderBenchTable, replaceBetweenMarkers, writeBenchReport } from './bench-report.ts';
import { BenchResults, benchSettings, describeRow, interleavedRuns } from './bench-results.ts';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'bench-results-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('bench results', () => {
  it('summarises a figure: median, spread, runs, goal met, and the load average range seen since the last figure', async () => {
    const loads = [0.5, 3.2, 1.1, 2.0, 7.5];
    const results = new BenchResults('quant', { directory, smoke: false, loadAverage: () => loads.shift() ?? 9 });
    results.sampleLoad();
    const speedUp = results.record({ name: 'VaR ours / numpy', unit: 'x', runs: [1.7, 1.4, 1.6, 1.9, 1.55], goal: { atLeast: 1.5 } });
    expect(speedUp).toMatchObject({ median: 1.6, low: 1.4, high: 1.9, runs: 5, met: true, goal: 'at least 1.5x', loadAverage: [0.5, 3.2] });
    const latency = results.record({ name: 'p99', unit: 'ms', runs: [12, 9, 11, 8], goal: { below: 10 }, note: 'at 2,000 ticks/s' });
    // even count: the mean of the middle two (9, 11) is 10, not under 10
    expect(latency).toMatchObject({ median: 10, met: false, goal: 'under 10 ms', note: 'at 2,000 ticks/s' });
    expect(latency.loadAverage).toEqual([2.0, 7.5]);
    const rate = results.record({ name: 'jobs/s', unit: 'jobs/s', runs: [1311] });
    expect(rate).toMatchObject({ met: null, goal: 'none set' });
    expect(describeRow(speedUp)).toBe('VaR ours / numpy: median 1.6x (1.4 to 1.9, 5 runs); goal at least 1.5x: met; load average 0.5 to 3.2');
    await results.write();
  });

  it('refuses a figure with no runs or a run that is not a number, naming the figure and the value', async () => {
    const results = new BenchResults('jobs', { directory, smoke: false });
    expect(() => results.record({ name: 'pick-up', unit: 'jobs/s', runs: [] })).toThrow('bench figure "pick-up" has no runs');
    expect(() => results.record({ name: 'pick-up', unit: 'jobs/s', runs: [3, Number.NaN] })).toThrow('has a run of NaN');
    expect(() => new BenchResults('Jobs Bench')).toThrow('got "Jobs Bench"');
    await results.write();
  });

  it('writes full runs to <dir>/<bench>.json and smoke runs to <dir>/smoke/, which the report does not read', async () => {
    const full = new BenchResults('jobs', { directory, smoke: false });
    full.record({ name: 'pick-up', unit: 'jobs/s', runs: [1000, 1200, 1100] });
    expect(await full.write()).toBe(join(directory, 'jobs.json'));
    const smoke = new BenchResults('quant', { directory, smoke: true });
    smoke.record({ name: 'VaR', unit: 'x', runs: [0.1] });
    expect(await smoke.write()).toBe(join(directory, 'smoke', 'quant.json'));

    const files = await readBenchResults(directory);
    expect(files.map((file) => file.bench)).toEqual(['jobs']);
    expect(files[0]!.rows[0]).toMatchObject({ name: 'pick-up', median: 1100, low: 1000, high: 1200, runs: 3 });
  });

  it('refuses a smoke file placed among the full results', async () => {
    await writeFile(join(directory, 'quant.json'), JSON.stringify({ bench: 'quant', smoke: true, writtenAt: '2026-12-07T01:00:00.000Z', rows: [] }));
    await expect(readBenchResults(directory)).rejects.toThrow('quant.json holds smoke figures');
  });
});

describe('bench report', () => {
  const file = {
    bench: 'quant',
    smoke: false,
    writtenAt: '2026-12-07T02:10:33.000Z',
    settings: {},
    rows: [
      {
        name: 'VaR d=10^7, ours / numpy | same algorithm',
        unit: 'x',
        goal: 'at least 1.5x',
        median: 1.634,
        low: 1.5,
        high: 1.81,
        runs: 5,
        met: true,
        loadAverage: [2.04, 3.5] as [number, number],
        note: '61.2 M vs 37.4 M samples/s',
      },
      {
        name: 'analysis AAPL',
        unit: 'ms',
        goal: 'under 50 ms',
        median: 61.25,
        low: 55,
        high: 70,
        runs: 1,
        met: false,
        loadAverage: [1, 1] as [number, number],
      },
    ],
  };

  it('renders one line a row, the pipe in a name escaped, spread, goal, met and load average', () => {
    expect(renderBenchTable([file]).split('\n')).toEqual([
      '| bench | benchmark | median (spread) | goal | met | load average | run at (UTC) |',
      '|---|---|---|---|---|---|---|',
      '| quant | VaR d=10^7, ours / numpy \\| same algorithm | 1.63x (1.5 to 1.81, 5 runs); 61.2 M vs 37.4 M samples/s | at least 1.5x | met | 2.0 to 3.5 | 2026-12-07 02:10 |',
      '| quant | analysis AAPL | 61.3 ms (1 run) | under 50 ms | **missed** | 1.0 to 1.0 | 2026-12-07 02:10 |',
    ]);
  });

  it('says so when no full-size run is recorded', () => {
    expect(renderBenchTable([]).split('\n')).toHaveLength(3);
    expect(renderBenchTable([])).toContain('no full-size run recorded yet');
  });

  it('names the size settings of a run given other sizes than the defaults', () => {
    const table = renderBenchTable([{ ...file, settings: { BENCH_RUNS: '3', BENCH_SHOTS: '100000' } }]);
    expect(table).toContain('| quant (BENCH_RUNS=3, BENCH_SHOTS=100000) | analysis AAPL |');
    expect(benchSettings({ BENCH_SMOKE: '1', BENCH_RESULTS_DIR: '/tmp/x', BENCH_RUNS: '3', PATH: '/bin', BENCH_JOBS: '' })).toEqual({ BENCH_RUNS: '3' });
  });

  it('replaces only what lies between the markers, and refuses a page without them', () => {
    const readme = `# Benchmarks\nbefore\n${tableStart}\nold table\n${tableEnd}\nafter\n`;
    expect(replaceBetweenMarkers(readme, 'new table')).toBe(`# Benchmarks\nbefore\n${tableStart}\nnew table\n${tableEnd}\nafter\n`);
    expect(() => replaceBetweenMarkers('# Benchmarks\n', 'x')).toThrow('the benchmarks page must hold the line');
    expect(() => replaceBetweenMarkers(`${tableEnd}\n${tableStart}\n`, 'x')).toThrow('the benchmarks page must hold the line');
  });

  it('writes the table from the results folder into the page', async () => {
    await mkdir(join(directory, 'results'));
    await writeFile(join(directory, 'results', 'quant.json'), JSON.stringify(file));
    const pagePath = join(directory, 'benchmarks.md');
    await writeFile(pagePath, `intro\n${tableStart}\n${tableEnd}\n`);
    expect(await writeBenchReport(join(directory, 'results'), pagePath)).toBe(2);
    const written = await readFile(pagePath, 'utf8');
    expect(written).toContain('| quant | analysis AAPL | 61.3 ms (1 run) |');
    expect(written.startsWith(`intro\n${tableStart}\n| bench |`)).toBe(true);
  });
});

describe('the committed benchmarks page', () => {
  it('holds the markers once each, so pnpm bench:report writes its table there and only there', async () => {
    const root = new URL('../../', import.meta.url);
    const page = await readFile(new URL(benchReportPage, root), 'utf8');
    const table = page.slice(page.indexOf(tableStart) + tableStart.length + 1, page.indexOf(tableEnd) - 1);
    expect(table.startsWith('| bench | benchmark |')).toBe(true);
    expect(replaceBetweenMarkers(page, table)).toBe(page);
    expect(await readFile(new URL('README.md', root), 'utf8')).not.toContain(tableStart);
  });
});

describe('interleaved runs', () => {
  it('runs the variants A B A B after one warm-up round and keeps what each answers', async () => {
    const order: string[] = [];
    let count = 0;
    const values = await interleavedRuns(3, {
      ours: () => {
        order.push('ours');
        return ++count;
      },
      numpy: async () => {
        order.push('numpy');
      },
    });
    expect(order).toEqual(['ours', 'numpy', 'ours', 'numpy', 'ours', 'numpy', 'ours', 'numpy']);
    expect(values.ours).toEqual([2, 3, 4]);
    expect(values.numpy).toHaveLength(3);
  });
});
