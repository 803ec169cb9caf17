import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** What `closecross login` keeps: where the API is and the key to send. */
export interface SavedLogin {
  url: string;
  api_key: string;
}

export interface Environment {
  CLOSECROSS_URL?: string | undefined;
  CLOSECROSS_API_KEY?: string | undefined;
  CLOSECROSS_CONFIG?: string | undefined;
  XDG_CONFIG_HOME?: string | undefined;
  HOME?: string | undefined;
  DATA_DIR?: string | undefined;
}

/** $CLOSECROSS_CONFIG, else $XDG_CONFIG_HOME/closecross/config.json, else ~/.config/closecross/config.json. */
export function configFile(env: Environment): string {
  if (env.CLOSECROSS_CONFIG) return path.resolve(env.CLOSECROSS_CONFIG);
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'closecross', 'config.json');
}

export function readSavedLogin(file: string): SavedLogin | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<SavedLogin>;
    return saved.url && saved.api_key ? { url: saved.url, api_key: saved.api_key } : undefined;
  } catch (error) {
    throw new Error(`${file} is not readable JSON (${(error as Error).message}): run closecross logout, then login again`, { cause: error });
  }
}

/** Written 0600: it holds a key. */
export async function saveLogin(file: string, login: SavedLogin): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function forgetLogin(file: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  await rm(file);
  return true;
}

/** The running local system (`pnpm start`), as DATA_DIR/local-system.json describes it. */
export function localSystem(env: Environment, cwd: string): { url?: string; apiKey?: string } | undefined {
  const file = path.join(path.resolve(cwd, env.DATA_DIR ?? '.data'), 'local-system.json');
  if (!existsSync(file)) return undefined;
  try {
    const runtime = JSON.parse(readFileSync(file, 'utf8')) as { url?: string; admin?: { api_key?: string } };
    return { ...(runtime.url ? { url: runtime.url } : {}), ...(runtime.admin?.api_key ? { apiKey: runtime.admin.api_key } : {}) };
  } catch {
    return undefined;
  }
}

export interface Connection {
  url: string;
  apiKey: string | undefined;
  /** Where each came from, for `whoami` and for error messages. */
  source: string;
}

/**
 * Where to connect and with which key, first found wins: --url/--key, CLOSECROSS_URL and
 * CLOSECROSS_API_KEY, the saved login, then the running local system of this folder (its admin key).
 */
export function resolveConnection(flags: { url?: string | undefined; key?: string | undefined }, env: Environment, cwd: string): Connection | undefined {
  const saved = readSavedLogin(configFile(env));
  const local = localSystem(env, cwd);
  const url = flags.url ?? env.CLOSECROSS_URL ?? saved?.url ?? local?.url;
  if (!url) return undefined;
  const sameAs = (other: string | undefined) => other !== undefined && other.replace(/\/+$/, '') === url.replace(/\/+$/, '');
  // A saved or local key is only sent to the server it belongs to.
  const apiKey = flags.key ?? env.CLOSECROSS_API_KEY ?? (sameAs(saved?.url) ? saved?.api_key : undefined) ?? (sameAs(local?.url) ? local?.apiKey : undefined);
  const source = flags.url
    ? '--url'
    : env.CLOSECROSS_URL
      ? 'CLOSECROSS_URL'
      : saved?.url
        ? configFile(env)
        : 'the running local system (DATA_DIR/local-system.json)';
  return { url, apiKey, source };
}
