// Entry of a strategy thread: strategies are TypeScript and import @closecross/engine from any folder,
// so the thread registers tsx and the engine's resolve hook first.
import { registerStrategyThread } from './register-thread.mjs';

registerStrategyThread();
await import('./strategy-thread.ts');
