// Entry of a local-backend thread: the thread code is TypeScript, so the thread registers tsx
// first (the main thread's loader does not carry over into worker threads).
import { register } from 'tsx/esm/api';

register();
await import('./var-thread.ts');
