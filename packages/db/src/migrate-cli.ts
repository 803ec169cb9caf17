import { createPool, loadPlatformConfig, resolveDatabaseConfig } from '@closecross/platform';
import { runMigrations } from './migrate.ts';

const config = loadPlatformConfig();
const pool = createPool(await resolveDatabaseConfig(config));
try {
  await runMigrations(pool);
  console.log('migrations applied');
} finally {
  await pool.end();
}
