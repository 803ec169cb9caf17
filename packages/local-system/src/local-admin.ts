import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';

/** The local system's first admin: an API key and the dashboard password of user `admin`. */
export interface LocalAdmin {
  api_key: string;
  username: string;
  password: string;
}

/** What DATA_DIR/local-system.json holds: the admin always; the rest while the system runs. */
export interface LocalSystemFile {
  admin?: LocalAdmin;
  url?: string;
  databaseUrl?: string;
  kinesisEndpoint?: string;
  stream?: string;
  pid?: number;
}

export async function readLocalSystemFile(file: string): Promise<LocalSystemFile> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LocalSystemFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`${file} is not readable JSON (${(error as Error).message}); remove it to make a new local admin`, { cause: error });
  }
}

/** Written 0600: it holds an admin credential. */
export async function writeLocalSystemFile(file: string, content: LocalSystemFile): Promise<void> {
  await writeFile(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** The admin kept in the file, or a new one (`created`) on the first start. */
export function localAdminFrom(file: LocalSystemFile): { admin: LocalAdmin; created: boolean } {
  if (file.admin?.api_key && file.admin.password) return { admin: file.admin, created: false };
  return {
    admin: { api_key: `cc_${randomBytes(32).toString('base64url')}`, username: 'admin', password: randomBytes(18).toString('base64url') },
    created: true,
  };
}
