/**
 * One declaration per service (`services/<name>/service.ts`): what the ALB, the local gateway,
 * the nginx proxy, docker compose, the Dockerfile and the CDK stack need to know about it. They
 * are derived from, or checked against, these declarations, so adding a service is adding its
 * folder and its declaration. A declaration imports only settings specs: loading it starts nothing.
 */
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConfigSpec } from './config.ts';
import { assertDisjointRoutes, type ServiceRoutes } from './route-table.ts';
import type { ServiceModule } from './service-factory.ts';

/** Stack resources a task role can be granted calls on; the CDK stack knows each one's ARN. */
export type AwsResource =
  'auction-stream' | 'artifact-objects' | 'artifact-bucket' | 'var-function' | 'var-worker-task-definition' | 'var-worker-tasks' | 'var-worker-roles';

export interface AwsPermission {
  /** The IAM statement id: what the calls are for. */
  sid: string;
  actions: readonly string[];
  on: AwsResource;
  /**
   * Set when the code does not make these calls itself (AWS requires them for another one);
   * otherwise the test of task roles checks that the server entry's code makes exactly them.
   */
  impliedBecause?: string;
}

/** Values only the deployment knows; the stack sets each declared variable to one of them. */
export type DeploymentValue =
  | 'auction-stream-name'
  | 'artifact-store-url'
  | 'task-vcpus'
  | 'cluster-name'
  | 'task-subnets'
  | 'var-function-name'
  | 'var-function-memory-mb'
  | 'var-worker-task-definition'
  | 'var-worker-security-group'
  | 'var-worker-port'
  | 'var-worker-vcpu'
  | 'var-worker-memory-gb';

/**
 * Secrets the stack keeps in Secrets Manager for a declared variable; ECS injects each at task
 * start, and only the execution role of a task that declares it may read it.
 */
export type DeploymentSecret = 'alpaca-key-id' | 'alpaca-secret-key';

export interface ServiceEntryPoint {
  /** The file the image runs, relative to the service folder. */
  file: string;
  /** The Dockerfile stage whose CMD runs it. */
  image: string;
}

export interface WorkerEntryPoint extends ServiceEntryPoint {
  name: string;
  /** ecs-task: tasks the service starts itself with RunTask; lambda: a Lambda container image. */
  runs: 'ecs-task' | 'lambda';
  /** What it reads beyond platformConfigSpec. */
  settings?: ConfigSpec;
}

export interface ServiceTasks {
  /** Fargate CPU units (256 = 0.25 vCPU) and memory; an environment in infra/cdk.json may override each. */
  cpu: number;
  memoryMiB: number;
  minTasks: number;
  maxTasks: number;
  /**
   * requests: ALB requests per task that target tracking holds; stream-lag: grow while stream
   * records wait (at most a task per shard); subscriptions: the live price subscriptions each
   * task holds on average (the price workers log it), held by target tracking.
   */
  scaleOn: { requestsPerTask: number } | { subscriptionsPerTask: number } | 'stream-lag';
}

export interface ServiceDeclaration<Settings extends ConfigSpec = ConfigSpec> {
  /** The folder's name: the route table's, the image's, the compose service's and the ECS service's. */
  name: string;
  /** What the ALB sends to it, in the ALB's syntax; no path may match two services' patterns. */
  pathPatterns: readonly string[];
  /** What its target group and compose health check call. */
  healthPath: string;
  /** The ECS service's task (one Fargate service behind the ALB). */
  server: ServiceEntryPoint;
  /** Compute it starts or invokes itself (the VaR worker tasks and Lambda). */
  workers?: readonly WorkerEntryPoint[];
  /** What its server reads beyond platformConfigSpec: the stack sets no variable outside it. */
  settings: Settings;
  /** Its variables the deployment fills in (names, ARNs, sizes). */
  deploymentValues?: Partial<Record<Extract<keyof Settings, string>, DeploymentValue>>;
  /** Its variables ECS fills from Secrets Manager at start (keys the operator puts in). */
  secrets?: Partial<Record<Extract<keyof Settings, string>, DeploymentSecret>>;
  /** Its task role: exactly these calls. */
  aws: readonly AwsPermission[];
  tasks: ServiceTasks;
  usesDatabase: boolean;
  /** It runs jobs and logs `job_failed`, which the stack alarms on. */
  runsJobs: boolean;
  /** Log lines the stack counts and pages on when one appears in five minutes: the only source of its per-service log alarms. */
  logAlarms?: readonly LogAlarm[];
  /**
   * Its Fastify module with settings read from `environment` (loaded lazily, so the declaration
   * stays light). The local system passes its own Kinesis endpoint, stream and artifact folder.
   */
  module(environment: NodeJS.ProcessEnv): Promise<ServiceModule<any>>;
}

/** One kind of log line that pages (see ServiceDeclaration.logAlarms). */
export interface LogAlarm {
  /** The line's `event` field. */
  event: string;
  /** Other top-level fields the line must also have, with these values (e.g. `{ kind: 'trading-scan' }` on `job_failed`). */
  where?: Readonly<Record<string, string>>;
  /** The metric's name after the service's (`<service>-<metric>`); the event when absent. Unique within a service. */
  metric?: string;
  /** What the alarm says after the service's name: what happened, and where to look. */
  description: string;
}

