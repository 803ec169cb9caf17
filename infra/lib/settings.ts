import type { ServiceDeclaration } from '@closecross/platform';

/**
 * What one deployment (dev, prod, ...) is made of, read from CDK context only: `cdk.json` holds
 * the environments, `-c env=prod` picks one, and `-c path.to.setting=value` overrides any setting.
 * Each service's task size and count start from its declaration; an environment overrides them
 * under `services.<name>`. Nothing is looked up from an AWS account at synth time.
 */

export interface ServiceSize {
  /** Fargate CPU units (256 = 0.25 vCPU). */
  cpu: number;
  memoryMiB: number;
  minTasks: number;
  maxTasks: number;
}

export interface DeploymentSettings {
  /** Short name, prefixed to resource names: `closecross-dev`. */
  name: string;
  region: string;
  /** Explicit, so the VPC needs no availability-zone lookup. */
  availabilityZones: string[];
  natGateways: number;
  database: {
    instanceClass: string;
    multiAz: boolean;
    allocatedStorageGb: number;
    maxAllocatedStorageGb: number;
    backupRetentionDays: number;
    deletionProtection: boolean;
  };
  streamShards: number;
  /** Every declared service's size: its declaration's, with the environment's overrides. */
  services: Record<string, ServiceSize>;
  varWorker: { cpu: number; memoryMiB: number };
  varLambda: { memoryMiB: number; timeoutSeconds: number; reservedConcurrency: number };
  logRetentionDays: number;
  alarms: { email: string; p99LatencySeconds: number; errorRatePercent: number; ingestLagSeconds: number };
  /** ACM certificate for HTTPS on the ALB; without one the ALB listens on HTTP only. */
  certificateArn: string;
}

/** Fargate's valid memory sizes (MiB) for each CPU size. */
const range = (from: number, to: number) => Array.from({ length: (to - from) / 1024 + 1 }, (_, index) => from + index * 1024);
const fargateMemory: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096),
  1024: range(2048, 8192),
  2048: range(4096, 16384),
  4096: range(8192, 30720),
};

export class SettingsError extends Error {
  constructor(problems: string[]) {
    super(`Invalid deployment settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SettingsError';
  }
}

interface ContextReader {
  tryGetContext(key: string): unknown;
}

/** Context values given on the command line arrive as strings; cdk.json gives JSON. */
function coerce(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  if (value.startsWith('{') || value.startsWith('[')) return JSON.parse(value) as unknown;
  return value;
}

function checkSize(label: string, size: { cpu: number; memoryMiB: number }, problems: string[]): void {
  const memories = fargateMemory[size.cpu];
  if (!memories) {
    problems.push(`${label}.cpu must be one of ${Object.keys(fargateMemory).join(', ')}, got ${size.cpu}`);
  } else if (!memories.includes(size.memoryMiB)) {
    problems.push(`${label}.memoryMiB for cpu ${size.cpu} must be one of ${memories[0]}..${memories.at(-1)} (steps of 1024 above 512), got ${size.memoryMiB}`);
  }
}

export function validateSettings(settings: DeploymentSettings, declarations: readonly ServiceDeclaration[]): DeploymentSettings {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{1,20}$/.test(settings.name)) problems.push(`name must be lowercase letters, digits and dashes, got "${settings.name}"`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(settings.region)) problems.push(`region must be an AWS region name, got "${settings.region}"`);
  if (settings.availabilityZones.length < 2) problems.push('availabilityZones must name at least 2 zones (the ALB and RDS need two)');
  for (const zone of settings.availabilityZones) {
    if (!zone.startsWith(settings.region)) problems.push(`availability zone ${zone} is not in ${settings.region}`);
  }
  if (settings.natGateways < 1 || settings.natGateways > settings.availabilityZones.length) {
    problems.push(`natGateways must be 1..${settings.availabilityZones.length}, got ${settings.natGateways}`);
  }
  if (!(settings.streamShards >= 1)) problems.push(`streamShards must be at least 1, got ${settings.streamShards}`);
  if (settings.database.backupRetentionDays < 1) problems.push('database.backupRetentionDays must be at least 1 (backups are required)');
  if (settings.database.maxAllocatedStorageGb < settings.database.allocatedStorageGb)
    problems.push('database.maxAllocatedStorageGb must be >= allocatedStorageGb');
  const declared = new Set(declarations.map((declaration) => declaration.name));
  for (const name of Object.keys(settings.services)) {
    if (!declared.has(name)) problems.push(`services.${name} names no declared service (services/*/service.ts: ${[...declared].join(', ')})`);
  }
  for (const { name, tasks } of declarations) {
    const size = settings.services[name]!;
    checkSize(`services.${name}`, size, problems);
    if (size.minTasks < 1 || size.maxTasks < size.minTasks)
      problems.push(`services.${name} needs 1 <= minTasks <= maxTasks, got ${size.minTasks}..${size.maxTasks}`);
    if (tasks.scaleOn === 'stream-lag' && size.maxTasks > settings.streamShards) {
      problems.push(
        `services.${name}.maxTasks (${size.maxTasks}) exceeds the stream's ${settings.streamShards} shards: a task beyond one per shard has nothing to read`,
      );
    }
  }
  checkSize('varWorker', settings.varWorker, problems);
  if (settings.varLambda.memoryMiB < 128 || settings.varLambda.memoryMiB > 10_240) problems.push('varLambda.memoryMiB must be 128..10240');
  if (settings.certificateArn && !settings.certificateArn.startsWith('arn:aws:acm:')) problems.push('certificateArn must be an ACM certificate ARN');
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/**
 * The settings of the environment `-c env=<name>` (default `dev`) from the `environments`
 * context, with any setting overridden by its dotted path, e.g. `-c streamShards=4 -c database.multiAz=true`.
 */
export function settingsFromContext(context: ContextReader, declarations: readonly ServiceDeclaration[]): DeploymentSettings {
  const environments = context.tryGetContext('environments') as Record<string, Omit<DeploymentSettings, 'name'>> | undefined;
  const environment = String(context.tryGetContext('env') ?? 'dev');
  const base = environments?.[environment];
  if (!base)
    throw new SettingsError([`no environment "${environment}" in the "environments" context (have: ${Object.keys(environments ?? {}).join(', ') || 'none'})`]);
  const settings = structuredClone({ name: environment, ...base }) as DeploymentSettings;
  const overrides = settings.services ?? {};
  settings.services = { ...overrides };
  for (const { name, tasks } of declarations) {
    settings.services[name] = { cpu: tasks.cpu, memoryMiB: tasks.memoryMiB, minTasks: tasks.minTasks, maxTasks: tasks.maxTasks, ...overrides[name] };
  }
  for (const path of overridablePaths(settings)) {
    const given = context.tryGetContext(path);
    if (given === undefined) continue;
    const keys = path.split('.');
    let target = settings as unknown as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
    target[keys.at(-1)!] = coerce(given);
  }
  return validateSettings(settings, declarations);
}

/** Every leaf of the settings as a dotted path (`database.multiAz`, `services.model.maxTasks`). */
function overridablePaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return prefix ? [prefix] : [];
  return Object.entries(value).flatMap(([key, child]) => overridablePaths(child, prefix ? `${prefix}.${key}` : key));
}
