import { columnsOf } from './columns.ts';
import type { Queryable } from './queryable.ts';
import { ensure as ensureDate } from './date-mapping.ts';
import type * as Rows from './rows.generated.ts';

/**
 * `model` (trained models and where their artifact is) and `model_inference` (prediction files a
 * model produced). Owner: market-data, which serves them as a catalog; the model service writes
 * what it trains and predicts through these functions.
 */
export const tables = ['model', 'model_inference'] as const;

/** A stored model, as generated, with its jsonb `metadata` an object (features, parameters, metrics, data window and base model). */
export type ModelRow = Omit<Rows.ModelRow, 'metadata'> & { metadata: Record<string, unknown> | null };

/** A stored inference (`predictions`: the store key of the predictions CSV), as generated. */
export type ModelInferenceRow = Rows.ModelInferenceRow;

export const modelColumns = columnsOf<ModelRow>({
  model_id: 'int4',
  model_name: 'text',
  model_artifact_path: 'text null',
  date_id: 'int4 null',
  metadata: 'jsonb null',
  created_at: 'timestamptz',
});
export const inferenceColumns = columnsOf<ModelInferenceRow>({
  id: 'int4',
  model_id: 'int4',
  date_id: 'int4 null',
  predictions: 'text null',
  created_at: 'timestamptz',
});

/** A model as the catalog lists it. */
export type ModelSummary = Pick<ModelRow, 'model_id' | 'model_name' | 'model_artifact_path' | 'date_id'>;
/** An inference as the catalog lists it. */
export type InferenceSummary = Pick<ModelInferenceRow, 'id' | 'model_id' | 'date_id' | 'predictions'>;
/** A model's report: its name and metadata. */
export type ModelReportRow = Pick<ModelRow, 'model_id' | 'model_name' | 'metadata'>;

export interface Page {
  limit: number;
  offset: number;
}

/** Postgres's unique_violation: a model name that is taken. */
export const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

/** The model a job trains from or predicts with, when it exists. */
export async function findForJob(
  db: Queryable,
  modelId: number,
): Promise<Pick<ModelRow, 'model_id' | 'model_name' | 'model_artifact_path' | 'metadata'> | undefined> {
  const result = await db.query<Pick<ModelRow, 'model_id' | 'model_name' | 'model_artifact_path' | 'metadata'>>(
    'select model_id, model_name, model_artifact_path, metadata from model where model_id = $1',
    [modelId],
  );
  return result.rows[0];
}

export async function exists(db: Queryable, modelId: number): Promise<boolean> {
  return (await db.query('select 1 from model where model_id = $1', [modelId])).rowCount === 1;
}

export async function nameTaken(db: Queryable, modelName: string): Promise<boolean> {
  return Boolean((await db.query('select 1 from model where model_name = $1', [modelName])).rowCount);
}

/** The model's artifact path: undefined when there is no such model, null when it has no artifact. */
export async function artifactPath(db: Queryable, modelId: number): Promise<string | null | undefined> {
  const row = (await db.query<{ path: string | null }>('select model_artifact_path as path from model where model_id = $1', [modelId])).rows[0];
  return row ? row.path : undefined;
}

/** Every model with metadata (the trained ones), by id. */
export async function reports(db: Queryable): Promise<ModelReportRow[]> {
  return (await db.query<ModelReportRow>('select model_id, model_name, metadata from model where metadata is not null order by model_id')).rows;
}

export async function report(db: Queryable, modelId: number): Promise<ModelReportRow | undefined> {
  return (await db.query<ModelReportRow>('select model_id, model_name, metadata from model where model_id = $1', [modelId])).rows[0];
}

/**
 * Records a trained model (its end day dated first), replacing the artifact and metadata of a
 * model of the same name. Returns its id.
 */
export async function saveTrained(
  db: Queryable,
  model: { model_name: string; model_artifact_path: string; date_id: number; metadata: Record<string, unknown> },
): Promise<number> {
  await ensureDate(db, model.date_id);
  const inserted = await db.query<{ model_id: number }>(
    `insert into model (model_name, model_artifact_path, date_id, metadata) values ($1, $2, $3, $4)
     on conflict (model_name) do update set model_artifact_path = excluded.model_artifact_path, metadata = excluded.metadata
     returning model_id`,
    [model.model_name, model.model_artifact_path, model.date_id, JSON.stringify(model.metadata)],
  );
  return inserted.rows[0]!.model_id;
}

