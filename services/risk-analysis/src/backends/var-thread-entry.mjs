// Entry of a compute thread (the local backend's and the worker routes'): the thread code is
// TypeScript, so the thread registers tsx first (the main thread's loader does not carry over into
// worker threads). It lowers its priority before loading that code, so even its start-up (seconds
// of compiling) yields the CPU to the event loop that answers /health.
import { register } from 'tsx/esm/api';

register();
const { runBelowTheEventLoop } = await import('@closecross/platform/background-thread');
runBelowTheEventLoop();
await import('./var-thread.ts');
