/**
 * Smoke mode (`BENCH_SMOKE=1`, or `--smoke` after a bench script): every benchmark runs at a tiny
 * size, so CI proves each one still starts and finishes in seconds. Its figures mean nothing.
 */
export const benchSmoke = process.env.BENCH_SMOKE === '1' || process.argv.includes('--smoke');

/** A benchmark's size: the variable `name` when set, else `smoke` in smoke mode, else `full`. */
export function benchSize(name: string, full: number, smoke: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return benchSmoke ? smoke : full;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}
