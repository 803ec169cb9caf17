import { alertsModule } from '@closecross/alerts';
import { runMigrations } from '@closecross/db';
import { jobsModule } from '@closecross/jobs';
import { runService } from '@closecross/platform';
import { marketDataService } from './plugin.ts';

// The default service of the load balancer also serves the one job API (/jobs*, /schedules*) and
// alerts (/alerts*, whose deliverer runs in each of its tasks).
await runService({ name: 'market-data', modules: [marketDataService, jobsModule, alertsModule], prepareDatabase: runMigrations });
