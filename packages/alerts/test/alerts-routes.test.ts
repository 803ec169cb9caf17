import { withTransaction } from '@closecross/db';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, testLogging, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertEventNames, alertsModuleWith, recordAlert } from '../src/index.ts';
import { startTelegramFake, type TelegramFake } from './fakes/telegram-fake-server.ts';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhook-receiver.ts';
import { testAlertsConfig } from './support/alerts-test-support.ts';

let database: TestDatabase;
let app: Service;
let telegram: TelegramFake;
let webhook: WebhookReceiver;
const slackUrl = () => `${webhook.url}/services/T0001/B0002/SecretPartOfTheUrl`;

beforeAll(async () => {
  database = await createTestDatabase();
  telegram = await startTelegramFake();
  webhook = await startWebhookReceiver();
  const config = testAlertsConfig({ ALERTS_TELEGRAM_API_URL: telegram.url, ALERTS_TELEGRAM_BOT_TOKEN: telegram.token });
  // The module runs its own deliverer, as in every task that mounts it.
  app = await createService({
    name: 'alerts-test',
    modules: [alertsModuleWith({ config, testWaitMs: 5000 })],
    pool: database.pool,
    auth: false,
    ...testLogging(),
  });
  await app.ready();
});
beforeEach(async () => {
  await database.truncate('alert', 'alert_delivery', 'alert_channel');
});
afterAll(async () => {
  await app.close();
  await telegram.close();
  await webhook.close();
  await database.drop();
});

const post = (url: string, body: object) => app.inject({ method: 'POST', url, payload: body });

