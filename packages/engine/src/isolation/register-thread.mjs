// What every strategy thread registers before it loads a strategy: tsx (strategies are TypeScript),
// then the hook that resolves `@closecross/engine` from any folder (engine-resolve-hooks.mjs).
import { register as registerModuleHooks } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

export function registerStrategyThread() {
  registerTsx();
  registerModuleHooks('./engine-resolve-hooks.mjs', import.meta.url);
}
