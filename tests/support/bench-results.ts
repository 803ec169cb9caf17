/**
 * Bench results: each benchmark records its figures here, one row per figure, and
 * `pnpm bench:report` writes the benchmark table of docs/benchmarks.md from the files (so it cannot go stale).
 *
 * A row is a figure's runs summarised: median, spread (lowest and highest run), how many runs,
 * its goal and whether the median meets it, and the 1-minute load average seen while it ran.
 * Full runs write `bench-results/<bench>.json` at the repository root; smoke runs write
 * `bench-results/smoke/<bench>.json`, which the report ignores (smoke figures mean nothing).
 * `BENCH_RESULTS_DIR` moves the folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { benchSmoke } from './bench-size.ts';
import { median } from './bench-database.ts';

/** A goal a median is held to: `at least` for rates and speed-ups, `at most` for latencies and ratios. */
export type BenchGoal = { atLeast: number } | { atMost: number } | { below: number } | null;

export interface BenchFigureInput {
  /** What was measured, as the table shows it: `Monte Carlo VaR d=10^7, ours / numpy same algorithm`. */
  name: string;
  /** The unit of the runs: `x`, `ms`, `jobs/s`, `samples/s`. */
  unit: string;
  /** Each run's value, in `unit` (at least one). */
  runs: number[];
  /** The goal the median is held to; null (or left out) when none is set. */
  goal?: BenchGoal;
  /** A line the table prints beside the figure: the sides of a ratio, the sizes, a caveat. */
  note?: string;
}

export interface BenchRow {
  name: string;
  unit: string;
  goal: string;
  median: number;
  low: number;
  high: number;
  runs: number;
  /** Whether the median meets the goal; null when no goal is set. */
  met: boolean | null;
  /** Lowest and highest 1-minute load average sampled while the figure's runs ran. */
  loadAverage: [number, number];
  note?: string;
}

export interface BenchResultsFile {
  bench: string;
  smoke: boolean;
  /** When the file was written (metadata for the reader, no decision depends on it). */
  writtenAt: string;
  /** The BENCH_* size settings the run was given (none: the default full size). */
  settings: Record<string, string>;
  rows: BenchRow[];
}

/** The BENCH_* variables set for a run, but for the mode and the results folder: what made it other than the default size. */
export function benchSettings(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(source)
      .filter(([name, value]) => name.startsWith('BENCH_') && name !== 'BENCH_SMOKE' && name !== 'BENCH_RESULTS_DIR' && value !== undefined && value !== '')
      .sort(([a], [b]) => a.localeCompare(b)),
  ) as Record<string, string>;
}

export function goalText(goal: BenchGoal, unit: string): string {
  if (goal === null) return 'none set';
  const figure = (value: number) => `${formatFigure(value)}${unit === 'x' ? 'x' : ` ${unit}`}`;
  if ('atLeast' in goal) return `at least ${figure(goal.atLeast)}`;
  if ('atMost' in goal) return `at most ${figure(goal.atMost)}`;
  return `under ${figure(goal.below)}`;
}

export function meetsGoal(goal: BenchGoal, value: number): boolean | null {
  if (goal === null) return null;
  if ('atLeast' in goal) return value >= goal.atLeast;
  if ('atMost' in goal) return value <= goal.atMost;
  return value < goal.below;
}

/** A figure as the table prints it: three significant digits below 100, whole numbers with thousands separators above. */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toLocaleString('en-US');
  if (magnitude === 0) return '0';
  return Number(value.toPrecision(3)).toString();
}

/**
 * One bench's recorder. Create it when the bench starts (it samples the load average every second
 * from then on, on an unref'd timer), `record` each figure when its runs are done, `write` at the end.
 */
export class BenchResults {
  readonly rows: BenchRow[] = [];
  private loadSamples: number[] = [];
  private readonly sampler: NodeJS.Timeout;
  readonly bench: string;
  private readonly options: { directory?: string; smoke?: boolean; loadAverage?: () => number };

