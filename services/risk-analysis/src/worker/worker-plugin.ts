import { badRequest, ErrorResponse, type ServiceContext, type ServiceModule } from '@closecross/platform';
import { InvalidParameterError, maxShots, minShots, monteCarloVar, runMonteCarloTask, type MonteCarloTask } from '@closecross/quant';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { NumberOrString, readNumber } from '../numeric-field.ts';


// Seeds are safe integers (the generator splits them into two 32-bit words); moments finite.
const Seed = (options: object = {}) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...options });
const MonteCarloTaskBody = Type.Object({
  resource: Type.Integer({ minimum: 0, maximum: 1000 }),
  d: Type.Integer({ minimum: minShots, maximum: maxShots }),
  seed: Seed(),
  moments: Type.Array(Type.Object({ mean: Type.Number({ minimum: -1e6, maximum: 1e6 }), std: Type.Number({ minimum: 0, maximum: 1e6 }) }), { maxItems: 100_000 }),
});

/** The compute endpoints: the reference's per-instance VaR call, and one resource task of an analysis. */
export const varWorkerRoutes: FastifyPluginAsyncTypebox<ServiceContext> = async (app) => {
  app.post(
    '/calculate_var9599',
    {
      config: { scope: 'risk' },
      schema: {
        tags: ['risk worker'],
        summary: "The reference's worker call: VaR 95/99 of Normal(mean, std) from `shots` draws",
        body: Type.Object({
          mean: NumberOrString('mean daily return'),
          std: NumberOrString('standard deviation of daily returns'),
          shots: NumberOrString('draws'),
          seed: Type.Optional(Seed({ description: 'omit for a fresh seed' })),
        }),
        response: { 200: Type.Object({ var95: Type.Number(), var99: Type.Number(), seed: Type.Integer() }), 400: ErrorResponse },
      },
    },
    async (request) => {
      const mean = readNumber('mean', request.body.mean, { min: -1e6, max: 1e6 });
      const std = readNumber('std', request.body.std, { min: 0, max: 1e6 });
      const shots = readNumber('shots', request.body.shots, { integer: true, min: minShots, max: maxShots });
      const seed = request.body.seed ?? Math.floor(Math.random() * 2 ** 31);
      const { var95, var99 } = monteCarloVar(mean, std, shots, seed);
      return { var95, var99, seed };
    },
  );

  app.post(
    '/monte-carlo-task',
    {
      config: { scope: 'risk' },
      schema: {
        tags: ['risk worker'],
        summary: 'Run one resource task of an analysis (what the risk service sends its ECS workers)',
        body: MonteCarloTaskBody,
        response: {
          200: Type.Object({
            part: Type.Object({
              resource: Type.Integer(),
              var95: Type.Array(Type.Number()),
              var99: Type.Array(Type.Number()),
              es95: Type.Array(Type.Number()),
              es99: Type.Array(Type.Number()),
            }),
            busyMs: Type.Number(),
          }),
          400: ErrorResponse,
        },
      },
    },
    async (request) => {
      const started = performance.now();
      try {
        const part = runMonteCarloTask(request.body as MonteCarloTask);
        return { part, busyMs: performance.now() - started };
      } catch (error) {
        if (error instanceof InvalidParameterError) throw badRequest(`body/${error.message}`);
        throw error;
      }
    },
  );
};

/** The VaR worker as a module of its own: what each ECS worker task runs. */
export const varWorkerService: ServiceModule = { name: 'risk-analysis', plugin: varWorkerRoutes };
