import { models, stockData } from '@closecross/db';
import { badRequest, notFound, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { JobEngine } from '@closecross/jobs';
import type { ModelConfig } from '../model-config.ts';
import type { ModelPredictor } from '../predict/model-predictor.ts';
import { errors, InferenceBody, ModelIdParams, ModelReport, Started, TrainBody } from '../schemas/model.ts';
import { predictRoute } from './predict-route.ts';
import type { ArtifactStore } from '@closecross/contracts/artifact-writer';

export interface ModelRouteDeps {
  engine: JobEngine;
  store: ArtifactStore;
  predictor: ModelPredictor;
  config: ModelConfig;
}

/** A trained model's report, from the metadata its training stored. */
function reportOf(row: models.ModelReportRow): ModelReport {
  const metadata = row.metadata as {
    metrics?: { validation_mae?: number; zero_mae?: number; folds?: ModelReport['folds'] };
    rounds?: number;
    base_model_id?: number;
    data_window?: ModelReport['data_window'];
  } | null;
  return {
    model_id: row.model_id,
    model_name: row.model_name,
    validation_mae: metadata?.metrics?.validation_mae ?? null,
    zero_mae: metadata?.metrics?.zero_mae ?? null,
    folds: metadata?.metrics?.folds ?? [],
    rounds: metadata?.rounds ?? null,
    base_model_id: metadata?.base_model_id ?? null,
    data_window: metadata?.data_window ?? null,
  };
}

export function modelRoutes(deps: ModelRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    app.post(
      '/train-model/',
      {
        config: { scope: 'models' },
        schema: {
          tags: ['model'],
          summary: "Train a model (from scratch, or continuing from model_id) as a job; answers 200 with the reference's message and the job id",
          body: TrainBody,
          response: { 200: Started, ...errors },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (await models.nameTaken(pool, body.model_name)) throw badRequest('Model already exists');
        if (body.model_id !== undefined && !(await models.exists(pool, body.model_id))) throw notFound(`base model ${body.model_id} does not exist`);
        const last = (await stockData.lastDateId(pool)) ?? 0;
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
          summary: 'Predict every row of day pred_date_id with a model, as a job: a CSV in the store, registered in model_inference',
          body: InferenceBody,
          response: { 200: Started, ...errors },
        },
      },
      async (request, reply) => {
        if (!(await models.exists(pool, request.body.model_id))) throw notFound(`model ${request.body.model_id} does not exist`);
        const jobId = await deps.engine.enqueue('inference', request.body, { createdBy: request.principal?.name });
        return reply.status(200).send({ message: `Inference started for model ${request.body.model_id}`, job_id: jobId });
      },
    );

    // In a scope of its own: its large bodies are parsed off the event loop (predict-route.ts).
    await app.register(predictRoute(deps), { pool });

    app.get(
      '/model-reports',
      {
        config: { scope: 'read' },
        schema: { tags: ['model'], summary: 'Validation MAE beside predicting zero, for every trained model', response: { 200: Type.Array(ModelReport) } },
      },
      async () => (await models.reports(pool)).map(reportOf),
    );

    app.get(
      '/model-reports/:model_id',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['model'],
          summary: "A model's evaluation: validation MAE per fold beside predicting zero",
          params: ModelIdParams,
          response: { 200: ModelReport, ...errors },
        },
      },
      async (request) => {
        const row = await models.report(pool, request.params.model_id);
        if (!row) throw notFound(`model ${request.params.model_id} does not exist`);
        return reportOf(row);
      },
    );
  };
}
