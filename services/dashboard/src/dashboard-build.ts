import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The browser app's sources (Vite root) and where its build is served from. */
export const webRoot = fileURLToPath(new URL('../web/', import.meta.url));
export const distDir = fileURLToPath(new URL('../dist/', import.meta.url));
const stampFile = '.source-stamp';

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(full);
      return [full];
    }),
  );
  return nested.flat().sort();
}

/**
 * The workspace packages the app is built with: the API client (@closecross/client) and the shared
 * rules it imports from @closecross/contracts (the auction-row CSV rules): their sources go into the bundle too.
 */
const bundledPackageRoots = ['client', 'contracts'].map((name) => fileURLToPath(new URL(`../node_modules/@closecross/${name}/`, import.meta.url)));

/**
 * Every source file of the app, of the workspace packages it bundles and the package manifest: the
 * files a build is made from. (An image has no package sources: its build is served as is.)
 */
export async function stampedFiles(): Promise<string[]> {
  const bundled: string[] = [];
  for (const root of bundledPackageRoots) {
    if (existsSync(root)) bundled.push(...(await filesUnder(path.join(root, 'src'))), path.join(root, 'package.json'));
  }
  return [...(await filesUnder(webRoot)), ...bundled, fileURLToPath(new URL('../package.json', import.meta.url))];
}

/** A hash of the stamped files: a build made from them carries it. */
export async function sourceStamp(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await stampedFiles()) {
    hash.update(path.relative(webRoot, file));
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

export async function builtStamp(root = distDir): Promise<string | undefined> {
  try {
    return (await readFile(path.join(root, stampFile), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export interface BuildOutcome {
  built: boolean;
  ms: number;
}

/**
 * Makes sure dist/ holds a build of the current sources. Builds with Vite only when the stamp
 * differs (a fresh clone, or edited sources), into a private folder renamed into place, so two
 * processes starting at once never serve a half-written build. An image carries its build and no
 * Vite: there a stale or missing stamp is served as it is if dist exists.
 */
export async function ensureDashboardBuilt(log: (message: string) => void = () => {}): Promise<BuildOutcome> {
  const started = performance.now();
  const wanted = await sourceStamp();
  if ((await builtStamp()) === wanted) return { built: false, ms: performance.now() - started };
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch (error) {
    if (existsSync(path.join(distDir, 'index.html'))) return { built: false, ms: performance.now() - started };
    throw new Error(
      `the dashboard has no build in ${distDir} and Vite is not installed to make one: run pnpm install, then pnpm --filter @closecross/dashboard build`,
      { cause: error },
    );
  }
  log('building the dashboard (once per change of its sources)');
  // Staged under node_modules/.cache (same file system for the rename; no linter or git looks there).
  const staging = fileURLToPath(new URL(`../node_modules/.cache/dashboard-build-${process.pid}-${Date.now()}/`, import.meta.url));
  await mkdir(staging, { recursive: true });
  try {
    await vite.build({ configFile: path.join(webRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir: staging, emptyOutDir: true } });
    await writeFile(path.join(staging, stampFile), `${wanted}\n`);
    // Another process may have finished the same build first; the newest rename wins, both are whole.
    await rm(distDir, { recursive: true, force: true });
    try {
      await rename(staging, distDir);
    } catch (error) {
      if ((await builtStamp()) !== wanted) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { built: true, ms: performance.now() - started };
}
