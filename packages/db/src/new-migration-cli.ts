import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { migrationsFolder } from './migrate.ts';
import { createMigration } from './new-migration.ts';

const usage = 'usage: pnpm db:migration <name> [--number NNNN]   (name: lower-case words joined by _, e.g. trading_order_notes)';
const { positionals, values } = parseArgs({ allowPositionals: true, options: { number: { type: 'string' } } });
const [name] = positionals;
if (!name || positionals.length > 1) {
  console.error(usage);
  process.exit(2);
}
try {
  const file = createMigration(migrationsFolder, name, values.number === undefined ? {} : { number: Number(values.number) });
  console.log(
    `created ${relative(process.cwd(), file)} and its journal entry: write the SQL, then pnpm db:rows (the generated row types) and commit the three files`,
  );
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
