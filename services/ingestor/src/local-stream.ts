import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What `pnpm start` writes to DATA_DIR/local-system.json, read by the command-line tools. */
export interface LocalSystemInfo {
  url: string;
  databaseUrl: string;
  kinesisEndpoint?: string;
  stream?: string;
}

export function readLocalSystem(dataDir = process.env.DATA_DIR ?? './.data'): LocalSystemInfo | undefined {
  try {
    return JSON.parse(readFileSync(path.resolve(dataDir, 'local-system.json'), 'utf8'));
  } catch {
    return undefined;
  }
}
