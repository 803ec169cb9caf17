import { dateMapping, models, withTransaction, type Pool } from '@closecross/db';
import { badRequest, conflict } from '@closecross/platform';
import { offsetOf, type PageRequest } from '../schemas/common.ts';

// Date mappings, models and model inferences are market-data's tables; their SQL lives beside
// their migrations in @closecross/db (dateMapping, models), which the model service writes through too.

const pageOf = (query: PageRequest) => ({ limit: query.page_size, offset: offsetOf(query) });

export async function listDateMappings(pool: Pool, query: PageRequest & { date_id?: number; date?: string }) {
  return dateMapping.list(pool, { date_id: query.date_id, date: query.date }, pageOf(query));
}

export async function findDateMapping(pool: Pool, dateId: number) {
  return dateMapping.find(pool, dateId);
}

/** Dates a day, or fills in the date of an undated one; re-dating a day differently is a conflict. */
export async function saveDateMapping(pool: Pool, mapping: { date_id: number; date: string }) {
  const row = await dateMapping.save(pool, mapping);
  if (!row) {
    const existing = await dateMapping.find(pool, mapping.date_id);
    throw conflict(`date_id ${mapping.date_id} is already mapped to ${existing?.date}`);
  }
  return row;
}

export async function listModels(pool: Pool, query: PageRequest & { model_id?: number; model_name?: string }) {
  return models.list(pool, { model_id: query.model_id, model_name: query.model_name }, pageOf(query));
}

export async function findModel(pool: Pool, modelId: number) {
  return models.find(pool, modelId);
}

/** Registers a model, its day dated first; a taken name is the reference's 400. */
export async function createModel(pool: Pool, input: { model_name: string; model_artifact_path?: string | null; date_id?: number | null }) {
  try {
    return await withTransaction(pool, (client) => models.insert(client, input));
  } catch (error) {
    if (models.isUniqueViolation(error)) throw badRequest('Model already exists');
    throw error;
  }
}

export async function listInferences(pool: Pool, query: PageRequest & { model_id?: number; date_id?: number }) {
  return models.listInferences(pool, { model_id: query.model_id, date_id: query.date_id }, pageOf(query));
}

export async function findInference(pool: Pool, id: number) {
  return models.findInference(pool, id);
}

/** Registers an inference of an existing model (its day dated first). */
export async function createInference(pool: Pool, input: { model_id: number; date_id?: number | null; predictions?: string | null }) {
  const row = await withTransaction(pool, (client) => models.insertInference(client, input));
  if (!row) throw badRequest(`body/model_id ${input.model_id} is not a model; create it with POST /models/ first`);
  return row;
}

/** Whether `key` is a folder of registered keys: some model artifact or predictions file lies under `key/`. */
export async function isFolderOfRegisteredKeys(pool: Pool, key: string): Promise<boolean> {
  const result = await pool.query<{ folder: boolean }>(
    `select exists (select 1 from model where starts_with(model_artifact_path, $1 || '/'))
         or exists (select 1 from model_inference where starts_with(predictions, $1 || '/')) as folder`,
    [key],
  );
  return result.rows[0]!.folder;
}
