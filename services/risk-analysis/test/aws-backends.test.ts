import { DescribeTasksCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import type { InvokeCommand } from '@aws-sdk/client-lambda';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EcsBackend } from '../src/backends/ecs-backend.ts';
import { handler } from '../src/lambda/var-handler.ts';
import { varWorkerService } from '../src/worker/worker-plugin.ts';
import { buildRiskApp } from './build-app.ts';
import { loadGeneratedBars } from './price-fixture.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

const flow = { h: 30, d: 5000, t: 'sell', p: 5, start: '2020-01-01', seed: 7 };

/** A stub at the Lambda SDK boundary that runs the deployable handler, as Lambda would. */
function lambdaStub() {
  const invocations: unknown[] = [];
  return {
    invocations,
    async send(command: InvokeCommand) {
      const event = JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString('utf8'));
      invocations.push(event);
      const result = await handler(event);
      const billed = Math.ceil(result.busyMs);
      return {
        StatusCode: 200,
        Payload: new TextEncoder().encode(JSON.stringify(result)),
        LogResult: Buffer.from(`REPORT RequestId: x Duration: ${result.busyMs.toFixed(2)} ms Billed Duration: ${billed} ms`).toString('base64'),
      };
    },
  };
}

describe('s=lambda through the Lambda SDK (stubbed) and the real handler', () => {
  let app: Service;
  beforeEach(async () => {
    await database.pool.query('truncate risk_scale, risk_analysis, risk_audit, price_bars');
  });
  afterEach(async () => app.close());

  it('warms r functions, runs the reference flow, and bills GB-seconds and requests', async () => {
    const stub = lambdaStub();
    app = await buildRiskApp(database.pool, { lambdaClient: stub }, { RISK_DEFAULT_SYMBOL: 'TEST', RISK_LAMBDA_MEMORY_MB: '2048' });
    await loadGeneratedBars(app, 'TEST');

    expect((await app.inject({ method: 'POST', url: '/warmup', payload: { s: 'Lambda', r: '3' } })).json()).toEqual({ result: 'ok' });
    expect(stub.invocations).toEqual([{ warmup: true }, { warmup: true }, { warmup: true }]);
    expect((await app.inject({ url: '/scaled_ready' })).json()).toEqual({ warm: 'true' });
    const warmup = (await app.inject({ url: '/get_warmup_cost' })).json();
    expect(warmup.cost).toBeCloseTo((warmup.billable_time / 1000) * 2 * 0.0000166667 + 3 * 0.0000002, 15);
    expect(Object.keys((await app.inject({ url: '/get_endpoints' })).json())).toEqual(['lambda://closecross-var']);

    expect((await app.inject({ method: 'POST', url: '/analyse', payload: flow })).json()).toMatchObject({ result: 'ok' });
    const tasks = stub.invocations.slice(3) as { task: { resource: number } }[];
    expect(tasks.map((event) => event.task.resource).sort()).toEqual([0, 1, 2]);
    const timeCost = (await app.inject({ url: '/get_time_cost' })).json();
    expect(timeCost.billable_time).toBeGreaterThan(0);
    expect(timeCost.cost).toBeCloseTo((timeCost.billable_time / 1000) * 2 * 0.0000166667 + 3 * 0.0000002, 15);

    // The same seed through local threads gives the same numbers: one library everywhere.
    const viaLambda = (await app.inject({ url: '/get_sig_vars9599' })).json();
    await app.inject({ method: 'POST', url: '/warmup', payload: { s: 'local', r: 3 } });
    await app.inject({ method: 'POST', url: '/analyse', payload: flow });
    expect((await app.inject({ url: '/get_sig_vars9599' })).json()).toEqual(viaLambda);

    expect((await app.inject({ url: '/terminate' })).json()).toEqual({ result: 'ok' });
    expect((await app.inject({ url: '/scaled_terminated' })).json()).toEqual({ terminated: 'true' });
  });

  it('answers 503 without internals when the function errors, and leaves a scale that says it failed', async () => {
    const failing = {
      async send() {
        return { StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode('{"errorMessage":"boom"}') };
      },
    };
    app = await buildRiskApp(database.pool, { lambdaClient: failing }, { RISK_DEFAULT_SYMBOL: 'TEST' });
    const response = await app.inject({ method: 'POST', url: '/warmup', payload: { s: 'lambda', r: 1 } });
    expect(response.statusCode).toBe(503);
    expect(response.json().message).toContain('the lambda warm-up of 1 failed');
    expect(response.body).not.toContain('at ');
    expect((await app.inject({ url: '/scaled_ready' })).json()).toEqual({ warm: 'false' });
    expect((await app.inject({ method: 'POST', url: '/analyse', payload: { h: 30, d: 1000, t: 'sell', p: 5 } })).statusCode).toBe(409);
  });
});