describe('channels', () => {
  it('POST /alerts/channels creates a channel with every event on unless switched off, and never echoes the token or the webhook URL', async () => {
    const created = await post('/alerts/channels', {
      name: 'desk',
      kind: 'telegram',
      config: { chat_id: -1001234567890, bot_token: '7654321:AAHsecretsecretsecretsecret' },
      events: { job_succeeded: false },
    });
    expect(created.statusCode).toBe(201);
    const channel = created.json();
    expect(channel).toMatchObject({
      name: 'desk',
      kind: 'telegram',
      config: { chat_id: '-1001234567890', bot_token: '7654321:…' },
      enabled: true,
      job_kinds: null,
    });
    expect(channel.events).toEqual({ ...Object.fromEntries(alertEventNames.map((name) => [name, true])), job_succeeded: false });

    const hook = (await post('/alerts/channels', { name: 'slack-ops', kind: 'webhook', config: { url: slackUrl(), format: 'slack' } })).json();
    expect(hook.config).toEqual({ url: `${webhook.url}/…eUrl`, format: 'slack' });
    const listed = await app.inject({ url: '/alerts/channels' });
    expect(listed.body).not.toContain('secretsecret');
    expect(listed.body).not.toContain('SecretPartOfTheUrl');
    expect(listed.json().channels.map((listedChannel: { name: string }) => listedChannel.name)).toEqual(['desk', 'slack-ops']);
  });

  it('answers 400 naming the field for a bad chat id, token, URL or event, and 409 for a taken name', async () => {
    expect((await post('/alerts/channels', { name: 'a', kind: 'telegram', config: { chat_id: 'my chat' } })).json().message).toMatch(
      /^body\/config\/chat_id must be a Telegram chat id/,
    );
    expect((await post('/alerts/channels', { name: 'a', kind: 'telegram', config: { chat_id: 1, bot_token: 'nope' } })).json().message).toMatch(
      /^body\/config\/bot_token/,
    );
    expect((await post('/alerts/channels', { name: 'a', kind: 'webhook', config: { url: 'ftp://x' } })).json().message).toBe(
      'body/config/url must be an http(s) URL',
    );
    expect(
      (await post('/alerts/channels', { name: 'a', kind: 'webhook', config: { url: webhook.url }, events: { order_exploded: true } })).json(),
    ).toMatchObject({ statusCode: 400, message: expect.stringMatching(/^body\/events: unknown event "order_exploded"/) });
    expect((await post('/alerts/channels', { name: 'a', kind: 'webhook', config: { url: webhook.url } })).statusCode).toBe(201);
    expect((await post('/alerts/channels', { name: 'a', kind: 'webhook', config: { url: webhook.url } })).json()).toMatchObject({
      statusCode: 409,
      message: 'an alert channel named "a" exists',
    });
  });

  it('PATCH merges config and switches (the token stays), and DELETE cancels what the channel had not sent', async () => {
    const channel = (
      await post('/alerts/channels', {
        name: 'desk',
        kind: 'telegram',
        config: { chat_id: 1, bot_token: '7654321:AAHsecretsecretsecretsecret' },
        enabled: false,
      })
    ).json();
    const changed = await app.inject({
      method: 'PATCH',
      url: `/alerts/channels/${channel.id}`,
      payload: { config: { chat_id: 2 }, events: { order_filled: false }, job_kinds: ['train'] },
    });
    expect(changed.json()).toMatchObject({
      config: { chat_id: '2', bot_token: '7654321:…' },
      events: { order_filled: false, order_rejected: true },
      job_kinds: ['train'],
      enabled: false,
    });
    const stored = (await database.pool.query('select config from alert_channel where id = $1', [channel.id])).rows[0].config;
    expect(stored).toEqual({ chat_id: '2', bot_token: '7654321:AAHsecretsecretsecretsecret' });

    // Disabled: the alert is kept but nothing is sent to it; enabled while the alert waits, then deleted.
    expect((await recordAlert(database.pool, { event: 'ingest_lag', payload: { source: 's', lag_seconds: 90, threshold_seconds: 60 } })).deliveryIds).toEqual(
      [],
    );
    await app.inject({ method: 'PATCH', url: `/alerts/channels/${channel.id}`, payload: { enabled: true } });
    // Written not yet due, so the deliverer leaves it waiting.
    const { deliveryIds } = await withTransaction(database.pool, async (client) => {
      const recorded = await recordAlert(client, { event: 'ingest_lag', payload: { source: 's', lag_seconds: 90, threshold_seconds: 60 } });
      await client.query("update alert_delivery set next_attempt_at = now() + interval '1 hour' where id = $1", [recorded.deliveryIds[0]]);
      return recorded;
    });
    expect((await app.inject({ method: 'DELETE', url: `/alerts/channels/${channel.id}` })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: `/alerts/channels/${channel.id}` })).statusCode).toBe(404);
    const history = (await app.inject({ url: '/alerts' })).json();
    expect(history.alerts[0].deliveries).toMatchObject([
      { id: deliveryIds[0], channel_id: null, channel_name: 'desk', status: 'cancelled', last_error: 'channel deleted before the delivery was sent' },
    ]);
  });
});

