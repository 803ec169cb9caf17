import { marketDataService } from '@closecross/market-data';
import { createService, type Service } from '@closecross/platform';
import { testLogging } from '@closecross/tests/support';
import type { Pool } from 'pg';
import { riskAnalysisServiceWith } from '../src/plugin.ts';
import { loadRiskConfig } from '../src/risk-config.ts';
import type { RiskDependencies } from '../src/risk-context.ts';

/** The risk service mounted beside market-data (which loads the bars), as in `pnpm start`. */
export async function buildRiskApp(pool: Pool, dependencies: RiskDependencies = {}, env: NodeJS.ProcessEnv = {}, logLines?: string[]): Promise<Service> {
  const app = await createService({
    name: 'risk-test',
    modules: [marketDataService, riskAnalysisServiceWith({ config: loadRiskConfig(env), jobEngine: { maintenanceSeconds: 1 }, ...dependencies })],
    pool,
    auth: false,
    // With `logLines`, warnings and worse are collected there (what an alarm's log filter sees).
    ...testLogging(logLines),
  });
  await app.ready();
  return app;
}
