import { schema, type Pool } from '@closecross/db';
import { conflict, badRequest } from '@closecross/platform';
import { and, asc, count, eq, sql, type SQL } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { offsetOf, type PageRequest } from '../schemas/common.ts';

const { dateMapping, model, modelInference } = schema;

export type CatalogDb = NodePgDatabase<typeof schema>;
export const catalogDb = (pool: Pool): CatalogDb => drizzle(pool, { schema });

const dateMappingFields = { date_id: dateMapping.dateId, date: dateMapping.date };
const modelFields = {
  model_id: model.modelId,
  model_name: model.modelName,
  model_artifact_path: model.modelArtifactPath,
  date_id: model.dateId,
};
const inferenceFields = {
  id: modelInference.id,
  model_id: modelInference.modelId,
  date_id: modelInference.dateId,
  predictions: modelInference.predictions,
};

type Filter = SQL | undefined;
const allOf = (...filters: Filter[]) => and(...filters.filter((filter): filter is SQL => filter !== undefined));
const equals = <T>(column: PgColumn, value: T | undefined) => (value === undefined ? undefined : eq(column, value));

/** Runs a page query and its count together; every list orders by its primary key so pages are stable. */
async function listPage<Row>(rows: Promise<Row[]>, totals: Promise<{ total: number }[]>) {
  const [pageRows, counted] = await Promise.all([rows, totals]);
  return { rows: pageRows, total: counted[0]?.total ?? 0 };
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

/** Days referenced before anyone dated them get an undated mapping, as ingest does. */
async function ensureDateIds(db: CatalogDb, dateId: number | null | undefined): Promise<void> {
  if (dateId === null || dateId === undefined) return;
  await db.insert(dateMapping).values({ dateId }).onConflictDoNothing();
}

export async function listDateMappings(db: CatalogDb, query: PageRequest & { date_id?: number; date?: string }) {
  const where = allOf(equals(dateMapping.dateId, query.date_id), equals(dateMapping.date, query.date));
  return listPage(
    db.select(dateMappingFields).from(dateMapping).where(where).orderBy(asc(dateMapping.dateId)).limit(query.page_size).offset(offsetOf(query)),
    db.select({ total: count() }).from(dateMapping).where(where),
  );
}

export async function findDateMapping(db: CatalogDb, dateId: number) {
  const [row] = await db.select(dateMappingFields).from(dateMapping).where(eq(dateMapping.dateId, dateId));
  return row;
}

/** Dates a day, or fills in the date of an undated one; re-dating a day differently is a conflict. */
export async function saveDateMapping(db: CatalogDb, mapping: { date_id: number; date: string }) {
  const [row] = await db
    .insert(dateMapping)
    .values({ dateId: mapping.date_id, date: mapping.date })
    .onConflictDoUpdate({
      target: dateMapping.dateId,
      set: { date: mapping.date },
      setWhere: sql`${dateMapping.date} is null or ${dateMapping.date} = ${mapping.date}`,
    })
    .returning(dateMappingFields);
  if (!row) {
    const existing = await findDateMapping(db, mapping.date_id);
    throw conflict(`date_id ${mapping.date_id} is already mapped to ${existing?.date}`);
  }
  return row;
}

export async function listModels(db: CatalogDb, query: PageRequest & { model_id?: number; model_name?: string }) {
  const where = allOf(equals(model.modelId, query.model_id), equals(model.modelName, query.model_name));
  return listPage(
    db.select(modelFields).from(model).where(where).orderBy(asc(model.modelId)).limit(query.page_size).offset(offsetOf(query)),
    db.select({ total: count() }).from(model).where(where),
  );
}

export async function findModel(db: CatalogDb, modelId: number) {
  const [row] = await db.select(modelFields).from(model).where(eq(model.modelId, modelId));
  return row;
}

export async function createModel(
  db: CatalogDb,
  input: { model_name: string; model_artifact_path?: string | null; date_id?: number | null },
) {
  return db.transaction(async (tx) => {
    await ensureDateIds(tx as unknown as CatalogDb, input.date_id);
    try {
      const [row] = await tx
        .insert(model)
        .values({ modelName: input.model_name, modelArtifactPath: input.model_artifact_path ?? null, dateId: input.date_id ?? null })
        .returning(modelFields);
      return row!;
    } catch (error) {
      if (isUniqueViolation((error as { cause?: unknown }).cause ?? error)) throw badRequest('Model already exists');
      throw error;
    }
  });
}

export async function listInferences(db: CatalogDb, query: PageRequest & { model_id?: number; date_id?: number }) {
  const where = allOf(equals(modelInference.modelId, query.model_id), equals(modelInference.dateId, query.date_id));
  return listPage(
    db.select(inferenceFields).from(modelInference).where(where).orderBy(asc(modelInference.id)).limit(query.page_size).offset(offsetOf(query)),
    db.select({ total: count() }).from(modelInference).where(where),
  );
}

export async function findInference(db: CatalogDb, id: number) {
  const [row] = await db.select(inferenceFields).from(modelInference).where(eq(modelInference.id, id));
  return row;
}

export async function createInference(
  db: CatalogDb,
  input: { model_id: number; date_id?: number | null; predictions?: string | null },
) {
  return db.transaction(async (tx) => {
    const [owner] = await tx.select({ id: model.modelId }).from(model).where(eq(model.modelId, input.model_id)).for('share');
    if (!owner) throw badRequest(`body/model_id ${input.model_id} is not a model; create it with POST /models/ first`);
    await ensureDateIds(tx as unknown as CatalogDb, input.date_id);
    const [row] = await tx
      .insert(modelInference)
      .values({ modelId: input.model_id, dateId: input.date_id ?? null, predictions: input.predictions ?? null })
      .returning(inferenceFields);
    return row!;
  });
}
