import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { marketDataService } from '@closecross/market-data';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCall } from '../src/backends/compute-backend.ts';
import { riskAnalysisServiceWith } from '../src/plugin.ts';
import { withCredentialPlaceholders } from '../src/routes/reference-routes.ts';
import { loadRiskConfig } from '../src/risk-config.ts';

// Issue 25: the curl commands /get_endpoints handed out sent no key, so pasted they got 401.
let database: TestDatabase;
let app: Service;
const adminKey = `cc_${randomUUID().replaceAll('-', '')}`;
const auth = { authorization: `Bearer ${adminKey}` };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs a handed-out command in a shell with `environment`, curl told to print the status last (not spawnSync: this process serves the call). */
async function runPasted(command: string, environment: Record<string, string>): Promise<{ status: string; body: string }> {
  const run = await promisify(execFile)('sh', ['-c', `${command} -w '\\n%{http_code}'`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...environment },
    timeout: 30_000,
  });
  const lines = run.stdout.trimEnd().split('\n');
  return { status: lines.at(-1)!, body: lines.slice(0, -1).join('\n') };
}

beforeAll(async () => {
  database = await createTestDatabase();
  const port = await freePort();
  app = await createService({
    name: 'risk-test',
    modules: [marketDataService, riskAnalysisServiceWith({ config: loadRiskConfig({ RISK_DEFAULT_SYMBOL: 'TEST', RISK_JOB_CONCURRENCY: '0' }) })],
    pool: database.pool,
    auth: { rateLimitPerMinute: 100_000 },
    bootstrapAdmin: { apiKey: adminKey },
    logLevel: 'silent',
    publicBaseUrl: `http://127.0.0.1:${port}`,
  });
  await app.listen({ host: '127.0.0.1', port });
  expect((await app.inject({ method: 'POST', url: '/warmup', headers: auth, payload: { s: 'local', r: 1 } })).statusCode).toBe(200);
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('commands /get_endpoints hands out work when pasted', () => {
  it('the curl call carries the documented key placeholder; pasted with CLOSECROSS_API_KEY set it answers 200 and the VaRs, without it 401', async () => {
    const endpoints = (await app.inject({ url: '/get_endpoints', headers: auth })).json() as Record<string, string>;
    const [url, command] = Object.entries(endpoints)[0]!;
    expect(command).toBe(
      `curl -s -H "Authorization: Bearer $CLOSECROSS_API_KEY" -H 'Content-Type: application/json' -X POST -d '{"mean": "0.0005", "std": "0.02", "shots": "10000"}' '${url}'`,
    );
    const pasted = await runPasted(command, { CLOSECROSS_API_KEY: adminKey });
    expect(pasted.status).toBe('200');
    expect(JSON.parse(pasted.body)).toMatchObject({ var95: expect.any(Number), var99: expect.any(Number) });
    expect((await runPasted(command, {})).status).toBe('401');
  });
});

describe('which credential each handed-out call carries', () => {
  it("an ECS worker's address gets the service token placeholder, this API's own URL the API key's; an aws lambda invoke is left as it is", () => {
    const own = 'https://risk.example.com/calculate_var9599';
    const worker = 'http://10.0.3.17:8080/calculate_var9599';
    const lambda = "aws lambda invoke --function-name 'closecross-var' --payload '{}' /dev/stdout";
    expect(withCredentialPlaceholders({ [own]: sampleCall(own), [worker]: sampleCall(worker), 'lambda://closecross-var': lambda }, own)).toEqual({
      [own]: sampleCall(own).replace('curl -s ', 'curl -s -H "Authorization: Bearer $CLOSECROSS_API_KEY" '),
      [worker]: sampleCall(worker).replace('curl -s ', 'curl -s -H "Authorization: Bearer $CLOSECROSS_SERVICE_TOKEN" '),
      'lambda://closecross-var': lambda,
    });
  });
});
