// The bench's one library thread: a compute thread like the local backend's (tsx registered, then
// lowered below the event loop by the same call var-thread-entry.mjs makes), so the library's
// one-thread time and the API's r threads run at the same priority.
import { register } from 'tsx/esm/api';

register();
const { runBelowTheEventLoop } = await import('@closecross/platform/background-thread');
runBelowTheEventLoop();
await import('./library-thread.ts');
