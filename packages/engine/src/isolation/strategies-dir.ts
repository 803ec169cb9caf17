/**
 * A folder of user strategies (STRATEGIES_DIR): each `.ts`/`.mts`/`.js`/`.mjs` file directly in
 * it is one strategy module. Listed with its name, description, parameter schema (JSON) and the
 * sha256 of its source, which pins what an instance or a backtest ran. Modules are imported in a
 * worker thread, never on the caller's event loop.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface ListedStrategy {
  readonly name: string;
  readonly description: string;
  /** The TypeBox schema as JSON Schema (renders the dashboard's form). */
  readonly parameters: Record<string, unknown>;
  /** Absolute path of the module. */
  readonly file: string;
  /** sha256 of the file's bytes, hex. */
  readonly sourceHash: string;
}

/** A file that is not a usable strategy, with the reason (listed beside the good ones, not thrown). */
export interface RefusedStrategyFile {
  readonly file: string;
  readonly sourceHash: string;
  readonly error: string;
}

export interface StrategyListing {
  readonly strategies: ListedStrategy[];
  readonly refused: RefusedStrategyFile[];
}

const moduleFile = /^[^._][^/]*\.(ts|mts|js|mjs)$/;
const describeScript = new URL('./describe-thread-entry.mjs', import.meta.url);

export function sourceHash(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Lists the strategies in a folder. Two files declaring the same name are both refused (an
 * instance must name one strategy). A module that takes longer than `budgetMs` in all to import
 * stops the listing's thread; what was not described yet is refused with that reason.
 */
export async function listStrategies(folder: string, options: { budgetMs?: number } = {}): Promise<StrategyListing> {
  const entries = await readdir(folder, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && moduleFile.test(entry.name) && !/\.(test|spec|d)\.[mc]?[jt]s$/.test(entry.name))
    .map((entry) => path.resolve(folder, entry.name))
    .sort();
  const hashes = new Map<string, string>();
  for (const file of files) hashes.set(file, sourceHash(await readFile(file)));
  const described = await describeInThread(files, options.budgetMs ?? 20_000);
  const strategies: ListedStrategy[] = [];
  const refused: RefusedStrategyFile[] = [];
  for (const file of files) {
    const result = described.get(file) ?? { error: 'not described within the time budget' };
    if ('error' in result) refused.push({ file, sourceHash: hashes.get(file)!, error: result.error });
    else strategies.push({ ...result, file, sourceHash: hashes.get(file)! });
  }
  const counts = new Map<string, number>();
  for (const strategy of strategies) counts.set(strategy.name, (counts.get(strategy.name) ?? 0) + 1);
  return {
    strategies: strategies.filter((strategy) => counts.get(strategy.name) === 1),
    refused: [
      ...refused,
      ...strategies
        .filter((strategy) => counts.get(strategy.name)! > 1)
        .map((strategy) => ({ file: strategy.file, sourceHash: strategy.sourceHash, error: `another file also declares the strategy name ${strategy.name}` })),
    ],
  };
}

type Described = { name: string; description: string; parameters: Record<string, unknown> } | { error: string };

function describeInThread(files: string[], budgetMs: number): Promise<Map<string, Described>> {
  const results = new Map<string, Described>();
  if (files.length === 0) return Promise.resolve(results);
  return new Promise((resolve) => {
    const worker = new Worker(describeScript, { workerData: { files } });
    const finish = () => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(results);
    };
    const timer = setTimeout(finish, budgetMs);
    worker.on(
      'message',
      (message: { done?: true; file?: string } & Partial<{ name: string; description: string; parameters: Record<string, unknown>; error: string }>) => {
        if (message.done) return finish();
        if (message.error !== undefined) results.set(message.file!, { error: message.error });
        else results.set(message.file!, { name: message.name!, description: message.description!, parameters: message.parameters! });
      },
    );
    worker.on('error', (error) => {
      for (const file of files) if (!results.has(file)) results.set(file, { error: error.message });
      finish();
    });
    worker.on('exit', finish);
  });
}
