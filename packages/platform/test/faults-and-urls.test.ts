import type { FastifyPluginAsync } from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ConflictError,
  createService,
  databaseUnavailable,
  loadPlatformConfig,
  publicUrl,
  UnavailableError,
  type ServiceContext,
} from '../src/index.ts';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('databaseUnavailable: connection-level failures become 503 with Retry-After', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a server shutting down (57P01 admin_shutdown)', pgError('57P01', 'terminating connection due to administrator command')],
    ['a server starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['a connection exception (08006)', pgError('08006', 'connection failure')],
    ['a statement timeout (57014)', pgError('57014', 'canceling statement due to statement timeout')],
    ['a connection cut mid-query', new Error('Connection terminated unexpectedly')],
    ['a full pool past the connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a frozen server past the read timeout', new Error('Query read timeout')],
    [
      'every address of the host refusing',
      new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })], 'connect failed'),
    ],
    ['a refusal wrapped by the caller', new Error('could not read rows', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) })],
  ])('%s', (_case, error) => {
    const mapped = databaseUnavailable(error);
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect(mapped!.retryAfterSeconds).toBeGreaterThan(0);
    expect(mapped!.message).not.toContain(error.message);
  });

  it.each([
    ['a unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['bad SQL', pgError('42P01', 'relation "nope" does not exist')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['a typed domain error', new ConflictError('already done')],
  ])('leaves %s as it is', (_case, error) => {
    expect(databaseUnavailable(error)).toBeUndefined();
  });

  it('answers a route whose query lost the database with 503, Retry-After and no internals', async () => {
    const failing: FastifyPluginAsync<ServiceContext> = async (app) => {
      app.get('/rows', { config: { scope: 'read' } }, async () => {
        throw pgError('57P01', 'terminating connection due to administrator command');
      });
    };
    const app = await createService({ name: 'example', modules: [{ name: 'example', plugin: failing }], auth: false, logLevel: 'silent' });
    const answer = await app.inject({ method: 'GET', url: '/rows' });
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.json()).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'the database is not reachable; try again in 5 s' });
    await app.close();
  });
});

const echoModule: FastifyPluginAsync<ServiceContext> = async (app) => {
  app.get('/whoami', { config: { scope: 'public' } }, async (request) => ({
    ip: request.ip,
    protocol: request.protocol,
    chart: app.publicUrl('/chart', { analysis: 'a b&c' }),
  }));
};
const echoService = (options: { trustedProxies?: string; publicBaseUrl?: string } = {}) =>
  createService({ name: 'example', modules: [{ name: 'example', plugin: echoModule }], auth: false, logLevel: 'silent', ...options });

describe('forwarded headers are believed only from trusted proxies', () => {
  it('X-Forwarded-For from a client that is not a trusted proxy does not change request.ip', async () => {
    const app = await echoService({ trustedProxies: '10.0.0.0/16' });
    const answer = await app.inject({
      method: 'GET',
      url: '/whoami',
      remoteAddress: '203.0.113.9',
      headers: { 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'javascript' },
    });
    expect(answer.json()).toMatchObject({ ip: '203.0.113.9', protocol: 'http' });
    await app.close();
  });

  it('believes X-Forwarded-For from an address inside TRUSTED_PROXIES (the ALB in the VPC)', async () => {
    const app = await echoService({ trustedProxies: '10.0.0.0/16' });
    const answer = await app.inject({ method: 'GET', url: '/whoami', remoteAddress: '10.0.3.7', headers: { 'x-forwarded-for': '198.51.100.20' } });
    expect(answer.json()).toMatchObject({ ip: '198.51.100.20' });
    await app.close();
  });

  it('trusts only loopback by default', async () => {
    const app = await echoService();
    const answer = await app.inject({ method: 'GET', url: '/whoami', remoteAddress: '192.0.2.1', headers: { 'x-forwarded-for': '1.2.3.4' } });
    expect(answer.json()).toMatchObject({ ip: '192.0.2.1' });
    await app.close();
  });
});

describe('publicUrl: returned URLs come from PUBLIC_BASE_URL only', () => {
  it('Host: evil.example, X-Forwarded-Host and X-Forwarded-Proto: javascript cannot steer it, even from a trusted proxy', async () => {
    const app = await echoService({ publicBaseUrl: 'https://api.closecross.example' });
    const answer = await app.inject({
      method: 'GET',
      url: '/whoami',
      headers: { host: 'evil.example', 'x-forwarded-host': "x';touch /tmp/pwned;'", 'x-forwarded-proto': 'javascript' },
    });
    expect(answer.json().chart).toBe('https://api.closecross.example/chart?analysis=a+b%26c');
    await app.close();
  });

  it('keeps the base path of a proxy prefix and encodes every query value', () => {
    expect(publicUrl('http://127.0.0.1:8080/closecross/', '/get_endpoints', { s: "x';touch /tmp/pwned;'" })).toBe(
      'http://127.0.0.1:8080/closecross/get_endpoints?s=x%27%3Btouch+%2Ftmp%2Fpwned%3B%27',
    );
  });

  it.each(['//evil.example/chart', 'https://evil.example/chart', '/chart\\..\\x', 'chart'])('refuses %s as a path', (path) => {
    expect(() => publicUrl('https://api.closecross.example', path)).toThrow('is not an absolute path of this API');
  });

  it('refuses a PUBLIC_BASE_URL that is not http(s), naming the variable', () => {
    expect(() => loadPlatformConfig({ DATABASE_URL: 'postgres://x@h/db', PUBLIC_BASE_URL: 'javascript://alert(1)' })).toThrow(ConfigError);
    expect(() => loadPlatformConfig({ DATABASE_URL: 'postgres://x@h/db', PUBLIC_BASE_URL: 'javascript://alert(1)' })).toThrow(
      /PUBLIC_BASE_URL must be a http: or https: URL/,
    );
  });

  it('refuses a base URL with credentials, a query or a fragment', () => {
    expect(() => publicUrl('https://user:pw@api.example', '/chart')).toThrow(/no query, fragment or credentials/);
  });
});
