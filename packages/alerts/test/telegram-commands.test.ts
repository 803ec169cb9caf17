import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { jobsModule } from '@closecross/jobs';
import { createService, loadServiceDeclarations, type Service } from '@closecross/platform';
import { createTestDatabase, testLogging, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsModuleWith, startTelegramPolling, webhookSecretOf } from '../src/index.ts';
import { startTelegramFake, type TelegramFake } from './fakes/telegram-fake-server.ts';
import { capturedLines, testAlertsConfig } from './support/alerts-test-support.ts';

/**
 * Telegram commands against a running system: the trading service, the job API and alerts in
 * one listening server with sign-in on, a bot long-polling the Bot API fake, and chats that an
 * admin linked (or did not) through the API.
 */

let database: TestDatabase;
let telegram: TelegramFake;
let system: Service;
let systemUrl: string;
let bot: { stop(): Promise<void> } | undefined;
const adminKey = `cc_${randomUUID().replaceAll('-', '')}`;
const botLog = capturedLines();

const traderChat = 700_001;
const viewerChat = 700_002;
const strangerChat = 700_003;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The REST API as the admin. */
async function asAdmin(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return system.inject({
    method,
    url,
    headers: { authorization: `Bearer ${adminKey}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

/** A chat sends one message and gets the bot's reply. */
async function chat(chatId: number, text: string, date?: number): Promise<string> {
  const before = telegram.messages.length;
  await telegram.userSends({ chatId, text, ...(date === undefined ? {} : { date }) });
  return (await telegram.nextMessageTo(chatId, { afterCount: before, timeoutMs: 15_000 })).text;
}

async function globalState(): Promise<{ state: string; reason: string | null; changed_by: string | null }> {
  const states = (await asAdmin('GET', '/trading/state')).json().states as Array<{
    scope: string;
    state: string;
    reason: string | null;
    changed_by: string | null;
  }>;
  return states.find((row) => row.scope === 'global') ?? { state: 'active', reason: null, changed_by: null };
}

beforeAll(async () => {
  database = await createTestDatabase();
  telegram = await startTelegramFake();
  const port = await freePort();
  systemUrl = `http://127.0.0.1:${port}`;
  const config = testAlertsConfig({ ALERTS_TELEGRAM_API_URL: telegram.url, ALERTS_TELEGRAM_BOT_TOKEN: telegram.token });
  // Trading mounted from its declaration, as the local system mounts it: no service imports another.
  const trading = (await loadServiceDeclarations(new URL('../../../services/', import.meta.url))).find((declaration) => declaration.name === 'trading')!;
  system = await createService({
    name: 'telegram-test',
    // The square-off answers within 3 s: in market hours its close of NVDA waits for a live price none sends
    // here, so it ends 'incomplete' by this deadline (the default 30 s outlasts a chat's 15 s wait; CI failed
    // this file at 14:40 UTC, after the NYSE open). Out of hours the close waits for the next session: 'done'.
    modules: [await trading.module({ ...process.env, TRADING_SQUARE_OFF_DEADLINE_MS: '3000' }), jobsModule, alertsModuleWith({ config, deliver: false })],
    pool: database.pool,
    auth: { rateLimitPerMinute: 100_000 },
    bootstrapAdmin: { apiKey: adminKey },
    publicBaseUrl: systemUrl,
    ...testLogging(),
  });
  await system.listen({ host: '127.0.0.1', port });
  for (const [username, role] of [
    ['tess', 'trader'],
    ['vic', 'viewer'],
  ]) {
    expect((await asAdmin('POST', '/auth/users', { username, password: 'a long enough password', role })).statusCode).toBe(201);
  }
  bot = await startTelegramPolling({
    pool: database.pool,
    systemUrl,
    log: botLog,
    environment: { ALERTS_TELEGRAM_API_URL: telegram.url, ALERTS_TELEGRAM_BOT_TOKEN: telegram.token },
  });
  expect(bot).toBeDefined();
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await system?.close();
  await telegram?.close();
  await database?.drop();
});

describe('linking chats', () => {
  it('a chat no admin linked is refused, and told its id and how to link it; nothing reaches the API', async () => {
    const reply = await chat(strangerChat, '/halt now');
    expect(reply).toContain(`This chat (id ${strangerChat}) is not linked`);
    expect(reply).toContain(`POST /alerts/telegram/links {"chat_id": "${strangerChat}", "username": "<user>"}`);
    expect((await globalState()).state).toBe('active');
    const logged = (await database.pool.query('select outcome, request_ids from telegram_command where chat_id = $1', [strangerChat])).rows;
    expect(logged).toEqual([{ outcome: 'refused: chat not linked', request_ids: [] }]);
  });

  it("an admin links a chat to a user: the chat gets an API key with the user's role scopes, kept sealed", async () => {
    const response = await asAdmin('POST', '/alerts/telegram/links', { chat_id: String(traderChat), username: 'tess' });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      chat_id: String(traderChat),
      username: 'tess',
      role: 'trader',
      scopes: ['read', 'trade', 'risk'],
      linked_by: 'bootstrap-admin',
    });
    const keys = (await asAdmin('GET', '/auth/keys')).json().keys as Array<{ id: string; name: string; scopes: string[] }>;
    expect(keys.find((key) => key.id === response.json().api_key_id)).toMatchObject({ name: `telegram ${traderChat} tess`, scopes: ['read', 'trade', 'risk'] });
    const stored = (await database.pool.query('select api_key_sealed from telegram_chat_link where chat_id = $1', [traderChat])).rows[0]
      .api_key_sealed as Buffer;
    expect(stored.toString('latin1')).not.toContain('cc_');
    expect((await asAdmin('POST', '/alerts/telegram/links', { chat_id: String(viewerChat), username: 'vic' })).json()).toMatchObject({
      role: 'viewer',
      scopes: ['read'],
    });
  });

  it('linking names the field and the value it refuses: an unknown user, a chat id that is not a number; only an admin may link', async () => {
    const unknown = await asAdmin('POST', '/alerts/telegram/links', { chat_id: '42', username: 'nobody' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toBe('body/username: no user named "nobody"; users: tess, vic (create one with POST /auth/users)');
    const badChat = await asAdmin('POST', '/alerts/telegram/links', { chat_id: 'my-chat', username: 'tess' });
    expect(badChat.statusCode).toBe(400);
    expect(badChat.json().message).toContain('body/chat_id');
    const anonymous = await system.inject({ method: 'POST', url: '/alerts/telegram/links', payload: { chat_id: '42', username: 'tess' } });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('commands of a linked chat', () => {
  it('/halt and /resume change the trading state as the linked user; each call is in the audit under the chat', async () => {
    expect(await chat(traderChat, '/halt broker maintenance')).toBe('Trading halted: broker maintenance');
    expect(await globalState()).toMatchObject({ state: 'halted', reason: 'broker maintenance' });
    expect(await chat(traderChat, '/status')).toMatch(/^Trading: halted \(broker maintenance, by telegram 700001 tess\)/);
    expect(await chat(traderChat, '/resume')).toBe('reason is missing: resuming is a decision, say why. Usage: /resume <reason>');
    expect(await chat(traderChat, '/resume maintenance over')).toBe('Trading resumed: maintenance over');
    expect((await globalState()).state).toBe('active');
    const audit = (await asAdmin('GET', '/audit?route=/trading/state')).json().entries as Array<{
      actor_name: string;
      method: string;
      status: number;
      request_id: string;
    }>;
    expect(audit.map((entry) => [entry.actor_name, entry.method, entry.status])).toEqual([
      [`telegram ${traderChat} tess`, 'PUT', 200],
      [`telegram ${traderChat} tess`, 'PUT', 200],
    ]);
    for (const entry of audit) expect(entry.request_id).toMatch(new RegExp(`^telegram-${traderChat}-\\d+-1$`));
    const log = await asAdmin('GET', `/alerts/telegram/commands?chat_id=${traderChat}`);
    expect(log.statusCode, log.body).toBe(200);
    const commands = log.json().commands as Array<{ text: string; outcome: string; username: string; request_ids: string[] }>;
    expect(commands.map((row) => [row.text, row.outcome, row.username])).toEqual([
      ['/resume maintenance over', 'Trading resumed: maintenance over', 'tess'],
      ['/resume', 'reason is missing: resuming is a decision, say why. Usage: /resume <reason>', 'tess'],
      ['/status', 'Trading: halted (broker maintenance, by telegram 700001 tess)', 'tess'],
      ['/halt broker maintenance', 'Trading halted: broker maintenance', 'tess'],
    ]);
    // Each command's API calls join the audit by request id.
    expect(commands[0]!.request_ids).toEqual([audit[0]!.request_id]);
    expect(commands[3]!.request_ids).toEqual([audit[1]!.request_id]);
  });

  it('a chat linked to a read-only user cannot halt: the API refuses with its scope, and trading stays active', async () => {
    const reply = await chat(viewerChat, '/halt');
    expect(reply).toBe('Refused (403): this route needs scope "risk"; key telegram 700002 vic has read');
    expect((await globalState()).state).toBe('active');
    // Reading is within its scope.
    expect(await chat(viewerChat, '/status')).toMatch(/^Trading: active/);
  });

  it('/positions lists the open positions with their average cost', async () => {
    const orderId = randomUUID();
    await database.pool.query(
      `insert into trading_order (id, client_order_id, account_id, purpose, symbol, side, quantity, type, time_in_force, session_date, state, broker, filled_quantity)
       values ($1::uuid, $2, 'paper', 'manual', 'NVDA', 'buy', 25, 'market', 'day', '2024-03-01', 'filled', 'paper', 25)`,
      [orderId, `fixture-${orderId}`],
    );
    await database.pool.query(
      `insert into trading_fill (fill_id, order_id, strategy_id, symbol, side, quantity, price, fee, trade_date, at) values ($1, $2, null, 'NVDA', 'buy', 25, 822.79, 0, '2024-03-01', '2024-03-01T21:00:00Z')`,
      [`fixture-${orderId}`, orderId],
    );
    const reply = await chat(traderChat, '/positions');
    expect(reply.split('\n')[0]).toBe('Open positions (1):');
    expect(reply).toContain('NVDA 25 @ 822.79 (manual)');
  });

  it('/signals lists a pending signal and /approve places its entry order, decided by the chat', async () => {
    const strategy = await asAdmin('POST', '/trading/strategies', {
      name: 'soldiers',
      universe: ['NVDA'],
      rule: { kind: 'three_candles', body: 0.5 },
      warmup_bars: 10,
      entry: { timing: 'close' },
      sizing: { mode: 'fixed_quantity', quantity: 10 },
      exits: { after_bars: 2 },
      allocation: 100_000,
      approval: 'manual',
    });
    expect(strategy.statusCode, strategy.body).toBe(201);
    const signalId = (
      await database.pool.query(
        `insert into trading_signal (strategy_id, symbol, bar_date, side, price, status, expires_at) values ($1, 'NVDA', '2024-03-01', 'buy', 822.79, 'pending', '2999-01-01T00:00:00Z') returning id::int as id`,
        [strategy.json().id],
      )
    ).rows[0].id as number;
    expect(await chat(traderChat, '/signals')).toContain(`#${signalId} buy NVDA at 822.79 (strategy ${strategy.json().id}, bar 2024-03-01`);
    expect(await chat(viewerChat, `/approve ${signalId}`)).toBe('Refused (403): this route needs scope "trade"; key telegram 700002 vic has read');
    expect(await chat(traderChat, '/approve x')).toBe(
      'id must be a whole number from 1 to 9007199254740991, got "x". Usage: /approve <signal id> (see /signals)',
    );
    const reply = await chat(traderChat, `/approve ${signalId}`);
    const signal = (await asAdmin('GET', `/trading/signals/${signalId}`)).json();
    expect(signal).toMatchObject({ status: 'ordered', decided_by: `telegram ${traderChat} tess`, decision_note: `from Telegram chat ${traderChat}` });
    expect(reply).toBe(`Signal #${signalId} approved; entry order ${signal.order_id} placed.`);
  });

  it('/squareoff asks for the typed confirmation; anything else cancels it; a read-only chat is refused before being asked', async () => {
    expect(await chat(viewerChat, '/squareoff')).toBe('Refused: square-off needs scope "trade"; vic has read');
    const asked = await chat(traderChat, '/squareoff');
    expect(asked).toContain('To confirm, reply exactly: SQUARE OFF');
    expect(await chat(traderChat, 'square off')).toBe('Square-off cancelled.\nSend /help for the commands.');
    expect((await globalState()).state).toBe('active');
    await chat(traderChat, '/squareoff');
    expect(await chat(traderChat, 'SQUARE OFF')).toMatch(/^Square-off (done|incomplete): \d+ actions?; left: \d+ open orders, \d+ positions\.$/);
    expect(await globalState()).toMatchObject({ state: 'halted', changed_by: `telegram ${traderChat} tess` });
    expect(await chat(traderChat, '/resume square-off drill over')).toBe('Trading resumed: square-off drill over');
  });

  it("a confirmation typed after the 2-minute window (by Telegram's message times) squares nothing off", async () => {
    const asked = Math.floor(Date.now() / 1000) - 600;
    expect(await chat(traderChat, '/squareoff', asked)).toContain('reply exactly: SQUARE OFF');
    expect(await chat(traderChat, 'SQUARE OFF', asked + 121)).toBe('Too late: the confirmation window of 2 minutes passed. Send /squareoff again.');
    expect((await globalState()).state).toBe('active');
    // The late answer settled it: typed again, it is no confirmation.
    expect(await chat(traderChat, 'SQUARE OFF', asked + 122)).toBe('Not a command. Send /help for the commands.');
  });

  it('/pnl refuses a days value that is not a whole number; /help (and /start) lists every command; an unknown one is named', async () => {
    expect(await chat(traderChat, '/pnl lots')).toBe('days must be a whole number from 1 to 366, got "lots". Usage: /pnl [days]');
    expect(await chat(traderChat, '/pnl 5')).toMatch(/^No daily snapshots yet|^P&L, last 5 days/);
    expect(await chat(traderChat, '/start')).toBe(await chat(traderChat, '/help'));
    expect(await chat(traderChat, '/buy NVDA')).toBe('Unknown command /buy. Send /help for the commands.');
    const help = await chat(traderChat, '/help');
    for (const command of [
      '/status',
      '/positions',
      '/pnl [days]',
      '/signals',
      '/approve <id>',
      '/reject <id>',
      '/halt [reason]',
      '/resume <reason>',
      '/squareoff',
      '/help',
    ])
      expect(help).toContain(`${command} - `);
  });

  it('an unlinked chat is refused again after its admin unlinks it, and its key is revoked', async () => {
    const extraChat = 700_004;
    const linked = (await asAdmin('POST', '/alerts/telegram/links', { chat_id: String(extraChat), username: 'tess' })).json();
    expect(await chat(extraChat, '/status')).toMatch(/^Trading: active/);
    expect((await asAdmin('DELETE', `/alerts/telegram/links/${extraChat}`)).statusCode).toBe(200);
    expect(await chat(extraChat, '/status')).toContain('is not linked');
    const keys = (await asAdmin('GET', '/auth/keys?include_revoked=true')).json().keys as Array<{ id: string; revoked_at: string | null }>;
    expect(keys.find((key) => key.id === linked.api_key_id)!.revoked_at).not.toBeNull();
  });
});

describe('webhook', () => {
  it('PUT /alerts/telegram/webhook sets the webhook; Telegram calls with the secret token run commands, calls without it get 401 and run nothing', async () => {
    await bot?.stop();
    bot = undefined;
    const set = await asAdmin('PUT', '/alerts/telegram/webhook');
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({ url: `${systemUrl}/alerts/telegram/webhook` });
    expect(telegram.webhook).toEqual({ url: `${systemUrl}/alerts/telegram/webhook`, secretToken: webhookSecretOf(telegram.token) });
    expect(await chat(traderChat, '/halt via webhook')).toBe('Trading halted: via webhook');
    expect(telegram.webhookCalls.at(-1)!.status).toBe(200);

    const forged = await fetch(`${systemUrl}/alerts/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'guessed' },
      body: JSON.stringify({
        update_id: 9_999_999,
        message: { message_id: 1, date: 1_700_000_000, chat: { id: traderChat, type: 'private' }, text: '/resume forged' },
      }),
    });
    expect(forged.status).toBe(401);
    expect((await globalState()).state).toBe('halted');

    // Telegram delivers an update again when it got no answer in time: it runs once.
    const update = {
      update_id: 5_000_001,
      message: {
        message_id: 77,
        date: Math.floor(Date.now() / 1000),
        from: { id: traderChat, is_bot: false, first_name: 'Tess' },
        chat: { id: traderChat, type: 'private' },
        text: '/halt twice delivered',
      },
    };
    const before = telegram.messages.length;
    for (let delivery = 0; delivery < 2; delivery++) {
      const response = await fetch(`${systemUrl}/alerts/telegram/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': webhookSecretOf(telegram.token) },
        body: JSON.stringify(update),
      });
      expect(response.status).toBe(200);
    }
    expect(telegram.messages.slice(before).map((message) => message.text)).toEqual(['Trading was already halted.']);
    const audited = (await asAdmin('GET', '/audit?route=/trading/state')).json().entries as Array<{ request_id: string }>;
    expect(audited.filter((entry) => entry.request_id.startsWith(`telegram-${traderChat}-5000001-`))).toHaveLength(1);
    // The same id with another message (Telegram reuses ids after a week of silence): it runs, and the first record stays.
    const reused = { ...update, message: { ...update.message, text: '/status' } };
    const beforeReused = telegram.messages.length;
    const reusedResponse = await fetch(`${systemUrl}/alerts/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': webhookSecretOf(telegram.token) },
      body: JSON.stringify(reused),
    });
    expect(reusedResponse.status).toBe(200);
    expect(telegram.messages.slice(beforeReused).map((message) => message.text.split('\n')[0])).toEqual([
      'Trading: halted (via webhook, by telegram 700001 tess)',
    ]);
    expect((await database.pool.query('select text, outcome from telegram_command where update_id = 5000001')).rows).toEqual([
      { text: '/halt twice delivered', outcome: 'Trading was already halted.' },
    ]);
    expect(await chat(traderChat, '/resume webhook drill over')).toBe('Trading resumed: webhook drill over');
  });
});
