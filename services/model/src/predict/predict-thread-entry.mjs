// Entry of the predict thread: the thread code is TypeScript, so the thread registers tsx first.
import { register } from 'tsx/esm/api';

register();
await import('./predict-thread.ts');
