import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@closecross/dev-postgres';
import { spawnTsx, waitFor, type RunningProcess } from '@closecross/tests/support';

const startEntry = fileURLToPath(new URL('../../../../packages/local-system/src/start.ts', import.meta.url));

export interface RunningSystem {
  url: string;
  apiKey: string;
  password: string;
  process: RunningProcess;
  /** From spawning to "Closecross is running" (includes a dashboard build when its sources changed). */
  startMs: number;
  stop(): Promise<void>;
}

/** The real system, started as `pnpm start` starts it, in a throwaway DATA_DIR on a free port. */
export async function startSystem(env: Record<string, string> = {}): Promise<RunningSystem> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'closecross-dashboard-'));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const started = performance.now();
  const system = spawnTsx(startEntry, { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', ...env });
  await waitFor(async () => system.output().includes('Closecross is running'), 150_000, `the local system (output so far: ${system.output().slice(-400)})`);
  const startMs = performance.now() - started;
  const runtime = JSON.parse(await readFile(path.join(dataDir, 'local-system.json'), 'utf8')) as { admin: { api_key: string; password: string } };
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey: runtime.admin.api_key,
    password: runtime.admin.password,
    process: system,
    startMs,
    async stop() {
      system.child.kill('SIGTERM');
      await system.exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A JSON call with the admin's key; throws with the answer on a non-2xx. */
export async function adminCall<T = unknown>(
  system: RunningSystem,
  method: string,
  route: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<T> {
  const response = await fetch(`${system.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${system.apiKey}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A geometric random walk of daily bars on weekdays, seeded: enough history for the VaR analysis and the candle chart. */
export function dailyBars(
  days: number,
  seed = 7,
  firstDay = '2016-01-04',
): { date: string; open: number; high: number; low: number; close: number; adj_close: number; volume: number }[] {
  let state = seed >>> 0;
  const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const bars = [];
  let close = 100;
  const day = new Date(`${firstDay}T00:00:00Z`);
  while (bars.length < days) {
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) {
      const open = close * (1 + (random() - 0.5) * 0.01);
      close = Math.max(1, open * (1 + (random() - 0.5) * 0.04));
      const high = Math.max(open, close) * (1 + random() * 0.01);
      const low = Math.min(open, close) * (1 - random() * 0.01);
      const round = (value: number) => Math.round(value * 100) / 100;
      bars.push({
        date: day.toISOString().slice(0, 10),
        open: round(open),
        high: round(high),
        low: round(low),
        close: round(close),
        adj_close: round(close),
        volume: Math.round(1e6 + random() * 1e6),
      });
    }
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return bars;
}
