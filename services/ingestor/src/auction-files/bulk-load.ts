import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { stockData, withTransaction, type Pool, type PoolClient } from '@closecross/db';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { LoadStaging, stagedTypeOf } from '../store/load-staging.ts';
import { csvRecordBatches } from './csv-record-batches.ts';

export class LoadError extends Error {}

/** About 45,000 rows of the competition's layout: few enough that merging starts soon, many enough that a batch's fixed costs are small. */
export const defaultBatchBytes = 8 * 1024 * 1024;
const headerReadBytes = 64 * 1024;

/** The header's column names, and its bytes with its line end. */
function headerOf(file: string): { names: string[]; bytes: number } {
  const descriptor = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(headerReadBytes);
    const read = readSync(descriptor, buffer, 0, buffer.length, 0);
    const firstLine = buffer.toString('utf8', 0, read).split(/\r?\n/)[0] ?? '';
    // The header as COPY's CSV format reads it: quoted names unquoted.
    let names: string[];
    try {
      names = (parse(firstLine, { bom: true, trim: true }) as string[][])[0] ?? [];
    } catch (error) {
      throw new LoadError(`${file}: the header line is not CSV: ${(error as Error).message}`, { cause: error });
    }
    // Plain names (checked by the caller) hold no line break, quoted or not: the first one ends it.
    const lineFeed = buffer.subarray(0, read).indexOf(0x0a);
    const carriageReturn = buffer.subarray(0, read).indexOf(0x0d);
    const end = [lineFeed, carriageReturn].filter((at) => at !== -1).sort((a, b) => a - b)[0];
    if (end === undefined) {
      if (read === buffer.length) throw new LoadError(`${file}: the header line is longer than ${headerReadBytes} bytes`);
      return { names, bytes: read };
    }
    return { names, bytes: end + (buffer[end] === 0x0d && buffer[end + 1] === 0x0a ? 2 : 1) };
  } finally {
    closeSync(descriptor);
  }
}

/** The file line (as an editor numbers it) of the first record at byte `start`: the header is line 1. */
async function lineAt(file: string, headerBytes: number, start: number): Promise<number> {
  let line = 2;
  if (start <= headerBytes) return line;
  for await (const chunk of createReadStream(file, { start: headerBytes, end: start - 1 }) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) line++;
  }
  return line;
}

/**
 * COPY's complaint about a bad value, with the file's line (as an editor numbers it) and column:
 * a batch's COPY line N is the file's line `firstLine` + N - 1.
 */
function badRow(file: string, firstLine: number, error: unknown): unknown {
  const copyLine = /COPY \S+, line (\d+)(, column (\w+))?/.exec((error as pg.DatabaseError).where ?? '');
  if (!copyLine) return error;
  const line = firstLine + Number(copyLine[1]) - 1;
  return new LoadError(`${file} line ${line}${copyLine[3] ? `, column ${copyLine[3]}` : ''}: ${(error as Error).message}`, { cause: error });
}

interface StagedBatch {
  table: string;
  rows: number;
  bytes: number;
}

/** The file's records staged batch by batch, each when the caller asks for it: the caller merges one while the next stages. */
async function* stagedBatches(staging: LoadStaging, file: string, headerBytes: number, batchBytes: number): AsyncGenerator<StagedBatch> {
  const records = createReadStream(file, { start: headerBytes }) as AsyncIterable<Buffer>;
  let index = 0;
  for await (const batch of csvRecordBatches(records, headerBytes, batchBytes)) {
    const table = staging.tableOf(index);
    let rows: number;
    try {
      rows = await staging.stage(index, batch.chunks);
    } catch (error) {
      throw badRow(file, await lineAt(file, headerBytes, batch.start), error);
    }
    index++;
    yield { table, rows, bytes: batch.bytes };
  }
}

