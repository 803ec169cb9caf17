import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repositoryRoot, sdkActionsReachableFrom, sdkCallsReachableFrom } from './sdk-calls.ts';

const serverOf = (service: string) => path.join(repositoryRoot, 'services', service, 'src/server.ts');

/** Entry files written outside the repository: they reach its code only through the imports they state. */
const fixtures = mkdtempSync(path.join(tmpdir(), 'closecross-sdk-calls-'));
afterAll(() => rmSync(fixtures, { recursive: true, force: true }));
function entry(name: string, source: string): string {
  const file = path.join(fixtures, `${name}.ts`);
  writeFileSync(file, source);
  return file;
}
/** A relative import of a repository file from the fixtures folder. */
const relativeTo = (repositoryFile: string) => path.relative(fixtures, path.join(repositoryRoot, repositoryFile));

describe('the AWS calls a task entry reaches', () => {
  it('follows the ingestor into @closecross/kinesis through its package.json exports, and only to what it imports there', () => {
    const { files, calls } = sdkCallsReachableFrom(serverOf('ingestor'));
    expect(files).toEqual(
      expect.arrayContaining([
        'packages/kinesis/src/index.ts',
        'packages/kinesis/src/kinesis-client.ts',
        'packages/db/src/index.ts',
        'packages/platform/src/run-service.ts',
      ]),
    );
    // ensureStream (CreateStream, DescribeStreamSummary) is for emulators: exported beside the client, never imported by the ingestor.
    expect(files).not.toContain('packages/kinesis/src/stream-setup.ts');
    expect(calls.filter((call) => call.action.startsWith('kinesis:'))).toEqual([
      { action: 'kinesis:ListShards', file: 'services/ingestor/src/ingestor.ts' },
      { action: 'kinesis:GetRecords', file: 'services/ingestor/src/shard-reader.ts' },
      { action: 'kinesis:GetShardIterator', file: 'services/ingestor/src/shard-reader.ts' },
    ]);
  });

  it('finds Kinesis calls made only inside packages/kinesis once an entry imports the function that makes them', () => {
    const setsUpStream = entry(
      'sets-up-stream',
      "import { createKinesisClient, ensureStream } from '@closecross/kinesis';\nawait ensureStream(createKinesisClient(), 'auction', 1);\n",
    );
    expect(sdkCallsReachableFrom(setsUpStream).calls).toEqual([
      { action: 'kinesis:CreateStream', file: 'packages/kinesis/src/stream-setup.ts' },
      { action: 'kinesis:DescribeStreamSummary', file: 'packages/kinesis/src/stream-setup.ts' },
    ]);
    // Renamed on the way, and through a namespace import: still followed.
    const renamed = entry('renamed', "import { ensureStream as createStreamIfMissing } from '@closecross/kinesis';\nexport { createStreamIfMissing };\n");
    const namespace = entry('namespace', "import * as kinesis from '@closecross/kinesis';\nexport const setUp = kinesis.ensureStream;\n");
    const dynamic = entry('dynamic', "export const setUp = async () => (await import('@closecross/kinesis')).ensureStream;\n");
    for (const file of [renamed, namespace, dynamic]) expect(sdkActionsReachableFrom(file)).toEqual(['kinesis:CreateStream', 'kinesis:DescribeStreamSummary']);
    // A type-only import runs no code.
    expect(
      sdkActionsReachableFrom(entry('types-only', "import type { ensureStream } from '@closecross/kinesis';\nexport type SetUp = typeof ensureStream;\n")),
    ).toEqual([]);
  });

  it("resolves a package's subpath exports (@closecross/risk-analysis/worker)", () => {
    const { files } = sdkCallsReachableFrom(
      entry('worker', "import { varWorkerService } from '@closecross/risk-analysis/worker';\nexport default varWorkerService;\n"),
    );
    expect(files).toContain('services/risk-analysis/src/worker/worker-plugin.ts');
  });

  it("does not charge a task with the platform's read of DB_SECRET_ID, but counts the same call made anywhere else", () => {
    const platformOnly = entry('platform-only', "import { runService } from '@closecross/platform';\nawait runService({ name: 'x', modules: [] });\n");
    expect(sdkCallsReachableFrom(platformOnly).calls).toEqual([
      { action: 'secretsmanager:GetSecretValue', file: 'packages/platform/src/database-credentials.ts' },
    ]);
    expect(sdkActionsReachableFrom(platformOnly)).toEqual([]);

    const readsItsOwnSecret = entry(
      'reads-own-secret',
      `import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';\nimport '${relativeTo('services/market-data/src/server.ts')}';\nawait new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: 'x' }));\n`,
    );
    // The secret read counts here; market-data's own S3 read (its artifact downloads) comes with its server.
    expect(sdkActionsReachableFrom(readsItsOwnSecret)).toEqual(['s3:GetObject', 'secretsmanager:GetSecretValue']);
  });

  it('refuses a workspace import it cannot resolve, rather than skip the calls behind it', () => {
    expect(() => sdkCallsReachableFrom(entry('unknown-package', "import { x } from '@closecross/nowhere';\n"))).toThrow(
      '@closecross/nowhere: no workspace package is named @closecross/nowhere',
    );
    expect(() => sdkCallsReachableFrom(entry('unknown-subpath', "import { x } from '@closecross/kinesis/emulator';\n"))).toThrow(
      `@closecross/kinesis/emulator: @closecross/kinesis's package.json exports no "./emulator"`,
    );
  });
});
