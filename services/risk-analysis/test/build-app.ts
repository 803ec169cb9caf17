import { marketDataService } from '@closecross/market-data';
import { createService, type Service } from '@closecross/platform';
import type { Pool } from 'pg';
import { riskAnalysisServiceWith } from '../src/plugin.ts';
import { loadRiskConfig } from '../src/risk-config.ts';
import type { RiskDependencies } from '../src/risk-context.ts';

/** The risk service mounted beside market-data (which loads the bars), as in `pnpm start`. */
export async function buildRiskApp(pool: Pool, dependencies: RiskDependencies = {}, env: NodeJS.ProcessEnv = {}): Promise<Service> {
  const app = await createService({
    name: 'risk-test',
    modules: [marketDataService, riskAnalysisServiceWith({ config: loadRiskConfig(env), queuePollMs: 100, ...dependencies })],
    pool,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
  });
  await app.ready();
  return app;
}
