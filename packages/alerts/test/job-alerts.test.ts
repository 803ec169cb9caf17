import { withTransaction } from '@closecross/db';
import { JobEngine, JobInputError } from '@closecross/jobs';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDeliverer, ChannelStore } from '../src/index.ts';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhook-receiver.ts';
import { capturedLines, testAlertsConfig } from './support/alerts-test-support.ts';

let database: TestDatabase;
let webhook: WebhookReceiver;
let engine: JobEngine;
let deliverer: AlertDeliverer;

beforeAll(async () => {
  database = await createTestDatabase();
  webhook = await startWebhookReceiver();
  await new ChannelStore(database.pool, { allowNetworks: ['loopback'] }).create({
    name: 'jobs-hook',
    kind: 'webhook',
    config: { url: webhook.url, format: 'json' },
  });
  engine = new JobEngine({ pool: database.pool, log: capturedLines(), scheduleSeconds: 0 });
  engine
    .define('train', {
      scope: 'models',
      handler: async () => {
        throw new JobInputError('no rows between date_id 0 and 478');
      },
    })
    .define('risk-analysis', { scope: 'risk', handler: async () => ({ result: { var99: -0.06 } }) });
  await engine.start();
  deliverer = new AlertDeliverer({ pool: database.pool, log: capturedLines(), config: testAlertsConfig() });
  deliverer.start();
});
afterAll(async () => {
  await deliverer.stop();
  await engine.stop();
  await webhook.close();
  await database.drop();
});

const alertsOf = async (jobId: string) => (await database.pool.query("select event, payload from alert where payload->>'job_id' = $1", [jobId])).rows;

describe('job alerts', () => {
  it('a job that fails for good alerts job_failed with its error, and one that succeeds job_succeeded, each once', async () => {
    const failed = await engine.enqueue('train', { model_name: 'xgb_nightly' }, { createdBy: 'alice' });
    const succeeded = await engine.enqueue('risk-analysis', { symbol: 'NVDA' });
    await waitFor(async () => webhook.received.length === 2, 10_000, 'two job alerts');
    const byJob = Object.fromEntries(webhook.received.map((request) => [(request.body.payload as { job_id: string }).job_id, request.body]));
    expect(byJob[failed]).toMatchObject({
      event: 'job_failed',
      payload: { kind: 'train', attempts: 1, error: 'no rows between date_id 0 and 478', created_by: 'alice' },
    });
    expect(byJob[failed]!.text).toContain('Job failed: train');
    expect(byJob[succeeded]).toMatchObject({ event: 'job_succeeded', payload: { kind: 'risk-analysis', error: null } });
    expect(await alertsOf(failed)).toHaveLength(1);
  });

  it('a job status change that rolls back leaves no alert: the alert is part of the transaction that finishes the job', async () => {
    const id = await engine.enqueue('train', {});
    await waitFor(async () => (await alertsOf(id)).length === 1, 10_000, 'the real failure alert');
    const parked = await database.pool.query<{ id: string }>(
      "insert into job (id, kind, status) values (gen_random_uuid(), 'trading-scan', 'running') returning id",
    );
    const parkedId = parked.rows[0]!.id;
    await expect(
      withTransaction(database.pool, async (client) => {
        await client.query("update job set status = 'failed', error = 'lost' where id = $1", [parkedId]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await alertsOf(parkedId)).toEqual([]);
    // Any path that finishes a job alerts, such as the engine's settling of a lost last attempt (a plain UPDATE of status).
    await database.pool.query("update job set status = 'failed', error = 'its task stopped renewing its lease' where id = $1", [parkedId]);
    expect(await alertsOf(parkedId)).toMatchObject([{ event: 'job_failed', payload: { kind: 'trading-scan', error: 'its task stopped renewing its lease' } }]);
  });
});
