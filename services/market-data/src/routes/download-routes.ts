import { basename } from 'node:path';
import { notFound, NotFoundError, UnavailableError, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Negotiator from 'negotiator';
import { ArtifactKeyOutsideStoreError, ArtifactNotFoundError, type ArtifactReader as StoreReader } from '@closecross/contracts/artifact-store';
import { predictionsCsvToJson } from '../artifacts/predictions-json.ts';
import * as catalog from '../repositories/catalog-repository.ts';
import { InferenceIdParams, ModelIdParams } from '../schemas/catalog.ts';
import { downloadErrors as errors, ModelArtifact, PredictionsCsv, PredictionsJson, PredictionsQuery } from '../schemas/downloads.ts';

/** What the downloads need of the artifact store: streaming an object out. */
type ArtifactReader = Pick<StoreReader, 'open'>;

export interface DownloadRouteOptions extends ServiceContext {
  artifacts: ArtifactReader;
}

const formats = { csv: 'text/csv', json: 'application/json' } as const;
type Format = keyof typeof formats;

/** Streams the object under `key`, in our words when the store has none or does not answer. */
async function openArtifact(artifacts: ArtifactReader, key: string, what: string) {
  try {
    return await artifacts.open(key);
  } catch (error) {
    // Missing, a folder, or a key that would leave the store: nothing there to give.
    if (error instanceof ArtifactNotFoundError || error instanceof ArtifactKeyOutsideStoreError)
      throw new NotFoundError(`${what} "${key}" is not in the artifact store`, { cause: error });
    throw new UnavailableError(`the artifact store did not give ${what} "${key}"; try again later`, { retryAfterSeconds: 5, cause: error });
  }
}

/**
 * Downloads from the model service's artifact store: an inference's predictions (CSV as stored, or
 * JSON) and a model's XGBoost artifact. Authorised like every model read (scope `read`), streamed
 * from the store to the caller without holding the object.
 */
export const downloadRoutes: FastifyPluginAsyncTypebox<DownloadRouteOptions> = async (app, { pool, artifacts }) => {
  app.get(
    '/model-inferences/:id/predictions',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['model inferences'],
        summary: "An inference's predictions, as CSV (the stored file) or JSON; streamed",
        description: 'The format is `format` when given, else the Accept header (text/csv or application/json; CSV when either is acceptable).',
        params: InferenceIdParams,
        querystring: PredictionsQuery,
        response: { 200: { content: { 'text/csv': { schema: PredictionsCsv }, 'application/json': { schema: PredictionsJson } } }, ...errors },
      },
    },
    async (request, reply) => {
      const format: Format | undefined = request.query.format ?? negotiatedFormat(request.headers.accept);
      if (format === undefined) {
        return reply.status(406).send({
          statusCode: 406,
          error: 'Not Acceptable',
          message: `headers/accept "${request.headers.accept}" accepts neither text/csv nor application/json; send one of them or ?format=csv|json`,
        });
      }
      const inference = await catalog.findInference(pool, request.params.id);
      if (!inference) throw notFound(`model inference ${request.params.id} does not exist`);
      if (!inference.predictions) throw notFound(`model inference ${inference.id} has no predictions file (predictions is null)`);
      const { body, bytes } = await openArtifact(artifacts, inference.predictions, `model inference ${inference.id}'s predictions file`);
      reply.header('vary', 'accept').header('content-disposition', `attachment; filename="inference_${inference.id}.${format}"`);
      if (format === 'csv') {
        if (bytes !== undefined) reply.header('content-length', bytes);
        return reply.type('text/csv; charset=utf-8').send(body as never);
      }
      const prefix = `${JSON.stringify({ inference_id: inference.id, model_id: inference.model_id, date_id: inference.date_id }).slice(0, -1)},"predictions":`;
      const json = predictionsCsvToJson(body, prefix, '}');
      return reply.type('application/json; charset=utf-8').send(json as never);
    },
  );

  app.get(
    '/models/:model_id/artifact',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['models'],
        summary: "A model's artifact: XGBoost's JSON model, as training stored it (xgboost.Booster(model_file=...) loads it); streamed",
        params: ModelIdParams,
        response: { 200: { content: { 'application/json': { schema: ModelArtifact } } }, ...errors },
      },
    },
    async (request, reply) => {
      const model = await catalog.findModel(pool, request.params.model_id);
      if (!model) throw notFound(`model ${request.params.model_id} does not exist`);
      if (!model.model_artifact_path)
        throw notFound(`model ${model.model_id} has no artifact (model_artifact_path is null): train one with POST /train-model/`);
      const { body, bytes } = await openArtifact(artifacts, model.model_artifact_path, `model ${model.model_id}'s artifact`);
      if (bytes !== undefined) reply.header('content-length', bytes);
      reply.header('content-disposition', `attachment; filename="${basename(model.model_artifact_path).replace(/"/g, '')}"`);
      return reply.type('application/json').send(body as never);
    },
  );
};

/** The format an Accept header prefers; CSV when both are equally acceptable, or no header came. */
function negotiatedFormat(accept: string | undefined): Format | undefined {
  const chosen = new Negotiator({ headers: { accept: accept ?? '*/*' } }).mediaType(Object.values(formats));
  return chosen === formats.json ? 'json' : chosen === formats.csv ? 'csv' : undefined;
}
