/**
 * Every relative link of README.md and docs/ resolves: the file (or folder) it names exists, and
 * an anchor into a Markdown page names one of that page's headings (GitHub's slugs). Links in
 * code blocks and inline code are not links; http(s), mailto and other schemes are not checked.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));

function markdownFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The character of a code fence the line opens or closes (` or ~), or null. */
function fenceOf(line: string): string | null {
  return /^\s*(`{3,}|~{3,})/.exec(line)?.[1]?.charAt(0) ?? null;
}

/** Each line of the page, with whether it lies inside a fenced code block (fence lines count as inside). */
function linesWithFences(markdown: string): Array<{ text: string; inCode: boolean }> {
  let fence: string | null = null;
  return markdown.split('\n').map((text) => {
    const marker = fenceOf(text);
    if (marker === null) return { text, inCode: fence !== null };
    if (fence === null) fence = marker;
    else if (marker === fence) fence = null;
    return { text, inCode: true };
  });
}

/** The text outside fenced code blocks and inline code spans, line for line. */
export function proseOf(markdown: string): string[] {
  return linesWithFences(markdown).map(({ text, inCode }) => (inCode ? '' : text.replace(/(`+)[^`]*?\1/g, '')));
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text: line, inCode } of linesWithFences(markdown)) {
    const title = inCode ? undefined : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (title === undefined) continue;
    const text = title.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The link targets of a page: inline links and images `[text](target)`, and reference definitions `[id]: target`. */
export function linkTargets(markdown: string): Array<{ line: number; target: string }> {
  const targets: Array<{ line: number; target: string }> = [];
  proseOf(markdown).forEach((text, index) => {
    for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (match[1]) targets.push({ line: index + 1, target: match[1] });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(\s|$)/.exec(text)?.[1];
    if (definition) targets.push({ line: index + 1, target: definition });
  });
  return targets;
}

/** What is wrong with each relative link of the page at `file`: a missing file or folder, or an unknown anchor. */
export function brokenLinks(file: string, markdown = readFileSync(file, 'utf8')): string[] {
  const problems: string[] = [];
  for (const { line, target } of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const hash = target.indexOf('#');
    const rawPath = hash === -1 ? target : target.slice(0, hash);
    const anchor = hash === -1 ? undefined : target.slice(hash + 1);
    const path = decodeURIComponent(rawPath);
    const destination = path === '' ? file : resolve(dirname(file), path);
    const pageText = path === '' ? markdown : undefined;
    const where = `${relative(root, file)}:${line}: ${target}`;
    if (pageText === undefined && !existsSync(destination)) {
      problems.push(`${where}: ${relative(root, destination)} does not exist`);
      continue;
    }
    if (anchor !== undefined && destination.endsWith('.md') && (pageText !== undefined || statSync(destination).isFile())) {
      if (!headingAnchors(pageText ?? readFileSync(destination, 'utf8')).has(decodeURIComponent(anchor))) {
        problems.push(`${where}: ${relative(root, destination)} has no heading with the anchor #${anchor}`);
      }
    }
  }
  return problems;
}

describe('the links of the README and docs/', () => {
  const pages = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];

  it('keeps the README a map of under 250 lines that links every page of docs/', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThan(250);
    const linked = new Set(linkTargets(readme).map(({ target }) => resolve(root, target.split('#')[0] ?? '')));
    const unlinked = pages.filter((page) => page.startsWith(join(root, 'docs')) && !linked.has(page)).map((page) => relative(root, page));
    expect(unlinked).toEqual([]);
  });

  it('finds the pages and their links', () => {
    expect(pages.length).toBeGreaterThan(10);
    expect(linkTargets(readFileSync(join(root, 'README.md'), 'utf8')).length).toBeGreaterThan(20);
  });

  it.each(pages.map((page) => [relative(root, page), page]))('%s: every relative link resolves', (_name, page) => {
    expect(brokenLinks(page)).toEqual([]);
  });

  it('names a missing file, a missing anchor, and leaves code and other schemes alone', () => {
    // A page that is not on disk, read as if it sat in docs/services/.
    const page = join(root, 'docs', 'services', 'a-page.md');
    const markdown = [
      '# A page',
      '## Sign-in and permissions (every service, every route)',
      '[ok](../api.md#sign-in-and-permissions-every-service-every-route) [here](#a-page) [web](https://example.com/x.md)',
      '[gone](../nowhere.md) [bad anchor](../api.md#no-such-heading)',
      '`[code](../in-code.md)`',
      '```',
      '[fenced](../in-fence.md)',
      '```',
    ].join('\n');
    expect(linkTargets(markdown).map(({ target }) => target)).toEqual([
      '../api.md#sign-in-and-permissions-every-service-every-route',
      '#a-page',
      'https://example.com/x.md',
      '../nowhere.md',
      '../api.md#no-such-heading',
    ]);
    expect(headingAnchors(markdown)).toEqual(new Set(['a-page', 'sign-in-and-permissions-every-service-every-route']));
    expect(brokenLinks(page, markdown)).toEqual([
      'docs/services/a-page.md:4: ../nowhere.md: docs/nowhere.md does not exist',
      'docs/services/a-page.md:4: ../api.md#no-such-heading: docs/api.md has no heading with the anchor #no-such-heading',
    ]);
  });
});
