import { runMigrations } from '@closecross/db';
import { runService } from '@closecross/platform';
import { ensureDashboardBuilt } from './dashboard-build.ts';
import { dashboardService } from './plugin.ts';

// One ECS task serving the built app; the database only answers /ready and the platform's sign-in.
await ensureDashboardBuilt(console.log);
await runService({ name: 'dashboard', modules: [dashboardService], prepareDatabase: runMigrations });
