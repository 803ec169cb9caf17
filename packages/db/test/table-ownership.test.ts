import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableOwners } from '../src/index.ts';
import { homeOf, repositoryTableReferences, tableReferencesIn } from './support/sql-table-references.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
// The catalog counts as packages/db's: a service that looks up another's columns there is guessing
// a shape the owner's typed reader gives (trading did so for price_latest).
const owners: Record<string, string> = { ...tableOwners, information_schema: 'packages/db', pg_catalog: 'packages/db' };
const known = new Set(Object.keys(owners));

/**
 * SQL that names another owner's table while it is being moved to a packages/db reader (file and
 * table per entry). Empty: every read and write across owners goes through packages/db.
 */
const stillMoving: readonly { file: string; table: string }[] = [];
const isStillMoving = (file: string, table: string) => stillMoving.some((entry) => entry.file === file && entry.table === table);

describe('every table has one owner', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database.drop());

  it('names an owner for exactly the tables the migrations leave', async () => {
    const result = await database.pool.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name",
    );
    expect(Object.keys(tableOwners).sort()).toEqual(result.rows.map((row) => row.table_name));
  });
});

describe("SQL names only its own service's tables", () => {
  it('finds a table (or the catalog) in plain, template and multi-line SQL, with its line, and ignores prose, comments and interpolations', () => {
    const source = [
      "const a = 'select 1 from price_bars where symbol = $1';",
      'const b = `select *',
      '  from trading_order o join "public"."trading_fill" f on true`;',
      "const c = 'train a model from scratch, or go on from model 3';",
      'const d = `select 1 from ${table} where x in (select 1 from model_inference)`;',
      '// select * from stock_data (a comment, not SQL that runs)',
      "const e = 'select column_name from information_schema.columns where table_name = $1';",
    ].join('\n');
    expect(tableReferencesIn('services/trading/src/x.ts', source, known)).toEqual([
      { file: 'services/trading/src/x.ts', line: 1, table: 'price_bars' },
      { file: 'services/trading/src/x.ts', line: 3, table: 'trading_order' },
      { file: 'services/trading/src/x.ts', line: 3, table: 'trading_fill' },
      { file: 'services/trading/src/x.ts', line: 5, table: 'model_inference' },
      { file: 'services/trading/src/x.ts', line: 7, table: 'information_schema' },
    ]);
  });

  it('has no SQL in services/*/src or packages/*/src on a table another service or package owns', () => {
    const references = repositoryTableReferences(root, known);
    // The scan sees the code: trading's own tables are named in hundreds of statements.
    expect(references.filter((reference) => reference.table === 'trading_order').length).toBeGreaterThan(10);
    const foreign = references.filter((reference) => homeOf(reference.file) !== owners[reference.table]);
    const offending = foreign
      .filter((reference) => !isStillMoving(reference.file, reference.table))
      .map(
        (reference) =>
          `${reference.file}:${reference.line} names ${reference.table}, owned by ${owners[reference.table]}: use its reader in packages/db/src/tables/ (or add one there)`,
      );
    expect(offending).toEqual([]);
    const moved = stillMoving.filter((entry) => !foreign.some((reference) => reference.file === entry.file && reference.table === entry.table));
    // Not a failure (owners switch in their own commits), but the entry is stale: delete it.
    if (moved.length > 0)
      console.warn(`table-ownership: allow-list entries no longer needed: ${moved.map((entry) => `${entry.file} ${entry.table}`).join('; ')}`);
  });
});
