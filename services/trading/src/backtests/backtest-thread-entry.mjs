// Entry of a backtest thread: the engine and strategies are TypeScript, so the thread registers tsx first.
import { register } from 'tsx/esm/api';

register();
await import('./backtest-thread.ts');
