import type { ServiceModule } from '@closecross/platform';
import { varWorkerRoutes } from '../routes/var-worker-routes.ts';

export { varWorkerRoutes };

/** The VaR worker as a module of its own: what each ECS worker task runs. */
export const varWorkerService: ServiceModule = { name: 'risk-analysis', plugin: varWorkerRoutes };
