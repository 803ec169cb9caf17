import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AuctionCsvError } from '@closecross/contracts/auction-csv-rows';
import { readAuctionCsv } from '@closecross/contracts/auction-csv-file';
import { createKinesisClient } from '@closecross/kinesis';
import { readLocalSystem } from './local-stream.ts';
import { progressBar } from './progress-bar.ts';
import { replayRows } from './auction-files/replay.ts';

const usage = `pnpm replay <csv> [options]
  Sends the auction rows of a CSV to the Kinesis stream, as {"data": [rows], "commit": true} records.
  --stream NAME        stream (default: the running local system's, else closecross-auction)
  --endpoint URL       Kinesis endpoint (default: the running local system's emulator, else AWS)
  --batch N            rows per record (default 50)
  --partition MODE     stock (a key per stock, default) or constant (one key, as the reference)
  --rate N             at most N rows per second (default: no limit)
  --as-recorded X      replay in auction time, X times faster (10 s buckets every 10/X s)
  --gzip               gzip each record (the ingestor inflates it)
  --train-type TAG     set train_type on every row (e.g. prod)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stream: { type: 'string' },
    endpoint: { type: 'string' },
    batch: { type: 'string', default: '50' },
    partition: { type: 'string', default: 'stock' },
    rate: { type: 'string', default: '0' },
    'as-recorded': { type: 'string', default: '0' },
    gzip: { type: 'boolean', default: false },
    'train-type': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const file = positionals[0];
if (values.help || !file) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}
const local = readLocalSystem();
const stream = values.stream ?? local?.stream ?? 'closecross-auction';
const endpoint = values.endpoint ?? local?.kinesisEndpoint;
const numberOption = (name: string, raw: string, min: number) => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    console.error(`--${name} must be a number >= ${min}, got "${raw}"`);
    process.exit(2);
  }
  return value;
};
const batch = numberOption('batch', values.batch, 1);
if (values.partition !== 'stock' && values.partition !== 'constant') {
  console.error(`--partition must be stock or constant, got "${values.partition}"`);
  process.exit(2);
}

const size = statSync(file).size;
let bytesRead = 0;
let rowsSent = 0;
const bar = progressBar(`replay -> ${stream}`, size, 'rows');
// A refused row stops the replay with its line; the rows before it are sent.
const sent = await replayRows(createKinesisClient(endpoint), readAuctionCsv(file, { onBytes: (bytes) => (bytesRead += bytes) }), {
  stream,
  batch,
  partition: values.partition,
  rate: numberOption('rate', values.rate, 0),
  asRecorded: numberOption('as-recorded', values['as-recorded'], 0),
  gzip: values.gzip,
  ...(values['train-type'] ? { trainType: values['train-type'] } : {}),
  onProgress: (count) => {
    rowsSent = count;
    bar.update(bytesRead, count);
  },
}).catch((error: unknown) => {
  if (!(error instanceof AuctionCsvError)) throw error;
  bar.finish(bytesRead, rowsSent);
  console.error(`${file}: ${error.message}`);
  process.exit(2);
});
bar.finish(size, rowsSent);
console.log(`sent ${sent.toLocaleString('en')} rows to ${stream}${endpoint ? ` at ${endpoint}` : ''}`);
