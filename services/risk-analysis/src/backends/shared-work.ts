import type { MonteCarloPart, MonteCarloTask } from '@closecross/quant';

/**
 * An analysis's Monte Carlo work shared by every thread of the local pool: each thread takes the
 * next signal (of any resource's task) from one shared counter until none is left, and writes its
 * four numbers in that signal's place. So the threads finish together, within one signal, however
 * unevenly the machine runs them (a thread that gets less CPU takes fewer signals), and a part still
 * holds exactly the numbers its task gives alone: each (resource, signal) has its own stream.
 */
export interface SharedWork {
  tasks: MonteCarloTask[];
  /** Int32 [0]: the next unit to take; units are the tasks' signals one after another. */
  next: SharedArrayBuffer;
  /** Float64 [unit * estimateWidth ..]: var95, var99, es95, es99 of each unit. */
  estimates: SharedArrayBuffer;
}

export const estimateWidth = 4;

export function sharedWorkOf(tasks: MonteCarloTask[]): SharedWork {
  const units = tasks.reduce((sum, task) => sum + task.moments.length, 0);
  return {
    tasks,
    next: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT),
    estimates: new SharedArrayBuffer(Math.max(1, units) * estimateWidth * Float64Array.BYTES_PER_ELEMENT),
  };
}

/** The parts, one per task in the tasks' order, once every thread has finished its share. */
export function partsOf({ tasks, estimates }: SharedWork): MonteCarloPart[] {
  const values = new Float64Array(estimates);
  let unit = 0;
  return tasks.map((task) => {
    const part: MonteCarloPart = { resource: task.resource, var95: [], var99: [], es95: [], es99: [] };
    for (let signal = 0; signal < task.moments.length; signal++, unit++) {
      const at = unit * estimateWidth;
      part.var95.push(values[at]!);
      part.var99.push(values[at + 1]!);
      part.es95.push(values[at + 2]!);
      part.es99.push(values[at + 3]!);
    }
    return part;
  });
}
