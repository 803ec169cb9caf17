import { badRequest, ErrorResponse, type ServiceContext, type ServiceModule } from '@closecross/platform';
import { InvalidParameterError, maxShots, minShots, runMonteCarloTask, type MonteCarloTask } from '@closecross/quant';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { NumberOrString, readNumber } from '../numeric-field.ts';
import { inlineDrawsAtMost, overTaskBudget, workBudget } from '../work-budget.ts';
import { ComputeThreads } from './compute-threads.ts';


// Seeds are safe integers (the generator splits them into two 32-bit words); moments finite.
const Seed = (options: object = {}) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...options });
const MonteCarloTaskBody = Type.Object({
  resource: Type.Integer({ minimum: 0, maximum: 1000 }),
  d: Type.Integer({ minimum: minShots, maximum: maxShots }),
  seed: Seed(),
  moments: Type.Array(Type.Object({ mean: Type.Number({ minimum: -1e6, maximum: 1e6 }), std: Type.Number({ minimum: 0, maximum: 1e6 }) }), { maxItems: workBudget.momentsPerTask }),
});
const budgetText = `work budget: at most ${workBudget.shotsPerCall.toLocaleString('en-US')} shots per call, ${workBudget.drawsPerTask.toLocaleString('en-US')} draws (d × moments) per task`;

/** The compute endpoints: the reference's per-instance VaR call, and one resource task of an analysis. */
export const varWorkerRoutes: FastifyPluginAsyncTypebox<ServiceContext> = async (app) => {
  const threads = new ComputeThreads();
  app.addHook('onClose', async () => threads.close());

  /** Small work on the event loop (a thread's round trip would cost more), the rest on a compute thread. */
  const compute = async (task: MonteCarloTask) => {
    if (task.d * task.moments.length <= inlineDrawsAtMost) {
      const started = performance.now();
      return { part: runMonteCarloTask(task), busyMs: performance.now() - started };
    }
    return threads.run(task);
  };

  app.post(
    '/calculate_var9599',
    {
      config: { scope: 'risk' },
      schema: {
        tags: ['risk worker'],
        summary: "The reference's worker call: VaR 95/99 of Normal(mean, std) from `shots` draws",
        description: budgetText,
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
      const shots = readNumber('shots', request.body.shots, {
        integer: true,
        min: minShots,
        max: workBudget.shotsPerCall,
        aboveMaxHint: `the work budget is ${workBudget.shotsPerCall.toLocaleString('en-US')} shots per call; run larger simulations as an analysis (POST /analyses)`,
      });
      const seed = request.body.seed ?? Math.floor(Math.random() * 2 ** 31);
      // Resource 0, signal 0 is stream 0: the same numbers as monteCarloVar(mean, std, shots, seed).
      const { part } = await compute({ resource: 0, d: shots, seed, moments: [{ mean, std }] });
      return { var95: part.var95[0]!, var99: part.var99[0]!, seed };
    },
  );

  app.post(
    '/monte-carlo-task',
    {
      config: { scope: 'risk' },
      schema: {
        tags: ['risk worker'],
        summary: 'Run one resource task of an analysis (what the risk service sends its ECS workers)',
        description: budgetText,
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
      const task = request.body as MonteCarloTask;
      const over = overTaskBudget(task.d, task.moments.length);
      if (over) throw badRequest(`body/d: ${over}; send fewer shots or split the moments over more tasks`);
      try {
        return await compute(task);
      } catch (error) {
        if (error instanceof InvalidParameterError) throw badRequest(`body/${error.message}`);
        throw error;
      }
    },
  );
};

/** The VaR worker as a module of its own: what each ECS worker task runs. */
export const varWorkerService: ServiceModule = { name: 'risk-analysis', plugin: varWorkerRoutes };
