/**
 * `pnpm openapi`: builds the one-process system on a throwaway PostgreSQL and an in-memory
 * Kinesis, writes its live OpenAPI document to services/dashboard/openapi/closecross.openapi.json
 * and the client's types to packages/client/src/generated/openapi.ts. `pnpm openapi --check`
 * writes nothing and exits 1 when either committed file differs from the live one.
 * DATABASE_URL (an admin URL of a running server) is used instead of a throwaway server when set.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runMigrations } from '@closecross/db';
import { startDevPostgres } from '@closecross/dev-postgres';
import { createPool } from '@closecross/platform';
// @ts-expect-error kinesalite ships no types
import kinesalite from 'kinesalite';
import pg from 'pg';
import { clientTypesPath, clientTypesText, documentText, liveOpenApiDocument, publishedDocumentPath } from './openapi-document.ts';

const check = process.argv.includes('--check');
const scratch = await mkdtemp(path.join(os.tmpdir(), 'closecross-openapi-'));
const cleanups: Array<() => Promise<unknown>> = [() => rm(scratch, { recursive: true, force: true })];
try {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    // As root, PostgreSQL runs as `postgres` and must enter the folder (mkdtemp makes it 0700).
    await chmod(scratch, 0o755);
    const server = await startDevPostgres({ dataDir: path.join(scratch, 'cluster'), persistent: false });
    cleanups.push(() => server.stop());
    adminUrl = server.adminUrl;
  }
  const name = `openapi_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  cleanups.push(async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool({ connectionString: url.toString(), max: 10 });
  cleanups.push(() => pool.end());
  await runMigrations(pool);
  const kinesis = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await new Promise<void>((resolve) => kinesis.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => kinesis.close(() => resolve())));
  const document = await liveOpenApiDocument({
    pool,
    kinesisEndpoint: `http://127.0.0.1:${(kinesis.address() as AddressInfo).port}`,
    artifactsDir: path.join(scratch, 'artifacts'),
  });
  const files = [
    { file: publishedDocumentPath, text: documentText(document) },
    { file: clientTypesPath, text: await clientTypesText(document) },
  ];
  const relative = (file: string) => path.relative(process.cwd(), file);
  if (check) {
    const stale = [];
    for (const { file, text } of files) if ((await readFile(file, 'utf8').catch(() => '')) !== text) stale.push(relative(file));
    if (stale.length > 0) {
      console.error(`stale: ${stale.join(', ')} differ from the live API; run pnpm openapi and commit them`);
      process.exitCode = 1;
    } else console.log(`up to date: ${Object.keys(document.paths).length} paths`);
  } else {
    for (const { file, text } of files) await writeFile(file, text);
    console.log(`${Object.keys(document.paths).length} paths: ${files.map(({ file }) => relative(file)).join(' and ')}`);
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error));
}
