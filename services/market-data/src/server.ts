import { runMigrations } from '@closecross/db';
import { jobsModule } from '@closecross/jobs';
import { runService } from '@closecross/platform';
import { marketDataService } from './plugin.ts';

// The default service of the load balancer also serves the one job API (/jobs*, /schedules*).
await runService({ name: 'market-data', modules: [marketDataService, jobsModule], prepareDatabase: runMigrations });
