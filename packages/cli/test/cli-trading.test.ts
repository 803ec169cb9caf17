import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClosecrossClient, type ClosecrossClient } from '@closecross/client';
import { freePort } from '@closecross/dev-postgres';
import { sharedDataPath } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunningSystem, type RunningSystem } from '../../client/test/running-system.ts';
import { runCli as runInProcess, type Io } from '../src/index.ts';
import { runCli } from './run-cli.ts';

let system: RunningSystem;
let client: ClosecrossClient;
let scratch: string;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  system = await startRunningSystem();
  client = createClosecrossClient({ baseUrl: system.url, apiKey: system.apiKey });
  scratch = await mkdtemp(path.join(os.tmpdir(), 'closecross-cli-trading-'));
  env = { CLOSECROSS_URL: system.url, CLOSECROSS_API_KEY: system.apiKey, CLOSECROSS_CONFIG: path.join(scratch, 'config.json') };
});
afterAll(async () => {
  await system?.stop();
  await rm(scratch, { recursive: true, force: true });
});

// GET /trading/state's states are untyped in the OpenAPI document for now: read loosely.
const globalState = async () =>
  (await client.json<{ states: { scope: string; state: string }[] }>('GET', '/trading/state')).states.find((state) => state.scope === 'global')!.state;

