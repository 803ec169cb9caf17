import { runMigrations } from '@closecross/db';
import { jobsModule } from '@closecross/jobs';
import { runService } from '@closecross/platform';
import { riskAnalysisService } from './plugin.ts';

// Alone, the task serves the job API too (behind the load balancer /jobs* goes to market-data).
await runService({ name: 'risk-analysis', modules: [riskAnalysisService, jobsModule], prepareDatabase: runMigrations });
