/**
 * `pnpm bench:report`: writes the benchmark table of docs/benchmarks.md from bench-results/*.json (what the
 * last full-size run of each bench recorded). BENCH_RESULTS_DIR reads another folder.
 */
import { resolve } from 'node:path';
import { benchReportPage, writeBenchReport } from '../tests/support/bench-report.ts';

const root = resolve(import.meta.dirname, '..');
const directory = process.env.BENCH_RESULTS_DIR ?? resolve(root, 'bench-results');
const rows = await writeBenchReport(directory, resolve(root, benchReportPage));
console.log(`${benchReportPage}: benchmark table written, ${rows} rows from ${directory}`);
