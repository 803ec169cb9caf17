import { scaledTail, type MonteCarloPart, type MonteCarloTask, type StandardTail } from '@closecross/quant';

/**
 * An analysis's Monte Carlo work shared by every thread of the local pool: each thread takes the
 * next unit (one signal of one resource) from one shared counter until none is left, and answers
 * the units it drew. So the threads finish together, within one unit, however unevenly the machine
 * runs them (a thread that gets less CPU takes fewer), and a part still holds exactly the numbers
 * its task gives alone: each (resource, signal) has its own stream.
 *
 * A unit's draws need only d, the seed and its stream, not the signal's mean and std: the threads
 * draw each unit's standard tail (quant's standardTail), and the numbers are scaled once the plan
 * is known (scaledTail, the same arithmetic monteCarloVar does). So the work can begin before the
 * signals are counted: the units go signal by signal (unit u is signal floor(u / r) of resource
 * u mod r), the count stays open until the plan sets it, and until then each thread draws at most
 * `openUnitsPerThread` units ahead.
 */
export interface SharedWork {
  d: number;
  seed: number;
  /** The resource (stream) of each task, in task order. */
  resources: number[];
  /** Int32 [0]: the next unit to take; [1]: the units in all, `openCount` until the plan sets it. */
  control: SharedArrayBuffer;
  /** While the count is open, a thread waits before a unit at or past this one. */
  openLimit: number;
}

/** The count of units not known yet. */
export const openCount = 0x7fffffff;

/** Draws a thread takes ahead of the plan, at most (about 9 ms of one core at d = 10^6). */
const openDraws = 4_000_000;

export function sharedWorkOf(d: number, seed: number, resources: number[]): SharedWork {
  const control = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  new Int32Array(control)[1] = openCount;
  return { d, seed, resources, control, openLimit: Math.floor(openDraws / Math.max(1, d)) * resources.length };
}

/** Sets the units in all (0 stops the work: the threads end after the unit each is drawing) and wakes the waiting threads. */
export function settleCount({ control }: SharedWork, units: number): void {
  const values = new Int32Array(control);
  Atomics.store(values, 1, units);
  Atomics.notify(values, 1);
}

/** The units the tasks need: every resource's signals, up to the longest task. */
export const unitsOf = (tasks: MonteCarloTask[]) => tasks.length * Math.max(0, ...tasks.map((task) => task.moments.length));

/** A thread's answer: the units it drew and their standard tails, four numbers each. */
export interface DrawnUnits {
  units: number[];
  tails: Float64Array;
}

/** The parts, one per task in task order, from every thread's drawn units. */
export function partsOf(tasks: MonteCarloTask[], drawn: DrawnUnits[]): MonteCarloPart[] {
  const byUnit = new Map<number, StandardTail>();
  for (const { units, tails } of drawn) {
    units.forEach((unit, k) => byUnit.set(unit, { z95: tails[4 * k]!, z99: tails[4 * k + 1]!, sum95: tails[4 * k + 2]!, sum99: tails[4 * k + 3]! }));
  }
  return tasks.map((task, index) => {
    const part: MonteCarloPart = { resource: task.resource, var95: [], var99: [], es95: [], es99: [] };
    task.moments.forEach(({ mean, std }, signal) => {
      const tail = byUnit.get(signal * tasks.length + index);
      if (!tail) throw new Error(`signal ${signal} of resource ${task.resource} was not drawn`);
      const estimate = scaledTail(mean, std, task.d, tail);
      part.var95.push(estimate.var95);
      part.var99.push(estimate.var99);
      part.es95.push(estimate.es95);
      part.es99.push(estimate.es99);
    });
    return part;
  });
}
