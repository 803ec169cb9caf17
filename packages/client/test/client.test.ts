import { readFile } from 'node:fs/promises';
import { generateStockRows, sharedDataPath, waitFor } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClosecrossApiError, ClosecrossClient, createClosecrossClient, type JobEvent } from '../src/index.ts';
import { startRunningSystem, type RunningSystem } from './running-system.ts';

let system: RunningSystem;
let client: ClosecrossClient;

beforeAll(async () => {
  system = await startRunningSystem();
  client = createClosecrossClient({ baseUrl: system.url, apiKey: system.apiKey });
});
afterAll(async () => {
  await system?.stop();
});

describe('the client against a running system', () => {
  it('sends the API key, and a call without one is a typed 401 carrying the API message', async () => {
    const me = await client.unwrap(client.api.GET('/auth/me'));
    expect(me).toMatchObject({ kind: 'key', scopes: expect.arrayContaining(['admin']) });

    const anonymous = createClosecrossClient({ baseUrl: system.url });
    const refusal = await anonymous.unwrap(anonymous.api.GET('/trading/orders', { params: { query: {} } })).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ClosecrossApiError);
    expect(refusal).toMatchObject({ status: 401, error: 'Unauthorized', url: '/trading/orders' });
    expect((refusal as Error).message).toMatch(/authentication required/);
  });

  it('names the refused field of a validation failure', async () => {
    const refusal = (await client.json('GET', '/models/', { query: { page_size: 'many' } }).catch((error: unknown) => error)) as ClosecrossApiError;
    expect(refusal).toBeInstanceOf(ClosecrossApiError);
    expect(refusal).toMatchObject({ status: 400, location: 'querystring', field: 'page_size', method: 'GET' });
    expect(refusal.message).toBe('querystring/page_size must be integer');
  });

  it('signs in as a user: the session cookie on reads, the CSRF token on writes (a key made by the session works)', async () => {
    const session = createClosecrossClient({ baseUrl: system.url, session: { username: system.username, password: system.password } });
    expect(await session.unwrap(session.api.GET('/auth/me'))).toMatchObject({ kind: 'session', name: 'admin' });
    const created = await session.unwrap(session.api.POST('/auth/keys', { body: { name: 'client-session-test', scopes: ['read'] } }));
    expect(created.key).toMatch(/^cc_/);
    const reader = createClosecrossClient({ baseUrl: system.url, apiKey: created.key });
    expect(await reader.unwrap(reader.api.GET('/auth/me'))).toMatchObject({ kind: 'key', name: 'client-session-test', scopes: ['read'] });
    // The read-only key is refused a write, with the API's reason.
    const refused = (await reader
      .json('POST', '/trading/orders', { body: { symbol: 'BTC-PERP', side: 'buy', quantity: 1, type: 'limit', limit_price: 1 } })
      .catch((error: unknown) => error)) as ClosecrossApiError;
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/scope/);

    const wrong = createClosecrossClient({ baseUrl: system.url, session: { username: 'admin', password: 'not-the-password' } });
    await expect(wrong.unwrap(wrong.api.GET('/auth/me'))).rejects.toMatchObject({ status: 401 });
  });

  it('pages through auction rows (page/page_size) and the audit log (before_id) as async iterators', async () => {
    const rows = generateStockRows({ dateIds: [7], stocks: 5, buckets: 6, seed: 3 });
    const stored = await client.unwrap(client.api.POST('/stock_data/', { body: { data: rows, commit: true } }));
    expect(stored).toMatchObject({ received: 30, written: 30 });

    const seen: string[] = [];
    for await (const row of client.paginate('/stock_data/', { date_id: 7, page_size: 7 })) seen.push(`${row.stock_id}:${row.seconds_in_bucket}`);
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
    expect(new Set(seen)).toEqual(new Set(rows.map((row) => `${row.stock_id}:${row.seconds_in_bucket}`)));

    // Three writes audited, read two per page: every entry once, newest first.
    for (const name of ['audit-a', 'audit-b', 'audit-c']) await client.unwrap(client.api.POST('/auth/keys', { body: { name, scopes: ['read'] } }));
    // The audit line is written just after the answer: wait until all four are in.
    await waitFor(
      async () => (await client.unwrap(client.api.GET('/audit', { params: { query: { route: '/auth/keys', limit: 100 } } }))).entries.length >= 4,
      10_000,
      'the audit lines',
    );
    const audited: number[] = [];
    for await (const entry of client.paginate('/audit', { limit: 2, route: '/auth/keys' })) audited.push(Number(entry.id));
    expect(audited.length).toBeGreaterThanOrEqual(4); // three here, one in the session test
    expect([...audited].sort((a, b) => b - a)).toEqual(audited);
    expect(new Set(audited).size).toBe(audited.length);
  });

  it("follows a risk analysis job's progress over SSE to its result", async () => {
    const csv = await readFile(sharedDataPath('data/daily/AAPL.csv')!, 'utf8');
    const loaded = await client.json<{ written: number }>('POST', '/price_bars/AAPL', { body: csv, headers: { 'content-type': 'text/csv' } });
    expect(loaded.written).toBeGreaterThan(1000);
    const queued = await client.unwrap(client.api.POST('/analyses', { body: { h: 101, d: 2000, t: 'buy', p: 7, symbol: 'AAPL', seed: 11 } }));
    const events: JobEvent[] = [];
    const job = await client.waitForJob(queued.id, { onEvent: (event) => events.push(event) });
    expect(job.status).toBe('succeeded');
    expect(events.at(-1)).toMatchObject({ id: queued.id, status: 'succeeded', progress: 1 });
    // Progress only moves forward.
    expect(events.map((event) => event.progress)).toEqual([...events.map((event) => event.progress)].sort((a, b) => a - b));
    const analysis = await client.unwrap(client.api.GET('/analyses/{id}', { params: { path: { id: queued.id } } }));
    expect(analysis.status).toBe('succeeded');
  });

  it('a failed job throws a ClosecrossJobError naming the job and why', async () => {
    // Training on days with no auction rows is queued, then fails.
    const queued = await client.unwrap(client.api.POST('/train-model/', { body: { model_name: 'no-rows', start_date_id: 900, end_date_id: 901 } }));
    await expect(client.waitForJob(queued.job_id)).rejects.toMatchObject({
      name: 'ClosecrossJobError',
      jobId: queued.job_id,
      status: 'failed',
      message: expect.stringContaining('no labelled rows from date_id 900 to 901'),
    });
  });

  it('streams live prices of a subscribed symbol as an async iterator', async () => {
    const subscription = await client.unwrap(client.api.POST('/prices/subscriptions', { body: { provider: 'replay', symbol: 'AAPL' } }));
    const controller = new AbortController();
    const ticks = [];
    try {
      for await (const tick of client.priceTicks({ symbols: ['AAPL'], signal: controller.signal })) {
        ticks.push(tick);
        if (ticks.length === 3) break;
      }
    } finally {
      controller.abort();
      await client.request('DELETE', `/prices/subscriptions/${subscription.id}`);
    }
    expect(ticks).toHaveLength(3);
    for (const tick of ticks) expect(tick).toMatchObject({ symbol: 'AAPL', provider: 'replay', type: expect.stringMatching(/^(trade|quote|bar)$/) });
    // Positions are the replay's order: increasing.
    expect(ticks.map((tick) => tick.position)).toEqual([...ticks.map((tick) => tick.position)].sort((a, b) => a - b));
  });
});
