import { describe, expect, it } from 'vitest';
import { webhookBody } from '../src/index.ts';

const squareOff = {
  deliveryId: '6f1c2a9e-5b7d-4c3e-9a10-2b3c4d5e6f70',
  alertId: '17',
  event: 'square_off_done',
  createdAt: '2026-03-02T21:00:00.000Z',
  payload: {
    scope: 'all',
    cancelled_orders: 4,
    closed_positions: 2,
    failures: Array.from({ length: 40 }, (_, index) => ({ what: 'close', symbol: `SYM${index}`, reason: 'broker timed out after 3 attempts '.repeat(5) })),
  },
};

describe('webhook bodies', () => {
  it('Slack gets {text}, Discord {content} within its 2,000 characters, each ending with the delivery id; ours carries the payload', () => {
    const slack = webhookBody({ url: 'https://hooks.slack.com/services/x', format: 'slack' }, squareOff);
    expect(Object.keys(slack)).toEqual(['text']);
    expect(slack.text).toMatch(/^Square-off INCOMPLETE \(all\): 40 failed\n4 orders cancelled, 2 positions closed\nLEFT close SYM0 /);
    expect(slack.text).toContain('… and 30 more');
    const discord = webhookBody({ url: 'https://discord.com/api/webhooks/1/x', format: 'discord' }, squareOff);
    expect(Object.keys(discord)).toEqual(['content']);
    expect((discord.content as string).length).toBeLessThanOrEqual(2000);
    expect(discord.content).toMatch(/\ndelivery 6f1c2a9e-5b7d-4c3e-9a10-2b3c4d5e6f70$/);
    expect(webhookBody({ url: 'https://example.com/hook', format: 'json' }, squareOff)).toMatchObject({
      delivery_id: squareOff.deliveryId,
      alert_id: '17',
      event: 'square_off_done',
      payload: { failures: expect.any(Array) },
    });
  });
});
