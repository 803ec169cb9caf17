// Entry of a training thread: the thread code is TypeScript, so the thread registers tsx first.
// Unlike the predict and risk compute threads it keeps its priority: a nice value counts against
// every process of the host, and on a shared machine a lowered training (a job, with no one
// waiting on an answer) took over 60 s instead of 24 s.
import { register } from 'tsx/esm/api';

register();
await import('./training-thread.ts');