/** Records a predictions file (its day dated first). Returns the inference id. */
export async function saveInference(db: Queryable, inference: { model_id: number; date_id: number; predictions: string }): Promise<number> {
  await ensureDate(db, inference.date_id);
  const inserted = await db.query<{ id: number }>('insert into model_inference (model_id, date_id, predictions) values ($1, $2, $3) returning id', [
    inference.model_id,
    inference.date_id,
    inference.predictions,
  ]);
  return inserted.rows[0]!.id;
}

const filterOf = (filters: [column: string, value: unknown][]) => {
  const given = filters.filter(([, value]) => value !== undefined);
  return {
    where: given.length ? `where ${given.map(([column], i) => `${column} = $${i + 1}`).join(' and ')}` : '',
    values: given.map(([, value]) => value),
  };
};

/** A page of models (by id) matching the filters, and how many match in all. */
export async function list(
  db: Queryable,
  filter: { model_id?: number | undefined; model_name?: string | undefined },
  page: Page,
): Promise<{ rows: ModelSummary[]; total: number }> {
  const { where, values } = filterOf([
    ['model_id', filter.model_id],
    ['model_name', filter.model_name],
  ]);
  const [rows, counted] = await Promise.all([
    db.query<ModelSummary>(
      `select model_id, model_name, model_artifact_path, date_id from model ${where} order by model_id limit $${values.length + 1} offset $${values.length + 2}`,
      [...values, page.limit, page.offset],
    ),
    db.query<{ total: number }>(`select count(*)::int as total from model ${where}`, values),
  ]);
  return { rows: rows.rows, total: counted.rows[0]?.total ?? 0 };
}

export async function find(db: Queryable, modelId: number): Promise<ModelSummary | undefined> {
  return (await db.query<ModelSummary>('select model_id, model_name, model_artifact_path, date_id from model where model_id = $1', [modelId])).rows[0];
}

/**
 * Registers a model (its day dated first when given). Run it in a transaction; a taken name
 * throws Postgres's unique violation (see isUniqueViolation).
 */
export async function insert(
  db: Queryable,
  model: { model_name: string; model_artifact_path?: string | null | undefined; date_id?: number | null | undefined },
): Promise<ModelSummary> {
  if (model.date_id !== null && model.date_id !== undefined) await ensureDate(db, model.date_id);
  const result = await db.query<ModelSummary>(
    'insert into model (model_name, model_artifact_path, date_id) values ($1, $2, $3) returning model_id, model_name, model_artifact_path, date_id',
    [model.model_name, model.model_artifact_path ?? null, model.date_id ?? null],
  );
  return result.rows[0]!;
}

/** A page of inferences (by id) matching the filters, and how many match in all. */
export async function listInferences(
  db: Queryable,
  filter: { model_id?: number | undefined; date_id?: number | undefined },
  page: Page,
): Promise<{ rows: InferenceSummary[]; total: number }> {
  const { where, values } = filterOf([
    ['model_id', filter.model_id],
    ['date_id', filter.date_id],
  ]);
  const [rows, counted] = await Promise.all([
    db.query<InferenceSummary>(
      `select id, model_id, date_id, predictions from model_inference ${where} order by id limit $${values.length + 1} offset $${values.length + 2}`,
      [...values, page.limit, page.offset],
    ),
    db.query<{ total: number }>(`select count(*)::int as total from model_inference ${where}`, values),
  ]);
  return { rows: rows.rows, total: counted.rows[0]?.total ?? 0 };
}

export async function findInference(db: Queryable, id: number): Promise<InferenceSummary | undefined> {
  return (await db.query<InferenceSummary>('select id, model_id, date_id, predictions from model_inference where id = $1', [id])).rows[0];
}

/**
 * Registers an inference of an existing model (locked for share so it cannot vanish meanwhile;
 * its day dated first when given). Run it in a transaction. Undefined when there is no such model.
 */
export async function insertInference(
  db: Queryable,
  inference: { model_id: number; date_id?: number | null | undefined; predictions?: string | null | undefined },
): Promise<InferenceSummary | undefined> {
  const owner = await db.query('select model_id from model where model_id = $1 for share', [inference.model_id]);
  if (owner.rowCount !== 1) return undefined;
  if (inference.date_id !== null && inference.date_id !== undefined) await ensureDate(db, inference.date_id);
  const result = await db.query<InferenceSummary>(
    'insert into model_inference (model_id, date_id, predictions) values ($1, $2, $3) returning id, model_id, date_id, predictions',
    [inference.model_id, inference.date_id ?? null, inference.predictions ?? null],
  );
  return result.rows[0];
}
