/**
 * Trading benchmarks (pnpm --filter @closecross/trading bench; BENCH_SMOKE=1 for tiny sizes):
 * (a) a scan of 500 symbols x 10 years of generated daily bars, as the scan job runs it (goal < 1 s),
 *     beside the rule alone over every bar of every symbol; (a) and (b) each after one untimed run;
 * (b) a backtest of 100 symbols x 10 years, bars read from Postgres included (goal < 5 s);
 * (c) order submit to paper fill through the API (HTTP on loopback, signed in with an API key), p50
 *     and p99 (goal p99 < 10 ms, issue 23), filled at submit from the stored bar of its session.
 *     The service runs in a process of its own (trading-server.ts), this one is its HTTP client, as
 *     a REST client is; `BENCH_WARMUP_ORDERS` (100) orders go first, untimed, as a running service
 *     has compiled its code and planned its statements; then `BENCH_ORDERS` (2,500) in
 *     `BENCH_TRADING_RUNS` runs, so a run's p99 is not decided by its second-worst order of 100.
 * Each figure is recorded (BenchResults 'trading') with its runs: the scan and the backtest
 * `BENCH_TRADING_RUNS` times each, (c) as that many runs of its orders, each run's p99. (c) also
 * reports PostgreSQL round trips per order, each order's time inside the service, the service's GC
 * pauses and which slow orders they fell in, CPU per order (the service process, the bench
 * PostgreSQL) and the service's event-loop delay; `BENCH_SHOW_SERVER=1` prints the service
 * process's own output at the end (e.g. with a `--trace-gc` given it while developing).
 */
import { loadavg } from 'node:os';
import { calendarForSymbol, SimulatedClock } from '@closecross/engine';
import { BenchResults, benchSize, describeRow, median, startBenchPostgres, timeRuns } from '@closecross/tests/support';
import type { DailyBar } from '@closecross/quant';
import { runBacktestJob } from '../src/backtests/backtest-job.ts';
import { PriceReader } from '../src/market/price-reader.ts';
import { ruleFor } from '../src/strategies/strategy-rules.ts';
import { StrategyDesk } from '../src/strategies/strategy-desk.ts';
import { loadTradingConfig } from '../src/trading-config.ts';
import {
  benchTradingService,
  generatedBars,
  insertBars,
  p99Of,
  percentileOf,
  postgresCpuMs,
  postJson,
  processCpuMs,
  signedIn,
  startTradingServer,
} from './bench-support.ts';

const scanSymbols = benchSize('BENCH_SCAN_SYMBOLS', 500, 5);
const backtestSymbols = benchSize('BENCH_BACKTEST_SYMBOLS', 100, 3);
const years = benchSize('BENCH_YEARS', 10, 1);
const orders = benchSize('BENCH_ORDERS', 2_500, 10);
const warmupOrders = benchSize('BENCH_WARMUP_ORDERS', 100, 5);
const runs = Math.max(2, benchSize('BENCH_TRADING_RUNS', 5, 2));
const barsPerSymbol = Math.round(years * 252);
const nyse = calendarForSymbol('SPY');

const postgres = await startBenchPostgres();
const { url: databaseUrl, pool } = await postgres.database();
const symbols = Array.from({ length: Math.max(scanSymbols, backtestSymbols) }, (_, i) => `S${String(i).padStart(3, '0')}`);
const barsOf = new Map<string, DailyBar[]>();
for (const [index, symbol] of symbols.entries()) {
  const bars = generatedBars(barsPerSymbol, index + 1, { from: '2010-01-04', volume: 1_000_000 });
  barsOf.set(symbol, bars);
  await insertBars(pool, symbol, bars);
}
await pool.query('analyze price_bars');

// The bars are history (2010 on): the service's clock stands before the open of the last stored
// NYSE session, so (c)'s orders are for a session still ahead (one that has passed is refused) and
// its stored bar is the first price after them.
const lastSession = barsOf
  .get(symbols[0]!)!
  .map((bar) => bar.date)
  .filter((day) => nyse.isSessionDay(day))
  .at(-1)!;
