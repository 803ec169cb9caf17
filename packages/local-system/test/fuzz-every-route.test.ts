import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, startKinesisEmulator, type KinesisEmulator, type TestDatabase } from '@closecross/tests/support';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDeclarations, serviceModules } from '../src/service-modules.ts';

/**
 * Every operation of every mounted service, from the OpenAPI document they generate, gets
 * `perOperation` generated bad requests: wrong types, numbers past every range, missing and extra
 * fields, unicode, NUL bytes, long strings, wrong content types and invalid JSON. None may answer
 * 5xx or hang, and a request answered 4xx must write no row.
 *
 * Seeded: FUZZ_SEED=<n> replays a run; a failure prints its seed.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20_261_123);
const perOperation = 200;
const requestTimeoutMs = 5_000;
/** FUZZ_SERVICES=market-data,model replays against some services only; every declared one by default. */
const onlyServices = process.env.FUZZ_SERVICES?.split(',').map((name) => name.trim());

/**
 * Rows are counted in every table but these: audit_log records every write request by design
 * (a refused one too); the ingestor's heartbeats and shard leases are written by its background
 * loop whatever the requests do. Jobs enqueued by schedule ticks are left out of the job count.
 */
const uncountedTables = new Set(['audit_log', 'ingest_worker', 'ingest_shard', 'fleet_worker']);

// Compute stays off: jobs are accepted (rows) but never run, and s=lambda/ecs are not configured,
// so no request, even one that turns out valid, starts real compute.
process.env.MODEL_JOB_CONCURRENCY = '0';
process.env.RISK_JOB_CONCURRENCY = '0';
// A trading job that ran would write its own rows (a reconciliation, a snapshot) between requests.
process.env.TRADING_JOB_CONCURRENCY = '0';
process.env.RISK_AWS_BACKENDS = 'aws';
delete process.env.AWS_REGION;

let database: TestDatabase;
let kinesis: KinesisEmulator;
let artifactsDir: string;
let app: Service;
let baseUrl: string;
let countRows: () => Promise<string>;
/** The next transaction id: it moves only when some transaction wrote, so unchanged means nothing to count. */
let nextTransactionId: () => Promise<string>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  default?: unknown;
  examples?: unknown[];
}
interface Operation {
  method: string;
  route: string;
  parameters: Parameter[];
  body: JsonSchema | undefined;
}
interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** Values of every kind a field should not hold, or holds only at its edges. */
const badScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    2_147_483_648,
    -2_147_483_649,
    2 ** 53 + 2,
    1e308,
    -1e308,
    1e-320,
    -1,
    0,
    1.5,
    -0.5,
    'Infinity',
    '-Infinity',
    'NaN',
    '1e400',
    '99999999999999999999',
    '0x10',
    ' 1',
    '',
    '0000-01-01',
    '9999-12-31',
    '2023-02-30',
    '\u0000',
    'a\u0000b',
    '%00',
    '../../etc/passwd',
    "'; drop table model; --",
    '\u{1F4A5}\u202E\uFEFF',
    'ǅ'.repeat(300),
    true,
    false,
    null,
    [],
    {},
    [null],
    { a: 1 },
  ),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ minLength: 5_000, maxLength: 20_000 }),
);

/** The smallest object the schema asks for, with deliberately dull values (a base to break one field of). */
function skeleton(schema: JsonSchema | undefined, depth = 0): unknown {
  if (!schema || depth > 4) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.examples?.length) return schema.examples[0];
  if (schema.anyOf?.length) return skeleton(schema.anyOf[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((name) => [name, skeleton(schema.properties?.[name], depth + 1)]));
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    case 'string':
      return schema.format === 'date' ? '2021-08-23' : schema.format === 'uuid' ? '00000000-0000-4000-8000-000000000001' : 'x';
    default:
      return null;
  }
}

