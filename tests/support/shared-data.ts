import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The folder `../shared/<relative>` beside the repository, or undefined when it is not there. */
export function sharedDataPath(relative: string): string | undefined {
  const absolute = fileURLToPath(new URL(`../../../shared/${relative}`, import.meta.url));
  return existsSync(absolute) ? absolute : undefined;
}
