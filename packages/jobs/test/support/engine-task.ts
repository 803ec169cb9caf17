/**
 * A task running the engine with one slow kind, for the takeover test: it reports `working`,
 * then runs far longer than the test waits, so only a kill ends it.
 */
import { createPool } from '@closecross/platform';
import { JobEngine } from '../../src/index.ts';

const pool = createPool({ connectionString: process.env.DATABASE_URL!, max: 4 });
const engine = new JobEngine({ pool, log: { info: () => {}, warn: () => {}, error: (object, message) => console.error(message, object) } });
engine.define('slow', {
  retryLimit: 2,
  handler: async ({ report, signal }) => {
    report('working', 0.1);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 600_000);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return { result: { by: 'the task that was killed' } };
  },
});
await engine.start();
if (process.env.ENQUEUE) console.log(`job ${await engine.enqueue('slow', { started: 'in the child' })}`);
setInterval(() => {}, 60_000);
