import type { Pool } from '@closecross/db';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { JobEngine, type JobEngineOptions } from '@closecross/jobs';
import type { FastifyBaseLogger } from 'fastify';
import { defineAnalysisJobs } from './analysis-jobs.ts';
import { AnalysisRunner } from './analysis-runner.ts';
import type { ComputeBackend, ServiceName } from './backends/compute-backend.ts';
import { EcsBackend, type EcsSender, type Fetch } from './backends/ecs-backend.ts';
import { LambdaBackend, type LambdaSender } from './backends/lambda-backend.ts';
import { LocalBackend } from './backends/local-backend.ts';
import type { RiskConfig } from './risk-config.ts';
import { RiskStateRepository } from './risk-state-repository.ts';

/** What the risk routes share: state, backends, the runner and the job engine of one task. */
export interface RiskContext {
  config: RiskConfig;
  pool: Pool;
  state: RiskStateRepository;
  backends: Record<ServiceName, ComputeBackend>;
  runner: AnalysisRunner;
  engine: JobEngine;
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
  const list = (text: string) => text.split(',').map((item) => item.trim()).filter(Boolean);
  const backends: Record<ServiceName, ComputeBackend> = {
    local: new LocalBackend(),
    lambda: new LambdaBackend(dependencies.lambdaClient ?? new LambdaClient({}), config.RISK_LAMBDA_FUNCTION, {
      memoryMb: config.RISK_LAMBDA_MEMORY_MB,
      gbSecondUsd: config.PRICE_LAMBDA_GB_SECOND_USD,
      requestUsd: config.PRICE_LAMBDA_REQUEST_USD,
    }),
    ecs: new EcsBackend(
      dependencies.ecsClient ?? new ECSClient({}),
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
  return { config, pool, state, backends, runner, engine };
}
