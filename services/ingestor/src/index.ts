export { ingestorService, ingestorServiceWith } from './plugin.ts';
export { ingestConfigSpec, loadIngestConfig, type IngestConfig } from './ingest-config.ts';
