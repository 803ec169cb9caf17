// Entry of a research thread: strategies are TypeScript and import @closecross/engine from any folder
// (a STRATEGIES_DIR outside this repository), so the thread registers tsx and the engine's own
// resolve hook (packages/engine/src/isolation/engine-resolve-hooks.mjs) first, as the engine's
// strategy threads do.
import { register as registerModuleHooks } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
registerModuleHooks(new URL('./isolation/engine-resolve-hooks.mjs', import.meta.resolve('@closecross/engine')).href);
await import('./research-thread.ts');