describe('closecross login, orders, halt, square-off, jobs and exit codes against a running system', () => {
  it('login with a user makes and saves a key (0600); whoami and keys use it with no key given; logout forgets it', async () => {
    const config = path.join(scratch, 'login.json');
    const userEnv = { CLOSECROSS_CONFIG: config, CLOSECROSS_PASSWORD: system.password };
    const login = await runCli(['login', '--url', system.url, '--username', 'admin', '--scopes', 'read,trade', '--json'], userEnv);
    expect(login.code, login.stderr).toBe(0);
    expect(login.json()).toMatchObject({ url: system.url, scopes: ['read', 'trade'], saved_to: config });
    expect((await stat(config)).mode & 0o777).toBe(0o600);

    const me = await runCli(['whoami', '--json'], { CLOSECROSS_CONFIG: config });
    expect(me.json()).toMatchObject({ kind: 'key', scopes: ['read', 'trade'] });
    const keys = await runCli(['keys', 'list', '--json'], env);
    expect(keys.json<{ name: string }[]>().map((key) => key.name)).toContain(`cli admin@${os.hostname()}`);

    const logout = await runCli(['logout'], { CLOSECROSS_CONFIG: config, DATA_DIR: path.join(scratch, 'no-local-system') });
    expect(logout.stdout).toMatch(/Removed/);
    const nobody = await runCli(['whoami'], { CLOSECROSS_CONFIG: config, DATA_DIR: path.join(scratch, 'no-local-system') });
    expect(nobody.code).toBe(3);
    expect(nobody.stderr).toMatch(/no server: run closecross login/);
  });

  it('keys create shows the key once; a read-only key is refused a write with exit 3 and the API reason', async () => {
    const created = await cli('keys', 'create', 'reader', '--scopes', 'read', '--json');
    expect(created.code, created.stderr).toBe(0);
    const { key } = created.json<{ key: string }>();
    const refused = await runCli(['orders', 'place', '--symbol', 'BTC-PERP', '--side', 'buy', '--quantity', '1', '--type', 'limit', '--limit-price', '5'], {
      ...env,
      CLOSECROSS_API_KEY: key,
    });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^closecross: POST \/trading\/orders answered 403: .*scope/m);
    const badScope = await cli('keys', 'create', 'x', '--scopes', 'read,everything');
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toMatch(/--scopes "read,everything": allowed are read, ingest, models, risk, trade, admin/);
  });

  it('orders place (idempotent by client order id), list, show and cancel; a final order cannot be cancelled (exit 5)', async () => {
    const clientOrderId = randomUUID();
    const place = () =>
      cli(
        'orders',
        'place',
        '--symbol',
        'BTC-PERP',
        '--side',
        'buy',
        '--quantity',
        '2',
        '--type',
        'limit',
        '--limit-price',
        '10',
        '--client-order-id',
        clientOrderId,
        '--json',
      );
    const first = await place();
    expect(first.code, first.stderr).toBe(0);
    const order = first.json<{ id: string; state: string; quantity: number }>();
    expect(order).toMatchObject({ state: 'accepted', quantity: 2 });
    expect((await place()).json<{ id: string }>().id).toBe(order.id);

    const listed = await cli('orders', 'list', '--symbol', 'BTC-PERP', '--json');
    expect(listed.json<{ id: string }[]>().map((row) => row.id)).toEqual([order.id]);
    const table = await cli('orders', 'list');
    expect(table.stdout).toContain(order.id);
    expect(table.stdout).toMatch(/limit 10/);
    expect((await cli('orders', 'show', order.id, '--json')).json()).toMatchObject({
      order: { id: order.id, symbol: 'BTC-PERP' },
      transitions: expect.any(Array),
    });

    const cancelled = await cli('orders', 'cancel', order.id, '--json');
    expect(cancelled.json()).toMatchObject({ id: order.id, state: 'cancelled' });
    const again = await cli('orders', 'cancel', order.id);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/answered 409: .*cancelled/);
  });

  it('bad input: a usage error is exit 2 before any request; the API refusal names the field (exit 1)', async () => {
    const usage = await cli('orders', 'place', '--symbol', 'AAPL', '--side', 'hold', '--quantity', '1');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--side "hold": one of buy, sell is expected/);
    const refused = await cli('orders', 'place', '--symbol', 'no such symbol!', '--side', 'buy', '--quantity', '1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/answered 400: body\/symbol must match pattern .* \[body\/symbol\]/);
    expect(refused.stderr).not.toMatch(/ {4}at /); // no stack
  });

  it('halt asks first (refused without a terminal or --yes), halts with --yes, resume brings trading back', async () => {
    const unasked = await cli('halt', '--reason', 'cli test');
    expect(unasked.code).toBe(10);
    expect(unasked.stderr).toMatch(/not confirmed \(no terminal to ask on\); pass --yes/);
    expect(await globalState()).toBe('active');

    const halted = await cli('halt', '--reason', 'cli test', '--yes');
    expect(halted.code, halted.stderr).toBe(0);
    expect(halted.stdout).toMatch(/all trading: halted/);
    expect(await globalState()).toBe('halted');
    const placed = await cli('orders', 'place', '--symbol', 'BTC-PERP', '--side', 'buy', '--quantity', '1', '--type', 'limit', '--limit-price', '10', '--json');
    expect(placed.json<{ state: string }>().state).toBe('rejected');

    expect((await cli('resume')).code).toBe(2); // a reason is needed
    const resumed = await cli('resume', '--reason', 'test over', '-y');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await globalState()).toBe('active');
  });

  it('square-off wants "SQUARE OFF" typed: anything else does nothing (exit 10); typed, it cancels the open orders', async () => {
    const open = (
      await cli('orders', 'place', '--symbol', 'BTC-PERP', '--side', 'buy', '--quantity', '1', '--type', 'limit', '--limit-price', '11', '--json')
    ).json<{ id: string; state: string }>();
    expect(open.state).toBe('accepted');
    const confirmEnv = { ...env, CLOSECROSS_CONFIRM_FROM_STDIN: '1' };
    const wrong = await runCli(['square-off'], confirmEnv, { input: 'yes\n' });
    expect(wrong.code).toBe(10);
    expect(wrong.stderr).toMatch(/Type "SQUARE OFF" to go ahead/);
    expect((await client.json<{ order: { state: string } }>('GET', `/trading/orders/${open.id}`)).order.state).toBe('accepted');

    const done = await runCli(['square-off', '--reason', 'cli test', '--json'], confirmEnv, { input: 'SQUARE OFF\n' });
    expect(done.code, done.stderr).toBe(0);
    expect(done.json()).toMatchObject({ status: 'done' });
    expect((await client.json<{ order: { state: string } }>('GET', `/trading/orders/${open.id}`)).order.state).toBe('cancelled');
    expect(await globalState()).toBe('halted');
    expect((await cli('resume', '--reason', 'after square-off', '--yes')).code).toBe(0);
  });

  it('positions, pnl and signals answer tables and JSON; deciding an unknown signal is exit 4', async () => {
    expect((await cli('positions', '--json')).json()).toEqual([]);
    expect((await cli('positions')).stdout).toMatch(/\(none\)/);
    const pnl = (await cli('pnl', '--json')).json<{
      equityPnl: { total: number; lastDay: { pnl: number } | null };
      realizedPnl: { total: number; last7Days: { pnl: number } | null };
    }>();
    expect(pnl).toMatchObject({ equityPnl: { total: 0 }, realizedPnl: { total: 0 } });
    // The table shows the API's figures, each period as its P&L (not the period object as JSON); an empty period is blank.
    const table = (await cli('pnl')).stdout;
    const row = (label: string, value: number | undefined) => new RegExp(`^${label.replace(/[()]/g, '\\$&')}[ \\t]+${value ?? ''}[ \\t]*$`, 'm');
    expect(table).toMatch(row('realized P&L', pnl.realizedPnl.total));
    expect(table).toMatch(row('realized, last 7 days', pnl.realizedPnl.last7Days?.pnl));
    expect(table).toMatch(row('equity P&L (daily snapshots)', pnl.equityPnl.total));
    expect(table).toMatch(row('equity, last day', pnl.equityPnl.lastDay?.pnl));
    expect(table).not.toMatch(/[{}]/);
    expect((await cli('signals', 'list', '--json')).json()).toEqual([]);
    const unknown = await cli('signals', 'approve', '987654');
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/answered 404: signal 987654/);
  });

  it('jobs watch follows a job to its end: a failed one is exit 8 with its error, a succeeded one exit 0', async () => {
    const failing = await client.unwrap(client.api.POST('/train-model/', { body: { model_name: 'no-rows', start_date_id: 900, end_date_id: 901 } }));
    const watched = await cli('jobs', 'watch', failing.job_id);
    expect(watched.code).toBe(8);
    expect(watched.stderr).toMatch(new RegExp(`closecross: job ${failing.job_id} failed: no labelled rows from date_id 900 to 901`));
    const listed = await cli('jobs', 'list', '--kind', 'train', '--json');
    expect(listed.json<{ id: string; status: string }[]>()).toEqual([expect.objectContaining({ id: failing.job_id, status: 'failed' })]);

    // A risk analysis on the real AAPL bars succeeds: exit 0, its progress on stderr.
    await client.json('POST', '/price_bars/AAPL', {
      body: await readFile(sharedDataPath('data/daily/AAPL.csv')!, 'utf8'),
      headers: { 'content-type': 'text/csv' },
    });
    const analysis = await client.unwrap(client.api.POST('/analyses', { body: { h: 101, d: 1000, t: 'buy', p: 7, symbol: 'AAPL', seed: 3 } }));
    const succeeded = await cli('jobs', 'watch', analysis.id);
    expect(succeeded.code, succeeded.stderr).toBe(0);
    expect(succeeded.stdout).toMatch(/status\s+succeeded/);
    expect(succeeded.stderr).toMatch(/: 100% succeeded: done/);
  });

  it('alerts test with no channel is exit 4 with what to do', async () => {
    const test = await cli('alerts', 'test', '--text', 'hello');
    expect(test.code).toBe(4);
    expect(test.stderr).toMatch(/no enabled alert channel: create one with POST \/alerts\/channels/);
  });

  it('an unreachable server is exit 7, an unknown command exit 2', async () => {
    // A free port nobody listens on.
    const unreachable = await runCli(['orders', 'list'], { ...env, CLOSECROSS_URL: `http://127.0.0.1:${await freePort()}` });
    expect(unreachable.code).toBe(7);
    expect(unreachable.stderr).toMatch(/cannot reach the server \(ECONNREFUSED\)/);
    const unknown = await cli('orderz');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'orderz'/);
  });
});

