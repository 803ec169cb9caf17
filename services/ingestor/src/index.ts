export { ingestorService, ingestorServiceWith } from './plugin.ts';
export { ingestConfigSpec, loadIngestConfig, type IngestConfig } from './ingest-config.ts';
export { createKinesisClient } from './kinesis-client.ts';
export { ensureStream } from './stream-setup.ts';
