import { withTransaction } from '@closecross/db';
import { createPool } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertDeliverer, ChannelStore, recordAlert, type AlertEvent } from '../src/index.ts';
import { startTelegramFake, type TelegramFake } from './fakes/telegram-fake-server.ts';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhook-receiver.ts';
import { capturedLines, testAlertsConfig } from './support/alerts-test-support.ts';

let database: TestDatabase;
let telegram: TelegramFake;
let webhook: WebhookReceiver;
let channels: ChannelStore;
const deliverers: AlertDeliverer[] = [];
let deliveryLog = capturedLines();

const orderRejected = (orderId: string): AlertEvent => ({
  event: 'order_rejected',
  payload: {
    order_id: orderId,
    strategy: 'momentum',
    symbol: 'NVDA',
    side: 'buy',
    quantity: 100,
    reason: 'position notional 1,250,000 over the 1,000,000 limit for NVDA',
    check: 'max_position_notional',
  },
});

function startDeliverer(pool = database.pool, overrides: Record<string, string> = {}): AlertDeliverer {
  deliveryLog = capturedLines();
  const deliverer = new AlertDeliverer({
    pool,
    log: deliveryLog,
    config: testAlertsConfig({ ALERTS_TELEGRAM_API_URL: telegram.url, ALERTS_TELEGRAM_BOT_TOKEN: telegram.token, ...overrides }),
  });
  deliverer.start();
  deliverers.push(deliverer);
  return deliverer;
}

async function deliveryRows(): Promise<
  Array<{ id: string; channel_name: string; status: string; attempts: number; last_error: string | null; last_status_code: number | null }>
> {
  return (
    await database.pool.query('select id, channel_name, status, attempts, last_error, last_status_code from alert_delivery order by created_at, channel_name')
  ).rows;
}

beforeAll(async () => {
  database = await createTestDatabase();
  telegram = await startTelegramFake();
  webhook = await startWebhookReceiver();
  channels = new ChannelStore(database.pool, { allowNetworks: ['loopback'], defaultTelegramToken: telegram.token });
});
beforeEach(async () => {
  await database.truncate('alert', 'alert_delivery', 'alert_channel');
  // A test that failed while its webhook was down must not leave it down for the next.
  await webhook.up();
  webhook.received.length = 0;
  telegram.messages.length = 0;
  telegram.calls.length = 0;
});
afterEach(async () => {
  await Promise.all(deliverers.splice(0).map((deliverer) => deliverer.stop()));
});
afterAll(async () => {
  await telegram.close();
  await webhook.close();
  await database.drop();
});

