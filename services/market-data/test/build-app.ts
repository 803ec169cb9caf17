import { createService, type Service } from '@closecross/platform';
import type { Pool } from 'pg';
import { marketDataService } from '../src/plugin.ts';

export function buildMarketDataApp(pool: Pool): Promise<Service> {
  return createService({ name: 'market-data', modules: [marketDataService], pool, logLevel: 'silent' });
}
