import { notFound, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DateIdParams,
  DateMapping,
  DateMappingPost,
  DateMappingQuery,
  InferenceIdParams,
  Model,
  ModelCreated,
  ModelIdParams,
  ModelInference,
  ModelInferencePost,
  ModelInferenceQuery,
  ModelPost,
  ModelQuery,
} from '../schemas/catalog.ts';
import { ErrorResponse, Message, Page, pageOf, pageRequestOf } from '../schemas/common.ts';
import * as catalog from '../repositories/catalog-repository.ts';
import { checkObjectKey } from '../object-key.ts';
import { refuseFolderArtifactKey } from '../model-artifact-key.ts';

/** Date mappings, models and model inferences: the small tables of the reference API. */
export const catalogRoutes: FastifyPluginAsyncTypebox<ServiceContext> = async (app, { pool }) => {
  const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

  app.get(
    '/healthcheck/',
    { config: { scope: 'public' }, schema: { tags: ['reference'], summary: 'The reference health check', response: { 200: Message } } },
    async () => ({ message: 'Healthy' }),
  );

  app.get(
    '/date_mappings/',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['date mappings'],
        summary: 'Date mappings, filtered by date_id and/or date',
        querystring: DateMappingQuery,
        response: { 200: Page(DateMapping), ...errors },
      },
    },
    async (request) => {
      const query = pageRequestOf(request.query);
      const { rows, total } = await catalog.listDateMappings(pool, query);
      return pageOf(query, total, rows);
    },
  );
  app.get(
    '/date_mappings/:date_id',
    {
      config: { scope: 'read' },
      schema: { tags: ['date mappings'], summary: 'One date mapping', params: DateIdParams, response: { 200: DateMapping, ...errors } },
    },
    async (request) => {
      const row = await catalog.findDateMapping(pool, request.params.date_id);
      if (!row) throw notFound(`date_id ${request.params.date_id} has no mapping`);
      return row;
    },
  );
  app.post(
    '/date_mappings/',
    {
      config: { scope: 'ingest' },
      schema: {
        tags: ['date mappings'],
        summary: 'Date a day (idempotent; 409 if already dated differently)',
        body: DateMappingPost,
        response: { 200: DateMapping, ...errors },
      },
    },
    async (request) => catalog.saveDateMapping(pool, request.body),
  );

  app.get(
    '/models/',
    {
      config: { scope: 'read' },
      schema: { tags: ['models'], summary: 'Models, filtered by model_id or model_name', querystring: ModelQuery, response: { 200: Page(Model), ...errors } },
    },
    async (request) => {
      const query = pageRequestOf(request.query);
      const { rows, total } = await catalog.listModels(pool, query);
      return pageOf(query, total, rows);
    },
  );
  app.get(
    '/models/:model_id',
    { config: { scope: 'read' }, schema: { tags: ['models'], summary: 'One model', params: ModelIdParams, response: { 200: Model, ...errors } } },
    async (request) => {
      const row = await catalog.findModel(pool, request.params.model_id);
      if (!row) throw notFound(`model ${request.params.model_id} does not exist`);
      return row;
    },
  );
  app.post(
    '/models/',
    {
      config: { scope: 'ingest' },
      schema: {
        tags: ['models'],
        summary: 'Register a model (400 "Model already exists" on a taken name)',
        body: ModelPost,
        response: { 200: ModelCreated, ...errors },
      },
    },
    async (request) => {
      checkObjectKey('model_artifact_path', request.body.model_artifact_path);
      await refuseFolderArtifactKey(pool, request.body.model_artifact_path);
      const row = await catalog.createModel(pool, request.body);
      return { message: 'Model Created successfully.', model_id: row.model_id };
    },
  );

  app.get(
    '/model-inferences/',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['model inferences'],
        summary: 'Model inferences, filtered by model_id and/or date_id',
        querystring: ModelInferenceQuery,
        response: { 200: Page(ModelInference), ...errors },
      },
    },
    async (request) => {
      const query = pageRequestOf(request.query);
      const { rows, total } = await catalog.listInferences(pool, query);
      return pageOf(query, total, rows);
    },
  );
  app.get(
    '/model-inferences/:id',
    {
      config: { scope: 'read' },
      schema: { tags: ['model inferences'], summary: 'One model inference', params: InferenceIdParams, response: { 200: ModelInference, ...errors } },
    },
    async (request) => {
      const row = await catalog.findInference(pool, request.params.id);
      if (!row) throw notFound(`model inference ${request.params.id} does not exist`);
      return row;
    },
  );
  app.post(
    '/model-inferences/',
    {
      config: { scope: 'ingest' },
      schema: {
        tags: ['model inferences'],
        summary: 'Register the predictions file of a model for a day',
        body: ModelInferencePost,
        response: { 200: ModelInference, ...errors },
      },
    },
    async (request) => {
      checkObjectKey('predictions', request.body.predictions);
      return catalog.createInference(pool, request.body);
    },
  );
};
