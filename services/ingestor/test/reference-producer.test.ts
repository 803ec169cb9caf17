import { waitFor } from '@closecross/tests/support';
import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '@closecross/platform';
import { decodeRecord } from '../src/record-decoder.ts';
import { buildIngestorApp, countRows, putRecords, useDatabaseAndKinesis } from './stream-fixture.ts';

// The reference producer's record (../shared/reference/trading-at-close-contract.md, streaming
// ingestion): the POST /stock_data/ body, rows from pandas through json.dumps, so a missing
// far/near price is the literal NaN and row_id may have lost its underscores ("1_300_7" -> "13007").
const producerRow = (stock: number, seconds: number, extra = '') =>
  `{"stock_id": ${stock}, "date_id": 1, "seconds_in_bucket": ${seconds}, "imbalance_size": 0.0, "imbalance_buy_sell_flag": 0, ` +
  `"reference_price": 1.0, "matched_size": 1.0, "far_price": NaN, "near_price": NaN, "bid_price": 1.0, "bid_size": 1.0, ` +
  `"ask_price": 1.0, "ask_size": 1.0, "wap": 1.0, "target": 0.5, "time_id": 55, "row_id": "1_${seconds}_${stock}", "train_type": "prod"${extra}}`;
const record = (...rows: string[]) => Buffer.from(`{"data": [${rows.join(', ')}], "commit": true}`);

describe("decoding the reference producer's records", () => {
  it('reads NaN, Infinity and -Infinity in nullable fields as null', () => {
    const decoded = decodeRecord(record(producerRow(0, 0).replace('"target": 0.5', '"target": Infinity')), 1 << 20);
    expect(decoded).toMatchObject({ rows: [{ far_price: null, near_price: null, target: null }] });
  });

  it('rejects a record whose non-nullable field is NaN, naming the row and field', () => {
    const decoded = decodeRecord(record(producerRow(0, 0), producerRow(1, 0).replace('"seconds_in_bucket": 0', '"seconds_in_bucket": NaN')), 1 << 20);
    expect(decoded).toEqual({ reason: 'data/1/seconds_in_bucket must be integer' });
  });

  it('keeps a row whose row_id disagrees with its key (prepareBatch corrects it)', () => {
    const decoded = decodeRecord(record(producerRow(7, 300).replace('"row_id": "1_300_7"', '"row_id": "13007"')), 1 << 20);
    expect('rows' in decoded && decoded.rows).toHaveLength(1);
  });
});

const context = useDatabaseAndKinesis();
let app: Service | undefined;
afterEach(async () => app?.close());

describe('the reference producer through the stream', () => {
  it('ingests every row, NaN prices null, flattened row_ids corrected and counted in the status and metrics', async () => {
    const stream = 'reference-producer';
    await context.kinesis.createStream(stream, 1);
    const flattened = producerRow(7, 300).replace('"row_id": "1_300_7"', '"row_id": "13007"');
    await putRecords(context.kinesis.client, stream, [
      { key: 'constant', data: record(producerRow(1, 0), producerRow(2, 0)) },
      { key: 'constant', data: record(flattened, producerRow(8, 300).replace('"row_id": "1_300_8"', '"row_id": "13008"')) },
    ]);
    app = await buildIngestorApp(context.database.pool, context.kinesis.endpoint, stream);
    await waitFor(async () => (await countRows(context.database.pool)) === 4, 20_000, 'all four rows');
    const stored = await context.database.pool.query('select row_id, far_price from stock_data order by stock_id');
    expect(stored.rows).toEqual([
      { row_id: '1_0_1', far_price: null },
      { row_id: '1_0_2', far_price: null },
      { row_id: '1_300_7', far_price: null },
      { row_id: '1_300_8', far_price: null },
    ]);
    expect((await context.database.pool.query('select count(*)::int as n from ingest_rejects')).rows[0].n).toBe(0);
    expect((await app.inject({ url: '/ingest/status' })).json().correctedRowIds).toBe(2);
    expect((await app.inject({ url: '/ingest/metrics' })).body).toContain('closecross_ingest_corrected_row_ids_total 2');
  });
});