export interface BulkLoadResult {
  /** The file's records. */
  staged: number;
  /** Keys stock_data did not hold. */
  inserted: number;
  /**
   * Stored rows whose values differed from their line, counted per batch: a key whose lines in
   * two batches differ is counted in each, so one this load added and a later batch changed
   * counts in `inserted` and here.
   */
  updated: number;
}

/**
 * Backfills a competition CSV as it is, in batches of whole records (`batchBytes`, default 8 MiB):
 * a second connection COPYs batch k+1 into a staging table of its own (columns named by the
 * header, typed like stock_data's) while the first merges batch k into stock_data, batches in file
 * order and all in one transaction, so a failed load leaves nothing and a repeated one changes
 * nothing. Columns the table lacks are ignored, a missing target loads as null, a missing row_id
 * is derived, and a key given twice keeps its last line (in one batch or two). `onBytes` counts
 * the file's bytes as they are merged. The pool needs two connections.
 */
export async function bulkLoad(
  pool: Pool,
  file: string,
  options: { onBytes?: (bytes: number) => void; trainType?: string; batchBytes?: number } = {},
): Promise<BulkLoadResult> {
  const { names: header, bytes: headerBytes } = headerOf(file);
  for (const required of ['stock_id', 'date_id', 'seconds_in_bucket']) {
    if (!header.includes(required)) throw new LoadError(`${file}: the header has no ${required} column`);
  }
  if (header.some((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)))
    throw new LoadError(`${file}: header columns must be plain names, got ${header.join(',')}`);
  if ((pool.options.max ?? 10) < 2) throw new Error('bulkLoad stages on a second connection: its pool needs max >= 2');
  const has = new Set(header);
  const cast = (name: stockData.StockDataColumn) => {
    if (!has.has(name)) {
      if (name === 'row_id') return `date_id || '_' || seconds_in_bucket || '_' || stock_id`;
      if (name === 'train_type' && options.trainType) return pg.escapeLiteral(options.trainType);
      return `null::${stagedTypeOf(name)}`;
    }
    return name;
  };

  const merge = async (client: PoolClient, staging: LoadStaging): Promise<BulkLoadResult> => {
    // The de-duplicating sort of a batch with a repeated key fits in memory rather than spilling to disk.
    await client.query(`set local work_mem = '256MB'`);
    options.onBytes?.(headerBytes);
    const batches = stagedBatches(staging, file, headerBytes, options.batchBytes ?? defaultBatchBytes);
    const following = () => {
      const next = batches.next();
      next.catch(() => undefined); // awaited below; not unhandled while a merge runs
      return next;
    };
    const result: BulkLoadResult = { staged: 0, inserted: 0, updated: 0 };
    let next = following();
    try {
      for (let batch = await next; !batch.done; batch = await next) {
        next = following();
        // Into stock_data through its owner's merge (the days dated first; of a key repeated in
        // the batch the last line wins, as a table filled by one COPY keeps file order in ctid).
        const merged = await stockData.mergeStaged(client, batch.value.table, cast);
        result.staged += batch.value.rows;
        result.inserted += merged.inserted;
        result.updated += merged.updated;
        options.onBytes?.(batch.value.bytes);
      }
      return result;
    } finally {
      // On a failure, the batch staging meanwhile ends before its tables are dropped.
      await next.catch(() => undefined);
      await batches.return(undefined);
    }
  };

  const stagingClient = await pool.connect();
  let staging: LoadStaging | undefined;
  try {
    staging = await LoadStaging.open(stagingClient, header);
    const opened = staging;
    return await withTransaction(pool, (client) => merge(client, opened));
  } finally {
    // Its tables are dropped once the merge's transaction ended (it locks every table it read).
    // Should that fail (or no load number be claimed), the connection is closed rather than
    // reused, which ends the claim: the next load drops the tables, and the load's own error stands.
    const dropped = staging
      ? await staging.close().then(
          () => true,
          () => false,
        )
      : false;
    stagingClient.release(!dropped);
  }
}
