import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createService, type Service } from '@closecross/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { varWorkerService } from '../src/worker/worker-plugin.ts';

// Issue 20: a POST /monte-carlo-task within the work budget (d = 1e8 over 3 moments) ran 80 s
// with /health peaking at 1.8 s: the compute threads took every core at the event loop's own
// priority. They run below it now (nice 10). Measured at a bounded size: d = 2e7 over 3 moments.
let app: Service;
let baseUrl: string;
beforeAll(async () => {
  app = await createService({ name: 'risk-worker-test', modules: [varWorkerService], logLevel: 'silent', auth: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
afterAll(async () => app?.close());

/** The nice value of each thread of this process (Linux keeps one per thread). */
const threadNiceness = () =>
  readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      return [Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16])];
    } catch {
      return []; // a thread that ended meanwhile
    }
  });

// The main thread's own run time (Linux's per-thread schedstat, ns): a gap between timer ticks
// counts as held only for the time the loop ran in it, not the time it waited for a core on a
// shared machine (other test files, other engineers' runs).
const schedstat = `/proc/${process.pid}/task/${process.pid}/schedstat`;
const mainThreadRunMs = () => (existsSync(schedstat) ? Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6 : 0);
// Its time waiting for a core on the run queue (ns): what other processes on a shared machine cost it, not this service.
const mainThreadQueuedMs = () => (existsSync(schedstat) ? Number(readFileSync(schedstat, 'utf8').split(' ')[1]) / 1e6 : 0);

/** The goal for /health: the loop is never held longer while a request within its limits runs. */
const heldBoundMs = 50;

describe.runIf(process.platform === 'linux')('the event loop while compute threads run a task within the budget', () => {
  it('keeps answering /health and runs the compute below the event loop priority', async () => {
    // The compute threads start on first use (loading their code): started here, before the measurement.
    const warm = await fetch(`${baseUrl}/monte-carlo-task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resource: 0, d: 2_000_000, seed: 1, moments: [{ mean: 0, std: 0.01 }] }),
    });
    expect(warm.status).toBe(200);
    const task = {
      resource: 0,
      d: 20_000_000,
      seed: 7,
      moments: [
        { mean: 0, std: 0.01 },
        { mean: 0.001, std: 0.02 },
        { mean: -0.001, std: 0.015 },
      ],
    };
    let lastWall = performance.now();
    let lastRun = mainThreadRunMs();
    let heldMs = 0;
    const ticks = setInterval(() => {
      const wall = performance.now();
      const run = mainThreadRunMs();
      heldMs = Math.max(heldMs, Math.min(wall - lastWall, run - lastRun));
      [lastWall, lastRun] = [wall, run];
    }, 1);
    let running = true;
    let slowestHealthMs = 0;
    let computeNiceness: number[] = [];
    const probing = (async () => {
      while (running) {
        const started = performance.now();
        const queued = mainThreadQueuedMs();
        expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
        // The answer's wall time less the main thread's wait for a core meanwhile (CI saw 923 ms at load 17, on other processes' account).
        slowestHealthMs = Math.max(slowestHealthMs, performance.now() - started - (mainThreadQueuedMs() - queued));
        computeNiceness = threadNiceness().filter((nice) => nice > 0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const response = await fetch(`${baseUrl}/monte-carlo-task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(task),
    }).finally(() => (running = false));
    await probing;
    clearInterval(ticks);
    expect(response.status).toBe(200);
    const { part } = (await response.json()) as { part: { var95: number[] } };
    expect(part.var95).toHaveLength(3);
    // The compute thread that ran it is nice 10; the event loop's thread is not lowered.
    expect(computeNiceness).toContain(10);
    expect(threadNiceness()[0]).toBe(0);
    expect(heldMs).toBeLessThan(heldBoundMs);
    // A /health answer's wall time, less the main thread's wait for a core (other processes' doing): a loose bound.
    expect(slowestHealthMs).toBeLessThan(500);
  });
});
