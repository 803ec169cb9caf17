import { declareService } from '@closecross/platform';
import { ingestConfigSpec } from './src/ingest-config.ts';

/** The Kinesis consumer: reads the auction stream into PostgreSQL; its HTTP side is status and metrics. */
export default declareService({
  name: 'ingestor',
  pathPatterns: ['/ingest/*'],
  healthPath: '/health',
  server: { file: 'src/server.ts', image: 'ingestor' },
  settings: ingestConfigSpec,
  deploymentValues: { INGEST_STREAM: 'auction-stream-name' },
  aws: [{ sid: 'ReadAuctionStream', actions: ['kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'], on: 'auction-stream' }],
  // Its load is the stream, not requests: it grows while records wait, up to one task per shard.
  tasks: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 2, scaleOn: 'stream-lag' },
  usesDatabase: true,
  runsJobs: false,
  async module(environment) {
    const { ingestorServiceWith, loadIngestConfig } = await import('./src/index.ts');
    return ingestorServiceWith({ config: loadIngestConfig(environment) });
  },
});