describe('GET /alerts and POST /alerts/test', () => {
  it('POST /alerts/test sends a message through Telegram and answers 200 with the delivery sent', async () => {
    const channel = (await post('/alerts/channels', { name: 'desk', kind: 'telegram', config: { chat_id: 4242 } })).json();
    const answered = await post('/alerts/test', { channel_id: channel.id, text: 'hello from set-up' });
    expect(answered.statusCode).toBe(200);
    const alert = answered.json();
    expect(alert).toMatchObject({
      event: 'test',
      deliveries: [{ channel_name: 'desk', status: 'sent', attempts: 1, last_status_code: 200, sent_at: expect.any(String) }],
    });
    const message = telegram.messages.at(-1)!;
    expect(message.chat_id).toBe('4242');
    expect(message.text).toBe(`Test message: hello from set-up\nsent to channel desk\ndelivery ${alert.deliveries[0].id}`);
  });

  it('a bad bot token shows in GET /alerts as a failed delivery with the reason; 401 is not retried', async () => {
    const channel = (
      await post('/alerts/channels', { name: 'wrong-bot', kind: 'telegram', config: { chat_id: 4242, bot_token: '111:AAnot-the-right-token-at-all' } })
    ).json();
    const answered = await post('/alerts/test', { channel_id: channel.id });
    expect(answered.statusCode).toBe(200);
    const history = (await app.inject({ url: `/alerts?status=failed&channel_id=${channel.id}` })).json();
    expect(history.alerts).toHaveLength(1);
    expect(history.alerts[0].deliveries).toMatchObject([
      { channel_name: 'wrong-bot', status: 'failed', attempts: 1, last_status_code: 401, last_error: 'Telegram 401: Unauthorized', sent_at: null },
    ]);
    expect(JSON.stringify(history)).not.toContain('AAnot-the-right-token');
  });

  it('GET /alerts pages newest first with next_before_id and filters by event', async () => {
    await post('/alerts/channels', { name: 'hook', kind: 'webhook', config: { url: webhook.url, format: 'json' } });
    for (let day = 1; day <= 5; day++)
      await recordAlert(database.pool, { event: 'daily_pnl_summary', payload: { date: `2026-03-0${day}`, realized: day, unrealized: 0, total: day } });
    await recordAlert(database.pool, { event: 'ingest_lag', payload: { source: 's', lag_seconds: 90, threshold_seconds: 60 } });
    const first = (await app.inject({ url: '/alerts?event=daily_pnl_summary&limit=3' })).json();
    expect(first.alerts.map((alert: { payload: { date: string } }) => alert.payload.date)).toEqual(['2026-03-05', '2026-03-04', '2026-03-03']);
    const second = (await app.inject({ url: `/alerts?event=daily_pnl_summary&limit=3&before_id=${first.next_before_id}` })).json();
    expect(second.alerts.map((alert: { payload: { date: string } }) => alert.payload.date)).toEqual(['2026-03-02', '2026-03-01']);
    expect(second.next_before_id).toBeNull();
    await waitFor(
      async () =>
        (await app.inject({ url: '/alerts?status=pending' })).json().alerts.length === 0 &&
        (await app.inject({ url: '/alerts?status=sending' })).json().alerts.length === 0,
      5000,
      'all delivered',
    );
    const one = (await app.inject({ url: `/alerts/${first.alerts[0].id}` })).json();
    expect(one.deliveries).toMatchObject([{ channel_name: 'hook', status: 'sent', attempts: 1, next_attempt_at: null }]);
    expect((await app.inject({ url: '/alerts?status=lost' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/alerts/999999' })).statusCode).toBe(404);
  });

  it('with sign-in on: a read key sees the history but neither the channels nor the test message; admin does all', async () => {
    const secured = await createService({
      name: 'alerts-auth-test',
      modules: [alertsModuleWith({ config: testAlertsConfig(), deliver: false })],
      pool: database.pool,
      auth: { rateLimitPerMinute: 10_000 },
      ...testLogging(),
    });
    await secured.ready();
    try {
      const bearer = async (scopes: Array<'read' | 'admin'>) => ({
        authorization: `Bearer ${(await secured.auth!.keys.create({ name: `key-${scopes.join('-')}`, scopes })).key}`,
      });
      const reader = await bearer(['read']);
      const admin = await bearer(['admin']);
      expect((await secured.inject({ url: '/alerts' })).statusCode).toBe(401);
      expect((await secured.inject({ url: '/alerts', headers: reader })).statusCode).toBe(200);
      expect((await secured.inject({ url: '/alerts/channels', headers: reader })).statusCode).toBe(403);
      expect((await secured.inject({ method: 'POST', url: '/alerts/test', headers: reader, payload: {} })).statusCode).toBe(403);
      expect(
        (
          await secured.inject({
            method: 'POST',
            url: '/alerts/channels',
            headers: reader,
            payload: { name: 'x', kind: 'webhook', config: { url: webhook.url } },
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (
          await secured.inject({
            method: 'POST',
            url: '/alerts/channels',
            headers: admin,
            payload: { name: 'x', kind: 'webhook', config: { url: webhook.url } },
          })
        ).statusCode,
      ).toBe(201);
      expect((await secured.inject({ url: '/alerts/channels', headers: admin })).json().channels).toHaveLength(1);
    } finally {
      await secured.close();
    }
  });
});
