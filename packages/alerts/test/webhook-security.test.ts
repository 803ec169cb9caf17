import { createHmac } from 'node:crypto';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, testLogging, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertDeliverer, alertsModuleWith, alertText, ChannelStore, recordAlert, refusedAddress, verifyWebhookSignature } from '../src/index.ts';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhook-receiver.ts';
import { capturedLines, testAlertsConfig } from './support/alerts-test-support.ts';

let database: TestDatabase;
let webhook: WebhookReceiver;
/** The alerts API as a system with the default rules: public webhooks only, no system Telegram token. */
let strict: Service;
/** The same API with loopback allowed, as the tests' fakes need. */
let loopbackAllowed: Service;
const deliverers: AlertDeliverer[] = [];

const appWith = async (overrides: Record<string, string>) => {
  const app = await createService({
    name: 'alerts-security-test',
    modules: [alertsModuleWith({ config: testAlertsConfig(overrides), deliver: false })],
    pool: database.pool,
    auth: false,
    ...testLogging(),
  });
  await app.ready();
  return app;
};

function startDeliverer(overrides: Record<string, string> = {}): AlertDeliverer {
  const deliverer = new AlertDeliverer({ pool: database.pool, log: capturedLines(), config: testAlertsConfig(overrides) });
  deliverer.start();
  deliverers.push(deliverer);
  return deliverer;
}

const deliveryRows = async () =>
  (await database.pool.query('select status, attempts, last_error, last_status_code from alert_delivery order by created_at')).rows;

beforeAll(async () => {
  database = await createTestDatabase();
  webhook = await startWebhookReceiver();
  strict = await appWith({ ALERTS_WEBHOOK_ALLOW_NETWORKS: '' });
  loopbackAllowed = await appWith({});
});
beforeEach(async () => {
  await database.truncate('alert', 'alert_delivery', 'alert_channel');
  webhook.received.length = 0;
});
afterEach(async () => {
  await Promise.all(deliverers.splice(0).map((deliverer) => deliverer.stop()));
});
afterAll(async () => {
  await strict.close();
  await loopbackAllowed.close();
  await webhook.close();
  await database.drop();
});

const createChannel = (app: Service, body: object) => app.inject({ method: 'POST', url: '/alerts/channels', payload: body });

describe('webhook targets', () => {
  it('refuses the cloud metadata address, private, loopback and link-local targets (literal or by name) with a 400 naming the field and the address', async () => {
    const refused = async (url: string) => {
      const answer = await createChannel(strict, { name: 'hook', kind: 'webhook', config: { url } });
      expect(answer.statusCode, url).toBe(400);
      return answer.json().message as string;
    };
    expect(await refused('http://169.254.169.254/latest/meta-data/')).toMatch(
      /^body\/config\/url http:\/\/169\.254\.169\.254\/…ata\/ is refused: 169\.254\.169\.254 is a link-local address; webhooks may reach link-local addresses only when ALERTS_WEBHOOK_ALLOW_NETWORKS includes link-local$/,
    );
    expect(await refused('http://10.0.0.8/hook')).toMatch(/10\.0\.0\.8 is a private address/);
    expect(await refused('http://[fd00::1]/hook')).toMatch(/fd00::1 is a private address/);
    expect(await refused('http://[::ffff:169.254.169.254]/hook')).toMatch(/is a link-local address/);
    expect(await refused(`${webhook.url}/hook`)).toMatch(/127\.0\.0\.1 is a loopback address/);
    // A name is resolved and each of its addresses checked.
    expect(await refused('http://localhost:9/hook')).toMatch(
      /^body\/config\/url http:\/\/localhost:9\/…hook is refused: localhost resolves to .* is a loopback address/,
    );
    expect(await refused('http://0.0.0.0:9/hook')).toMatch(/is a loopback address/);
    expect(await refused('http://no-such-host.invalid/hook')).toMatch(/no-such-host\.invalid does not resolve/);
    expect((await database.pool.query('select count(*)::int as n from alert_channel')).rows[0].n).toBe(0);
  });

  it('an admin setting allows loopback, and only loopback: the metadata address stays refused', async () => {
    expect((await createChannel(loopbackAllowed, { name: 'local', kind: 'webhook', config: { url: `${webhook.url}/hook` } })).statusCode).toBe(201);
    expect((await createChannel(loopbackAllowed, { name: 'metadata', kind: 'webhook', config: { url: 'http://169.254.169.254/' } })).json().message).toMatch(
      /169\.254\.169\.254 is a link-local address/,
    );
    expect(refusedAddress('93.184.215.14', [])).toBeUndefined();
    expect(refusedAddress('224.0.0.1', ['loopback', 'private', 'link-local'])).toBe('224.0.0.1 is a multicast address, never a webhook target');
  });

  it('a target that became forbidden after creation is refused when sending: failed at once, nothing received', async () => {
    await new ChannelStore(database.pool, { allowNetworks: ['loopback'] }).create({ name: 'local', kind: 'webhook', config: { url: `${webhook.url}/hook` } });
    await new ChannelStore(database.pool, { allowNetworks: ['loopback'] }).create({
      name: 'by-name',
      kind: 'webhook',
      config: { url: `${webhook.url.replace('127.0.0.1', 'localhost')}/named` },
    });
    startDeliverer({ ALERTS_WEBHOOK_ALLOW_NETWORKS: '' });
    await recordAlert(database.pool, { event: 'ingest_lag', payload: { source: 's', lag_seconds: 90, threshold_seconds: 60 } });
    await waitFor(async () => (await deliveryRows()).every((row) => row.status === 'failed'), 5000, 'both deliveries failed');
    const rows = await deliveryRows();
    expect(rows.map((row) => row.attempts)).toEqual([1, 1]);
    expect(rows.map((row) => row.last_error).sort()).toEqual([
      expect.stringMatching(/^webhook http:\/\/127\.0\.0\.1:\d+\/…hook refused: 127\.0\.0\.1 is a loopback address/),
      expect.stringMatching(/^webhook http:\/\/localhost:\d+\/…amed refused: localhost resolves to .* is a loopback address/),
    ]);
    expect(webhook.requests()).toBe(0);
  });
});

