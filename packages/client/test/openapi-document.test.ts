import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, startKinesisEmulator, type KinesisEmulator, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientTypesPath, clientTypesText, committedDocumentText, documentText, liveOpenApiDocument, type OpenApiDocument } from '../../../scripts/openapi-document.ts';

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
      const changed = [...new Set([...Object.keys(old.paths), ...Object.keys(live.paths)])].filter((route) => JSON.stringify(old.paths[route]) !== JSON.stringify(live.paths[route]));
      expect.fail(`services/dashboard/openapi/closecross.openapi.json is stale (paths that differ: ${changed.join(', ') || 'none; components or info'}); run pnpm openapi and commit it`);
    }
  });

  it("is what the client's generated types were made from", async () => {
    expect((await readFile(clientTypesPath, 'utf8')) === (await clientTypesText(live)), 'packages/client/src/generated/openapi.ts is stale: run pnpm openapi').toBe(true);
  });
});
