import { env, loadConfig, type ConfigOf } from '@closecross/platform';

export const ingestConfigSpec = {
  INGEST_STREAM: env.string({ default: 'closecross-auction', description: 'Kinesis stream to consume' }),
  KINESIS_ENDPOINT: env.optionalUrl('Kinesis endpoint (an emulator); AWS when unset'),
  INGEST_LEASE_MS: env.int({ default: 20_000, min: 1_000, max: 600_000, description: 'shard lease length; another task takes a shard whose lease ran out' }),
  INGEST_POLL_MS: env.int({ default: 1_000, min: 10, max: 60_000, description: 'wait between empty GetRecords calls on a shard' }),
  INGEST_RECORDS_PER_CALL: env.int({ default: 10_000, min: 1, max: 10_000, description: 'GetRecords limit' }),
  INGEST_MAX_RECORD_BYTES: env.int({
    default: 8 * 1024 * 1024,
    min: 1024,
    max: 256 * 1024 * 1024,
    description: 'largest record after gzip inflation; larger ones are rejected',
  }),
  INGEST_LAG_ALERT_SECONDS: env.int({
    default: 300,
    min: 0,
    max: 604_800,
    description: 'a shard further behind the tip than this starts an ingest_lag alert episode (recovered under half of it); 0: no lag alerts',
  }),
  INGEST_ENABLED: env.boolean({ default: true, description: 'consume the stream in this task' }),
};

export type IngestConfig = ConfigOf<typeof ingestConfigSpec>;
export const loadIngestConfig = (source: NodeJS.ProcessEnv = process.env): IngestConfig => loadConfig(ingestConfigSpec, source);