describe('signed deliveries', () => {
  it('every delivery carries a timestamp and an HMAC-SHA256 of "<timestamp>.<body>" keyed by the secret shown once at creation', async () => {
    const created = (
      await createChannel(loopbackAllowed, { name: 'signed', kind: 'webhook', config: { url: `${webhook.url}/signed`, format: 'json' } })
    ).json();
    expect(created.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const listed = await loopbackAllowed.inject({ url: '/alerts/channels' });
    expect(listed.body).not.toContain(created.secret);
    expect((await loopbackAllowed.inject({ url: `/alerts/channels/${created.id}` })).json().secret).toBeUndefined();

    startDeliverer();
    await recordAlert(database.pool, { event: 'ingest_lag', payload: { source: 'closecross-auction', lag_seconds: 95, threshold_seconds: 60 } });
    await waitFor(async () => webhook.received.length === 1, 5000, 'the signed delivery');
    const [arrived] = webhook.received;
    const timestamp = arrived!.headers['x-closecross-timestamp'] as string;
    const signature = arrived!.headers['x-closecross-signature'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    // A receiver's check, written out: HMAC over the raw body as sent.
    const rawBody = JSON.stringify(arrived!.body);
    expect(signature).toBe(`v1=${createHmac('sha256', created.secret).update(`${timestamp}.${rawBody}`).digest('hex')}`);
    expect(verifyWebhookSignature(created.secret, { timestamp, signature }, rawBody, Number(timestamp))).toBe(true);
    expect(verifyWebhookSignature(created.secret, { timestamp, signature }, rawBody.replace('95', '96'), Number(timestamp))).toBe(false);
    expect(verifyWebhookSignature(created.secret, { timestamp, signature }, rawBody, Number(timestamp) + 600)).toBe(false);
    expect(verifyWebhookSignature('whsec_other', { timestamp, signature }, rawBody, Number(timestamp))).toBe(false);

    // Renewed: the answer shows the new secret once, and later deliveries are signed with it.
    const renewed = (await loopbackAllowed.inject({ method: 'POST', url: `/alerts/channels/${created.id}/secret` })).json();
    expect(renewed.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(renewed.secret).not.toBe(created.secret);
    await recordAlert(database.pool, {
      event: 'ingest_lag',
      payload: { source: 'closecross-auction', state: 'recovered', lag_seconds: 5, threshold_seconds: 60 },
    });
    await waitFor(async () => webhook.received.length === 2, 5000, 'the second delivery');
    const second = webhook.received[1]!;
    const secondCheck = { timestamp: second.headers['x-closecross-timestamp'] as string, signature: second.headers['x-closecross-signature'] as string };
    expect(verifyWebhookSignature(renewed.secret, secondCheck, JSON.stringify(second.body), Number(secondCheck.timestamp))).toBe(true);
    expect(verifyWebhookSignature(created.secret, secondCheck, JSON.stringify(second.body), Number(secondCheck.timestamp))).toBe(false);
  });

  it('a secret in the request is not taken; PATCH keeps the secret', async () => {
    const refused = await createChannel(loopbackAllowed, { name: 'mine', kind: 'webhook', config: { url: `${webhook.url}/x`, secret: 'chosen' } });
    expect(refused.statusCode).toBe(400);
    const created = (await createChannel(loopbackAllowed, { name: 'mine', kind: 'webhook', config: { url: `${webhook.url}/x` } })).json();
    await loopbackAllowed.inject({ method: 'PATCH', url: `/alerts/channels/${created.id}`, payload: { config: { format: 'slack' } } });
    expect((await database.pool.query('select config from alert_channel where id = $1', [created.id])).rows[0].config).toMatchObject({
      format: 'slack',
      secret: created.secret,
    });
  });
});

describe('channel rules and delivery records', () => {
  it('a Telegram channel with no token is refused at creation when the system has none to fall back on, naming the field', async () => {
    const answer = await createChannel(strict, { name: 'desk', kind: 'telegram', config: { chat_id: 4242 } });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().message).toBe(
      'body/config/bot_token is required: it is missing and this system has no ALERTS_TELEGRAM_BOT_TOKEN to fall back on; give the bot token as BotFather gives it (123456789:AA…)',
    );
    const withDefault = await appWith({ ALERTS_TELEGRAM_BOT_TOKEN: '123456:AAdefault-token-default-token' });
    try {
      expect((await createChannel(withDefault, { name: 'desk', kind: 'telegram', config: { chat_id: 4242 } })).statusCode).toBe(201);
    } finally {
      await withDefault.close();
    }
    expect(
      (await createChannel(strict, { name: 'own-bot', kind: 'telegram', config: { chat_id: 4242, bot_token: '7654321:AAHsecretsecretsecretsecret' } }))
        .statusCode,
    ).toBe(201);
  });

  it('a delivery that ended sent after a 500 shows no error, and its status code is the 200', async () => {
    await new ChannelStore(database.pool, { allowNetworks: ['loopback'] }).create({ name: 'flaky', kind: 'webhook', config: { url: `${webhook.url}/flaky` } });
    webhook.failNext(500);
    startDeliverer();
    await recordAlert(database.pool, { event: 'ingest_lag', payload: { source: 's', lag_seconds: 90, threshold_seconds: 60 } });
    await waitFor(async () => (await deliveryRows())[0]?.status === 'sent', 5000, 'sent after the 500');
    expect(await deliveryRows()).toEqual([{ status: 'sent', attempts: 2, last_error: null, last_status_code: 200 }]);
    const shown = (await loopbackAllowed.inject({ url: '/alerts' })).json().alerts[0].deliveries[0];
    expect(shown).toMatchObject({ status: 'sent', last_error: null, last_status_code: 200 });
  });

  it('with no channel at all, every alert is kept and shown, sent nowhere', async () => {
    const recorded = await recordAlert(database.pool, {
      event: 'order_filled',
      payload: { order_id: 'o-1', symbol: 'NVDA', side: 'buy', quantity: 10, price: 120.5 },
    });
    expect(recorded.deliveryIds).toEqual([]);
    const shown = (await strict.inject({ url: '/alerts' })).json().alerts;
    expect(shown).toMatchObject([{ id: recorded.alertId, event: 'order_filled', payload: { order_id: 'o-1' }, deliveries: [] }]);
  });
});

describe('square-off text', () => {
  const base = { scope: 'all', cancelled_orders: 3, closed_positions: 2 };
  it('an incomplete square-off is never "done": it says what remains and what it waits for', () => {
    const text = alertText(
      'square_off_done',
      {
        ...base,
        status: 'incomplete',
        remaining: { open_orders: 8, positions: 1 },
        waiting_for: 'market closed: waits for the 2026-12-14 open',
        failures: [{ what: 'open order', id: 'o-9', symbol: 'NVDA', reason: 'accepted, market closed' }],
      },
      'd-1',
    );
    expect(text).toBe(
      'Square-off INCOMPLETE (all): 8 orders remain, 1 position remains, market closed: waits for the 2026-12-14 open\n3 orders cancelled, 2 positions closed\nLEFT open order NVDA o-9: accepted, market closed\ndelivery d-1',
    );
    expect(text).not.toMatch(/done/i);
    // Remaining as the lists the square-off answers with.
    expect(alertText('square_off_done', { ...base, status: 'incomplete', remaining: { open_orders: [{}, {}], positions: [] }, failures: [] }, 'd-2')).toMatch(
      /^Square-off INCOMPLETE \(all\): 2 orders remain, 0 positions remain\n/,
    );
    // An older payload without status but with failures is not done either.
    expect(alertText('square_off_done', { ...base, failures: [{ what: 'position', symbol: 'AAPL', reason: '7 left' }] }, 'd-3')).toMatch(
      /^Square-off INCOMPLETE \(all\): 1 failed\n/,
    );
  });
  it('a complete one says done', () => {
    expect(alertText('square_off_done', { ...base, status: 'done', remaining: { open_orders: 0, positions: 0 }, failures: [] }, 'd-4')).toBe(
      'Square-off done (all): 3 orders cancelled, 2 positions closed\ndelivery d-4',
    );
  });
});
