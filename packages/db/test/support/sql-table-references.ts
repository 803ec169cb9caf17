import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface TableReference {
  /** Repository-relative path. */
  file: string;
  line: number;
  table: string;
}

// A table named after the SQL words that introduce one (schema-qualified or quoted too).
const tableAfterKeyword = /\b(?:from|join|into|update|table|references|copy)\s+(?:only\s+)?(?:"?public"?\.)?"?([a-z_][a-z0-9_]*)"?/gi;
// Only strings that read as SQL: prose like "train from scratch" must not count.
const looksLikeSql = /\b(?:select|insert|update|delete|merge|copy|create|alter|with|lock|truncate)\b/i;

/**
 * The tables among `known` that SQL in a TypeScript source names: every string and template
 * literal (its pieces joined, so a table after an interpolation is still found) that reads as
 * SQL is searched for a table after from, join, into, update, table, references or copy.
 */
export function tableReferencesIn(file: string, source: string, known: ReadonlySet<string>): TableReference[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: TableReference[] = [];
  const search = (text: string, at: number) => {
    if (!looksLikeSql.test(text)) return;
    for (const match of text.matchAll(tableAfterKeyword)) {
      const table = match[1]!.toLowerCase();
      if (!known.has(table)) continue;
      // Lines of the literal's start plus the lines before the match inside it.
      const line = sourceFile.getLineAndCharacterOfPosition(at).line + 1 + (text.slice(0, match.index).match(/\n/g)?.length ?? 0);
      found.push({ file, line, table });
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      search(node.text, node.getStart(sourceFile));
    } else if (ts.isTemplateExpression(node)) {
      // The literal pieces with each interpolation as a placeholder word, so `from ${x}` is no table.
      const text = [node.head.text, ...node.templateSpans.map((span) => `\u0000 ${span.literal.text}`)].join('');
      search(text, node.getStart(sourceFile));
      node.templateSpans.forEach((span) => visit(span.expression));
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** The TypeScript sources of `dir` and below (no tests, no declaration files, no node_modules). */
export function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'test' && entry.name !== '__tests__') files.push(...sourceFiles(path));
    } else if (/\.tsx?$/.test(entry.name) && !/\.(test|spec|d)\.tsx?$/.test(entry.name)) {
      files.push(path);
    }
  }
  return files;
}

/** Every reference to a known table in `services/<s>/src` and `packages/<p>/src` (packages/db excluded), with repository-relative paths. */
export function repositoryTableReferences(root: string, known: ReadonlySet<string>): TableReference[] {
  const homes = ['services', 'packages'].flatMap((kind) =>
    readdirSync(join(root, kind), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !(kind === 'packages' && entry.name === 'db'))
      .map((entry) => join(root, kind, entry.name, 'src')),
  );
  return homes.flatMap((home) => {
    let files: string[];
    try {
      files = sourceFiles(home);
    } catch {
      return [];
    }
    return files.flatMap((path) => tableReferencesIn(relative(root, path), readFileSync(path, 'utf8'), known));
  });
}

/** `services/trading` for `services/trading/src/x.ts`. */
export const homeOf = (file: string) => file.split('/').slice(0, 2).join('/');
