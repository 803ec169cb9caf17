import { systemClock, type Clock } from '@closecross/engine';
import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import type { AdmissionBounds } from './queue-admission.ts';
import { jobsRoutes } from './routes/jobs-routes.ts';
import { schedulesRoutes } from './routes/schedules-routes.ts';

export interface JobsModuleOptions extends ServiceContext {
  /** How often followed jobs are read for `GET /jobs/{id}/events`. */
  eventPollMs?: number;
  /** The bounds shown by GET /jobs/queues; JOB_MAX_QUEUED_PER_KIND and _PER_CALLER when absent. */
  admission?: AdmissionBounds;
  /** "Now" for schedules' next runs; the system clock unless a test pins one. */
  clock?: Clock;
}

const jobsPlugin: FastifyPluginAsync<JobsModuleOptions> = async (app, options) => {
  await app.register(
    jobsRoutes({
      pool: options.pool,
      ...(options.eventPollMs ? { eventPollMs: options.eventPollMs } : {}),
      ...(options.admission ? { admission: options.admission } : {}),
    }),
  );
  await app.register(schedulesRoutes({ pool: options.pool, clock: options.clock ?? systemClock }));
};

/**
 * The one job API (`/jobs*`, `/schedules*`), mounted once per process: it reads and writes the
 * job tables only; a kind's handler runs where an engine defines that kind.
 */
export const jobsModule: ServiceModule<JobsModuleOptions> = { name: 'jobs', plugin: jobsPlugin };
export const jobsModuleWith = (options: Omit<JobsModuleOptions, 'pool'>): ServiceModule<JobsModuleOptions> => ({ ...jobsModule, options });
