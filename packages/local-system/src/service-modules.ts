import { ingestorServiceWith, loadIngestConfig } from '@closecross/ingestor';
import { marketDataService } from '@closecross/market-data';
import { loadModelConfig, modelServiceWith } from '@closecross/model';
import type { ServiceModule } from '@closecross/platform';
import { riskAnalysisService } from '@closecross/risk-analysis';

/** Every service, mounted together at the same paths the ALB routes to each. */
export function serviceModules(local: { kinesisEndpoint: string; stream: string; artifactsDir: string }): ServiceModule<any>[] {
  const ingestConfig = loadIngestConfig({ ...process.env, KINESIS_ENDPOINT: local.kinesisEndpoint, INGEST_STREAM: local.stream });
  const modelConfig = loadModelConfig({ ...process.env, ARTIFACT_STORE_URL: `file://${local.artifactsDir}` });
  return [
    marketDataService,
    riskAnalysisService,
    ingestorServiceWith({ config: ingestConfig }),
    modelServiceWith({ config: modelConfig }),
  ];
}
