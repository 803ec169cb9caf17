import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryArray } from '../src/index.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => database.drop());

const roundTrip = async (sql: string, parameter: Buffer) => (await database.pool.query(sql, [parameter])).rows[0].values;

describe('binary array parameters', () => {
  it('carry doubles bit for bit through float8[], nulls included', async () => {
    const values = [0.1, 1 / 3, -2.5e-300, 1.7976931348623157e308, 5e-324, 123456789012345680000, null, 0, -0.000001];
    expect(await roundTrip('select $1::float8[] as values', binaryArray.float8(values))).toEqual(values);
  });

  it('carry int4 and int8 values', async () => {
    expect(await roundTrip('select $1::int4[] as values', binaryArray.int4([0, -1, 2147483647, null]))).toEqual([0, -1, 2147483647, null]);
    const int8 = await roundTrip('select $1::int8[] as values', binaryArray.int8([9007199254740991, null]));
    expect(int8).toEqual(['9007199254740991', null]);
  });

  it('carry text with quotes, backslashes, braces, unicode, empty strings and nulls', async () => {
    const values = ['plain', 'a "quoted" word', 'back\\slash', 'comma, and {braces}', 'NULL', '', null, 'ünïcödé'];
    expect(await roundTrip('select $1::text[] as values', binaryArray.text(values))).toEqual(values);
  });

  it('work with unnest for a whole batch', async () => {
    const result = await database.pool.query('select sum(x)::float8 as total, count(*)::int as n from unnest($1::float8[]) x', [
      binaryArray.float8(Array.from({ length: 50_000 }, (_, i) => i)),
    ]);
    expect(result.rows[0]).toEqual({ total: (49_999 * 50_000) / 2, n: 50_000 });
  });

  it('refuse NaN, infinities and fractional integers rather than store a wrong number', () => {
    expect(() => binaryArray.float8([1, Number.NaN])).toThrow('array element 1 is not a finite number: NaN');
    expect(() => binaryArray.float8([Infinity])).toThrow(RangeError);
    expect(() => binaryArray.int4([1.5])).toThrow('array element 0 is not an integer: 1.5');
  });
});
