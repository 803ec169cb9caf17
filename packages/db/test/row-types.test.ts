import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowTypesPath, rowTypesSource } from '../src/row-types.ts';
import { columnsOf } from '../src/tables/columns.ts';
import { declaredRows } from '../src/tables/declared.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

/** A table's columns as the migrated database has them, in the declarations' notation. */
async function migratedColumns(table: string): Promise<Record<string, string>> {
  const result = await database.pool.query<{ column_name: string; udt_name: string; is_nullable: 'YES' | 'NO' }>(
    "select column_name, udt_name, is_nullable from information_schema.columns where table_schema = 'public' and table_name = $1 order by column_name",
    [table],
  );
  return Object.fromEntries(result.rows.map((row) => [row.column_name, row.is_nullable === 'YES' ? `${row.udt_name} null` : row.udt_name]));
}

const sorted = (columns: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(columns).sort(([a], [b]) => a.localeCompare(b)));

describe('row types in packages/db/src/tables match the migrated database', () => {
  it('rows.generated.ts is what pnpm db:rows writes from the migrations (run it and commit when this fails)', async () => {
    expect(readFileSync(rowTypesPath, 'utf8')).toBe(await rowTypesSource(database.pool));
  });

  it('generates a row type per table that follows a column change', async () => {
    await database.pool.query('create table zz_generated_probe (id int8 primary key, amount numeric, day date, tags text[] not null)');
    try {
      expect(await rowTypesSource(database.pool)).toContain(
        'export interface ZzGeneratedProbeRow {\n  id: number;\n  amount: string | null;\n  day: Date | null;\n  tags: string[];\n}',
      );
    } finally {
      await database.pool.query('drop table zz_generated_probe');
    }
  });

  it.each(declaredRows.map((declared) => [declared.table, declared.columns] as const))(
    '%s: every column, its type and whether it may be null',
    async (table, columns) => {
      expect(sorted(columns)).toEqual(await migratedColumns(table));
    },
  );

  it('notices a column a migration added, dropped or retyped', async () => {
    await database.pool.query('alter table price_bars add column dividend float8');
    await database.pool.query('alter table date_mapping alter column date set not null');
    try {
      const priceBars = declaredRows.find((declared) => declared.table === 'price_bars')!;
      expect(sorted(priceBars.columns)).not.toEqual(await migratedColumns('price_bars'));
      const dates = declaredRows.find((declared) => declared.table === 'date_mapping')!;
      expect(await migratedColumns('date_mapping')).toEqual({ date_id: 'int4', date: 'date' });
      expect(sorted(dates.columns)).not.toEqual(await migratedColumns('date_mapping'));
    } finally {
      await database.pool.query('alter table price_bars drop column dividend');
      await database.pool.query('alter table date_mapping alter column date drop not null');
    }
  });

  it('makes a row type and its columns agree at compile time', () => {
    interface Pair {
      a: string;
      b: number | null;
    }
    // @ts-expect-error b is missing
    columnsOf<Pair>({ a: 'text' });
    // @ts-expect-error c is no field of Pair
    columnsOf<Pair>({ a: 'text', b: 'int4 null', c: 'text' });
    // @ts-expect-error varchar is not a declared Postgres type
    columnsOf<Pair>({ a: 'varchar', b: 'int4 null' });
    expect(columnsOf<Pair>({ a: 'text', b: 'int4 null' })).toEqual({ a: 'text', b: 'int4 null' });
  });
});
