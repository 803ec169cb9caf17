import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import type { Service } from '@closecross/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRiskApp } from './build-app.ts';
import { loadGeneratedBars } from './price-fixture.ts';

// A compute failure carries what clients must not see: a runtime's trace, file paths, a worker's address.
const nativeFailure =
  'Runtime.ExitError: RequestId: 1f2e exited: signal: killed\n    at /var/task/node_modules/@closecross/quant/src/var/monte-carlo-var.ts:95:3 (10.0.3.17:8080)';

let database: TestDatabase;
let app: Service;
beforeAll(async () => {
  database = await createTestDatabase();
  const failingLambda = {
    async send(): Promise<never> {
      throw new Error(nativeFailure);
    },
  };
  app = await buildRiskApp(database.pool, { lambdaClient: failingLambda as never }, { RISK_DEFAULT_SYMBOL: 'TEST', RISK_JOB_CONCURRENCY: '1' });
  await loadGeneratedBars(app, 'TEST');
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('an analysis whose compute fails', () => {
  it('shows its client what failed in our words (GET /analyses/:id, the job row GET /jobs reads), never the trace, paths or addresses', async () => {
    const submitted = await app.inject({ method: 'POST', url: '/analyses', payload: { h: 30, d: 1000, t: 'sell', p: 5, s: 'lambda', r: 1, seed: 1 } });
    expect(submitted.statusCode).toBe(202);
    const { id } = submitted.json();
    // The failure is the retried kind: the first attempt's error is already stored while the job retries.
    await waitFor(async () => (await app.inject({ url: `/analyses/${id}` })).json().error !== null, 60_000, 'the first attempt to fail');
    const analysis = (await app.inject({ url: `/analyses/${id}` })).json();
    expect(analysis.error).toBe(`the lambda compute failed while running the analysis; the details are in the service log under job ${id}`);
    const stored = (await database.pool.query('select error from job where id = $1', [id])).rows[0].error as string;
    expect(stored).toBe(analysis.error);
    for (const body of [JSON.stringify(analysis), stored]) {
      expect(body).not.toContain('/var/task');
      expect(body).not.toContain('10.0.3.17');
      expect(body).not.toContain('Runtime.ExitError');
    }
  });
});
