import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src/', import.meta.url));
/** The domain folders whose SQL lives in src/store/ (issue 22): the order desk, the risk engine and books, the paper exchange and broker. */
const domainFolders = ['orders', 'risk', 'paper', 'brokers/paper'];

const sourceFiles = (folder: string): string[] =>
  readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(folder, entry.name)) : entry.name.endsWith('.ts') ? [join(folder, entry.name)] : [],
  );

/** A statement sent (`.query(`), or a string that opens like SQL. */
const sqlPatterns = [/\.query\s*[<(]/, /['"`]\s*(select\s[\s\S]{0,200}?\sfrom\s|insert\s+into\s|update\s+\w+\s+set\s|delete\s+from\s|with\s+\w+\s+as\s*\()/i];

describe('the domain code of orders, risk and paper trading holds no SQL (it calls src/store/)', () => {
  it('no statement and no SQL string in orders/, risk/, paper/ or brokers/paper/', () => {
    const found: string[] = [];
    for (const folder of domainFolders)
      for (const file of sourceFiles(join(src, folder))) {
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, index) => {
            if (sqlPatterns.some((pattern) => pattern.test(line))) found.push(`${relative(src, file)}:${index + 1}: ${line.trim()}`);
          });
      }
    expect(found).toEqual([]);
  });

  it('the check itself finds SQL where it is (the store modules)', () => {
    const store = sourceFiles(join(src, 'store')).map((file) => readFileSync(file, 'utf8'));
    expect(store.filter((text) => sqlPatterns.some((pattern) => pattern.test(text))).length).toBeGreaterThan(5);
  });
});