describe('an older server', () => {
  let older: Server;
  let url: string;
  beforeAll(async () => {
    // What a server from before a route existed answers: the platform's not-found contract.
    older = createServer((request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ statusCode: 404, error: 'Not Found', message: `No route for ${request.method} ${request.url!.split('?')[0]}` }));
    });
    older.listen(0, '127.0.0.1');
    await once(older, 'listening');
    url = `http://127.0.0.1:${(older.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => older.close(() => resolve())));

  it('optimize and the downloads say they are not available on this server (exit 9); a missing thing stays exit 4', async () => {
    const olderEnv = { CLOSECROSS_URL: url, CLOSECROSS_API_KEY: 'cc_any' };
    const optimize = await runCli(['strategies', 'optimize', '1', '--space', 'period=5:20:5'], olderEnv);
    expect(optimize.code).toBe(9);
    expect(optimize.stderr).toMatch(/Optimisation is not available on this server \(POST \/trading\/optimizations answered 404\)/);
    const download = await runCli(['models', 'download', 'predictions', '3'], olderEnv);
    expect(download.code).toBe(9);
    expect(download.stderr).toMatch(/Downloading predictions is not available on this server/);
    // On a server that has the route, an unknown inference is a plain 404.
    const unknown = await cli('models', 'download', 'predictions', '99999');
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/answered 404: model inference 99999 does not exist/);
  });
});

describe('--help everywhere', () => {
  /** Every command path of the program, from its own help. */
  async function commandPaths(prefix: string[] = []): Promise<string[][]> {
    const help = await inProcess([...prefix, '--help']);
    const commands = help.stdout.split('\nCommands:\n')[1] ?? '';
    const names = [...commands.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((match) => match[1]!).filter((name) => name !== 'help');
    const nested = await Promise.all(names.map((name) => commandPaths([...prefix, name])));
    return [prefix, ...nested.flat()];
  }

  async function inProcess(argv: string[]) {
    let stdout = '';
    let stderr = '';
    const io: Io = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      stdin: process.stdin,
      env: {},
      cwd: os.tmpdir(),
    };
    const code = await runInProcess(argv, io);
    return { code, stdout, stderr };
  }

  it('every command and group answers --help with its usage and exit 0', async () => {
    const paths = await commandPaths();
    // The brief's commands are all there.
    for (const expected of [
      'login',
      'keys create',
      'data load',
      'data replay',
      'data bars import',
      'data export rows',
      'models train',
      'models infer',
      'models predict',
      'models report',
      'models download',
      'risk analyse',
      'strategies list',
      'strategies create',
      'strategies backtest',
      'strategies optimize',
      'signals approve',
      'signals reject',
      'orders place',
      'orders list',
      'orders cancel',
      'positions',
      'pnl',
      'halt',
      'resume',
      'square-off',
      'alerts test',
      'jobs watch',
    ]) {
      expect(paths.map((words) => words.join(' '))).toContain(expected);
    }
    for (const words of paths) {
      const help = await inProcess([...words, '--help']);
      expect(help.code, words.join(' ')).toBe(0);
      expect(help.stdout, words.join(' ')).toMatch(new RegExp(`^Usage: closecross${words.length ? ` ${words.join(' ')}` : ''}(\\|[a-z]+)? `));
    }
  });

  it('the bin prints its help as a child process', async () => {
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: closecross \[options\] \[command\]/);
  });
});
