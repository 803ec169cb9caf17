import { models } from '@closecross/db';
import {
  jsonKeyBudgetOf,
  notFound,
  parseJsonInSlices,
  refuseKeyFloodIn,
  slicedParseFrom,
  UnavailableError,
  UnprocessableError,
  type ServiceContext,
} from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { featureMatrix } from '../features.ts';
import { ArtifactStoreUnavailableError, ModelArtifactError, predictFeaturesAnswer } from '../jobs/model-jobs.ts';
import { mayParseOffTheLoop, plainBodyKeysAtMost, UnparsedPredictBody } from '../predict/predict-body.ts';
import { joinedPredictionsJson } from '../predict/predictions-json.ts';
import { readWholeBody, releaseBodyBuffer } from '../predict/whole-body.ts';
import { errors, PredictBody, Predictions } from '../schemas/model.ts';
import type { ModelRouteDeps } from './model-routes.ts';

type Validate = ReturnType<FastifySchemaCompiler<unknown>> & { errors?: Array<{ instancePath?: string; message?: string }> | null };

/** Fastify's answer to a body its validator refused, word for word (its default error formatter). */
function validationError(refusals: NonNullable<Validate['errors']>) {
  const message = refusals.map((refusal) => `body${refusal.instancePath ?? ''} ${refusal.message}`).join(', ');
  return Object.assign(new Error(message), { statusCode: 400, code: 'FST_ERR_VALIDATION', validation: refusals, validationContext: 'body' });
}

/**
 * `POST /predict`. A day's rows are 4 MB of JSON: parsed in slices, validated row object by row
 * object and turned into features on the event loop they cost ~70 ms of a ~85 ms answer. So a
 * large body (with no `\u` escape) goes to the predict thread as bytes; the thread parses it once,
 * checks it by rules drawn from the row schema, and answers the features, which it then predicts.
 * A body those rules are unsure of is parsed and validated here exactly as every route's body is
 * (the platform's parser and validator), so every refusal keeps its status and words.
 *
 * The route owns its key budget (`jsonKeyBudget: 'route'`): the platform's count of every body's
 * keys as it arrives cost the loop ~4 ms a day. A body the thread reads makes no object per key and
 * can hold no more keys than its rows' fields (plainBodyKeysAtMost, within the budget); every body
 * handed to a JSON parser here is held to the platform's budget first, with its words.
 */
