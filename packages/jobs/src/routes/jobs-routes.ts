import { ConflictError, ErrorResponse, ForbiddenError, NotFoundError, openEventStream, defaulted } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { finishedStatuses, JobStore } from '../job-store.ts';
import { admissionBoundsFrom, queueMetricsText, queueViews, type AdmissionBounds } from '../queue-admission.ts';
import { JobEventHub, type JobSnapshot } from './job-event-hub.ts';
import { definedJobKinds } from '../job-kinds.ts';
import { JobStatusSchema, jobViewSchemaFor, QueueViewSchema } from './job-schemas.ts';

const JobId = Type.Object({ id: Type.String({ format: 'uuid' }) });
const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

/**
 * A job's view is sent as the store reads it, not through the per-kind schemas: a job of a kind
 * this process does not define, or a result stored before its kind's schema changed, still answers
 * (the schemas are the contract the OpenAPI document states; the kinds' tests check results against them).
 */
const asStoredJson = () => (payload: unknown) => JSON.stringify(payload);

/** The caller's scopes, when the platform's auth set them (undefined with auth off: all allowed). */
function callerScopes(request: FastifyRequest): ReadonlySet<string> | undefined {
  return (request as { principal?: { scopes: ReadonlySet<string> } }).principal?.scopes;
}

/** GET /jobs, GET /jobs/{id}, its event stream, and cancel: the same for every kind. */
export function jobsRoutes(options: { pool: Pool; eventPollMs?: number; admission?: AdmissionBounds }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const store = new JobStore(options.pool);
    // The same settings every engine reads, so the bounds shown are the ones enforced.
    const admission = options.admission ?? admissionBoundsFrom(process.env);

    app.get(
      '/jobs/queues',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Every queue: jobs queued and running, the drain rate (jobs/s over five minutes) and the bounds past which enqueue answers 429',
          response: { 200: Type.Object({ queues: Type.Array(QueueViewSchema) }), ...errors },
        },
        config: { scope: 'read' },
      },
      async () => ({ queues: await queueViews(options.pool, admission) }),
    );

    app.get(
      '/jobs/metrics',
      {
        schema: { tags: ['jobs'], summary: 'The queues as Prometheus text (closecross_job_queued, _queue_bound, _drain_per_second)' },
        config: { scope: 'read' },
      },
      async (_request, reply) => reply.type('text/plain; version=0.0.4').send(queueMetricsText(await queueViews(options.pool, admission))),
    );
    const hub = new JobEventHub(options.pool, options.eventPollMs);
    // The kinds this process has defined so far (service modules register before the jobs module).
    const JobView = jobViewSchemaFor(definedJobKinds());
    app.addHook('onClose', async () => hub.close());

    app.get(
      '/jobs/:id',
      {
        schema: {
          tags: ['jobs'],
          summary: 'A job of any kind: status, stage, progress 0..1, params, metrics, result, error, attempts',
          params: JobId,
          response: { 200: JobView, ...errors },
        },
        config: { scope: 'read' },
        serializerCompiler: asStoredJson,
      },
      async (request) => {
        const job = await store.get(request.params.id);
        if (!job) throw new NotFoundError(`job ${request.params.id} does not exist`);
        return job;
      },
    );

    app.get(
      '/jobs',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Jobs, newest first, filtered by kind and status',
          querystring: Type.Object({
            kind: Type.Optional(Type.String({ maxLength: 100 })),
            status: Type.Optional(JobStatusSchema),
            limit: defaulted(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          }),
          response: { 200: Type.Object({ jobs: Type.Array(JobView) }), ...errors },
        },
        config: { scope: 'read' },
        serializerCompiler: asStoredJson,
      },
      async (request) => ({ jobs: await store.list(request.query) }),
    );

    app.post(
      '/jobs/:id/cancel',
      {
        schema: {
          tags: ['jobs'],
          summary: "Cancel a job: a queued one never starts, a running one's handler is aborted (needs the kind's scope, or admin)",
          params: JobId,
          response: { 200: JobView, 409: ErrorResponse, ...errors },
        },
        // Reading is enough to reach it; the job's own scope is checked below, once the kind is known.
        config: { scope: 'read' },
        serializerCompiler: asStoredJson,
      },
      async (request) => {
        const job = await store.get(request.params.id);
        if (!job) throw new NotFoundError(`job ${request.params.id} does not exist`);
        const scopes = callerScopes(request);
        if (scopes && !scopes.has(job.scope) && !scopes.has('admin')) throw new ForbiddenError(`cancelling a ${job.kind} job needs scope "${job.scope}"`);
        if (finishedStatuses.includes(job.status)) throw new ConflictError(`job ${job.id} already ${job.status}`);
        return (await store.requestCancel(job.id))!;
      },
    );

    app.get(
      '/jobs/:id/events',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Server-Sent Events: one `job` event per change of status, stage or progress, until the job ends',
          params: JobId,
        },
        config: { scope: 'read' },
      },
      async (request, reply) => {
        const job = await store.get(request.params.id);
        if (!job) throw new NotFoundError(`job ${request.params.id} does not exist`);
        const stream = openEventStream(request, reply);
        let last = '';
        let unfollow = () => {};
        const send = (snapshot: JobSnapshot) => {
          const key = `${snapshot.status}|${snapshot.stage}|${snapshot.progress}`;
          if (key === last || stream.isClosed) return;
          last = key;
          const { id, status, stage, progress, attempts, error } = snapshot;
          stream.send('job', { id, status, stage, progress, attempts, error });
          if (finishedStatuses.includes(status)) {
            unfollow();
            stream.close();
          }
        };
        send(job);
        if (!stream.isClosed) {
          unfollow = hub.follow(job.id, send);
          void stream.closed.then(() => unfollow());
        }
        return reply;
      },
    );
  };
}
