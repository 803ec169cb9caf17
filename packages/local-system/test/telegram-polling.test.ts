import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@closecross/dev-postgres';
import { spawnTsx, waitFor } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramFake, type TelegramFake } from '../../alerts/test/fakes/telegram-fake-server.ts';

const startEntry = fileURLToPath(new URL('../src/start.ts', import.meta.url));
let dataDir: string;
let telegram: TelegramFake;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'closecross-telegram-'));
  await chmod(dataDir, 0o755);
  telegram = await startTelegramFake();
});
afterAll(async () => {
  await telegram?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('pnpm start with a Telegram bot token', () => {
  it(
    'long-polls for commands: a chat linked through the API halts trading, an unlinked one is refused; SIGTERM stops polling',
    { timeout: 180_000 },
    async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const system = spawnTsx(startEntry, {
        DATA_DIR: dataDir,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        ALERTS_TELEGRAM_BOT_TOKEN: telegram.token,
        ALERTS_TELEGRAM_API_URL: telegram.url,
      });
      await waitFor(async () => system.output().includes('Closecross is running'), 90_000, 'the local system');
      // Polling started: the bot knows itself, dropped any webhook, and waits on getUpdates.
      expect(telegram.methods.slice(0, 3).sort()).toEqual(['deleteWebhook', 'getMe', 'getUpdates']);

      const stranger = telegram.messages.length;
      await telegram.userSends({ chatId: 810_001, text: '/status' });
      expect((await telegram.nextMessageTo(810_001, { afterCount: stranger, timeoutMs: 15_000 })).text).toContain('(id 810001) is not linked');

      const { admin } = JSON.parse(await readFile(path.join(dataDir, 'local-system.json'), 'utf8'));
      const asAdmin = (method: string, url: string, body: unknown) =>
        fetch(`${base}${url}`, {
          method,
          headers: { authorization: `Bearer ${admin.api_key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await asAdmin('POST', '/auth/users', { username: 'tess', password: 'a long enough password', role: 'trader' })).status).toBe(201);
      expect((await asAdmin('POST', '/alerts/telegram/links', { chat_id: '810002', username: 'tess' })).status).toBe(201);
      const before = telegram.messages.length;
      await telegram.userSends({ chatId: 810_002, text: '/halt from the phone' });
      expect((await telegram.nextMessageTo(810_002, { afterCount: before, timeoutMs: 15_000 })).text).toBe('Trading halted: from the phone');
      const state = (await (await fetch(`${base}/trading/state`, { headers: { authorization: `Bearer ${admin.api_key}` } })).json()) as {
        states: Array<{ scope: string; state: string; changed_by: string }>;
      };
      expect(state.states.find((row) => row.scope === 'global')).toMatchObject({ state: 'halted', changed_by: 'telegram 810002 tess' });

      system.child.kill('SIGTERM');
      expect(await system.exited).toBe(0);
      // Stopped: an update sent now waits for the next start.
      const polls = telegram.methods.filter((method) => method === 'getUpdates').length;
      await telegram.userSends({ chatId: 810_002, text: '/status' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(telegram.methods.filter((method) => method === 'getUpdates').length).toBe(polls);
    },
  );
});
