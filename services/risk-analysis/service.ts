import { declareService } from '@closecross/platform';
import { riskConfigSpec } from './src/risk-config.ts';

/** The reference risk API and analyses as jobs; fans Monte Carlo work out to threads, its VaR Lambda or its VaR worker tasks. */
export default declareService({
  name: 'risk-analysis',
  pathPatterns: [
    '/warmup',
    '/scaled_ready',
    '/scaled_terminated',
    '/get_*',
    '/analyse',
    '/analyses*',
    '/reset',
    '/terminate',
    '/chart',
    '/calculate_var9599',
    '/monte-carlo-task',
  ],
  healthPath: '/health',
  server: { file: 'src/server.ts', image: 'risk-analysis' },
  workers: [
    // Started with RunTask by the risk service; stateless compute, no database.
    { name: 'var-worker', runs: 'ecs-task', file: 'src/worker/server.ts', image: 'var-worker' },
    // Plain JavaScript that loads the TypeScript handler, as the Lambda runtime needs.
    { name: 'var-lambda', runs: 'lambda', file: 'src/lambda/var-lambda.mjs', image: 'var-lambda' },
  ],
  settings: riskConfigSpec,
  deploymentValues: {
    RISK_LAMBDA_FUNCTION: 'var-function-name',
    RISK_LAMBDA_MEMORY_MB: 'var-function-memory-mb',
    RISK_ECS_CLUSTER: 'cluster-name',
    RISK_ECS_TASK_DEFINITION: 'var-worker-task-definition',
    RISK_ECS_SUBNETS: 'task-subnets',
    RISK_ECS_SECURITY_GROUPS: 'var-worker-security-group',
    RISK_WORKER_PORT: 'var-worker-port',
    RISK_WORKER_VCPU: 'var-worker-vcpu',
    RISK_WORKER_MEMORY_GB: 'var-worker-memory-gb',
  },
  aws: [
    { sid: 'InvokeVarFunction', actions: ['lambda:InvokeFunction'], on: 'var-function' },
    { sid: 'StartVarWorkers', actions: ['ecs:RunTask'], on: 'var-worker-task-definition' },
    { sid: 'WatchAndStopVarWorkers', actions: ['ecs:DescribeTasks', 'ecs:StopTask'], on: 'var-worker-tasks' },
    { sid: 'PassVarWorkerRoles', actions: ['iam:PassRole'], on: 'var-worker-roles', impliedBecause: 'RunTask hands the worker its task and execution roles' },
  ],
  tasks: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 2, scaleOn: { requestsPerTask: 20 } },
  usesDatabase: true,
  runsJobs: true,
  async module(environment) {
    const [{ riskAnalysisServiceWith }, { loadRiskConfig }] = await Promise.all([import('./src/plugin.ts'), import('./src/risk-config.ts')]);
    return riskAnalysisServiceWith({ config: loadRiskConfig(environment) });
  },
});
