import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface StaticFile {
  body: Buffer;
  /** Present when gzip makes it smaller. */
  gzipped?: Buffer;
  contentType: string;
  /** Vite names assets by content hash: those never change under their name. */
  immutable: boolean;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};
const compressible = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/** Every file of the build, read once into memory (a few hundred KB), gzipped once. */
export async function loadStaticFiles(root: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  async function walk(folder: string): Promise<void> {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
        continue;
      }
      if (entry.name.startsWith('.')) continue;
      const relative = path.relative(root, full).split(path.sep).join('/');
      const extension = path.extname(entry.name);
      const body = await readFile(full);
      const gzipped = compressible.has(extension) ? gzipSync(body, { level: 9 }) : undefined;
      files.set(relative, {
        body,
        ...(gzipped && gzipped.length < body.length ? { gzipped } : {}),
        contentType: contentTypes[extension] ?? 'application/octet-stream',
        immutable: relative.startsWith('assets/'),
      });
    }
  }
  await walk(root);
  return files;
}
