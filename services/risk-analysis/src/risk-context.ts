import type { Pool } from '@closecross/db';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { JobEngine, type JobEngineOptions } from '@closecross/jobs';
import { UnprocessableError } from '@closecross/platform';
import type { FastifyBaseLogger } from 'fastify';
import { defineAnalysisJobs } from './analysis/analysis-jobs.ts';
import { AnalysisRunner } from './analysis/analysis-runner.ts';
import type { ComputeBackend, ServiceName } from './backends/compute-backend.ts';
import { EcsBackend, type EcsSender, type Fetch } from './backends/ecs-backend.ts';
import { LambdaBackend, type LambdaSender } from './backends/lambda-backend.ts';
import { LocalBackend } from './backends/local-backend.ts';
import { LocalEcsCluster } from './backends/local-ecs.ts';
import { LocalLambdaRuntime } from './backends/local-lambda.ts';
import type { RiskConfig } from './risk-config.ts';
import { RiskStateRepository } from './repositories/risk-state-repository.ts';

/** What the risk routes share: state, backends, the runner and the job engine of one task. */
export interface RiskContext {
  config: RiskConfig;
  pool: Pool;
  state: RiskStateRepository;
  backends: Record<ServiceName, ComputeBackend>;
  runner: AnalysisRunner;
  engine: JobEngine;
  /** Throws 422 naming the missing settings when `service` cannot run here; checked before anything changes. */
  requireConfigured(service: ServiceName): void;
  /** Stops every process and thread this task started for compute. */
  close(): Promise<void>;
}

/** What each AWS backend lacks to run on AWS; empty when configured. */
function missingAwsSettings(config: RiskConfig): Record<'lambda' | 'ecs', string[]> {
  const region = config.AWS_REGION ? [] : ['AWS_REGION'];
  return {
    lambda: [...region, ...(config.RISK_LAMBDA_FUNCTION ? [] : ['RISK_LAMBDA_FUNCTION'])],
    ecs: [
      ...region,
      ...(config.RISK_ECS_CLUSTER ? [] : ['RISK_ECS_CLUSTER']),
      ...(config.RISK_ECS_TASK_DEFINITION ? [] : ['RISK_ECS_TASK_DEFINITION']),
      ...(config.RISK_ECS_SUBNETS.trim() ? [] : ['RISK_ECS_SUBNETS']),
    ],
  };
}

/** AWS clients and HTTP for the backends; tests pass stubs at the SDK boundary. */
export interface RiskDependencies {
  lambdaClient?: LambdaSender;
  ecsClient?: EcsSender;
  fetchWorker?: Fetch;
  /** Engine timings (tests shorten them). */
  jobEngine?: Partial<Omit<JobEngineOptions, 'pool' | 'log'>>;
}

export function createRiskContext(pool: Pool, config: RiskConfig, log: FastifyBaseLogger, dependencies: RiskDependencies = {}): RiskContext {
  const state = new RiskStateRepository(pool);
  const list = (text: string) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  // On one machine (pnpm start) Lambda and ECS are local processes behind the same SDK calls.
  const onThisMachine = config.RISK_AWS_BACKENDS === 'local-processes';
  const localLambda =
    onThisMachine && !dependencies.lambdaClient
      ? new LocalLambdaRuntime({
          functionName: config.RISK_LAMBDA_FUNCTION || 'closecross-var',
          memoryMb: config.RISK_LAMBDA_MEMORY_MB,
          concurrency: config.RISK_LAMBDA_LOCAL_CONCURRENCY,
          timeoutSeconds: config.RISK_LAMBDA_TIMEOUT_SECONDS,
        })
      : undefined;
  const localEcs =
    onThisMachine && !dependencies.ecsClient
      ? new LocalEcsCluster({ serviceToken: config.SERVICE_TOKEN, logLevel: config.LOG_LEVEL === 'silent' ? 'silent' : 'warn' })
      : undefined;
  const missing = missingAwsSettings(config);
  const backends: Record<ServiceName, ComputeBackend> = {
    local: new LocalBackend(),
    lambda: new LambdaBackend(dependencies.lambdaClient ?? localLambda ?? new LambdaClient({}), config.RISK_LAMBDA_FUNCTION || 'closecross-var', {
      memoryMb: config.RISK_LAMBDA_MEMORY_MB,
      gbSecondUsd: config.PRICE_LAMBDA_GB_SECOND_USD,
      requestUsd: config.PRICE_LAMBDA_REQUEST_USD,
    }),
    ecs: new EcsBackend(
      dependencies.ecsClient ?? localEcs ?? new ECSClient({}),
      {
        cluster: config.RISK_ECS_CLUSTER,
        taskDefinition: config.RISK_ECS_TASK_DEFINITION,
        subnets: list(config.RISK_ECS_SUBNETS),
        securityGroups: list(config.RISK_ECS_SECURITY_GROUPS),
        workerPort: config.RISK_WORKER_PORT,
        vcpu: config.RISK_WORKER_VCPU,
        memoryGb: config.RISK_WORKER_MEMORY_GB,
        vcpuHourUsd: config.PRICE_FARGATE_VCPU_HOUR_USD,
        gbHourUsd: config.PRICE_FARGATE_GB_HOUR_USD,
        serviceToken: config.SERVICE_TOKEN,
      },
      dependencies.fetchWorker,
    ),
  };
  const runner = new AnalysisRunner(pool, state, backends);
  const engine = defineAnalysisJobs(new JobEngine({ pool, log, ...dependencies.jobEngine }), { state, runner, config });
  const injected = { local: true, lambda: Boolean(dependencies.lambdaClient), ecs: Boolean(dependencies.ecsClient) };
  function requireConfigured(service: ServiceName): void {
    if (service === 'local' || onThisMachine || injected[service]) return;
    const lacking = missing[service];
    if (lacking.length === 0) return;
    throw new UnprocessableError(
      `the ${service} backend is not configured on this system: set ${lacking.join(', ')} (or RISK_AWS_BACKENDS=local-processes to run it as local processes on this machine); s=local runs here`,
    );
  }
  async function close(): Promise<void> {
    await Promise.all([backends.local.terminate([]), localLambda?.close(), localEcs?.close()]);
  }
  return { config, pool, state, backends, runner, engine, requireConfigured, close };
}
