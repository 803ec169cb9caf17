import { runMigrations } from '@closecross/db';
import { runService } from '@closecross/platform';
import { modelService } from './plugin.ts';

await runService({ name: 'model', modules: [modelService], prepareDatabase: runMigrations });
