/**
 * Ticks through one price worker into bars and out to 50 SSE clients, on loopback: the replay
 * provider at full speed feeds the worker; every client takes every symbol. Prints ticks/s in,
 * ticks/s delivered per client, tick-to-client latency p50/p99 (worker receipt to client parse),
 * and the bars stored. The replay is paced to BENCH_RATE ticks/s in total (trades and quotes) for
 * BENCH_SECONDS; BENCH_CLIENTS clients.
 */
import type { AddressInfo } from 'node:net';
import { createService } from '@closecross/platform';
import { benchSize, startBenchPostgres } from '@closecross/tests/support';
import { loadPricesConfig, pricesServiceWith } from '../src/index.ts';
import { feedKeyOf } from '../src/providers/adapter.ts';
import { createSubscription } from '../src/store/subscriptions.ts';
import { writeReplayFiles } from '../test/replay-fixture.ts';
import { openSse } from '../test/sse-client.ts';

const rate = benchSize('BENCH_RATE', 20_000, 500);
const runSeconds = benchSize('BENCH_SECONDS', 10, 2);
const clients = benchSize('BENCH_CLIENTS', 50, 3);
const symbols = ['S01', 'S02', 'S03', 'S04'];
const fixture = writeReplayFiles(symbols, 2_000, 3);
// The replay plays a trade and a quote per 15 data seconds of a symbol: speed for `rate` in total.
const speed = (rate / symbols.length) * 7.5;

const postgres = await startBenchPostgres();
const { pool } = await postgres.database();
const config = loadPricesConfig({ PRICES_REPLAY_DIR: fixture.folder, PRICES_REPLAY_SPEED: String(speed), PRICES_FLUSH_MS: '1000', PRICES_PUBLISH_MS: '10' });
const app = await createService({ name: 'prices', modules: [pricesServiceWith({ config })], pool, auth: false, logLevel: 'error' });
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

// Client 0 parses every tick for its latency; the others count frames (parsing 50 copies of every
// tick in this one process would measure the bench, not the service).
const streams = Array.from({ length: clients }, (_, index) => openSse(`${base}/prices/stream`, {}, { countOnly: index > 0 }));
await Promise.all(streams.map((stream) => stream.status));
const started = Date.now();
for (const symbol of symbols) await createSubscription(pool, { provider: 'replay', symbol, channels: ['trades', 'quotes'], feed: feedKeyOf('replay', symbol, config.ALPACA_DATA_STREAM_URL) });
await app.inject({ method: 'GET', url: '/prices/subscriptions' });

await new Promise((resolve) => setTimeout(resolve, runSeconds * 1000));
for (const stream of streams) stream.close();
const seconds = (Date.now() - started) / 1000;
const delivered = streams.map((stream) => stream.count());
const latencies = streams[0]!.events.map((event) => event.receivedAt - Number(event.data.received_at)).sort((a, b) => a - b);
const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;

await app.close(); // flushes the last bars
const stored = await pool.query<{ bars: number; ticks: number }>('select (select count(*)::int from price_bar_1m) as bars, (select sum(ticks)::float8 from price_subscription) as ticks');
console.log(`prices bench: ${symbols.length} replayed symbols paced to ${rate} ticks/s for ${runSeconds} s, one worker, ${clients} SSE clients${rate < 5_000 ? ' (smoke: figures mean nothing)' : ''}`);
console.log(`  ticks stored by the worker: ${stored.rows[0]!.ticks} in ${seconds.toFixed(1)} s = ${Math.round(stored.rows[0]!.ticks / seconds)} ticks/s into ${stored.rows[0]!.bars} one-minute bars`);
console.log(`  delivered to client 0: ${delivered[0]} (${Math.round(delivered[0]! / seconds)} ticks/s); to all ${clients}: ${delivered.reduce((a, b) => a + b, 0)} (${Math.round(delivered.reduce((a, b) => a + b, 0) / seconds)} ticks/s); fewest to one client ${Math.min(...delivered)}`);
console.log(`  tick-to-client latency (worker receipt to client parse): p50 ${percentile(0.5)} ms, p99 ${percentile(0.99)} ms`);
await pool.end();
await postgres.stop();
