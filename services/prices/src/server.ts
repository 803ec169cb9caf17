import { runMigrations } from '@closecross/db';
import { runService } from '@closecross/platform';
import { pricesServiceWith } from './plugin.ts';

await runService({ name: 'prices', modules: [pricesServiceWith({})], prepareDatabase: runMigrations });
