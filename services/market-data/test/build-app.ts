import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll } from 'vitest';
import { createService, type Service } from '@closecross/platform';
import type { Pool } from 'pg';
import { marketDataService } from '../src/plugin.ts';

export function buildMarketDataApp(pool: Pool): Promise<Service> {
  return createService({ name: 'market-data', modules: [marketDataService], pool, logLevel: 'silent', auth: false });
}

/** A migrated database of its own and the market-data app on it, for one test file. */
export function useMarketDataApp(): { app: Service; database: TestDatabase } {
  const context = {} as { app: Service; database: TestDatabase };
  beforeAll(async () => {
    context.database = await createTestDatabase();
    context.app = await buildMarketDataApp(context.database.pool);
  });
  afterAll(async () => {
    await context.app.close();
    await context.database.drop();
  });
  return context;
}
