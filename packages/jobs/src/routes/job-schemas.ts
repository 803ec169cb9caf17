import { defaulted } from '@closecross/platform';
import { Type, type TNull, type TSchema, type TUnion } from '@sinclair/typebox';
import type { JobKindSchemas } from '../job-kinds.ts';
import { JsonObject } from '../json-value.ts';
import { jobStatuses } from '../job-store.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const JobStatusSchema = Type.Union(jobStatuses.map((status) => Type.Literal(status)));

/** The fields of a job view that are the same for every kind, in the order the store reads them (before and after what it was asked and answered). */
const jobProgressFields = {
  status: JobStatusSchema,
  stage: Type.String({ description: 'what the job is doing, in words' }),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
};
const jobStateFields = {
  error: Nullable(Type.String()),
  attempts: Type.Integer({ description: 'attempts started so far (a retry or a takeover adds one)' }),
  scope: Type.String({ description: 'the scope that may cancel it (admin always may)' }),
  created_by: Nullable(Type.String()),
  cancel_requested: Type.Boolean(),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
  updated_at: Type.String(),
};

/**
 * The metrics of a kind that writes none: always null. Said as an empty object or null, since a
 * null-only property is dropped by openapi-fetch's answer types.
 */
const NoMetrics = Type.Object({}, { additionalProperties: false, description: 'this kind writes no metrics (null)' });

/** A job of one kind, with that kind's params, result and metrics (a result and metrics are null until it succeeds). */
export function jobViewOf<Kind extends string, P extends TSchema, R extends TSchema, M extends TSchema = TNull>(
  kind: Kind,
  schemas: { params: P; result: R; metrics?: M | undefined },
) {
  return Type.Object(
    {
      id: Type.String({ format: 'uuid' }),
      kind: Type.Literal(kind),
      ...jobProgressFields,
      // `request` is the same as params: the model service's name for what was asked.
      params: schemas.params,
      request: schemas.params,
      metrics: Type.Union([schemas.metrics ?? NoMetrics, Type.Null()]) as TUnion<[M extends TNull ? typeof NoMetrics : M, TNull]>,
      result: Type.Union([schemas.result, Type.Null()]),
      ...jobStateFields,
    },
    { title: `${kind} job` },
  );
}

/** A job of any kind, its params and result unknown: the job routes in a process that defines no kind, and routes outside them that have not stated their kind's view. */
export const JobViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.String({ description: 'train, inference, risk-analysis, …' }),
  ...jobProgressFields,
  params: Type.Any({ description: 'what was asked' }),
  request: Type.Any({ description: 'the same as params (the model service’s name for it)' }),
  metrics: Type.Any(),
  result: Type.Any(),
  ...jobStateFields,
});

/**
 * A job as the job routes answer it: one shape per kind defined in this process, told apart by
 * `kind` (a client's generated types narrow `result` by it); the generic view when the process
 * defines none (a task that only serves the API).
 */
export function jobViewSchemaFor(kinds: ReadonlyMap<string, JobKindSchemas | undefined>): TSchema {
  if (kinds.size === 0) return JobViewSchema;
  return Type.Union(
    [...kinds].map(([kind, schemas]) => (schemas ? jobViewOf(kind, schemas) : undeclaredJobViewOf(kind))),
    { description: 'a job; its params, result and metrics by its kind' },
  );
}

/** A job of a kind defined without schemas: its params, result and metrics unknown, and said so. */
function undeclaredJobViewOf(kind: string) {
  return Type.Object(
    {
      id: Type.String({ format: 'uuid' }),
      kind: Type.Literal(kind),
      ...jobProgressFields,
      params: Type.Unknown({ description: 'what was asked (this kind declares no params schema)' }),
      request: Type.Unknown({ description: 'the same as params (this kind declares no params schema)' }),
      metrics: Type.Unknown({ description: 'this kind declares no metrics schema' }),
      result: Type.Unknown({ description: 'this kind declares no result schema' }),
      ...jobStateFields,
    },
    { title: `${kind} job` },
  );
}
export const QueueViewSchema = Type.Object({
  kind: Type.String(),
  queued: Type.Integer(),
  running: Type.Integer(),
  drain_per_second: Type.Number({ description: 'jobs finished per second over the last five minutes' }),
  max_queued: Type.Integer({ description: 'queued jobs the kind may hold; past it enqueue answers 429' }),
  max_queued_per_caller: Type.Integer({ description: 'queued jobs of the kind one caller may hold' }),
  oldest_queued_at: Nullable(Type.String()),
});

export const ScheduleName = Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$', description: 'letters, digits, . _ -' });

export const ScheduleBody = Type.Object({
  kind: Type.String({ pattern: '^[\\w.-]{1,100}$', description: 'the job kind it enqueues (runs on the tasks that define it)' }),
  cron: Type.String({ minLength: 1, maxLength: 200, description: '5 fields (minute hour day month weekday) or 6 (seconds first)' }),
  timezone: defaulted(Type.String({ default: 'UTC', maxLength: 100, description: 'IANA zone the cron reads in, e.g. America/New_York' })),
  trading_days_only: defaulted(Type.Boolean({ default: false, description: 'skip ticks whose local day is not an NYSE trading day' })),
  params: defaulted(JsonObject({ default: {}, description: 'the params of each job it enqueues' })),
  enabled: defaulted(Type.Boolean({ default: true })),
});

export const ScheduleViewSchema = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  cron: Type.String(),
  timezone: Type.String(),
  trading_days_only: Type.Boolean(),
  params: JsonObject({ description: 'the params of each job it enqueues' }),
  enabled: Type.Boolean(),
  last_tick: Nullable(Type.String({ description: 'the last tick fired' })),
  next_run: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
