/**
 * Market-data API against the same SQL through plain `pg`, in one run on one database server,
 * interleaved (API, raw, API, raw ...; one warm-up round, then BENCH_RUNS rounds):
 * (1) POST /stock_data/ of 50,000 rows vs the same upsert statement sent by plain `pg` (its own
 *     parameter encoding, rows already in memory as objects), and beside it our binary-array upsert alone;
 * (2) GET of a whole day (11,000 rows) over HTTP until the client holds parsed rows, vs the same
 *     SELECT through `pg` until it holds row objects.
 * Each ratio is taken per round (both sides under the same load), then the median and spread of the
 * rounds. Goal: within 1.3x for both. The load average is printed beside each figure.
 * Every timed run starts from a collected heap, so no side pays for the garbage of the one before;
 * the GET, some 50 ms a side, runs BENCH_GET_RUNS rounds (15) after three warm-up requests a side.
 */
import http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { prepareRows } from '@closecross/contracts';
import { stockDataColumns, upsertStockRows, withTransaction } from '@closecross/db';
import { createService } from '@closecross/platform';
import { BenchResults, benchSize, describeRow, generateStockRows, interleavedRuns, startBenchPostgres } from '@closecross/tests/support';
import { marketDataService } from '../src/plugin.ts';

const runs = benchSize('BENCH_RUNS', 5, 2);
const getRuns = benchSize('BENCH_GET_RUNS', 15, 2);
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const postRows = benchSize('BENCH_POST_ROWS', 50_000, 2_000);
const results = new BenchResults('market-data');
const postgres = await startBenchPostgres();
const { pool } = await postgres.database();
// Auth off: the bench measures the API's work, not credential checks (it listens on loopback only).
const app = await createService({ name: 'market-data', modules: [marketDataService], pool, logLevel: 'warn', auth: false });
const base = await app.listen({ host: '127.0.0.1', port: 0 });

const batch = generateStockRows({ dateIds: [1, 2, 3, 4, 5], stocks: 182 }).slice(0, postRows);
const body = JSON.stringify({ commit: true, data: batch });
const emptyTable = () => pool.query('truncate stock_data, date_mapping cascade').then(() => undefined);

// The raw side: the statement written out here, not imported, sent as plain `pg` sends it (each
// column a JS array, which pg encodes as an array literal). The same rows, the same result.
const columnNames = stockDataColumns.map(([name]) => name);
const valueColumns = columnNames.slice(3);
const plainUpsertSql = `
  insert into stock_data (${columnNames.join(', ')})
  select * from unnest(${stockDataColumns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
  on conflict (stock_id, date_id, seconds_in_bucket) do update set ${valueColumns.map((name) => `${name} = excluded.${name}`).join(', ')}
  where (${valueColumns.map((name) => `stock_data.${name}`).join(', ')}) is distinct from (${valueColumns.map((name) => `excluded.${name}`).join(', ')})`;
async function plainPgUpsert(rows: readonly Record<string, unknown>[]): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('insert into date_mapping (date_id) select unnest($1::int4[]) on conflict (date_id) do nothing', [
      [...new Set(rows.map((row) => row.date_id))],
    ]);
    const written = await client.query(
      plainUpsertSql,
      columnNames.map((name) => rows.map((row) => (name === 'row_id' ? `${row.date_id}_${row.seconds_in_bucket}_${row.stock_id}` : (row[name] ?? null)))),
    );
    await client.query('commit');
    return written.rowCount ?? 0;
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

/** A side's milliseconds, from a collected heap (outside the timing). */
const timed = (work: () => Promise<unknown>) => async () => {
  collectGarbage();
  const started = performance.now();
  await work();
  return performance.now() - started;
};
/** The same, the table emptied before (outside) the timing. */
const timedOnEmptyTable = (work: () => Promise<unknown>) => async () => {
  await emptyTable();
  return timed(work)();
};

