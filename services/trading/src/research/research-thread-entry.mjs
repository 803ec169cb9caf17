// Entry of a research thread: the engine and strategies are TypeScript, so the thread registers tsx first.
import { register } from 'tsx/esm/api';

register();
await import('./research-thread.ts');
