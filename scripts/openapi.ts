/**
 * `pnpm openapi`: builds the one-process system on a throwaway PostgreSQL and an in-memory
 * Kinesis, writes its live OpenAPI document to services/dashboard/openapi/closecross.openapi.json
 * and the client's types to packages/client/src/generated/openapi.ts. `pnpm openapi --check`
 * writes nothing and exits 1 when either committed file differs from the live one.
 * DATABASE_URL (an admin URL of a running server) is used instead of a throwaway server when set.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { runMigrations } from '@closecross/db';
import { scratchDatabase } from '@closecross/dev-postgres';
import { createPool } from '@closecross/platform';
// @ts-expect-error kinesalite ships no types
import kinesalite from 'kinesalite';
import { clientTypesPath, clientTypesText, documentText, liveOpenApiDocument, publishedDocumentPath } from './openapi-document.ts';

const check = process.argv.includes('--check');
const database = await scratchDatabase('openapi');
const pool = createPool({ connectionString: database.url, max: 10 });
const cleanups: Array<() => Promise<unknown>> = [() => database.close(), () => pool.end()];
try {
  await runMigrations(pool);
  const kinesis = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await new Promise<void>((resolve) => kinesis.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => kinesis.close(() => resolve())));
  const document = await liveOpenApiDocument({
    pool,
    kinesisEndpoint: `http://127.0.0.1:${(kinesis.address() as AddressInfo).port}`,
    artifactsDir: path.join(database.folder, 'artifacts'),
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
