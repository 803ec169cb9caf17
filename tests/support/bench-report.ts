/**
 * The benchmark table of docs/benchmarks.md, written from the files the benches record
 * (`bench-results/*.json`, see bench-results.ts) between two markers, so the table is always the
 * one the last runs wrote.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatFigure, type BenchResultsFile, type BenchRow } from './bench-results.ts';

/** The page that holds the table, from the repository root: where `pnpm bench:report` writes. */
export const benchReportPage = 'docs/benchmarks.md';

export const tableStart = '<!-- bench-table:start (written by `pnpm bench:report` from bench-results/; do not edit by hand) -->';
export const tableEnd = '<!-- bench-table:end -->';

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function measured(row: BenchRow): string {
  const unit = row.unit === 'x' ? 'x' : ` ${row.unit}`;
  const spread = row.runs > 1 ? ` (${formatFigure(row.low)} to ${formatFigure(row.high)}, ${row.runs} runs)` : ' (1 run)';
  return `${formatFigure(row.median)}${unit}${spread}${row.note ? `; ${row.note}` : ''}`;
}

/** The markdown table of every full-size result file, benches in name order, rows as recorded. */
export function renderBenchTable(files: BenchResultsFile[]): string {
  const lines = ['| bench | benchmark | median (spread) | goal | met | load average | run at (UTC) |', '|---|---|---|---|---|---|---|'];
  for (const file of [...files].sort((a, b) => a.bench.localeCompare(b.bench))) {
    // A run given other sizes than the defaults says so beside its name.
    const settings = Object.entries(file.settings ?? {}).map(([name, value]) => `${name}=${value}`);
    const bench = settings.length > 0 ? `${file.bench} (${settings.join(', ')})` : file.bench;
    for (const row of file.rows) {
      const met = row.met === null ? '–' : row.met ? 'met' : '**missed**';
      const load = `${row.loadAverage[0].toFixed(1)} to ${row.loadAverage[1].toFixed(1)}`;
      lines.push(
        `| ${cell(bench)} | ${cell(row.name)} | ${cell(measured(row))} | ${cell(row.goal)} | ${met} | ${load} | ${file.writtenAt.slice(0, 16).replace('T', ' ')} |`,
      );
    }
  }
  if (lines.length === 2) lines.push('| – | no full-size run recorded yet: run `pnpm bench`, then `pnpm bench:report` | | | | | |');
  return lines.join('\n');
}

/** The text with everything between the markers replaced by `table`; both markers must be there, once each, in order. */
export function replaceBetweenMarkers(text: string, table: string): string {
  const start = text.indexOf(tableStart);
  const end = text.indexOf(tableEnd);
  if (start === -1 || end === -1 || end < start || text.indexOf(tableStart, start + 1) !== -1 || text.indexOf(tableEnd, end + 1) !== -1) {
    throw new Error(`the benchmarks page must hold the line "${tableStart}" once, followed later by "${tableEnd}" once`);
  }
  return `${text.slice(0, start + tableStart.length)}\n${table}\n${text.slice(end)}`;
}

/** Reads every `<bench>.json` in `directory` (not smoke/), skipping none silently: a broken file is an error. */
export async function readBenchResults(directory: string): Promise<BenchResultsFile[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: BenchResultsFile[] = [];
  for (const name of names) {
    const file = JSON.parse(await readFile(join(directory, name), 'utf8')) as BenchResultsFile;
    if (file.smoke) throw new Error(`${name} holds smoke figures; smoke runs write bench-results/smoke/`);
    if (!Array.isArray(file.rows)) throw new Error(`${name} has no rows array`);
    files.push(file);
  }
  return files;
}

/** Writes the table of `directory`'s results into the page at `pagePath`; answers how many rows. */
export async function writeBenchReport(directory: string, pagePath: string): Promise<number> {
  const files = await readBenchResults(directory);
  const page = await readFile(pagePath, 'utf8');
  await writeFile(pagePath, replaceBetweenMarkers(page, renderBenchTable(files)));
  return files.reduce((count, file) => count + file.rows.length, 0);
}
