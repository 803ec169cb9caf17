import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { stockData, withTransaction, type Pool } from '@closecross/db';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { copyIntoStaging, createStaging, stagedTypeOf, stagingTable } from '../store/load-staging.ts';

export class LoadError extends Error {}

function headerOf(file: string): string[] {
  const descriptor = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const bytes = readSync(descriptor, buffer, 0, buffer.length, 0);
    const firstLine = buffer.toString('utf8', 0, bytes).split(/\r?\n/)[0] ?? '';
    // The header as COPY's CSV format reads it: quoted names unquoted.
    try {
      const [names] = parse(firstLine, { bom: true, trim: true }) as string[][];
      return names ?? [];
    } catch (error) {
      throw new LoadError(`${file}: the header line is not CSV: ${(error as Error).message}`, { cause: error });
    }
  } finally {
    closeSync(descriptor);
  }
}

/** COPY's complaint about a bad value, with the file's line (as an editor numbers it) and column. */
function badRow(file: string, error: unknown): unknown {
  const copyLine = /COPY \S+, line (\d+)(, column (\w+))?/.exec((error as pg.DatabaseError).where ?? '');
  if (!copyLine) return error;
  return new LoadError(`${file} line ${copyLine[1]}${copyLine[3] ? `, column ${copyLine[3]}` : ''}: ${(error as Error).message}`, { cause: error });
}

/**
 * Backfills a competition CSV as it is: COPY into a staging table (text columns named by the
 * header), then one merge into stock_data, all in one transaction, so a failed load leaves
 * nothing and a repeated one changes nothing. Columns the table lacks are ignored, a missing
 * target loads as null, a missing row_id is derived, and a key given twice keeps its last line.
 */
export async function bulkLoad(pool: Pool, file: string, options: { onBytes?: (bytes: number) => void; trainType?: string } = {}) {
  const header = headerOf(file);
  for (const required of ['stock_id', 'date_id', 'seconds_in_bucket']) {
    if (!header.includes(required)) throw new LoadError(`${file}: the header has no ${required} column`);
  }
  if (header.some((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)))
    throw new LoadError(`${file}: header columns must be plain names, got ${header.join(',')}`);
  const has = new Set(header);
  const cast = (name: stockData.StockDataColumn) => {
    if (!has.has(name)) {
      if (name === 'row_id') return `date_id || '_' || seconds_in_bucket || '_' || stock_id`;
      if (name === 'train_type' && options.trainType) return pg.escapeLiteral(options.trainType);
      return `null::${stagedTypeOf(name)}`;
    }
    return name;
  };
  return withTransaction(pool, async (client) => {
    await createStaging(client, header);
    const copy = copyIntoStaging(client, header);
    const source = createReadStream(file);
    if (options.onBytes) source.on('data', (chunk) => options.onBytes!(chunk.length));
    await pipeline(source, copy).catch((error: unknown) => {
      throw badRow(file, error);
    });
    const staged = Number(copy.rowCount ?? 0);
    // Into stock_data through its owner's merge (the days dated first; the last line of a
    // repeated key wins, as a temp table filled by one COPY keeps file order in ctid).
    const written = await stockData.mergeStaged(client, stagingTable, cast);
    return { staged, written };
  });
}
