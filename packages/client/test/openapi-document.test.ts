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
