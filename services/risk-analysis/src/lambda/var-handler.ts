import { monteCarloVar, runMonteCarloTask, type MonteCarloTask } from '@closecross/quant';

/**
 * The VaR Lambda function, built from the same library as the service and its threads.
 * Events: {"warmup": true}; {"task": MonteCarloTask} (one resource of an analysis); or the
 * reference's {"mean", "std", "shots"} (numbers or numeric strings).
 */
export type VarEvent = { warmup: true } | { task: MonteCarloTask } | { mean: number | string; std: number | string; shots: number | string; seed?: number };

export async function handler(event: VarEvent) {
  const started = performance.now();
  if ('warmup' in event) return { warm: true, busyMs: performance.now() - started };
  if ('task' in event) {
    const part = runMonteCarloTask(event.task);
    return { part, busyMs: performance.now() - started };
  }
  const estimate = monteCarloVar(Number(event.mean), Number(event.std), Number(event.shots), event.seed ?? Date.now() % 2 ** 31);
  return { var95: estimate.var95, var99: estimate.var99, busyMs: performance.now() - started };
}
