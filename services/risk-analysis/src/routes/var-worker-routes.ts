import { badRequest, ErrorResponse, type ServiceContext } from '@closecross/platform';
import { InvalidParameterError, minShots, runMonteCarloTask, type MonteCarloTask } from '@closecross/quant';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import { readNumber } from '../analysis/numeric-field.ts';
import { inlineDrawsAtMost, overTaskBudget, workBudget } from '../analysis/work-budget.ts';
import { MonteCarloTaskBody, MonteCarloTaskResult, VarCallBody, VarCallResult } from '../schemas/var-worker.ts';
import { ComputeThreads } from '../worker/compute-threads.ts';

const budgetText = `work budget: at most ${workBudget.shotsPerCall.toLocaleString('en-US')} shots per call, ${workBudget.drawsPerTask.toLocaleString('en-US')} draws (d × moments) per task`;

/** A compute endpoint's options: the risk scope, the worker tag, the work budget, its body and its answer. */
const workerCall = <Body extends TSchema, Result extends TSchema>(summary: string, body: Body, result: Result) => ({
  config: { scope: 'risk' as const },
  schema: { tags: ['risk worker'], summary, description: budgetText, body, response: { 200: result, 400: ErrorResponse } },
});

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
    workerCall("The reference's worker call: VaR 95/99 of Normal(mean, std) from `shots` draws", VarCallBody, VarCallResult),
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
    workerCall('Run one resource task of an analysis (what the risk service sends its ECS workers)', MonteCarloTaskBody, MonteCarloTaskResult),
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
