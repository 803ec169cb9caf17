import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, JsonKeyBudget, type Service, type ServiceContext } from '../src/index.ts';

// Issue 20: POST /alerts/test with "text":"\ud800" answered 500 (PostgreSQL refuses a lone
// surrogate in jsonb). Two routes that store what they are sent as JSON, one with a schema and
// one without: the door refuses such a string for every route, naming the field.
const notesModule: FastifyPluginAsyncTypebox<ServiceContext> = async (app, { pool }) => {
  app.post('/notes/raw', { config: { scope: 'ingest' } }, async (request) => {
    await pool.query('insert into probe_note (body) values ($1::jsonb)', [JSON.stringify(request.body)]);
    return { stored: true };
  });
  app.post(
    '/notes/typed',
    {
      config: { scope: 'ingest' },
      schema: { body: Type.Object({ text: Type.String(), tags: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))) }) },
    },
    async (request) => {
      await pool.query('insert into probe_note (body) values ($1::jsonb)', [JSON.stringify(request.body)]);
      return { stored: true };
    },
  );
  app.get('/notes/:name', { config: { scope: 'read' } }, async (request) => ({ name: (request.params as { name: string }).name }));
};

let database: TestDatabase;
let app: Service;
beforeAll(async () => {
  database = await createTestDatabase();
  await database.pool.query('create table probe_note (id serial primary key, body jsonb not null)');
  app = await createService({
    name: 'notes',
    modules: [{ name: 'notes', plugin: notesModule }],
    routeTable: [{ service: 'notes', pathPatterns: ['/notes*'], healthPath: '/health' }],
    pool: database.pool,
    logLevel: 'silent',
    auth: false,
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const postJson = (url: string, json: string) => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: json });
const noteCount = async () => Number((await database.pool.query('select count(*) from probe_note')).rows[0].count);

describe('a lone surrogate in any string is refused at the door', () => {
  it('answers 400 naming the field on a route without a schema, and stores nothing', async () => {
    const response = await postJson('/notes/raw', '{"alert":{"lines":["fine","x\\ud800y"]}}');
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(
      'body/alert/lines/1 must be well-formed Unicode: a lone surrogate \\ud800 at character 1 (a character is one code point, or a surrogate pair)',
    );
    expect(await noteCount()).toBe(0);
  });

  it('answers 400 naming the field on a route with a schema, in a value or in a key', async () => {
    const inText = await postJson('/notes/typed', '{"text":"\\udfff"}');
    expect(inText.statusCode).toBe(400);
    expect(inText.json().message).toContain('body/text must be well-formed Unicode: a lone surrogate \\udfff at character 0');
    const inKey = await postJson('/notes/typed', '{"text":"ok","tags":{"a\\ud83d":["x"]}}');
    expect(inKey.statusCode).toBe(400);
    expect(inKey.json().message).toContain('body/tags/a\\ud83d must be well-formed Unicode: its name holds a lone surrogate');
    expect(await noteCount()).toBe(0);
  });

  it('keeps surrogate pairs (an emoji) and other text as they are', async () => {
    const response = await postJson('/notes/typed', '{"text":"NVDA \\ud83d\\ude80 up, Zürich 東京"}');
    expect(response.statusCode).toBe(200);
    expect((await database.pool.query('select body from probe_note')).rows[0].body).toEqual({ text: 'NVDA 🚀 up, Zürich 東京' });
  });

  it('checks a nesting deeper than any recursion bound', async () => {
    const deep = `${'['.repeat(5_000)}"\\ud800"${']'.repeat(5_000)}`;
    const response = await postJson('/notes/raw', deep);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^body\/0\/0[/0]*…[/0]+ must be well-formed Unicode/);
  });
});

describe('the scan that spares clean bodies the walk', () => {
  async function sawSurrogateEscape(chunks: string[]): Promise<boolean> {
    const scan = new JsonKeyBudget(1_000);
    scan.resume();
    for (const chunk of chunks) scan.write(Buffer.from(chunk));
    scan.end();
    await new Promise((resolve) => scan.on('end', resolve));
    return scan.sawSurrogateEscape;
  }

  it('sees a surrogate escape even when a chunk ends inside it, and nothing in other escapes', async () => {
    expect(await sawSurrogateEscape(['{"a":"x\\', 'u', 'D', '800"}'])).toBe(true);
    expect(await sawSurrogateEscape(['{"a":"\\ud83d\\ude80"}'])).toBe(true);
    expect(await sawSurrogateEscape(['{"a":"\\u00e9 \\\\ud800 \\u0d80", "ud800": 1}'])).toBe(false);
  });
});
