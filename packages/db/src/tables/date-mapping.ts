import { columnsOf } from './columns.ts';
import type { Queryable } from './queryable.ts';
import type * as Rows from './rows.generated.ts';

/** `date_mapping`: the calendar day of each competition date_id (null until someone dates it). Owner: market-data. */
export const table = 'date_mapping';

export type DateMappingRow = Omit<Rows.DateMappingRow, 'date'> & {
  /** YYYY-MM-DD (the readers select it with to_char), or null for a day referenced before anyone dated it. */
  date: string | null;
};

export const columns = columnsOf<DateMappingRow>({ date_id: 'int4', date: 'date null' });

/** Makes sure a day exists (undated when new), as every writer of rows that name a date_id does first. */
export async function ensure(db: Queryable, dateId: number): Promise<void> {
  await db.query('insert into date_mapping (date_id) values ($1) on conflict do nothing', [dateId]);
}

/** Makes sure every day exists, in one statement. */
export async function ensureAll(db: Queryable, dateIds: readonly number[]): Promise<void> {
  await db.query('insert into date_mapping (date_id) select unnest($1::int4[]) on conflict (date_id) do nothing', [dateIds]);
}

/** A page of mappings (by date_id) matching the filters, and how many match in all. */
export async function list(
  db: Queryable,
  filter: { date_id?: number | undefined; date?: string | undefined },
  page: { limit: number; offset: number },
): Promise<{ rows: DateMappingRow[]; total: number }> {
  const given = (
    [
      ['date_id', filter.date_id],
      ['date', filter.date],
    ] as const
  ).filter(([, value]) => value !== undefined);
  const where = given.length ? `where ${given.map(([column], i) => `${column} = $${i + 1}`).join(' and ')}` : '';
  const values = given.map(([, value]) => value);
  const [rows, counted] = await Promise.all([
    db.query<DateMappingRow>(
      `select date_id, to_char(date, 'YYYY-MM-DD') as date from date_mapping ${where} order by date_id limit $${values.length + 1} offset $${values.length + 2}`,
      [...values, page.limit, page.offset],
    ),
    db.query<{ total: number }>(`select count(*)::int as total from date_mapping ${where}`, values),
  ]);
  return { rows: rows.rows, total: counted.rows[0]?.total ?? 0 };
}

export async function find(db: Queryable, dateId: number): Promise<DateMappingRow | undefined> {
  return (await db.query<DateMappingRow>(`select date_id, to_char(date, 'YYYY-MM-DD') as date from date_mapping where date_id = $1`, [dateId])).rows[0];
}

/** Dates a day, or fills in the date of an undated one. Undefined when the day is already dated differently. */
export async function save(db: Queryable, mapping: { date_id: number; date: string }): Promise<DateMappingRow | undefined> {
  const result = await db.query<DateMappingRow>(
    `insert into date_mapping (date_id, date) values ($1, $2)
     on conflict (date_id) do update set date = excluded.date where date_mapping.date is null or date_mapping.date = excluded.date
     returning date_id, to_char(date, 'YYYY-MM-DD') as date`,
    [mapping.date_id, mapping.date],
  );
  return result.rows[0];
}