const clock = new SimulatedClock(nyse.session(lastSession)!.open - 3_600_000);
const config = loadTradingConfig({});
const { app } = await benchTradingService(pool, clock, config);
const strategies = new StrategyDesk(pool);
const definition = {
  account_id: 'paper',
  rule: { kind: 'three_candles' as const, body: 0.01, body_mode: 'relative' as const },
  side_policy: 'long_short' as const,
  warmup_bars: 101,
  schedule: null,
  approval: 'manual' as const,
  entry: { timing: 'close' as const },
  sizing: { mode: 'fixed_quantity' as const, quantity: 1 },
  exits: { after_bars: 7 },
  allocation: 1_000_000,
  enabled: true,
};
const scanStrategy = await strategies.create({ ...definition, name: 'bench-scan', universe: symbols.slice(0, scanSymbols) }, 'bench');
const backtestStrategy = await strategies.create({ ...definition, name: 'bench-backtest', universe: symbols.slice(0, backtestSymbols) }, 'bench');

const loads: number[] = [loadavg()[0]!];
// (a) The scan job, through the engine, `runs` times after one untimed warm-up, as every other
// figure here is taken (the first scan in a fresh process compiles its code and plans its
// statements: about twice a later one's time); the timed ones find the warm-up's signals.
const scanTimes = await timeRuns(runs, async () => {
  const { job_id: jobId } = (await app.inject({ method: 'POST', url: `/trading/strategies/${scanStrategy.id}/scans`, headers: signedIn, payload: {} })).json();
  for (;;) {
    const job = (await app.inject({ url: `/jobs/${jobId}`, headers: signedIn })).json();
    if (job.status === 'succeeded' || job.status === 'failed') {
      if (job.status === 'failed') throw new Error(job.error);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
});
const ruleStarted = performance.now();
let fired = 0;
for (const symbol of symbols.slice(0, scanSymbols)) {
  const rule = ruleFor(definition.rule);
  for (const bar of barsOf.get(symbol)!) if (rule.update(bar)) fired++;
}
const ruleMs = performance.now() - ruleStarted;

// (b) The backtest job's work: bars from Postgres, the simulation, the performance report.
const prices = new PriceReader(pool, config.TRADING_LATEST_QUOTE_TABLE);
let trades = 0;
const backtestTimes = await timeRuns(runs, async () => {
  trades = (await runBacktestJob({ pool, strategies, prices }, { strategy_id: backtestStrategy.id })).metrics.trades;
});

// (c) Market orders for the last stored session (the clock before its open): each fills at submit, from that session's bar.
// The service answering them runs in a process of its own (trading-server.ts), as a REST client
// meets it: this process is its HTTP client only, so the client's garbage and CPU are not charged
// to the service's event loop. The in-process service of (a) and (b) is closed first (its job
// engine would otherwise poll the same database meanwhile).
await app.close();
// A channel that wants order_filled, switched on for every other order (untimed), so the fill's
// alert is measured against the same run without it; no deliverer runs here, deliveries wait.
await pool.query(
  "insert into alert_channel (name, kind, config, events) values ('bench-fills', 'webhook', '{\"url\": \"http://127.0.0.1:9/hook\"}', '{order_filled}')",
);
const { server, url: serverUrl, pid: serverPid, report: serverReportOf } = await startTradingServer(databaseUrl, String(clock.nowMs()));
const sendOrder = async (i: number) => {
  await pool.query("update alert_channel set enabled = $1 where name = 'bench-fills'", [i % 2 === 0]);
  const started = performance.now();
  // Over HTTP with the bench's API key, as a user places an order (sign-in, its scope, the audit line).
  const response = await postJson(`${serverUrl}/trading/orders`, {
    symbol: symbols[i % symbols.length],
    side: i % 2 ? 'sell' : 'buy',
    quantity: 1,
    type: 'market',
    session_date: lastSession,
  });
  const elapsed = performance.now() - started;
  if (response.json.state !== 'filled') throw new Error(`order not filled: ${response.status} ${JSON.stringify(response.json)}`);
  return { elapsed, sentAt: performance.timeOrigin + started };
};
// Warm-up, untimed: a fresh process's first orders compile the service's code and plan its
// statements on each pooled connection (the first took 20 to 100 ms); a running service has.
for (let i = 0; i < warmupOrders; i++) await sendOrder(i);
server.child.kill('SIGUSR2');
const filledAlertCount = async () => (await pool.query<{ n: number }>("select count(*)::int as n from alert where event = 'order_filled'")).rows[0]!.n;
const alertsBefore = await filledAlertCount();
await new Promise((resolve) => setTimeout(resolve, 100));
const latencies: number[] = [];
const withAlert: number[] = [];
const withoutAlert: number[] = [];
const sentAt: number[] = [];
// CPU the orders cost, apart from wall time (which other processes on a shared machine stretch): the service process's, and the bench PostgreSQL's.
const serverCpuBefore = processCpuMs(serverPid);
const clientCpuBefore = process.cpuUsage();
const postgresCpuBefore = await postgresCpuMs(pool);
for (let i = 0; i < orders; i++) {
  const order = await sendOrder(i);
  latencies.push(order.elapsed);
  sentAt.push(order.sentAt);
  (i % 2 === 0 ? withAlert : withoutAlert).push(order.elapsed);
}
const serverCpuPerOrder = (processCpuMs(serverPid) - serverCpuBefore) / orders;
const clientCpuPerOrder = (() => {
  const used = process.cpuUsage(clientCpuBefore);
  return (used.user + used.system) / 1000 / orders;
})();
const postgresCpuPerOrder = ((await postgresCpuMs(pool)) - postgresCpuBefore) / orders;
loads.push(loadavg()[0]!);
server.child.kill('SIGTERM');
// Its report is one long line: read to the end of its output, not just to its exit (a full run's was cut at 146 KB).
await server.closed;
if (process.env.BENCH_SHOW_SERVER)
  console.log(
    server
      .output()
      .split('\n')
      .filter((line) => !line.startsWith('report'))
      .join('\n'),
  );
const serverReport = await serverReportOf<{
  orders: { at: number; answered: number; statements: number }[];
  pauses: { at: number; ms: number; kind: number }[];
  loopDelayP99: number;
  loopDelayMax: number;
}>();
const roundTrips = serverReport.orders.map((order) => order.statements);
const loopDelayP99 = serverReport.loopDelayP99;
const loopDelayMax = serverReport.loopDelayMax;
// Each order's time in the service (arrival to answer sent) beside the client's, and the service's GC pauses inside it: what the slow ones waited on.
const inService = serverReport.orders.map((order) => order.answered - order.at);
const slowest = latencies
  .map((elapsed, i) => ({ elapsed, i }))
  .sort((a, b) => b.elapsed - a.elapsed)
  .slice(0, Math.max(2, Math.ceil(orders / 100)));
/** The service's note of the order sent at `at` (epoch ms) and answered `elapsed` ms later: the one that arrived inside that span. */
const servedOrder = (at: number, elapsed: number) => serverReport.orders.find((order) => order.at >= at - 1 && order.answered <= at + elapsed + 1);
const describeSlow = slowest.map(({ elapsed, i }) => {
  const served = servedOrder(sentAt[i]!, elapsed);
  const gc = served ? serverReport.pauses.filter((pause) => pause.at + pause.ms >= served.at && pause.at <= served.answered) : [];
  return `${elapsed.toFixed(1)} ms (service ${served ? (served.answered - served.at).toFixed(1) : '?'} ms${gc.length ? `, GC ${gc.map((pause) => `${pause.kind === 1 ? 'minor' : pause.kind === 4 ? 'major' : `kind ${pause.kind}`} ${pause.ms.toFixed(1)}`).join(' + ')} ms` : ''})`;
});
const minorPauses = serverReport.pauses.filter((pause) => pause.kind === 1).map((pause) => pause.ms);
const majorPauses = serverReport.pauses.filter((pause) => pause.kind === 4).map((pause) => pause.ms);
const percentile = (p: number) => percentileOf(latencies, p);
/** The orders in `runs` consecutive runs (the alert channel alternating inside each), each run's p99. */
const perRun = Math.max(1, Math.ceil(latencies.length / runs));
const orderRunP99s = Array.from({ length: Math.ceil(latencies.length / perRun) }, (_, run) => p99Of(latencies.slice(run * perRun, (run + 1) * perRun)));
const filledAlerts = (await filledAlertCount()) - alertsBefore;

console.log(
  `trading bench (${postgres.source}; ${years} years = ${barsPerSymbol} bars a symbol; load average ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)})`,
);
console.log(
  `(a) scan job, ${scanSymbols} symbols: median ${median(scanTimes).toFixed(0)} ms (runs ${scanTimes.map((t) => t.toFixed(0)).join(', ')}); the rule alone over all ${scanSymbols * barsPerSymbol} bars: ${ruleMs.toFixed(0)} ms, ${fired} signals; goal < 1000 ms`,
);
console.log(`(b) backtest, ${backtestSymbols} symbols: median ${median(backtestTimes).toFixed(0)} ms, ${trades} trades; goal < 5000 ms`);
console.log(
  `(c) order submit to paper fill, ${orders} orders after ${warmupOrders} untimed (the service in its own process): p50 ${percentile(50).toFixed(2)} ms, p99 ${percentile(99).toFixed(2)} ms; goal p99 < 10 ms`,
);
console.log(`    in the service (arrival to answer sent): p50 ${percentileOf(inService, 50).toFixed(2)} ms, p99 ${percentileOf(inService, 99).toFixed(2)} ms`);
console.log(
  `    the service's GC pauses: ${minorPauses.length} minor (p50 ${minorPauses.length ? percentileOf(minorPauses, 50).toFixed(1) : '-'}, max ${minorPauses.length ? Math.max(...minorPauses).toFixed(1) : '-'} ms), ${majorPauses.length} major (max ${majorPauses.length ? Math.max(...majorPauses).toFixed(1) : '-'} ms); the slowest orders: ${describeSlow.join('; ')}`,
);
console.log(
  `    PostgreSQL round trips per order: median ${median(roundTrips)} (${Math.min(...roundTrips)} to ${Math.max(...roundTrips)}); event-loop delay p99 ${loopDelayP99.toFixed(2)} ms, max ${loopDelayMax.toFixed(2)} ms`,
);
console.log(
  `    CPU per order: the service process ${serverCpuPerOrder.toFixed(2)} ms, the bench (HTTP client, the alert-channel switch) ${clientCpuPerOrder.toFixed(2)} ms, PostgreSQL (the switch included) ${postgresCpuPerOrder.toFixed(2)} ms`,
);
console.log(
  `    with a channel wanting order_filled (${withAlert.length} orders, ${filledAlerts} alerts written): p50 ${percentileOf(withAlert, 50).toFixed(2)} ms, p99 ${percentileOf(withAlert, 99).toFixed(2)} ms; without: p50 ${percentileOf(withoutAlert, 50).toFixed(2)} ms, p99 ${percentileOf(withoutAlert, 99).toFixed(2)} ms`,
);
const results = new BenchResults('trading');
for (const row of [
  results.record({
    name: `scan job, ${scanSymbols} symbols x ${years} years`,
    unit: 'ms',
    runs: scanTimes,
    goal: { below: 1000 },
    note: `through the job API; the rule alone over the same bars ${ruleMs.toFixed(0)} ms`,
  }),
  results.record({
    name: `backtest, ${backtestSymbols} symbols x ${years} years, bars read included`,
    unit: 'ms',
    runs: backtestTimes,
    goal: { below: 5000 },
    note: `${trades} trades`,
  }),
  results.record({
    name: 'order submit to paper fill from the stored bar (HTTP, API key), p99',
    unit: 'ms',
    runs: orderRunP99s,
    goal: { below: 10 },
    note: `p99 of each run of ${perRun} orders (pooled p50 ${percentile(50).toFixed(2)} ms) after ${warmupOrders} untimed, the service in its own process, this one its HTTP client; every other order with a channel wanting order_filled; ${median(roundTrips)} PostgreSQL round trips an order (median; ${Math.min(...roundTrips)} to ${Math.max(...roundTrips)}); in the service p99 ${percentileOf(inService, 99).toFixed(1)} ms; its GC: ${minorPauses.length} minor pauses (max ${minorPauses.length ? Math.max(...minorPauses).toFixed(1) : '-'} ms), ${majorPauses.length} major; its event-loop delay p99 ${loopDelayP99.toFixed(1)} ms; CPU per order: the service process ${serverCpuPerOrder.toFixed(2)} ms, PostgreSQL ${postgresCpuPerOrder.toFixed(2)} ms`,
  }),
])
  console.log(describeRow(row));
console.log(`results: ${await results.write()}`);
await pool.end();
await postgres.stop();