export class ServiceDeclarationError extends Error {
  constructor(service: string, problems: string[]) {
    super(`Service declaration of ${service}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ServiceDeclarationError';
  }
}

/** Characters an ALB path pattern may hold, and its longest pattern. */
const albPattern = /^\/[A-Za-z0-9_\-.$/~"'@:+&*?]*$/;
const maxPatternLength = 128;

/** Checks a declaration where it is written, so a bad one fails on import with every problem named. */
export function declareService<Settings extends ConfigSpec>(declaration: ServiceDeclaration<Settings>): ServiceDeclaration<Settings> {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(declaration.name)) problems.push(`name must be lowercase letters, digits and dashes, got "${declaration.name}"`);
  if (declaration.pathPatterns.length === 0) problems.push('pathPatterns must name at least one pattern');
  for (const pattern of declaration.pathPatterns) {
    if (!albPattern.test(pattern) || pattern.length > maxPatternLength)
      problems.push(`path pattern "${pattern}" is not an ALB path pattern (starts with /, at most ${maxPatternLength} characters)`);
  }
  if (!declaration.healthPath.startsWith('/')) problems.push(`healthPath must start with /, got "${declaration.healthPath}"`);
  const { minTasks, maxTasks } = declaration.tasks;
  if (!(minTasks >= 1 && maxTasks >= minTasks)) problems.push(`tasks need 1 <= minTasks <= maxTasks, got ${minTasks}..${maxTasks}`);
  for (const [variable] of Object.entries(declaration.deploymentValues ?? {})) {
    if (!(variable in declaration.settings)) problems.push(`deploymentValues sets ${variable}, which its settings do not read`);
  }
  for (const [variable] of Object.entries(declaration.secrets ?? {})) {
    if (!(variable in declaration.settings)) problems.push(`secrets sets ${variable}, which its settings do not read`);
    if (variable in (declaration.deploymentValues ?? {})) problems.push(`${variable} is both a deployment value and a secret`);
  }
  const logMetrics = (declaration.logAlarms ?? []).map((alarm) => alarm.metric ?? alarm.event);
  for (const alarm of declaration.logAlarms ?? []) {
    if (!/^[\w.-]+$/.test(alarm.event)) problems.push(`logAlarms event must be letters, digits, _ . or -, got "${alarm.event}"`);
    if (alarm.metric !== undefined && !/^[\w.-]+$/.test(alarm.metric))
      problems.push(`logAlarms metric must be letters, digits, _ . or -, got "${alarm.metric}"`);
    for (const [field, value] of Object.entries(alarm.where ?? {})) {
      if (!/^\w+$/.test(field) || field === 'event') problems.push(`logAlarms where field must be a top-level field other than event, got "${field}"`);
      if (/["\\]/.test(value)) problems.push(`logAlarms where ${field} must not hold quotes or backslashes, got ${JSON.stringify(value)}`);
    }
  }
  const repeatedMetrics = logMetrics.filter((metric, index) => logMetrics.indexOf(metric) !== index);
  if (repeatedMetrics.length > 0) problems.push(`logAlarms metrics must differ (name one with metric): ${[...new Set(repeatedMetrics)].join(', ')} repeated`);
  const images = [declaration.server, ...(declaration.workers ?? [])].map((entry) => entry.image);
  if (new Set(images).size !== images.length) problems.push(`image targets must differ: ${images.join(', ')}`);
  try {
    assertDisjointRoutes([{ service: declaration.name, pathPatterns: declaration.pathPatterns, healthPath: declaration.healthPath }]);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) throw new ServiceDeclarationError(declaration.name, problems);
  return Object.freeze({ ...declaration, pathPatterns: Object.freeze([...declaration.pathPatterns]) });
}

/** The route table of a set of declarations; fails when two claim a common path. */
export function routeTableOf(declarations: readonly ServiceDeclaration[]): ServiceRoutes[] {
  const table = declarations.map((declaration) => ({ service: declaration.name, pathPatterns: declaration.pathPatterns, healthPath: declaration.healthPath }));
  const names = table.map((entry) => entry.service);
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length > 0) throw new Error(`Services declared twice: ${repeated.join(', ')}`);
  assertDisjointRoutes(table);
  return table;
}

/** Every `<servicesRoot>/<name>/service.ts`, in folder order; its default export is the declaration of `<name>`. */
export async function loadServiceDeclarations(servicesRoot: string | URL): Promise<ServiceDeclaration[]> {
  const root = typeof servicesRoot === 'string' ? servicesRoot : fileURLToPath(servicesRoot);
  const folders = (await readdir(root, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const declarations: ServiceDeclaration[] = [];
  for (const folder of folders) {
    const file = path.join(root, folder, 'service.ts');
    if (!existsSync(file)) continue;
    const declaration = ((await import(pathToFileURL(file).href)) as { default?: ServiceDeclaration }).default;
    if (!declaration || typeof declaration.name !== 'string')
      throw new Error(`${file} must export its declaration as default (export default declareService({...}))`);
    if (declaration.name !== folder) throw new Error(`${file} declares "${declaration.name}"; a service is named after its folder`);
    declarations.push(declaration);
  }
  return declarations;
}
