import { runService } from '@closecross/platform';
import { varWorkerService } from './worker-plugin.ts';

// The VaR worker task: stateless compute, no migrations (it never writes).
await runService({ name: 'var-worker', modules: [varWorkerService], usesDatabase: false });
