import type { MonteCarloPart, MonteCarloTask } from '@closecross/quant';

export type ServiceName = 'local' | 'lambda' | 'ecs';

/** What a backend remembers between calls, stored in the scale row (never in memory). */
export interface WorkerRecord {
  /** An ECS task ARN, a Lambda function name, or a thread number. */
  id: string;
  /** Where the worker answers, once known. */
  url?: string;
  startedAt?: string;
}

export interface Billing {
  /** Time the resources were busy, summed over resources, in ms. */
  billableMs: number;
  cost: number;
}

export interface WarmupOutcome extends Billing {
  workers: WorkerRecord[];
}

export interface RunOutcome extends Billing {
  parts: MonteCarloPart[];
}

/**
 * An analysis's Monte Carlo begun before its plan is made (ComputeBackend.begin): `finish` runs the
 * tasks (of the d, seed and resources it began with) on it; `cancel` drops it when the analysis
 * stops before its tasks exist (a 4xx, a failed read).
 */
export interface BegunRun {
  finish(tasks: MonteCarloTask[], onPartDone?: () => void): Promise<RunOutcome>;
  cancel(): void;
}

/**
 * Where the Monte Carlo parts of an analysis run. Each backend splits the work into the r
 * resource tasks of the library and bills what actually ran.
 */
export interface ComputeBackend {
  readonly name: ServiceName;
  warmup(resources: number): Promise<WarmupOutcome>;
  isReady(workers: WorkerRecord[]): Promise<{ ready: boolean; workers: WorkerRecord[] }>;
  /** URL -> a ready-to-run call, as the reference listed them; `ownWorkerUrl` is this service's /calculate_var9599 from PUBLIC_BASE_URL. */
  endpoints(workers: WorkerRecord[], ownWorkerUrl: string): Record<string, string>;
  run(tasks: MonteCarloTask[], workers: WorkerRecord[], onPartDone?: () => void): Promise<RunOutcome>;
  /** Starts drawing `resources` streams of `seed` at `d` draws before the signals are known, where the backend can (local). */
  begin?(d: number, seed: number, resources: number): BegunRun;
  terminate(workers: WorkerRecord[]): Promise<void>;
  isTerminated(workers: WorkerRecord[]): Promise<boolean>;
}

/**
 * A value as one shell word: inside single quotes nothing is special, and a quote in the value
 * closes the quoting, adds an escaped quote and reopens it. A URL or name from anywhere (a worker's
 * address, a setting) cannot become shell text for whoever pastes the command.
 */
export const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

export const sampleCall = (url: string) =>
  `curl -s -H 'Content-Type: application/json' -X POST -d '{"mean": "0.0005", "std": "0.02", "shots": "10000"}' ${shellQuote(url)}`;

/** Accepts the reference's names, case-insensitively; ec2 is ecs. */
export function parseServiceName(raw: string): ServiceName | undefined {
  const name = raw.trim().toLowerCase();
  if (name === 'local' || name === 'lambda' || name === 'ecs') return name;
  if (name === 'ec2') return 'ecs';
  return undefined;
}
