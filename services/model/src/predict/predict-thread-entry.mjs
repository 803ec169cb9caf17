// Entry of the predict thread: the thread code is TypeScript, so the thread registers tsx first.
// It runs below the event loop's priority (and so do the threads XGBoost starts from it), so a
// prediction of 20,000 rows leaves the CPU to /health first.
import { register } from 'tsx/esm/api';

register();
const { runBelowTheEventLoop } = await import('@closecross/platform/background-thread');
runBelowTheEventLoop();
await import('./predict-thread.ts');
