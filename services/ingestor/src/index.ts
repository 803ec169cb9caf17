export { ingestorService, ingestorServiceWith } from './plugin.ts';
export { loadIngestConfig, type IngestConfig } from './ingest-config.ts';
export { createKinesisClient, ensureStream } from './kinesis-client.ts';
