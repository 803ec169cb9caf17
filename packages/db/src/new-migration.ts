import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface JournalEntry {
  idx: number;
  version: string;
  /** Milliseconds: the migrator applies, in journal order, every entry whose `when` is later than the last one a database recorded. */
  when: number;
  tag: string;
  breakpoints: boolean;
}

export interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

export const journalPath = (folder: string) => join(folder, 'meta', '_journal.json');
export const readJournal = (folder: string): Journal => JSON.parse(readFileSync(journalPath(folder), 'utf8')) as Journal;

// The gap between entries the hand-written migrations have used.
const whenStep = 100_000;

/**
 * Creates the next migration: `NNNN_name.sql` (NNNN one above the highest file, or `number` when
 * the team assigned one) with a header comment, and its journal entry, whose `when` is after every
 * other entry's so databases that are already migrated apply it too. Returns the file's path.
 */
export function createMigration(folder: string, name: string, options: { number?: number } = {}): string {
  if (!/^[a-z][a-z0-9_]*$/.test(name))
    throw new Error(`migration name ${JSON.stringify(name)} must be lower-case words joined by _ (a-z, 0-9, _), e.g. trading_order_notes`);
  const numbers = readdirSync(folder)
    .map((file) => /^(\d{4})_.*\.sql$/.exec(file)?.[1])
    .filter((digits): digits is string => digits !== undefined)
    .map(Number);
  const number = options.number ?? Math.max(-1, ...numbers) + 1;
  if (!Number.isInteger(number) || number < 0 || number > 9999) throw new Error(`migration number ${number} must be an integer from 0 to 9999`);
  if (numbers.includes(number))
    throw new Error(
      `migration number ${String(number).padStart(4, '0')} is taken: choose another (the next free one is ${String(Math.max(...numbers) + 1).padStart(4, '0')})`,
    );
  const tag = `${String(number).padStart(4, '0')}_${name}`;
  const file = join(folder, `${tag}.sql`);
  if (existsSync(file)) throw new Error(`${file} exists`);
  const journal = readJournal(folder);
  const when = Math.max(0, ...journal.entries.map((entry) => entry.when)) + whenStep;
  journal.entries.push({ idx: number, version: journal.version, when, tag, breakpoints: true });
  writeFileSync(
    file,
    `-- ${name.replaceAll('_', ' ')}: what this migration changes and why.\n-- Separate statements with a line "--> statement-breakpoint".\n`,
  );
  writeFileSync(journalPath(folder), `${JSON.stringify(journal, null, 2)}\n`);
  return file;
}