const post = await interleavedRuns(runs, {
  api: timedOnEmptyTable(async () => {
    const response = await fetch(`${base}/stock_data/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = (await response.json()) as { written?: number };
    if (response.status !== 200 || answer.written !== batch.length) throw new Error(`POST failed: ${response.status} ${JSON.stringify(answer)}`);
  }),
  raw: timedOnEmptyTable(async () => {
    if ((await plainPgUpsert(batch as never)) !== batch.length) throw new Error('the plain upsert wrote the wrong number of rows');
  }),
  ours: timedOnEmptyTable(() => withTransaction(pool, (client) => upsertStockRows(client, prepareRows(batch)))),
});

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
const getSides = {
  api: async () => {
    const page = (await getJson(`${base}/stock_data/?date_id=0&page_size=20000`)) as { data: unknown[] };
    if (page.data.length !== 11_000) throw new Error(`expected 11,000 rows, got ${page.data.length}`);
  },
  raw: async () => {
    const result = await pool.query(`select * from stock_data where date_id = $1 order by date_id, seconds_in_bucket, stock_id limit 20000`, [0]);
    if (result.rows.length !== 11_000) throw new Error('expected 11,000 rows');
  },
};
for (let warmUp = 0; warmUp < 3; warmUp++) {
  await getSides.api();
  await getSides.raw();
}
// Beside the wall time, this thread's CPU time (the server's and the client's work for the API, the
// driver's for raw; not Postgres's): steadier than wall time on a busy machine.
const getCpu = { api: [] as number[], raw: [] as number[] };
const timedGet = (side: keyof typeof getSides) => async () => {
  collectGarbage();
  const cpuBefore = process.threadCpuUsage();
  const started = performance.now();
  await getSides[side]();
  const elapsed = performance.now() - started;
  const cpu = process.threadCpuUsage(cpuBefore);
  getCpu[side].push((cpu.user + cpu.system) / 1000);
  return elapsed;
};
const get = await interleavedRuns(getRuns, { api: timedGet('api'), raw: timedGet('raw') });
// interleavedRuns drops its warm-up round's times: so do these.
getCpu.api.shift();
getCpu.raw.shift();

const ratios = (a: number[], b: number[]) => a.map((value, index) => value / b[index]!);
const rowsText = `${postRows.toLocaleString('en-US')} rows`;
console.log(
  `market-data benchmark (PostgreSQL from ${postgres.source}; ${runs} interleaved POST rounds and ${getRuns} GET rounds after a warm-up, each run from a collected heap; ratios per round)`,
);
for (const row of [
  results.record({
    name: `POST /stock_data/ ${rowsText}, API / the same upsert through plain pg`,
    unit: 'x',
    runs: ratios(post.api, post.raw),
    goal: { atMost: 1.3 },
    note: 'per-round ratio of wall times; the raw side starts from row objects in memory',
  }),
  results.record({ name: `POST /stock_data/ ${rowsText}, API`, unit: 'ms', runs: post.api }),
  results.record({ name: `POST ${rowsText}, the same upsert through plain pg`, unit: 'ms', runs: post.raw }),
  results.record({
    name: `POST ${rowsText}, our binary-array upsert alone (upsertStockRows)`,
    unit: 'ms',
    runs: post.ours,
    note: 'what the API writes with: for reference, no goal',
  }),
  results.record({
    name: 'GET a day (11,000 rows) over HTTP until parsed, API / SELECT through pg until row objects',
    unit: 'x',
    runs: ratios(get.api, get.raw),
    goal: { atMost: 1.3 },
  }),
  results.record({ name: 'GET a day (11,000 rows), API over HTTP until parsed', unit: 'ms', runs: get.api }),
  results.record({ name: 'GET a day (11,000 rows), SELECT through pg until row objects', unit: 'ms', runs: get.raw }),
  results.record({
    name: 'GET a day (11,000 rows), thread CPU per request, API (server and client) / SELECT through pg (driver)',
    unit: 'x',
    runs: ratios(getCpu.api, getCpu.raw),
    note: "this process's thread CPU time, not Postgres's: steadier than wall time on a busy machine; for reference, no goal",
  }),
]) {
  console.log(`  ${describeRow(row)}`);
}
console.log(`results: ${await results.write()}`);

agent.destroy();
await app.close();
await pool.end();
await postgres.stop();