/** A stub at the ECS SDK boundary: tasks go PROVISIONING -> RUNNING (healthy) -> STOPPED. */
function ecsStub() {
  const tasks = new Map<string, { status: string; describes: number }>();
  const calls: string[] = [];
  return {
    calls,
    async send(command: RunTaskCommand | DescribeTasksCommand | StopTaskCommand) {
      calls.push(command.constructor.name);
      if (command instanceof RunTaskCommand) {
        const count = command.input.count ?? 1;
        const started = Array.from(
          { length: count },
          () => `arn:aws:ecs:eu-west-1:123456789012:task/closecross/${tasks.size + 1}-${Math.random().toString(16).slice(2, 8)}`,
        );
        for (const arn of started) tasks.set(arn, { status: 'PROVISIONING', describes: 0 });
        return { tasks: started.map((taskArn) => ({ taskArn, lastStatus: 'PROVISIONING' })), failures: [] };
      }
      if (command instanceof DescribeTasksCommand) {
        return {
          tasks: (command.input.tasks ?? []).map((arn) => {
            const task = tasks.get(arn)!;
            task.describes++;
            if (task.status === 'PROVISIONING' && task.describes > 2) task.status = 'RUNNING';
            // Running but not yet health-checked on its first look: not ready yet.
            const checked = task.status === 'RUNNING' && task.describes > 3;
            if (task.status === 'STOPPING') task.status = 'STOPPED';
            return {
              taskArn: arn,
              lastStatus: task.status,
              healthStatus: checked ? 'HEALTHY' : 'UNKNOWN',
              createdAt: new Date(Date.now() - 40_000),
              startedAt: task.status === 'RUNNING' ? new Date(Date.now() - 10_000) : undefined,
              attachments: [{ type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: '127.0.0.1' }] }],
            };
          }),
        };
      }
      tasks.get(command.input.task!)!.status = 'STOPPING';
      return {};
    },
  };
}

