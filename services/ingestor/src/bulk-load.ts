import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { withTransaction, type Pool } from '@closecross/db';
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
    return firstLine.replace(/^\uFEFF/, '').split(',').map((name) => name.trim());
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
    const type = numericColumns[name];
    return type ? `nullif(${name}, '')::${type}` : `nullif(${name}, '')`;
  };
  return withTransaction(pool, async (client) => {
    await client.query(`create temp table load_staging (${header.map((name) => `${name} text`).join(', ')}, line bigserial) on commit drop`);
    const copy = client.query(copyFrom(`copy load_staging (${header.join(', ')}) from stdin with (format csv, header true)`));
    const source = createReadStream(file);
    if (options.onBytes) source.on('data', (chunk) => options.onBytes!(chunk.length));
    await pipeline(source, copy);
    const staged = Number(copy.rowCount ?? 0);
    await client.query(
      `insert into date_mapping (date_id) select distinct nullif(date_id, '')::int4 from load_staging on conflict (date_id) do nothing`,
    );
    const keys = ['date_id', 'seconds_in_bucket', 'stock_id'];
    const result = await client.query(
      `insert into stock_data (stock_id, date_id, seconds_in_bucket, ${valueColumns.join(', ')})
       select distinct on (k_date, k_seconds, k_stock) k_stock, k_date, k_seconds, ${valueColumns.join(', ')} from (
         select ${keys.map((name) => `${cast(name)} as k_${name === 'date_id' ? 'date' : name === 'seconds_in_bucket' ? 'seconds' : 'stock'}`).join(', ')},
                ${valueColumns.map((name) => `${cast(name)} as ${name}`).join(', ')}, line
           from load_staging) staged
       order by k_date, k_seconds, k_stock, line desc
       on conflict (stock_id, date_id, seconds_in_bucket) do update set
         ${valueColumns.map((name) => `${name} = excluded.${name}`).join(', ')}
       where (${valueColumns.map((name) => `stock_data.${name}`).join(', ')}) is distinct from (${valueColumns.map((name) => `excluded.${name}`).join(', ')})`,
    );
    return { staged, written: result.rowCount ?? 0 };
  });
}