export function predictRoute(deps: ModelRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    const maxRows = deps.config.MODEL_PREDICT_MAX_ROWS;
    const platformCompiler = app.validatorCompiler as FastifySchemaCompiler<unknown>;
    const parseSmall = app.getDefaultJsonParser('error', 'error');
    let validateAsThePlatform: Validate | undefined;

    /** The platform's JSON parser (parseLargeJsonInSlices): Fastify's for small bodies, sliced for large ones. */
    const parseAsThePlatform = (request: FastifyRequest, text: string) =>
      text.length < slicedParseFrom
        ? new Promise<unknown>((resolve, reject) => parseSmall(request, text, (error, value) => (error ? reject(error) : resolve(value))))
        : parseJsonInSlices(text);

    const threadKeys = plainBodyKeysAtMost(maxRows);
    /** Whether every body the thread takes is within the route's key budget (so it need not be counted). */
    const threadStaysInBudget = (request: FastifyRequest) => {
      const budget = jsonKeyBudgetOf(request);
      return threadKeys.keys <= budget.maxKeys && threadKeys.keysPerObject <= budget.maxKeysPerObject;
    };

    app.removeContentTypeParser('application/json');
    /** The body's bytes, read whole (readWholeBody): to the thread unparsed, or held to the key budget and parsed as the platform does. */
    const parseBytes = (request: FastifyRequest, bytes: Buffer, done: (error: Error | null, body?: unknown) => void) => {
      if (mayParseOffTheLoop(bytes) && threadStaysInBudget(request)) return done(null, new UnparsedPredictBody(bytes));
      try {
        refuseKeyFloodIn(request, bytes);
      } catch (error) {
        return done(error as Error, undefined);
      }
      const text = bytes.toString('utf8');
      releaseBodyBuffer(bytes);
      parseAsThePlatform(request, text).then(
        (value) => done(null, value),
        (error: Error) => done(error, undefined),
      );
    };
    app.addContentTypeParser('application/json', (request, payload, done) =>
      readWholeBody(request, payload, request.routeOptions.bodyLimit, (error, bytes) => (error ? done(error, undefined) : parseBytes(request, bytes!, done))),
    );

    /** A body the thread did not take, parsed and validated as the platform would have. */
    async function checkedAsThePlatform(request: FastifyRequest, bytes: Buffer): Promise<Static<ReturnType<typeof PredictBody>>> {
      // The thread handed it back unparsed: held to the key budget before it is parsed (it has no \u escape, so no lone surrogate).
      refuseKeyFloodIn(request, bytes);
      const body = await parseAsThePlatform(request, bytes.toString('utf8'));
      if (!validateAsThePlatform!(body)) throw validationError(validateAsThePlatform!.errors ?? []);
      return body as Static<ReturnType<typeof PredictBody>>;
    }

    app.post(
      '/predict',
      {
        config: { scope: 'models', jsonKeyBudget: 'route' },
        // MODEL_PREDICT_MAX_ROWS rows of about 400 bytes each, with room for pretty-printed JSON.
        bodyLimit: Math.max(1, maxRows) * 600 + 64 * 1024,
        schema: {
          tags: ['model'],
          summary: 'Predictions for up to 20,000 rows in the stock_data shape, in the same order',
          body: PredictBody(maxRows),
          response: { 200: Predictions, ...errors },
        },
        // The platform's validator for everything; an unparsed body passes here and is checked on the thread.
        validatorCompiler: (route) => {
          const validate = platformCompiler(route) as Validate;
          if (route.httpPart !== 'body') return validate;
          validateAsThePlatform = validate;
          const unparsedOrValid = ((data: unknown) => {
            if (data instanceof UnparsedPredictBody) return true;
            const valid = validate(data);
            unparsedOrValid.errors = validate.errors;
            return valid;
          }) as Validate;
          return unparsedOrValid;
        },
      },
      async (request, reply) => {
        const body = request.body as unknown;
        let modelId: number;
        let parts: Array<{ features: Float32Array; rows: number }>;
        const bytes = body instanceof UnparsedPredictBody ? body.bytes : undefined;
        const parsed = bytes ? await deps.predictor.parse(bytes, maxRows) : undefined;
        try {
          if (parsed && 'parts' in parsed) {
            parts = parsed.parts;
            modelId = parsed.parts[0]!.modelId;
          } else {
            const checked = bytes ? await checkedAsThePlatform(request, bytes) : (body as Static<ReturnType<typeof PredictBody>>);
            modelId = checked.model_id;
            parts = [{ features: featureMatrix(checked.rows), rows: checked.rows.length }];
          }
        } finally {
          // The threads have answered and a parse here has its own copy: the buffer serves the next body.
          if (bytes) releaseBodyBuffer(bytes);
        }
        const path = await models.artifactPath(pool, modelId);
        if (path === undefined) throw notFound(`model ${modelId} does not exist`);
        // A model registered through POST /models/ may name no artifact, a missing one, or a file that is no model.
        if (!path) throw new UnprocessableError(`model ${modelId} has no artifact (model_artifact_path is null): train one with POST /train-model/`);
        // On the predict threads (a part each, at once): loading and predicting block in XGBoost, the event loop does not.
        const answers = await Promise.all(
          parts.map((part) => predictFeaturesAnswer(deps.predictor, pool, deps.store, modelId, path, part.features, part.rows, true)),
        ).catch((error: unknown) => {
          if (error instanceof ModelArtifactError) throw new UnprocessableError(error.message, { cause: error });
          if (error instanceof ArtifactStoreUnavailableError) throw new UnavailableError(error.message, { retryAfterSeconds: 5, cause: error });
          throw error;
        });
        // The threads wrote the answer as the route's serialiser would: sent as it is.
        // (Its type is the schema's parsed shape; these are that shape's bytes.)
        const json = joinedPredictionsJson(
          modelId,
          answers.map((answer) => answer.json),
        );
        if (json) return reply.type('application/json; charset=utf-8').send(json as never);
        return { model_id: modelId, predictions: answers.flatMap((answer) => Array.from(answer.predictions)) };
      },
    );
  };
}
