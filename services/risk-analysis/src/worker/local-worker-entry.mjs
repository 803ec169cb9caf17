// One VaR worker started by the local ECS stand-in (the ecs backend on `pnpm start`): the real
// worker entry, server.ts, in a process of its own that leaves with its parent.
import { register } from 'tsx/esm/api';

register();
process.on('disconnect', () => process.exit(0));
await import('./server.ts');
