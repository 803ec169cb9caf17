import type { Clock } from '@closecross/engine';
import { ErrorResponse, NotFoundError, defaulted } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Pool } from 'pg';
import { assertValidTiming, nextTicks } from '../schedules/cron-schedule.ts';
import { ScheduleStore } from '../schedules/schedule-store.ts';
import { ScheduleBody, ScheduleName, ScheduleViewSchema } from './job-schemas.ts';

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const ByName = Type.Object({ name: ScheduleName });

/** Schedules: a cron in a time zone (optionally NYSE trading days only) that enqueues a job of a kind. */
export function schedulesRoutes(options: { pool: Pool; clock: Clock }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const store = new ScheduleStore(options.pool, options.clock);

    app.get(
      '/schedules',
      {
        schema: { tags: ['schedules'], summary: 'Every schedule, by name', response: { 200: Type.Object({ schedules: Type.Array(ScheduleViewSchema) }) } },
        config: { scope: 'read' },
      },
      async () => ({ schedules: await store.list() }),
    );

    app.get(
      '/schedules/:name',
      {
        schema: {
          tags: ['schedules'],
          summary: 'A schedule and its next runs',
          params: ByName,
          querystring: Type.Object({ next: defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 5, description: 'how many next runs' })) }),
          response: { 200: Type.Intersect([ScheduleViewSchema, Type.Object({ next_runs: Type.Array(Type.String()) })]), ...errors },
        },
        config: { scope: 'read' },
      },
      async (request) => {
        const schedule = await store.get(request.params.name);
        if (!schedule) throw new NotFoundError(`schedule ${request.params.name} does not exist`);
        const nextRuns = schedule.enabled ? nextTicks(schedule, options.clock.now(), request.query.next).map((tick) => tick.toISOString()) : [];
        return { ...schedule, next_runs: nextRuns };
      },
    );

    app.put(
      '/schedules/:name',
      {
        schema: {
          tags: ['schedules'],
          summary: 'Create or change a schedule (its next run is computed afresh)',
          params: ByName,
          body: ScheduleBody,
          response: { 200: ScheduleViewSchema, 201: ScheduleViewSchema, ...errors },
        },
        config: { scope: 'admin' },
      },
      async (request, reply) => {
        const body = request.body;
        assertValidTiming(body);
        const { schedule, created } = await store.put(request.params.name, body);
        return reply.status(created ? 201 : 200).send(schedule);
      },
    );

    app.delete(
      '/schedules/:name',
      {
        schema: { tags: ['schedules'], summary: 'Delete a schedule (jobs it queued stay)', params: ByName, response: { 204: Type.Null(), ...errors } },
        config: { scope: 'admin' },
      },
      async (request, reply) => {
        if (!(await store.remove(request.params.name))) throw new NotFoundError(`schedule ${request.params.name} does not exist`);
        return reply.status(204).send(null);
      },
    );
  };
}
