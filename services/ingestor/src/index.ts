export { ingestorService, ingestorServiceWith } from './plugin.ts';
export { loadIngestConfig, type IngestConfig } from './ingest-config.ts';
