import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createPool } from '@closecross/platform';
import { bulkLoad, LoadError } from './auction-files/bulk-load.ts';
import { readLocalSystem } from './local-stream.ts';
import { progressBar } from './progress-bar.ts';

const usage = `pnpm load <csv> [--database-url URL] [--train-type TAG]
  Backfills auction rows from a CSV (the competition's files as they are): COPY in batches on one
  connection while another merges each into the table, all in one transaction. Default database:
  the running local system's, else DATABASE_URL.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'database-url': { type: 'string' }, 'train-type': { type: 'string' }, help: { type: 'boolean', default: false } },
});
const file = positionals[0];
if (values.help || !file) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}
const databaseUrl = values['database-url'] ?? readLocalSystem()?.databaseUrl ?? process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('no database: start the local system (pnpm start), or give --database-url or DATABASE_URL');
  process.exit(2);
}
// A batch's COPY or MERGE may outlast the default statement timeout (30 s): none here. Two
// connections: one stages the next batch while the other merges.
const pool = createPool({ connectionString: databaseUrl, max: 2, timeouts: { statementTimeoutMs: 0 } });
const size = statSync(file).size;
let bytes = 0;
const bar = progressBar('load', size, 'bytes');
try {
  const started = Date.now();
  const { staged, inserted, updated } = await bulkLoad(pool, file, {
    onBytes: (chunk) => {
      bytes += chunk;
      bar.update(bytes, bytes);
    },
    ...(values['train-type'] ? { trainType: values['train-type'] } : {}),
  });
  bar.finish(size, bytes);
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `loaded ${staged.toLocaleString('en')} rows (${inserted.toLocaleString('en')} new, ${updated.toLocaleString('en')} updated) in ${seconds.toFixed(1)} s, ${Math.round(staged / seconds).toLocaleString('en')} rows/s`,
  );
} catch (error) {
  if (error instanceof LoadError || (error as { code?: string }).code) {
    console.error(`load failed, nothing was written: ${(error as Error).message}`);
    process.exitCode = 1;
  } else throw error;
} finally {
  await pool.end();
}
