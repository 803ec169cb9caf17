import { runMigrations } from '@closecross/db';
import { jobsModule } from '@closecross/jobs';
import { runService } from '@closecross/platform';
import { tradingService } from './plugin.ts';

// Alone, the task serves the job API too (behind the load balancer /jobs* goes to market-data).
await runService({ name: 'trading', modules: [tradingService, jobsModule], prepareDatabase: runMigrations });