/** A body that breaks the schema in one place: a field replaced, a required one removed, an extra one added. */
function brokenBody(schema: JsonSchema): fc.Arbitrary<unknown> {
  const base = skeleton(schema);
  const fields = Object.keys(schema.properties ?? {});
  const required = schema.required ?? [];
  const variants: fc.Arbitrary<unknown>[] = [badScalar, fc.array(badScalar, { maxLength: 5 })];
  if (base && typeof base === 'object' && !Array.isArray(base) && fields.length > 0) {
    variants.push(fc.tuple(fc.constantFrom(...fields), badScalar).map(([field, value]) => ({ ...(base as object), [field]: value })));
    variants.push(
      fc
        .tuple(fc.constantFrom(...fields), badScalar, fc.string({ maxLength: 12 }), badScalar)
        .map(([field, value, extra, extraValue]) => ({ ...(base as object), [field]: value, [extra || 'extra']: extraValue })),
    );
    if (required.length > 0) {
      variants.push(fc.constantFrom(...required).map((field) => Object.fromEntries(Object.entries(base as object).filter(([name]) => name !== field))));
    }
  }
  if (schema.type === 'array' && schema.items) {
    const item = skeleton(schema.items);
    const itemFields = Object.keys(schema.items.properties ?? {});
    if (item && typeof item === 'object' && itemFields.length > 0) {
      variants.push(fc.tuple(fc.constantFrom(...itemFields), badScalar).map(([field, value]) => [{ ...(item as object), [field]: value }]));
    }
  }
  // Nested arrays of objects (the auction rows in {"data": [...]}), broken inside.
  for (const [field, property] of Object.entries(schema.properties ?? {})) {
    if (property.type !== 'array' || !property.items?.properties || !base || typeof base !== 'object') continue;
    const item = skeleton(property.items);
    const itemFields = Object.keys(property.items.properties);
    variants.push(
      fc.tuple(fc.constantFrom(...itemFields), badScalar).map(([name, value]) => ({ ...(base as object), [field]: [{ ...(item as object), [name]: value }] })),
    );
  }
  return fc.oneof(...variants);
}

const json = (value: unknown) => JSON.stringify(value) ?? 'null';