  constructor(bench: string, options: { directory?: string; smoke?: boolean; loadAverage?: () => number } = {}) {
    this.bench = bench;
    this.options = options;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(bench)) throw new Error(`bench name must be lower-case letters, digits and dashes, got "${bench}"`);
    this.sampleLoad();
    this.sampler = setInterval(() => this.sampleLoad(), 1000);
    this.sampler.unref();
  }

  /** Notes the current 1-minute load average (also called every second on its own). */
  sampleLoad(): void {
    this.loadSamples.push(this.options.loadAverage ? this.options.loadAverage() : loadavg()[0]!);
  }

  /** Summarises one figure's runs into a row; the load average is the range sampled since the previous row. */
  record(figure: BenchFigureInput): BenchRow {
    if (figure.runs.length === 0) throw new Error(`bench figure "${figure.name}" has no runs`);
    const bad = figure.runs.find((value) => !Number.isFinite(value));
    if (bad !== undefined) throw new Error(`bench figure "${figure.name}" has a run of ${bad}; every run must be a finite number`);
    this.sampleLoad();
    const goal = figure.goal ?? null;
    const middle = median(figure.runs);
    const row: BenchRow = {
      name: figure.name,
      unit: figure.unit,
      goal: goalText(goal, figure.unit),
      median: middle,
      low: Math.min(...figure.runs),
      high: Math.max(...figure.runs),
      runs: figure.runs.length,
      met: meetsGoal(goal, middle),
      loadAverage: [Math.min(...this.loadSamples), Math.max(...this.loadSamples)],
      ...(figure.note ? { note: figure.note } : {}),
    };
    this.rows.push(row);
    this.loadSamples = [];
    this.sampleLoad();
    return row;
  }

  /** The file this bench writes. */
  get path(): string {
    const smoke = this.options.smoke ?? benchSmoke;
    const directory = this.options.directory ?? process.env.BENCH_RESULTS_DIR ?? resolve(import.meta.dirname, '../../bench-results');
    return smoke ? join(directory, 'smoke', `${this.bench}.json`) : join(directory, `${this.bench}.json`);
  }

  /** Writes every recorded row (replacing the bench's previous file), stops sampling, answers the path. */
  async write(): Promise<string> {
    clearInterval(this.sampler);
    const path = this.path;
    const file: BenchResultsFile = {
      bench: this.bench,
      smoke: this.options.smoke ?? benchSmoke,
      writtenAt: new Date().toISOString(),
      settings: benchSettings(),
      rows: this.rows,
    };
    await mkdir(resolve(path, '..'), { recursive: true });
    await writeFile(path, `${JSON.stringify(file, null, 2)}\n`);
    return path;
  }
}

/** A row as one console line: `name: median unit (low to high, n runs), goal: met, load 1.2-3.4`. */
export function describeRow(row: BenchRow): string {
  const unit = row.unit === 'x' ? 'x' : ` ${row.unit}`;
  const verdict = row.met === null ? 'no goal' : row.met ? 'met' : 'missed';
  return `${row.name}: median ${formatFigure(row.median)}${unit} (${formatFigure(row.low)} to ${formatFigure(row.high)}, ${row.runs} runs); goal ${row.goal}: ${verdict}; load average ${row.loadAverage[0].toFixed(1)} to ${row.loadAverage[1].toFixed(1)}`;
}

/**
 * Runs the variants interleaved (A B A B ...): one warm-up round, then `rounds` measured rounds,
 * answering each variant's values. A variant answers its own figure (ms, a rate...) or nothing,
 * in which case its wall milliseconds are taken.
 */
export async function interleavedRuns<Name extends string>(
  rounds: number,
  variants: Record<Name, () => Promise<number | void> | number | void>,
): Promise<Record<Name, number[]>> {
  const names = Object.keys(variants) as Name[];
  const values = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Name, number[]>;
  for (let round = 0; round <= rounds; round++) {
    for (const name of names) {
      const started = performance.now();
      const answered = await variants[name]();
      const value = typeof answered === 'number' ? answered : performance.now() - started;
      if (round > 0) values[name].push(value);
    }
  }
  return values;
}
