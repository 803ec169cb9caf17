import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, startKinesisEmulator, type KinesisEmulator, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientTypesPath,
  clientTypesText,
  committedDocumentText,
  documentText,
  liveOpenApiDocument,
  type OpenApiDocument,
} from '../../../scripts/openapi-document.ts';

let database: TestDatabase;
let kinesis: KinesisEmulator;
let artifactsDir: string;
let live: OpenApiDocument;

beforeAll(async () => {
  database = await createTestDatabase();
  kinesis = await startKinesisEmulator();
  artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'closecross-openapi-test-'));
  live = await liveOpenApiDocument({ pool: database.pool, kinesisEndpoint: kinesis.endpoint, artifactsDir });
});
afterAll(async () => {
  await kinesis?.stop();
  await database?.drop();
  await rm(artifactsDir, { recursive: true, force: true });
});

describe('the committed OpenAPI document (regenerate with `pnpm openapi`)', () => {
  it('is the live document of every mounted service', async () => {
    // Every service and the platform are in it, so an empty or partial document cannot pass.
    for (const route of ['/auth/keys', '/stock_data/', '/train-model/', '/analyses', '/prices/stream', '/trading/orders', '/jobs/{id}', '/alerts/test']) {
      expect(Object.keys(live.paths), route).toContain(route);
    }
    const committed = await committedDocumentText();
    // Compared as text (the file is written exactly so); on a difference, name the paths that differ.
    if (committed !== documentText(live)) {
      const old = JSON.parse(committed) as OpenApiDocument;
      const changed = [...new Set([...Object.keys(old.paths), ...Object.keys(live.paths)])].filter(
        (route) => JSON.stringify(old.paths[route]) !== JSON.stringify(live.paths[route]),
      );
      expect.fail(
        `services/dashboard/openapi/closecross.openapi.json is stale (paths that differ: ${changed.join(', ') || 'none; components or info'}); run pnpm openapi and commit it`,
      );
    }
  });

  it('is written as JSON that reads back as the live document, indented to the body fields only', () => {
    const text = documentText(live);
    expect(JSON.parse(text)).toEqual(live);
    // A path's operation and its body fields are lines of their own; a field's schema stays on its line.
    expect(text).toMatch(/^ {6}"get": \{$/m);
    expect(text.split('\n').length).toBeLessThan(JSON.stringify(live, null, 2).split('\n').length / 2);
  });

  it("is what the client's generated types were made from", async () => {
    expect(
      (await readFile(clientTypesPath, 'utf8')) === (await clientTypesText(live)),
      'packages/client/src/generated/openapi.ts is stale: run pnpm openapi',
    ).toBe(true);
  });
});

describe('the contracts the live document states', () => {
  /** Every object schema reachable from a schema (properties, items, unions), with where it is. */
  function* objectsIn(schema: unknown, at: string): Generator<{ at: string; schema: { properties?: Record<string, unknown>; required?: string[] } }> {
    if (!schema || typeof schema !== 'object') return;
    const node = schema as Record<string, unknown>;
    if (node.properties && typeof node.properties === 'object') {
      yield { at, schema: node as never };
      for (const [name, child] of Object.entries(node.properties as Record<string, unknown>)) yield* objectsIn(child, `${at}/${name}`);
    }
    if (node.items) yield* objectsIn(node.items, `${at}[]`);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
      if (Array.isArray(node[key])) for (const [i, child] of (node[key] as unknown[]).entries()) yield* objectsIn(child, `${at}<${i}>`);
  }
  const operations = () =>
    Object.entries(live.paths).flatMap(([route, methods]) =>
      Object.entries(
        methods as Record<
          string,
          {
            requestBody?: { content?: Record<string, { schema?: unknown }> };
            parameters?: { name: string; in: string; required?: boolean; schema?: { default?: unknown } }[];
            responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
          }
        >,
      ).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${route}`, operation })),
    );

  it('asks no request to send a field that has a default (body fields and query parameters)', () => {
    const offenders: string[] = [];
    for (const { name, operation } of operations()) {
      for (const [type, body] of Object.entries(operation.requestBody?.content ?? {})) {
        for (const { at, schema } of objectsIn(body.schema, `${name} ${type} body`)) {
          for (const field of schema.required ?? [])
            if ((schema.properties?.[field] as { default?: unknown } | undefined)?.default !== undefined) offenders.push(`${at}/${field}`);
        }
      }
      for (const parameter of operation.parameters ?? [])
        if (parameter.required && parameter.schema?.default !== undefined) offenders.push(`${name} ${parameter.in} ${parameter.name}`);
    }
    expect(offenders).toEqual([]);
  });

  /** Keywords that describe a schema without constraining its type. */
  const annotations = new Set(['description', 'title', 'default', 'examples', 'example', 'nullable', 'deprecated', 'readOnly', 'writeOnly', 'format']);
  /**
   * Where a schema leaves a value untyped: `{}` (Type.Any(), Type.Unknown()), a schema with no type,
   * an object that says nothing of its fields, or one whose extra fields are untyped. An object
   * whose additionalProperties (or patternProperties) are typed is fine, and so is `{}` closed by
   * additionalProperties: false. A union's members are named by their title (a job's kind) when they have one.
   */
  function* untypedIn(schema: unknown, at: string): Generator<string> {
    if (schema === true || schema === undefined) return yield at;
    if (!schema || typeof schema !== 'object') return;
    const node = schema as Record<string, unknown>;
    if (Object.keys(node).every((key) => annotations.has(key))) return yield at;
    if (node.$ref || 'const' in node || Array.isArray(node.enum)) return;
    let combined = false;
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      if (!Array.isArray(node[key])) continue;
      combined = true;
      for (const [i, member] of (node[key] as Record<string, unknown>[]).entries()) yield* untypedIn(member, `${at}<${member?.title ?? i}>`);
    }
    const types = ([] as unknown[]).concat(node.type ?? []);
    if (types.length === 0) return combined ? undefined : yield at;
    if (types.includes('array')) yield* untypedIn(node.items, `${at}[]`);
    if (!types.includes('object')) return;
    const fields = Object.entries((node.properties ?? {}) as Record<string, unknown>);
    for (const [name, field] of fields) yield* untypedIn(field, `${at}/${name}`);
    const patterns = Object.entries((node.patternProperties ?? {}) as Record<string, unknown>);
    for (const [pattern, field] of patterns) yield* untypedIn(field, `${at}/{${pattern}}`);
    const extra = node.additionalProperties;
    if (extra && typeof extra === 'object') yield* untypedIn(extra, `${at}/{*}`);
    else if (fields.length === 0 && patterns.length === 0 && extra !== false && !combined) yield `${at}/{}`;
  }

  // No body is left untyped (issue 22), and none may be: a job kind is typed where it is defined,
  // `engine.define(kind, { params, result, metrics?, handler })` (packages/jobs); free-form JSON as
  // packages/jobs' bounded JsonValue / JsonObject.

  it('types every request and response body all the way down (no untyped {}, no Type.Any() or Type.Unknown() inside)', () => {
    const found: string[] = [];
    for (const { name, operation } of operations()) {
      for (const [type, body] of Object.entries(operation.requestBody?.content ?? {}))
        if (type.includes('json')) found.push(...untypedIn(body.schema, `${name} body`));
      for (const [status, response] of Object.entries(operation.responses ?? {}))
        for (const [type, body] of Object.entries(response.content ?? {}))
          if (type.includes('json')) found.push(...untypedIn(body.schema, `${name} ${status}`));
    }
    expect(found).toEqual([]);
    // The job routes answer a union by kind, and the check walks into each member (named by its title):
    // the kinds declared so far are typed through and through.
    const jobUnion = (
      live.paths['/jobs/{id}'] as { get: { responses: { 200: { content: { 'application/json': { schema: { anyOf?: { title?: string }[] } } } } } } }
    ).get.responses[200].content['application/json'].schema;
    const kinds = (jobUnion.anyOf ?? []).map((member) => member.title);
    for (const kind of [
      'train job',
      'inference job',
      'trading-scan job',
      'trading-backtest job',
      'trading-reconcile job',
      'trading-optimization job',
      'trading-walk-forward job',
      'trading-research-trial job',
      'trading-lookahead-check job',
    ]) {
      expect(kinds).toContain(kind);
      expect(found.filter((at) => at.startsWith(`GET /jobs/{id} 200<${kind}>`))).toEqual([]);
    }
  });

  it('finds an untyped body wherever it is', () => {
    const at = (schema: unknown) => [...untypedIn(schema, 'X')];
    expect(at({})).toEqual(['X']);
    expect(at({ description: 'anything' })).toEqual(['X']);
    expect(at({ type: 'object', properties: { a: { type: 'array', items: {} } } })).toEqual(['X/a[]']);
    expect(at({ type: 'object', additionalProperties: {} })).toEqual(['X/{*}']);
    expect(at({ type: 'object', patternProperties: { '^.*$': {} } })).toEqual(['X/{^.*$}']);
    expect(at({ type: 'object' })).toEqual(['X/{}']);
    expect(at({ anyOf: [{ title: 'a job', type: 'object', properties: { result: {} } }, { type: 'null' }] })).toEqual(['X<a job>/result']);
    expect(at({ type: 'object', properties: {}, additionalProperties: false })).toEqual([]);
    expect(at({ type: 'object', additionalProperties: { type: 'number' } })).toEqual([]);
    expect(at({ allOf: [{ type: 'object', properties: { a: { type: 'string' } } }], type: 'object' })).toEqual([]);
  });

  it('answers no JSON body without a schema (no untyped {} and no Type.Any() in a response)', () => {
    const untyped: string[] = [];
    for (const { name, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const [type, body] of Object.entries(response.content ?? {})) {
          if (!type.includes('json')) continue;
          const schema = body.schema as Record<string, unknown> | undefined;
          if (!schema || Object.keys(schema).filter((key) => key !== 'description' && key !== 'title').length === 0) untyped.push(`${name} ${status} ${type}`);
        }
      }
    }
    expect(untyped).toEqual([]);
  });
});
