import { readFileSync, unlinkSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StartRefusedError } from './start-refused.ts';

/** Who holds a DATA_DIR: what DATA_DIR/local-system.lock says. */
export interface DataDirHolder {
  pid: number;
  host: string;
  port: number;
  started_at: string;
}

export interface DataDirLock {
  file: string;
  /** Removes the lock file (only if it is still ours). */
  release(): Promise<void>;
}

export const lockFileName = 'local-system.lock';

/** Whether a process runs; EPERM means it runs under another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(text: string): DataDirHolder | undefined {
  try {
    const holder = JSON.parse(text) as Partial<DataDirHolder>;
    return Number.isInteger(holder.pid) && (holder.pid as number) > 0 ? (holder as DataDirHolder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes DATA_DIR for this process: one system per folder, since two would share one PostgreSQL
 * cluster. The lock file is created exclusively; a lock whose process is gone (a crash, a kill -9,
 * or a container restarted under the same pid) is stale and taken over. `startedAt` is only
 * informative, so it comes from the caller.
 */
export async function lockDataDir(
  dataDir: string,
  me: { host: string; port: number; startedAt: Date; pid?: number },
  alive: (pid: number) => boolean = processAlive,
): Promise<DataDirLock> {
  const file = path.join(dataDir, lockFileName);
  const pid = me.pid ?? process.pid;
  const content = `${JSON.stringify({ pid, host: me.host, port: me.port, started_at: me.startedAt.toISOString() } satisfies DataDirHolder)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, content, { flag: 'wx', mode: 0o644 });
      const release = async () => {
        process.removeListener('exit', releaseOnExit);
        if (readHolder(await readFile(file, 'utf8').catch(() => ''))?.pid === pid) await unlink(file).catch(() => undefined);
      };
      // A process that exits without stopping (an uncaught error) still gives the folder back.
      const releaseOnExit = () => {
        try {
          if (readHolder(readFileSync(file, 'utf8'))?.pid === pid) unlinkSync(file);
        } catch {
          // Already gone.
        }
      };
      process.once('exit', releaseOnExit);
      return { file, release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(await readFile(file, 'utf8').catch(() => ''));
    if (holder && holder.pid !== pid && alive(holder.pid)) {
      throw new StartRefusedError(
        `DATA_DIR ${dataDir} is held by another Closecross system (pid ${holder.pid}, port ${holder.port}: http://${holder.host}:${holder.port}, started ${holder.started_at}). ` +
          `Use that one, stop it first (Ctrl-C in its terminal, or kill ${holder.pid}), or start this one on another folder and port: DATA_DIR=<folder> PORT=<port> pnpm start`,
      );
    }
    // Stale (its process is gone, or the file is unreadable): take it over.
    await unlink(file).catch((unlinkError: NodeJS.ErrnoException) => {
      if (unlinkError.code !== 'ENOENT') throw unlinkError;
    });
  }
  throw new StartRefusedError(`DATA_DIR ${dataDir}: could not take ${file} (another system starting at the same moment?); try again`);
}
