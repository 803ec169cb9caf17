import { describe, expect, it } from 'vitest';
import { openApiKey, sealApiKey, webhookSecretOf } from '../src/telegram-bot/sealed-key.ts';
import { parseCommand } from '../src/telegram-bot/commands.ts';

const token = '123456789:AAH-fake_token_for_tests_0123456789';
const key = 'cc_Qm9vdHN0cmFwIGtleSBmb3IgdGVzdHMgb25seSAxMjM0NTY';

describe("a linked chat's sealed API key", () => {
  it('opens under the bot token it was sealed with, and holds no trace of the key in clear', () => {
    const sealed = sealApiKey(key, token);
    expect(sealed.toString('latin1')).not.toContain(key.slice(3, 20));
    expect(openApiKey(sealed, token)).toBe(key);
    // A fresh IV each time: two seals of one key differ.
    expect(sealApiKey(key, token).equals(sealed)).toBe(false);
  });

  it('does not open under another bot token, nor once a byte is altered', () => {
    const sealed = sealApiKey(key, token);
    expect(openApiKey(sealed, '987654321:AAH-another_token')).toBeUndefined();
    const altered = Buffer.from(sealed);
    altered[altered.length - 1]! ^= 1;
    expect(openApiKey(altered, token)).toBeUndefined();
  });

  it('the webhook secret is what Telegram accepts as secret_token (1-256 of A-Z a-z 0-9 _ -), one per bot token', () => {
    expect(webhookSecretOf(token)).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    expect(webhookSecretOf(token)).not.toBe(webhookSecretOf('987654321:AAH-another_token'));
  });
});

describe('reading a command', () => {
  it.each([
    ['/halt broker maintenance', { name: 'halt', args: 'broker maintenance' }],
    ['/approve@closecross_bot 42', { name: 'approve', args: '42' }],
    ['  /PnL   5 ', { name: 'pnl', args: '5' }],
    ['/squareoff', { name: 'squareoff', args: '' }],
    ['/resume line one\nline two', { name: 'resume', args: 'line one\nline two' }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each(['SQUARE OFF', 'halt', '', '/ halt', '//halt'])('%j is no command', (text) => {
    expect(parseCommand(text)).toBeUndefined();
  });
});
