/**
 * Market-data API against raw SQL through `pg`, in one run on one database server:
 * (1) POST /stock_data/ of 50,000 rows vs the same upsert statement sent directly;
 * (2) GET of a whole day (11,000 rows) vs the same SELECT sent directly.
 * The figure is the ratio API / raw (goal: within 1.5x for both).
 */
import http from 'node:http';
import { prepareRows } from '@closecross/contracts';
import { upsertStockRows, withTransaction } from '@closecross/db';
import { createService } from '@closecross/platform';
import { benchSize, generateStockRows, median, startBenchPostgres, timeRuns } from '@closecross/tests/support';
import { marketDataService } from '../src/plugin.ts';

const runs = benchSize('BENCH_RUNS', 5, 1);
const postgres = await startBenchPostgres();
const { pool } = await postgres.database();
// Auth off: the bench measures the API's work, not credential checks (it listens on loopback only).
const app = await createService({ name: 'market-data', modules: [marketDataService], pool, logLevel: 'warn', auth: false });
const base = await app.listen({ host: '127.0.0.1', port: 0 });

const batch = generateStockRows({ dateIds: [1, 2, 3, 4, 5], stocks: 182 }).slice(0, 50_000);
const body = JSON.stringify({ commit: true, data: batch });
const emptyTable = () => pool.query('truncate stock_data, date_mapping cascade').then(() => undefined);

const apiPost = await timeRuns(runs, async () => {
  const response = await fetch(`${base}/stock_data/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (response.status !== 200) throw new Error(`POST failed: ${response.status} ${await response.text()}`);
}, emptyTable);
const rawPost = await timeRuns(runs, async () => {
  const rows = prepareRows(batch);
  await withTransaction(pool, (client) => upsertStockRows(client, rows));
}, emptyTable);

await emptyTable();
await withTransaction(pool, (client) => upsertStockRows(client, prepareRows(generateStockRows({ dateIds: [0], stocks: 200 }))));
// A plain keep-alive HTTP client, as a Python or Java client would be; the time ends when the
// caller holds the rows as objects, as it does for the driver.
const agent = new http.Agent({ keepAlive: true });
const getJson = (url: string) =>
  new Promise<unknown>((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      })
      .on('error', reject);
  });
const apiGet = await timeRuns(runs, async () => {
  const page = (await getJson(`${base}/stock_data/?date_id=0&page_size=20000`)) as { data: unknown[] };
  if (page.data.length !== 11_000) throw new Error(`expected 11,000 rows, got ${page.data.length}`);
});
const rawGet = await timeRuns(runs, async () => {
  const result = await pool.query(
    `select * from stock_data where date_id = $1 order by date_id, seconds_in_bucket, stock_id limit 20000`,
    [0],
  );
  if (result.rows.length !== 11_000) throw new Error('expected 11,000 rows');
});

const rowsPerSecond = (ms: number) => Math.round(50_000 / (ms / 1000));
const report = [
  ['POST /stock_data/ 50,000 rows', `${rowsPerSecond(median(apiPost)).toLocaleString('en')} rows/s (${median(apiPost).toFixed(0)} ms)`, `${rowsPerSecond(median(rawPost)).toLocaleString('en')} rows/s (${median(rawPost).toFixed(0)} ms)`, median(apiPost) / median(rawPost)],
  ['GET a whole day, 11,000 rows', `${median(apiGet).toFixed(1)} ms`, `${median(rawGet).toFixed(1)} ms`, median(apiGet) / median(rawGet)],
] as const;
console.log(`market-data benchmark (PostgreSQL from ${postgres.source}; median of ${runs} runs after a warm-up)`);
console.table(report.map(([work, api, raw, ratio]) => ({ work, api, 'raw SQL (pg)': raw, 'ratio api/raw': ratio.toFixed(2), 'goal <= 1.5': ratio <= 1.5 ? 'met' : 'missed' })));

agent.destroy();
await app.close();
await pool.end();
await postgres.stop();
