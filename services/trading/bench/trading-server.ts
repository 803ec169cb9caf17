/**
 * The trading service alone in its own process, as a REST client meets it (trading.bench.ts (c)):
 * the bench's HTTP client (its requests, answers and garbage) runs in the bench's process and is
 * not charged to this one's event loop and heap. Sign-in is on (the bench's admin API key), the
 * job API is mounted, no schedules. Serves on 127.0.0.1 and prints `listening <address>`.
 *
 * While it runs it notes, for each `POST /trading/orders`, its arrival and answer (epoch ms,
 * performance.timeOrigin + now) and the PostgreSQL statements it sent, and every GC pause of
 * this process (perf_hooks 'gc' entries). On SIGTERM it writes its report (JSON) to the file the
 * bench named, then closes: those notes, its own CPU time and the event loop's delay, for the
 * bench to correlate its slow orders with. (A file, not its output: a full run's report is over
 * 146 KB, and on the shared stdout/stderr pipe another line landed inside it.)
 * Usage: trading-server.ts <database url> <the clock: epoch ms of a simulated clock, or `system`> <report file>
 */
import { SimulatedClock, systemClock } from '@closecross/engine';
import { createPool } from '@closecross/platform';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import pg from 'pg';
import { loadTradingConfig } from '../src/trading-config.ts';
import { benchTradingService } from './bench-support.ts';

const [databaseUrl, clockMs, reportFile] = process.argv.slice(2);
if (!databaseUrl || !clockMs || !reportFile) throw new Error('usage: trading-server.ts <database url> <clock epoch ms | system> <report file>');
const clock = clockMs === 'system' ? systemClock : new SimulatedClock(Number(clockMs));
const pool = createPool({ connectionString: databaseUrl, max: 10 });

const epochNow = () => performance.timeOrigin + performance.now();
/** One order request: arrival, answer sent (epoch ms) and the statements sent meanwhile. */
const orders: { at: number; answered: number; statements: number }[] = [];
/** GC pauses: start (epoch ms), duration (ms), kind (perf_hooks: 1 minor, 4 major, 8 incremental, 16 weak callbacks). */
const pauses: { at: number; ms: number; kind: number }[] = [];
let statements = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    pauses.push({ at: performance.timeOrigin + entry.startTime, ms: entry.duration, kind: (entry as { detail?: { kind?: number } }).detail?.kind ?? 0 });
}).observe({ entryTypes: ['gc'] });
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
// At the HTTP server, not as Fastify hooks: the request's arrival before Fastify sees it, its answer's last byte handed to the socket.
const { app, baseUrl } = await benchTradingService(pool, clock, loadTradingConfig({}), (service) =>
  service.server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'POST' || request.url !== '/trading/orders') return;
    const started = { at: epochNow(), statements };
    response.once('finish', () => orders.push({ at: started.at, answered: epochNow(), statements: statements - started.statements }));
  }),
);

// Counted from here: the service's own start (migrations checked, the admin key stored) is not an order's.
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

/** SIGUSR2 starts the timed part: notes and the loop's delay from then on. */
process.on('SIGUSR2', () => {
  orders.length = 0;
  pauses.length = 0;
  loopDelay.reset();
  loopDelay.enable();
});
console.log(`listening ${baseUrl}`);
process.once('SIGTERM', () => {
  loopDelay.disable();
  const cpu = process.cpuUsage();
  const report = JSON.stringify({
    orders,
    pauses,
    cpuMs: (cpu.user + cpu.system) / 1000,
    loopDelayP99: loopDelay.percentile(99) / 1e6,
    loopDelayMax: loopDelay.max / 1e6,
  });
  // Written at once: another SIGTERM listener (the platform's) may end the process before a later tick.
  writeFileSync(reportFile, report);
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
