import { runMigrations } from '@closecross/db';
import { jobsModule } from '@closecross/jobs';
import { runService } from '@closecross/platform';
import { modelService } from './plugin.ts';

// Alone, the task serves the job API too (behind the load balancer /jobs* goes to market-data).
await runService({ name: 'model', modules: [modelService, jobsModule], prepareDatabase: runMigrations });