describe('delivery', () => {
  it('an alert written while its webhook is down for 3 seconds arrives once the webhook is back, exactly once, keyed by its delivery id', async () => {
    await channels.create({ name: 'ops-hook', kind: 'webhook', config: { url: `${webhook.url}/ops`, format: 'json' } });
    await webhook.down();
    startDeliverer();
    const { deliveryIds } = await withTransaction(database.pool, (client) => recordAlert(client, orderRejected('order-1')));
    expect(deliveryIds).toHaveLength(1);

    // Down: attempts are refused and, between attempts, the delivery waits as pending (never failed).
    // A read can land while the next attempt holds the row ('sending'), so wait for a between-attempts read.
    await waitFor(
      async () => {
        const [row] = await deliveryRows();
        return row!.attempts >= 3 && row!.status === 'pending';
      },
      10_000,
      'three refused attempts, then pending',
    );
    const whileDown = (await deliveryRows())[0]!;
    expect(whileDown.status).not.toBe('failed');
    expect(whileDown.status).not.toBe('sent');
    expect(whileDown.last_error).toMatch(/ECONNREFUSED/);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await webhook.up();

    await waitFor(async () => (await deliveryRows())[0]!.status === 'sent', 10_000, 'the delivery sent');
    // Nothing else arrives later: the sent row is never claimed again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(webhook.received).toHaveLength(1);
    const [arrived] = webhook.received;
    expect(arrived!.headers['idempotency-key']).toBe(deliveryIds[0]);
    expect(arrived!.headers['x-closecross-delivery']).toBe(deliveryIds[0]);
    expect(arrived!.body).toMatchObject({
      delivery_id: deliveryIds[0],
      event: 'order_rejected',
      payload: { order_id: 'order-1', check: 'max_position_notional' },
    });
    expect(arrived!.body.text).toContain('reason: position notional 1,250,000 over the 1,000,000 limit for NVDA');
  });

  it('an alert written in a transaction that rolls back is never written, so never sent', async () => {
    await channels.create({ name: 'ops-hook', kind: 'webhook', config: { url: webhook.url, format: 'json' } });
    startDeliverer();
    await expect(
      withTransaction(database.pool, async (client) => {
        await recordAlert(client, orderRejected('order-rolled-back'));
        throw new Error('the order write failed');
      }),
    ).rejects.toThrow('the order write failed');
    await withTransaction(database.pool, (client) => recordAlert(client, orderRejected('order-committed')));
    await waitFor(async () => webhook.received.length === 1, 5000, 'the committed alert');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(webhook.received.map((request) => (request.body.payload as { order_id: string }).order_id)).toEqual(['order-committed']);
    expect((await database.pool.query('select count(*)::int as n from alert')).rows[0].n).toBe(1);
  });

  it('two deliverers on two pools send each of 60 deliveries exactly once', async () => {
    await channels.create({ name: 'hook-a', kind: 'webhook', config: { url: `${webhook.url}/a`, format: 'json' } });
    await channels.create({ name: 'telegram-ops', kind: 'telegram', config: { chat_id: '4242' } });
    // Written before either starts, so both find the whole backlog at once and race for it.
    const written: string[] = [];
    for (let index = 0; index < 30; index++) written.push(...(await recordAlert(database.pool, orderRejected(`order-${index}`))).deliveryIds);
    const otherPool = createPool({ connectionString: database.url, max: 4 });
    try {
      const first = startDeliverer(database.pool);
      const second = startDeliverer(otherPool);
      await waitFor(async () => (await deliveryRows()).every((row) => row.status === 'sent'), 20_000, 'every delivery sent');
      await Promise.all(deliverers.splice(0).map((deliverer) => deliverer.stop()));
      // Both took part: the race for the backlog was real.
      expect(first.claimedCount).toBeGreaterThan(0);
      expect(second.claimedCount).toBeGreaterThan(0);
      expect(first.claimedCount + second.claimedCount).toBe(60);
    } finally {
      await otherPool.end();
    }
    const webhookIds = webhook.received.map((request) => request.headers['idempotency-key'] as string);
    const telegramIds = telegram.messages.map((message) => /delivery ([0-9a-f-]{36})$/.exec(message.text)![1]!);
    expect(webhookIds).toHaveLength(30);
    expect(telegramIds).toHaveLength(30);
    expect(new Set([...webhookIds, ...telegramIds]).size).toBe(60);
    expect([...webhookIds, ...telegramIds].sort()).toEqual([...written].sort());
    expect((await deliveryRows()).every((row) => row.attempts === 1)).toBe(true);
  });

  it("honours Telegram's 429 retry_after: the next attempt waits at least that long", async () => {
    await channels.create({ name: 'telegram-ops', kind: 'telegram', config: { chat_id: '4242' } });
    telegram.failNext(429, { retryAfterSeconds: 2 });
    startDeliverer();
    await recordAlert(database.pool, { event: 'ingest_lag', payload: { source: 'closecross-auction', lag_seconds: 95, threshold_seconds: 60 } });
    await waitFor(async () => telegram.messages.length === 1, 10_000, 'the message after the wait');
    const [limited, accepted] = telegram.calls;
    expect(limited!.status).toBe(429);
    expect(accepted!.status).toBe(200);
    // The schedule alone would retry after 50 to 100 ms here.
    expect(accepted!.at - limited!.at).toBeGreaterThanOrEqual(2000);
    // Sent: the refused attempt's error is no longer shown as the delivery's last error.
    expect(await deliveryRows()).toMatchObject([{ status: 'sent', attempts: 2, last_status_code: 200, last_error: null }]);
    expect(telegram.messages[0]!.text).toContain('Ingest lag on closecross-auction: 95 s (threshold 60 s)');
  });

  it("a bad bot token (401) fails the delivery at once with Telegram's reason, and the token appears in no error", async () => {
    await channels.create({ name: 'telegram-wrong-bot', kind: 'telegram', config: { chat_id: '4242', bot_token: '999999:AAwrong-token-wrong-token-000' } });
    startDeliverer();
    await recordAlert(database.pool, orderRejected('order-bad-token'));
    await waitFor(async () => (await deliveryRows())[0]!.status === 'failed', 5000, 'the delivery failed');
    const [row] = await deliveryRows();
    expect(row).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 401, last_error: 'Telegram 401: Unauthorized' });
    expect(telegram.calls.map((call) => call.path)).toEqual(['/bot<token>/sendMessage']);
    // The line the stack's alarm counts (market-data's logAlarms).
    expect(deliveryLog.lines.filter((line) => line.event === 'alert_delivery_failed')).toMatchObject([
      { level: 'error', deliveryId: row!.id, alertEvent: 'order_rejected', error: 'Telegram 401: Unauthorized' },
    ]);
  });

  it('a 5xx is retried and a webhook that refuses the body (400) is not', async () => {
    await channels.create({ name: 'hook-a', kind: 'webhook', config: { url: `${webhook.url}/a`, format: 'slack' } });
    webhook.failNext(502, { calls: 2 });
    startDeliverer();
    await recordAlert(database.pool, orderRejected('order-after-502'));
    await waitFor(async () => (await deliveryRows())[0]!.status === 'sent', 5000, 'sent after two 502s');
    expect(await deliveryRows()).toMatchObject([{ status: 'sent', attempts: 3, last_error: null, last_status_code: 200 }]); // the 502s are behind it
    expect(webhook.received[0]!.body).toEqual({ text: expect.stringContaining('Order rejected: buy 100 NVDA') });

    webhook.failNext(400);
    await recordAlert(database.pool, orderRejected('order-refused'));
    await waitFor(async () => (await deliveryRows())[1]?.status === 'failed', 5000, 'failed on 400');
    expect((await deliveryRows())[1]).toMatchObject({ attempts: 1, last_status_code: 400 });
  });

  it('a delivery whose channel stays down past the last attempt is marked failed, with how many attempts it got', async () => {
    await channels.create({ name: 'hook-a', kind: 'webhook', config: { url: `${webhook.url}/a`, format: 'json' } });
    webhook.failNext(503, { calls: 3 });
    startDeliverer(database.pool, { ALERTS_MAX_ATTEMPTS: '3' });
    await recordAlert(database.pool, orderRejected('order-never'));
    await waitFor(async () => (await deliveryRows())[0]!.status === 'failed', 5000, 'given up');
    expect((await deliveryRows())[0]!.last_error).toMatch(/^gave up after 3 attempts; last: webhook http:\/\/127\.0\.0\.1:\d+\/…\/a answered 503/);
    expect(webhook.received).toHaveLength(0);
  });

  it('a delivery claimed by a deliverer that died (its lease ran out) is sent again by another, under the same delivery id', async () => {
    await channels.create({ name: 'hook-a', kind: 'webhook', config: { url: `${webhook.url}/a`, format: 'json' } });
    const { deliveryIds } = await recordAlert(database.pool, orderRejected('order-orphaned'));
    // A deliverer that claimed it and died before recording anything.
    await database.pool.query(
      "update alert_delivery set status = 'sending', attempts = 1, lease_token = gen_random_uuid(), next_attempt_at = now() + interval '1 second'",
    );
    startDeliverer();
    await waitFor(async () => (await deliveryRows())[0]!.status === 'sent', 5000, 'sent after the lease');
    expect(webhook.received.map((request) => request.headers['idempotency-key'])).toEqual(deliveryIds);
    expect((await deliveryRows())[0]!.attempts).toBe(2);
  });
});

