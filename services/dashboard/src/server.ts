import { runMigrations } from '@closecross/db';
import { runService } from '@closecross/platform';
import { ensureDashboardBuilt } from './dashboard-build.ts';
import { loadDashboardConfig } from './dashboard-config.ts';
import { dashboardServiceWith } from './plugin.ts';

// One ECS task serving the built app; the database only answers /ready and the platform's sign-in.
const config = loadDashboardConfig();
await ensureDashboardBuilt(console.log);
await runService({ name: 'dashboard', modules: [dashboardServiceWith({ timezone: config.TRADING_TIMEZONE })], prepareDatabase: runMigrations });
