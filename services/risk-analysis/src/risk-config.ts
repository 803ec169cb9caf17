import { env, loadConfig, platformConfigSpec, type ConfigOf } from '@closecross/platform';

/** The risk service's settings. Prices default to public AWS list prices (us-east-1, x86). */
export const riskConfigSpec = {
  RISK_DEFAULT_SYMBOL: env.string({ default: 'NVDA', description: 'symbol analysed when a request names none' }),
  RISK_DEFAULT_WINDOW_DAYS: env.int({
    default: 1095,
    min: 30,
    max: 36_500,
    description: 'calendar days of bars analysed by default, ending at the last stored bar',
  }),
  RISK_MAX_RESOURCES: env.int({ default: 32, min: 1, max: 1000, description: 'largest r accepted' }),
  RISK_MAX_SHOTS: env.int({ default: 10_000_000, min: 100, max: 100_000_000, description: 'largest d accepted' }),
  RISK_LAMBDA_FUNCTION: env.string({ default: 'closecross-var', description: 'name or ARN of the VaR Lambda function' }),
  RISK_LAMBDA_MEMORY_MB: env.int({ default: 1024, min: 128, max: 10_240, description: 'memory of the VaR Lambda function, for its cost' }),
  RISK_ECS_CLUSTER: env.string({ default: 'closecross', description: 'ECS cluster of the VaR worker tasks' }),
  RISK_ECS_TASK_DEFINITION: env.string({ default: 'closecross-var-worker', description: 'task definition of the VaR worker' }),
  RISK_ECS_SUBNETS: env.string({ default: '', description: 'comma-separated subnets of the worker tasks' }),
  RISK_ECS_SECURITY_GROUPS: env.string({ default: '', description: 'comma-separated security groups of the worker tasks' }),
  RISK_WORKER_PORT: env.int({ default: 8080, min: 1, max: 65535, description: 'port the VaR worker tasks listen on' }),
  RISK_WORKER_VCPU: env.number({ default: 0.25, min: 0, description: 'vCPU of one worker task, for its cost' }),
  RISK_WORKER_MEMORY_GB: env.number({ default: 0.5, min: 0, description: 'memory of one worker task in GB, for its cost' }),
  PRICE_LAMBDA_GB_SECOND_USD: env.number({ default: 0.0000166667, min: 0, description: 'Lambda price per GB-second' }),
  PRICE_LAMBDA_REQUEST_USD: env.number({ default: 0.0000002, min: 0, description: 'Lambda price per request' }),
  PRICE_FARGATE_VCPU_HOUR_USD: env.number({ default: 0.04048, min: 0, description: 'Fargate price per vCPU-hour' }),
  PRICE_FARGATE_GB_HOUR_USD: env.number({ default: 0.004445, min: 0, description: 'Fargate price per GB-hour' }),
  RISK_AWS_BACKENDS: env.oneOf(['aws', 'local-processes'], {
    default: 'aws',
    description:
      'where s=lambda and s=ecs run: on AWS (needs AWS_REGION and the function, cluster and subnets), or as local processes on this machine (pnpm start sets it)',
  }),
  RISK_LAMBDA_LOCAL_CONCURRENCY: env.int({
    default: 32,
    min: 1,
    max: 1000,
    description: 'local-processes: execution environments of the VaR function at most (past it, invocations are throttled)',
  }),
  RISK_LAMBDA_TIMEOUT_SECONDS: env.int({ default: 900, min: 1, max: 900, description: "local-processes: the VaR function's timeout" }),
  RISK_JOB_CONCURRENCY: env.int({ default: 1, min: 0, max: 16, description: 'analyses one task runs at once from the queue (0: none)' }),
};

/** Its settings, the platform's SERVICE_TOKEN (sent to the VaR workers it starts), AWS_REGION (are AWS backends configured?) and LOG_LEVEL (of local workers). */
const riskServiceSpec = {
  ...riskConfigSpec,
  SERVICE_TOKEN: platformConfigSpec.SERVICE_TOKEN,
  AWS_REGION: platformConfigSpec.AWS_REGION,
  LOG_LEVEL: platformConfigSpec.LOG_LEVEL,
};

export type RiskConfig = ConfigOf<typeof riskServiceSpec>;

export const loadRiskConfig = (source: NodeJS.ProcessEnv = process.env): RiskConfig => loadConfig(riskServiceSpec, source);
