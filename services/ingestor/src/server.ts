import { runMigrations } from '@closecross/db';
import { runService } from '@closecross/platform';
import { ingestorServiceWith } from './plugin.ts';

// Test-only fault injection: exit hard after writing the Nth batch, before its commit.
const crashAt = Number(process.env.INGEST_CRASH_BEFORE_COMMIT_AT_BATCH ?? 0);
let batches = 0;
const faults = crashAt > 0 ? { beforeCommit: () => void (++batches === crashAt && process.kill(process.pid, 'SIGKILL')) } : {};

await runService({ name: 'ingestor', modules: [ingestorServiceWith({ faults })], prepareDatabase: runMigrations });
