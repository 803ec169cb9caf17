import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { withTransaction, type Pool } from '@closecross/db';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const numericColumns: Record<string, 'int4' | 'float8'> = {
  stock_id: 'int4',
  date_id: 'int4',
  seconds_in_bucket: 'int4',
  imbalance_size: 'float8',
  imbalance_buy_sell_flag: 'int4',
  reference_price: 'float8',
  matched_size: 'float8',
  far_price: 'float8',
  near_price: 'float8',
  bid_price: 'float8',
  bid_size: 'float8',
  ask_price: 'float8',
  ask_size: 'float8',
  wap: 'float8',
  target: 'float8',
  time_id: 'int4',
};
const valueColumns = [...Object.keys(numericColumns).slice(3), 'row_id', 'train_type'];

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

/**
 * Backfills a competition CSV as it is: COPY into a staging table (text columns named by the
 * header), then one upsert into stock_data, all in one transaction, so a failed load leaves
 * nothing and a repeated one changes nothing. Columns the table lacks are ignored, a missing
 * target loads as null, a missing row_id is derived, and a key given twice keeps its last line.
 */
export async function bulkLoad(pool: Pool, file: string, options: { onBytes?: (bytes: number) => void; trainType?: string } = {}) {
  const header = headerOf(file);
  for (const required of ['stock_id', 'date_id', 'seconds_in_bucket']) {
    if (!header.includes(required)) throw new LoadError(`${file}: the header has no ${required} column`);
  }
  if (header.some((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))) throw new LoadError(`${file}: header columns must be plain names, got ${header.join(',')}`);
  const has = new Set(header);
  const cast = (name: string) => {
    if (!has.has(name)) {
      if (name === 'row_id') return `date_id || '_' || seconds_in_bucket || '_' || stock_id`;
      if (name === 'train_type' && options.trainType) return pg.escapeLiteral(options.trainType);
      return `null::${numericColumns[name] ?? 'text'}`;
    }
    return name;
  };
  return withTransaction(pool, async (client) => {
    // The de-duplicating sort of a backfill fits in memory rather than spilling to disk.
    await client.query(`set local work_mem = '256MB'`);
    // Typed like the table, so COPY parses each value once (an empty CSV cell is null).
    await client.query(`create temp table load_staging (${header.map((name) => `${name} ${numericColumns[name] ?? 'text'}`).join(', ')}) on commit drop`);
    const copy = client.query(copyFrom(`copy load_staging (${header.join(', ')}) from stdin with (format csv, header true)`));
    const source = createReadStream(file);
    if (options.onBytes) source.on('data', (chunk) => options.onBytes!(chunk.length));
    await pipeline(source, copy);
    const staged = Number(copy.rowCount ?? 0);
    await client.query(
      `insert into date_mapping (date_id) select distinct date_id from load_staging on conflict (date_id) do nothing`,
    );
    // MERGE joins the whole batch against the table once (for a backfill into new days, a
    // cheap anti-join) instead of ON CONFLICT's per-row speculative insert. A temp table filled
    // by one COPY keeps file order in ctid, so the last line of a repeated key wins.
    const result = await client.query(
      `merge into stock_data target
       using (
         select distinct on (date_id, seconds_in_bucket, stock_id) * from (
           select ${cast('stock_id')} as stock_id, ${cast('date_id')} as date_id, ${cast('seconds_in_bucket')} as seconds_in_bucket,
                  ${valueColumns.map((name) => `${cast(name)} as ${name}`).join(', ')}, ctid as line
             from load_staging) typed
         order by date_id, seconds_in_bucket, stock_id, line desc
       ) source
       on target.date_id = source.date_id and target.seconds_in_bucket = source.seconds_in_bucket and target.stock_id = source.stock_id
       when matched and (${valueColumns.map((name) => `target.${name}`).join(', ')}) is distinct from (${valueColumns.map((name) => `source.${name}`).join(', ')}) then
         update set ${valueColumns.map((name) => `${name} = source.${name}`).join(', ')}
       when not matched then
         insert (stock_id, date_id, seconds_in_bucket, ${valueColumns.join(', ')})
         values (source.stock_id, source.date_id, source.seconds_in_bucket, ${valueColumns.map((name) => `source.${name}`).join(', ')})`,
    );
    return { staged, written: result.rowCount ?? 0 };
  });
}

