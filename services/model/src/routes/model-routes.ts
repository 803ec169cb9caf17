import { badRequest, ErrorResponse, notFound, UnavailableError, UnprocessableError, type ServiceContext } from '@closecross/platform';
import { int4Max, StockRow } from '@closecross/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { JobEngine } from '@closecross/jobs';
import type { ModelConfig } from '../model-config.ts';
import { ArtifactStoreUnavailableError, ModelArtifactError, predictWithModel } from '../model-jobs.ts';
import type { ModelPredictor } from '../predict/model-predictor.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse, 422: ErrorResponse, 503: ErrorResponse };
const Params = Type.Record(Type.String({ maxLength: 100 }), Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean()]), { maxProperties: 50, description: 'XGBoost parameters over the defaults' });
// The reference answered these two routes 200 with its message, and its clients treat anything
// else as a failure; the job id is added for polling.
const Started = Type.Object({ message: Type.String(), job_id: Type.String() });
const ModelId = (options: object = {}) => Type.Integer({ minimum: 1, maximum: int4Max, ...options });
const DayId = (options: object = {}) => Type.Integer({ minimum: 0, maximum: int4Max, ...options });

export interface ModelRouteDeps {
  engine: JobEngine;
  store: ArtifactStore;
  predictor: ModelPredictor;
  config: ModelConfig;
}

export function modelRoutes(deps: ModelRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    const modelExists = async (modelId: number) => (await pool.query('select 1 from model where model_id = $1', [modelId])).rowCount === 1;

    app.post(
      '/train-model/',
      {
        config: { scope: 'models' },
        schema: {
          tags: ['model'],
          summary: 'Train a model (from scratch, or continuing from model_id) as a job; answers 200 with the reference\'s message and the job id',
          body: Type.Object({
            model_name: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._-]+$' }),
            model_id: Type.Optional(ModelId({ description: 'base model: its trees are kept and new ones added' })),
            date_id: Type.Optional(DayId({ description: 'train on this day only' })),
            start_date_id: Type.Optional(DayId()),
            end_date_id: Type.Optional(DayId()),
            params: Type.Optional(Params),
            rounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
            folds: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
            early_stopping_rounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          }),
          response: { 200: Started, ...errors },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if ((await pool.query('select 1 from model where model_name = $1', [body.model_name])).rowCount) throw badRequest('Model already exists');
        if (body.model_id !== undefined && !(await modelExists(body.model_id))) throw notFound(`base model ${body.model_id} does not exist`);
        const last = (await pool.query<{ last: number | null }>('select max(date_id) as last from stock_data')).rows[0]!.last ?? 0;
        const start = body.date_id ?? body.start_date_id ?? 0;
        const end = body.date_id ?? body.end_date_id ?? last;
        if (start > end) throw badRequest(`body/start_date_id (${start}) must not be after end_date_id (${end})`);
        const { date_id: _dateId, ...rest } = body;
        const jobId = await deps.engine.enqueue('train', { ...rest, start_date_id: start, end_date_id: end }, { createdBy: request.principal?.name });
        return reply.status(200).send({ message: `Training started for model ${body.model_name}`, job_id: jobId });
      },
    );

    app.post(
      '/inference-model/',
      {
        config: { scope: 'models' },
        schema: {
          tags: ['model'],
          summary: "Predict every row of day pred_date_id with a model, as a job: a CSV in the store, registered in model_inference",
          body: Type.Object({ model_id: ModelId(), pred_date_id: DayId() }),
          response: { 200: Started, ...errors },
        },
      },
      async (request, reply) => {
        if (!(await modelExists(request.body.model_id))) throw notFound(`model ${request.body.model_id} does not exist`);
        const jobId = await deps.engine.enqueue('inference', request.body, { createdBy: request.principal?.name });
        return reply.status(200).send({ message: `Inference started for model ${request.body.model_id}`, job_id: jobId });
      },
    );

    app.post(
      '/predict',
      {
        config: { scope: 'models' },
        // MODEL_PREDICT_MAX_ROWS rows of about 400 bytes each, with room for pretty-printed JSON.
        bodyLimit: Math.max(1, deps.config.MODEL_PREDICT_MAX_ROWS) * 600 + 64 * 1024,
        schema: {
          tags: ['model'],
          summary: 'Predictions for up to 20,000 rows in the stock_data shape, in the same order',
          body: Type.Object({ model_id: ModelId(), rows: Type.Array(StockRow, { maxItems: deps.config.MODEL_PREDICT_MAX_ROWS }) }),
          response: { 200: Type.Object({ model_id: Type.Integer(), predictions: Type.Array(Type.Number()) }), ...errors },
        },
      },
      async (request) => {
        const { model_id: modelId, rows } = request.body;
        const model = (await pool.query<{ path: string | null }>('select model_artifact_path as path from model where model_id = $1', [modelId])).rows[0];
        if (!model) throw notFound(`model ${modelId} does not exist`);
        // A model registered through POST /models/ may name no artifact, a missing one, or a file that is no model.
        if (!model.path) throw new UnprocessableError(`model ${modelId} has no artifact (model_artifact_path is null): train one with POST /train-model/`);
        // On the predict thread: loading and predicting block in XGBoost, the event loop does not.
        const predictions = await predictWithModel(deps.predictor, pool, deps.store, modelId, model.path, rows).catch((error: unknown) => {
          if (error instanceof ModelArtifactError) throw new UnprocessableError(error.message, { cause: error });
          if (error instanceof ArtifactStoreUnavailableError) throw new UnavailableError(error.message, { retryAfterSeconds: 5, cause: error });
          throw error;
        });
        return { model_id: modelId, predictions: Array.from(predictions) };
      },
    );

    const reportOf = (row: { model_id: number; model_name: string; metadata: any }) => ({
      model_id: row.model_id,
      model_name: row.model_name,
      validation_mae: row.metadata?.metrics?.validation_mae ?? null,
      zero_mae: row.metadata?.metrics?.zero_mae ?? null,
      folds: row.metadata?.metrics?.folds ?? [],
      rounds: row.metadata?.rounds ?? null,
      base_model_id: row.metadata?.base_model_id ?? null,
      data_window: row.metadata?.data_window ?? null,
    });
    const Report = Type.Object({
      model_id: Type.Integer(),
      model_name: Type.String(),
      validation_mae: Type.Union([Type.Number(), Type.Null()]),
      zero_mae: Type.Union([Type.Number(), Type.Null()]),
      folds: Type.Array(Type.Any()),
      rounds: Type.Union([Type.Integer(), Type.Null()]),
      base_model_id: Type.Union([Type.Integer(), Type.Null()]),
      data_window: Type.Any(),
    });

    app.get('/model-reports', { config: { scope: 'read' }, schema: { tags: ['model'], summary: 'Validation MAE beside predicting zero, for every trained model', response: { 200: Type.Array(Report) } } }, async () => {
      const result = await pool.query('select model_id, model_name, metadata from model where metadata is not null order by model_id');
      return result.rows.map(reportOf);
    });

    app.get(
      '/model-reports/:model_id',
      { config: { scope: 'read' }, schema: { tags: ['model'], summary: "A model's evaluation: validation MAE per fold beside predicting zero", params: Type.Object({ model_id: ModelId() }), response: { 200: Report, ...errors } } },
      async (request) => {
        const result = await pool.query('select model_id, model_name, metadata from model where model_id = $1', [request.params.model_id]);
        if (!result.rows[0]) throw notFound(`model ${request.params.model_id} does not exist`);
        return reportOf(result.rows[0]);
      },
    );
  };
}
