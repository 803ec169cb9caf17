// Entry of a training thread: the thread code is TypeScript, so the thread registers tsx first.
// It runs below the event loop's priority (and so do XGBoost's threads, started from it), so
// training on every core leaves the CPU to /health first.
import { register } from 'tsx/esm/api';

register();
const { runBelowTheEventLoop } = await import('@closecross/platform/background-thread');
runBelowTheEventLoop();
await import('./training-thread.ts');
