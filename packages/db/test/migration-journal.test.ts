import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationsFolder } from '../src/index.ts';
import { createMigration, readJournal } from '../src/new-migration.ts';

describe('the migrations journal', () => {
  it('lists every migration file once, and nothing else', () => {
    const files = readdirSync(migrationsFolder)
      .filter((file) => file.endsWith('.sql'))
      .map((file) => file.replace(/\.sql$/, ''))
      .sort();
    expect(
      readJournal(migrationsFolder)
        .entries.map((entry) => entry.tag)
        .sort(),
    ).toEqual(files);
  });

  it('has each entry later than the one before, so an already-migrated database applies every new one', () => {
    const whens = readJournal(migrationsFolder).entries.map((entry) => entry.when);
    expect(whens.every((when, i) => i === 0 || when > whens[i - 1]!)).toBe(true);
  });
});

describe('pnpm db:migration (createMigration)', () => {
  let folder: string | undefined;
  afterEach(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
    folder = undefined;
  });
  const copyOfMigrations = () => {
    folder = mkdtempSync(join(tmpdir(), 'closecross-migrations-'));
    cpSync(migrationsFolder, folder, { recursive: true });
    return folder;
  };

  it('creates the next numbered file and a journal entry after the last', () => {
    const copy = copyOfMigrations();
    const before = readJournal(copy).entries;
    const highest = Math.max(
      ...readdirSync(copy)
        .filter((file) => file.endsWith('.sql'))
        .map((file) => Number(file.slice(0, 4))),
    );
    const tag = `${String(highest + 1).padStart(4, '0')}_trading_order_notes`;
    expect(createMigration(copy, 'trading_order_notes')).toBe(join(copy, `${tag}.sql`));
    expect(readFileSync(join(copy, `${tag}.sql`), 'utf8')).toMatch(/^-- trading order notes: /);
    const after = readJournal(copy).entries;
    expect(after.slice(0, -1)).toEqual(before);
    expect(after.at(-1)).toEqual({ idx: highest + 1, version: '7', when: Math.max(...before.map((entry) => entry.when)) + 100_000, tag, breakpoints: true });
  });

  it('takes an assigned number, and refuses a taken number or a name that is not snake case', () => {
    const copy = copyOfMigrations();
    expect(createMigration(copy, 'prices_notes', { number: 40 })).toBe(join(copy, '0040_prices_notes.sql'));
    expect(() => createMigration(copy, 'again', { number: 40 })).toThrow('migration number 0040 is taken: choose another (the next free one is 0041)');
    expect(() => createMigration(copy, 'Bad-Name')).toThrow('migration name "Bad-Name" must be lower-case words joined by _');
    expect(readJournal(copy).entries.filter((entry) => entry.tag.startsWith('0040') || entry.tag.startsWith('0041'))).toHaveLength(1);
  });
});
