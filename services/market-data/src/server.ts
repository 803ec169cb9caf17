import { runMigrations } from '@closecross/db';
import { runService } from '@closecross/platform';
import { marketDataService } from './plugin.ts';

await runService({ name: 'market-data', modules: [marketDataService], prepareDatabase: runMigrations });
