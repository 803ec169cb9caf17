import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@closecross/dev-postgres';
import { spawnTsx, waitFor, type RunningProcess } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReplayFiles } from './replay-fixture.ts';
import { openSse } from './sse-client.ts';

// pnpm start, as a user runs it: the local system finds services/prices from its declaration.
const startEntry = fileURLToPath(new URL('../../../packages/local-system/src/start.ts', import.meta.url));
const fixture = writeReplayFiles(['AAPL', 'MSFT'], 120, 5);
let dataDir: string;
let system: RunningProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'closecross-prices-local-'));
  await chmod(dataDir, 0o755);
});
afterAll(async () => {
  system?.child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('live prices in pnpm start', () => {
  it('subscribing to replayed symbols delivers ticks over SSE within a second, bars of them are stored under the minutes of now, and GET /workers shows the worker, the ingestor and the job runners', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    system = spawnTsx(startEntry, { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', PRICES_REPLAY_DIR: fixture.folder });
    await waitFor(async () => system!.output().includes('Closecross is running'), 120_000, 'the local system').catch((error: Error) => {
      throw new Error(`${error.message}; its output: ${system!.output()}`);
    });
    const runtime = JSON.parse(await readFile(path.join(dataDir, 'local-system.json'), 'utf8'));
    const auth = { authorization: `Bearer ${runtime.admin.api_key}` };

    expect((await fetch(`${base}/prices/subscriptions`)).status).toBe(401);
    const stream = openSse(`${base}/prices/stream?symbols=AAPL,MSFT`, auth);
    expect(await stream.status).toBe(200);
    const subscribedAt = Date.now();
    for (const symbol of ['AAPL', 'MSFT']) {
      const created = await fetch(`${base}/prices/subscriptions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'replay', symbol }),
      });
      expect(created.status).toBe(201);
    }
    // The contract of the issue: ticks of both reach the client within a second of subscribing.
    await waitFor(
      async () => ['AAPL', 'MSFT'].every((symbol) => stream.events.some((event) => event.data.symbol === symbol)),
      1_000,
      'ticks of both symbols over SSE',
    );
    console.info(
      `first ticks of both symbols ${Math.max(...['AAPL', 'MSFT'].map((symbol) => stream.events.find((event) => event.data.symbol === symbol)!.receivedAt)) - subscribedAt} ms after subscribing`,
    );

    // The bars stored are those of the ticks published, under the minutes of now (a bar a real minute).
    const aaplBars = async () =>
      ((await (await fetch(`${base}/prices/AAPL/bars`, { headers: auth })).json()) as { bars: { start: string; volume: number }[] }).bars;
    await waitFor(async () => (await aaplBars()).length >= 1, 20_000, 'a bar of the ticks');
    const firstBar = (await aaplBars())[0]!;
    expect(Date.parse(firstBar.start)).toBeGreaterThanOrEqual(subscribedAt - (subscribedAt % 60_000));
    expect(Date.parse(firstBar.start)).toBeLessThanOrEqual(Date.now());
    expect(firstBar.volume).toBeGreaterThan(0);
    const fleet = async () => ((await (await fetch(`${base}/workers`, { headers: auth })).json()) as { workers: { kind: string; holds: string[] }[] }).workers;
    // The fleet row shows what a worker holds as of its last heartbeat (a lease round): wait for it.
    await waitFor(
      async () => (await fleet()).some((worker) => worker.kind === 'price-worker' && worker.holds.length === 2),
      10_000,
      'the fleet view to show both held',
    );
    const workers = await fleet();
    expect(workers.filter((worker) => worker.kind === 'price-worker')).toEqual([expect.objectContaining({ holds: ['AAPL', 'MSFT'] })]);
    expect(workers.map((worker) => worker.kind)).toContain('ingestor');
    // The job engines that run kinds (model training, analyses, trading scans) are in the fleet too.
    expect(workers.filter((worker) => worker.kind === 'jobs').length).toBeGreaterThan(0);
    stream.close();

    system.child.kill('SIGTERM');
    const exitCode = await system.exited;
    expect(exitCode, `exit code ${exitCode}; its output: ${system.output().slice(-4_000)}`).toBe(0);
    system = undefined;
  }, 180_000);
});