describe('s=ecs through the ECS SDK (stubbed) and the real worker over HTTP, signed in with the service token', () => {
  let worker: Service;
  let app: Service;
  let workerPort: number;
  // As the stack generates it: letters and digits. The worker has no database, so this is the one key it accepts.
  const workerToken = 'VarWorkerToken0123456789abcdefghijklmnopqrstuv';

  beforeAll(async () => {
    worker = await createService({ name: 'var-worker', modules: [varWorkerService], logLevel: 'silent', auth: { serviceToken: workerToken } });
    await worker.listen({ host: '127.0.0.1', port: 0 });
    workerPort = (worker.server.address() as { port: number }).port;
  });
  afterAll(async () => worker.close());
  beforeEach(async () => {
    await database.pool.query('truncate risk_scale, risk_analysis, risk_audit, price_bars');
  });
  afterEach(async () => app.close());

  it('starts r tasks, waits for them, lists their endpoints, analyses on them, stops them', async () => {
    const stub = ecsStub();
    app = await buildRiskApp(
      database.pool,
      { ecsClient: stub },
      { RISK_DEFAULT_SYMBOL: 'TEST', RISK_WORKER_PORT: String(workerPort), RISK_ECS_SUBNETS: 'subnet-a,subnet-b', SERVICE_TOKEN: workerToken },
    );
    await loadGeneratedBars(app, 'TEST');

    expect((await app.inject({ method: 'POST', url: '/warmup', payload: { s: 'ec2', r: 2 } })).json()).toEqual({ result: 'ok' });
    expect((await app.inject({ url: '/scaled_ready' })).json()).toEqual({ warm: 'false' });
    const early = await app.inject({ method: 'POST', url: '/analyse', payload: flow });
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toContain('poll GET /scaled_ready');
    // RUNNING but its health check has not answered yet: still not ready.
    expect((await app.inject({ url: '/scaled_ready' })).json()).toEqual({ warm: 'false' });
    expect((await app.inject({ url: '/scaled_ready' })).json()).toEqual({ warm: 'true' });

    const warmup = (await app.inject({ url: '/get_warmup_cost' })).json();
    expect(warmup.billable_time).toBeGreaterThanOrEqual(2 * 29_000); // two tasks, created 40 s and running 10 s ago
    expect(warmup.cost).toBeCloseTo((warmup.billable_time / 3_600_000) * (0.25 * 0.04048 + 0.5 * 0.004445), 12);

    const endpoints = (await app.inject({ url: '/get_endpoints' })).json();
    const url = `http://127.0.0.1:${workerPort}/calculate_var9599`;
    expect(endpoints).toEqual({ [url]: expect.stringContaining(url) });
    // The listed endpoint answers the reference's call, with numeric strings, to a caller holding the token.
    const referenceCall = JSON.stringify({ mean: '0.0005', std: '0.02', shots: '10000', seed: 3 });
    const direct = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${workerToken}` },
      body: referenceCall,
    });
    expect(await direct.json()).toMatchObject({ var95: expect.any(Number), var99: expect.any(Number), seed: 3 });
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: referenceCall })).status).toBe(401);

    expect((await app.inject({ method: 'POST', url: '/analyse', payload: flow })).json()).toMatchObject({ result: 'ok' });
    const vars = (await app.inject({ url: '/get_sig_vars9599' })).json();
    expect(vars.var95.length).toBeGreaterThan(0);
    expect((await app.inject({ url: '/get_time_cost' })).json().cost).toBeGreaterThan(0);

    expect((await app.inject({ url: '/terminate' })).json()).toEqual({ result: 'ok' });
    expect(stub.calls.filter((name) => name === 'StopTaskCommand')).toHaveLength(2);
    expect((await app.inject({ url: '/scaled_terminated' })).json()).toEqual({ terminated: 'true' });
  });

  it("sends the workers' resource tasks with the token, and a worker refuses them (401) without it or with another", async () => {
    const settings = {
      cluster: 'closecross',
      taskDefinition: 'closecross-var-worker',
      subnets: ['subnet-a'],
      securityGroups: [],
      workerPort,
      vcpu: 0.25,
      memoryGb: 0.5,
      vcpuHourUsd: 0.04048,
      gbHourUsd: 0.004445,
    };
    const workers = [{ id: 'arn:aws:ecs:eu-west-1:123456789012:task/closecross/1', url: `http://127.0.0.1:${workerPort}` }];
    const tasks = [0, 1].map((resource) => ({ resource, d: 1000, seed: 7, moments: [{ mean: 0.0005, std: 0.02 }] }));

    const signedIn = await new EcsBackend(ecsStub(), { ...settings, serviceToken: workerToken }).run(tasks, workers);
    expect(signedIn.parts.map((part) => part.resource)).toEqual([0, 1]);
    expect(signedIn.parts[0]!.var95).toHaveLength(1);

    const refusal =
      /worker http:\/\/127\.0\.0\.1:\d+\/monte-carlo-task answered 401: this service's SERVICE_TOKEN is not the one the workers were started with/;
    await expect(new EcsBackend(ecsStub(), settings).run(tasks, workers)).rejects.toThrow(refusal);
    await expect(new EcsBackend(ecsStub(), { ...settings, serviceToken: `${workerToken}x` }).run(tasks, workers)).rejects.toThrow(refusal);
  });
});

describe('the worker endpoint', () => {
  it('rejects shots below 100 and non-numeric strings with 400', async () => {
    const worker = await createService({ name: 'var-worker', modules: [varWorkerService], logLevel: 'silent', auth: false });
    const response = await worker.inject({ method: 'POST', url: '/calculate_var9599', payload: { mean: 'x', std: 0.1, shots: 10 } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body/mean must be a number from -1000000 to 1000000, got "x"');
    await worker.close();
  });
});