function requestsFor(operation: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  const pathValue = fc.oneof(
    badScalar.map((value) => (typeof value === 'string' ? value : json(value))),
    fc.constant('1'),
  );
  const urlOf = (values: string[], query: [string, unknown][]) => {
    let url = operation.route;
    pathParameters.forEach((parameter, index) => {
      url = url.replace(`{${parameter.name}}`, encodeURIComponent(values[index] ?? 'x') || 'x');
    });
    const search = query.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(typeof value === 'string' ? value : json(value))}`).join('&');
    return search ? `${url}?${search}` : url;
  };
  const queryArb = fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...(queryParameters.length ? queryParameters.map((parameter) => parameter.name) : ['page'])), fc.string({ maxLength: 10 })),
      badScalar,
    ),
    { maxLength: 4 },
  );
  const url = fc
    .tuple(fc.array(pathValue, { minLength: pathParameters.length, maxLength: pathParameters.length }), queryArb)
    .map(([values, query]) => urlOf(values, query));
  if (operation.method === 'GET' || operation.method === 'HEAD') {
    return url.map((target) => ({ method: operation.method, url: target, headers: {} }));
  }
  const jsonHeaders = { 'content-type': 'application/json' };
  const bodies: fc.Arbitrary<Omit<FuzzRequest, 'method' | 'url'>>[] = [
    // Invalid JSON, a truncated document, NaN where the document is otherwise sound.
    fc.string({ unit: 'grapheme', maxLength: 200 }).map((text) => ({ headers: jsonHeaders, payload: `{${text}` })),
    fc
      .constantFrom('', '{', '[', '{"a":}', 'null', '"text"', '{"data": [NaN]}', '{"__proto__": {"x": 1}}', '\u0000')
      .map((payload) => ({ headers: jsonHeaders, payload })),
    // Wrong content types.
    fc
      .tuple(
        fc.constantFrom(
          'text/plain',
          'application/xml',
          'text/csv',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/octet-stream',
        ),
        fc.string({ maxLength: 200 }),
      )
      .map(([type, payload]) => ({ headers: { 'content-type': type }, payload })),
  ];
  if (operation.body) bodies.push(brokenBody(operation.body).map((value) => ({ headers: jsonHeaders, payload: json(value) })));
  else bodies.push(badScalar.map((value) => ({ headers: jsonHeaders, payload: json(value) })));
  return fc.tuple(url, fc.oneof(...bodies)).map(([target, body]) => ({ method: operation.method, url: target, ...body }));
}

async function operations(): Promise<Operation[]> {
  const spec = (await app.inject({ url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
  };
  return Object.entries(spec.paths).flatMap(([route, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      route,
      parameters: operation.parameters ?? [],
      body: operation.requestBody?.content?.['application/json']?.schema,
    })),
  );
}

// A connection per request: the server may close one after refusing a body it did not read.
const agent = new http.Agent({ keepAlive: false });

/**
 * Sends one request over HTTP on loopback (as a client would, through Node's HTTP parser) and
 * answers its status and the start of its body. The lenient parser reads Fastify's own 414 for a
 * path parameter past maxParamLength, which llhttp otherwise refuses as data after Connection: close. An event stream that opens with 200 is a stream
 * kept open by design: it is closed at once and counts as answered.
 */
function send(request: FuzzRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const what = `${request.method} ${request.url.slice(0, 200)} ${request.headers['content-type'] ?? ''} ${(request.payload ?? '').slice(0, 200)}`;
    const outgoing = http.request(
      `${baseUrl}${request.url}`,
      { method: request.method, headers: request.headers, agent, insecureHTTPParser: true },
      (response) => {
        const status = response.statusCode ?? 0;
        if (String(response.headers['content-type']).startsWith('text/event-stream') && status < 300) {
          outgoing.destroy();
          resolve({ status, body: '' });
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8').slice(0, 300) }));
        response.on('error', reject);
      },
    );
    outgoing.setTimeout(requestTimeoutMs, () => {
      outgoing.destroy();
      reject(new Error(`no answer within ${requestTimeoutMs} ms: ${what}`));
    });
    outgoing.on('error', reject);
    outgoing.end(request.payload);
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  kinesis = await startKinesisEmulator();
  artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'closecross-fuzz-'));
  const declarations = onlyServices ? serviceDeclarations.filter((declaration) => onlyServices.includes(declaration.name)) : serviceDeclarations;
  const modules = await serviceModules({ kinesisEndpoint: kinesis.endpoint, stream: 'fuzz', artifactsDir }, declarations);
  app = await createService({ name: 'fuzz', modules, pool: database.pool, logLevel: 'silent', auth: false });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const tables = await database.pool.query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name",
  );
  const counted = tables.rows.map((row) => row.name).filter((name) => !uncountedTables.has(name));
  // Jobs that schedules enqueue on their ticks (a schedule an earlier valid request made) are the
  // ticker's writes, not a request's.
  const rowsOf = (name: string) =>
    name === 'job' ? `(select count(*) from job where created_by is null or created_by not like 'schedule:%')` : `(select count(*) from "${name}")`;
  const sql = `select concat_ws(',', ${counted.map((name) => `'${name}=' || ${rowsOf(name)}`).join(', ')}) as counts`;
  countRows = async () => (await database.pool.query<{ counts: string }>(sql)).rows[0]!.counts;
  nextTransactionId = async () => (await database.pool.query<{ id: string }>('select pg_snapshot_xmax(pg_current_snapshot())::text as id')).rows[0]!.id;
}, 120_000);
afterAll(async () => {
  agent.destroy();
  await app?.close();
  await kinesis?.stop();
  await database?.drop();
  if (artifactsDir) await rm(artifactsDir, { recursive: true, force: true });
});

describe('fuzzing every route of every service', () => {
  it(`answers ${perOperation} bad requests per operation with no 5xx, no hang, and no row written by a 4xx`, async () => {
    const listed = await operations();
    expect(listed.length).toBeGreaterThan(40);
    const failures: string[] = [];
    let sent = 0;
    // Requests go one at a time and the tables that background loops write are not counted, so
    // the counts after one request are the counts before the next.
    let transactionId = await nextTransactionId();
    let counts = await countRows();
    for (const [index, operation] of listed.entries()) {
      // One seed per operation, derived from the run's: a failure names the run's seed to replay it.
      const requests = fc.sample(requestsFor(operation), { seed: seed + index, numRuns: perOperation });
      for (const request of requests) {
        const what = `${request.method} ${request.url.slice(0, 200)} ${request.headers['content-type'] ?? ''} ${(request.payload ?? '').slice(0, 200)}`;
        sent++;
        let status = 0;
        try {
          const response = await send(request);
          status = response.status;
          if (status >= 500) failures.push(`${status} ${response.body.slice(0, 200)} <- ${what}`);
        } catch (error) {
          failures.push(`${(error as Error).message} <- ${what}`);
        }
        const nowId = await nextTransactionId();
        if (nowId === transactionId) continue;
        transactionId = nowId;
        const after = await countRows();
        if (status >= 400 && status < 500 && after !== counts) failures.push(`${status} but rows changed (${counts} -> ${after}) <- ${what}`);
        counts = after;
        if (failures.length >= 20) break;
      }
      if (failures.length >= 20) break;
    }
    console.info(`fuzz: ${sent} requests over ${listed.length} operations (seed ${seed})`);
    expect(failures, `seed ${seed} (replay with FUZZ_SEED=${seed})`).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(listed.length * perOperation);
  }, 600_000);
});
