import { runMigrations } from '@closecross/db';
import { runService } from '@closecross/platform';
import { riskAnalysisService } from './plugin.ts';

await runService({ name: 'risk-analysis', modules: [riskAnalysisService], prepareDatabase: runMigrations });