describe('per-event switches', () => {
  it('a channel gets only the events it has on, and job events only for the job kinds it lists', async () => {
    const everything = await channels.create({ name: 'all', kind: 'webhook', config: { url: `${webhook.url}/all`, format: 'json' } });
    await channels.create({
      name: 'failures-only',
      kind: 'webhook',
      config: { url: `${webhook.url}/failures`, format: 'json' },
      events: { job_succeeded: false, order_filled: false },
    });
    await channels.create({ name: 'training', kind: 'webhook', config: { url: `${webhook.url}/training`, format: 'json' }, job_kinds: ['train'] });
    await channels.create({ name: 'off', kind: 'webhook', config: { url: `${webhook.url}/off`, format: 'json' }, enabled: false });
    await channels.change(everything.id, { events: { daily_pnl_summary: false } });
    startDeliverer();

    const job = (kind: string): AlertEvent['payload'] => ({ job_id: '00000000-0000-4000-8000-000000000001', kind, attempts: 1, error: null });
    await recordAlert(database.pool, { event: 'job_succeeded', payload: job('train') as never });
    await recordAlert(database.pool, { event: 'job_failed', payload: { ...(job('trading-scan') as object), error: 'no bars' } as never });
    await recordAlert(database.pool, { event: 'order_filled', payload: { order_id: 'o-1', symbol: 'AAPL', side: 'sell', quantity: 10, price: 190.5 } });
    const nobody = await recordAlert(database.pool, { event: 'daily_pnl_summary', payload: { date: '2026-03-02', realized: 10, unrealized: -4, total: 6 } });
    expect(nobody).toEqual({ alertId: expect.any(String), deliveryIds: [expect.any(String), expect.any(String)] });

    await waitFor(async () => (await deliveryRows()).every((row) => row.status === 'sent'), 5000, 'all sent');
    const got = (path: string) =>
      webhook.received
        .filter((request) => request.path === path)
        .map((request) => request.body.event)
        .sort();
    expect(got('/all')).toEqual(['job_failed', 'job_succeeded', 'order_filled']);
    expect(got('/failures')).toEqual(['daily_pnl_summary', 'job_failed']);
    expect(got('/training')).toEqual(['daily_pnl_summary', 'job_succeeded', 'order_filled']);
    expect(got('/off')).toEqual([]);
  });

  it('an event no enabled channel wants is kept, with no delivery', async () => {
    await channels.create({ name: 'quiet', kind: 'webhook', config: { url: webhook.url, format: 'json' }, events: { ingest_lag: false } });
    const recorded = await recordAlert(database.pool, { event: 'ingest_lag', payload: { source: 's', lag_seconds: 1, threshold_seconds: 0 } });
    expect(recorded).toEqual({ alertId: expect.stringMatching(/^\d+$/), deliveryIds: [] });
    expect((await database.pool.query('select event, payload from alert')).rows).toEqual([
      { event: 'ingest_lag', payload: { source: 's', lag_seconds: 1, threshold_seconds: 0 } },
    ]);
  });
});
