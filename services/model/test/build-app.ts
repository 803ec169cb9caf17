import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jobsModule } from '@closecross/jobs';
import { marketDataService } from '@closecross/market-data';
import { createService, type Service } from '@closecross/platform';
import { generateStockRows, seededRandom, testLogging, waitFor, type GeneratedStockRow, type TestDatabase } from '@closecross/tests/support';
import { loadModelConfig } from '../src/model-config.ts';
import { modelServiceWith } from '../src/plugin.ts';
import { artifactStoreFor, type ArtifactStore } from '@closecross/contracts/artifact-writer';

export function fileStore(): ArtifactStore {
  return artifactStoreFor(`file://${mkdtempSync(path.join(os.tmpdir(), 'closecross-artifacts-'))}`);
}

/** The model service beside market-data (to load rows), on a test database. */
export async function buildModelApp(database: TestDatabase, store: ArtifactStore, env: Record<string, string> = {}, logLines?: string[]): Promise<Service> {
  const app = await createService({
    name: 'model-test',
    modules: [
      marketDataService,
      modelServiceWith({ config: loadModelConfig({ MODEL_JOB_MAINTENANCE_SECONDS: '1', MODEL_TRAIN_THREADS: '2', ...env }), store }),
      jobsModule,
    ],
    pool: database.pool,
    auth: false,
    // With `logLines`, warnings and worse are collected there (what an alarm's log filter sees).
    ...testLogging(logLines),
  });
  await app.ready();
  return app;
}

/**
 * Rows whose target follows the order book (the size imbalance and the reference price's gap to
 * the wap) plus noise: a model that learns the book beats predicting zero by a clear margin.
 */
export function rowsWithSignal(dateIds: number[], stocks: number, seed = 1, shift = 0): GeneratedStockRow[] {
  const noise = seededRandom(seed + 1000);
  return generateStockRows({ dateIds, stocks, seed }).map((row) => {
    const imbalance = (row.bid_size - row.ask_size) / (row.bid_size + row.ask_size);
    const target = 6 * imbalance + 4000 * (row.reference_price - row.wap) + shift * row.imbalance_buy_sell_flag + (noise() - 0.5) * 2;
    return { ...row, target };
  });
}

export async function postRows(app: Service, rows: GeneratedStockRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 50_000) {
    const response = await app.inject({ method: 'POST', url: '/stock_data/', payload: { commit: true, data: rows.slice(start, start + 50_000) } });
    if (response.statusCode !== 200) throw new Error(response.body);
  }
}

export async function finishedJob(app: Service, jobId: string, timeoutMs = 120_000) {
  let job: any;
  await waitFor(
    async () => {
      job = (await app.inject({ url: `/jobs/${jobId}` })).json();
      return job.status === 'succeeded' || job.status === 'failed';
    },
    timeoutMs,
    `job ${jobId}`,
  );
  return job;
}
