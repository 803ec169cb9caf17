import { defaulted } from '@closecross/platform';
import { Type } from '@sinclair/typebox';
import { jobStatuses } from '../job-store.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const JobStatusSchema = Type.Union(jobStatuses.map((status) => Type.Literal(status)));

export const JobViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.String({ description: 'train, inference, risk-analysis, …' }),
  status: JobStatusSchema,
  stage: Type.String({ description: 'what the job is doing, in words' }),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  params: Type.Any({ description: 'what was asked' }),
  request: Type.Any({ description: 'the same as params (the model service’s name for it)' }),
  metrics: Type.Any(),
  result: Type.Any(),
  error: Nullable(Type.String()),
  attempts: Type.Integer({ description: 'attempts started so far (a retry or a takeover adds one)' }),
  scope: Type.String({ description: 'the scope that may cancel it (admin always may)' }),
  created_by: Nullable(Type.String()),
  cancel_requested: Type.Boolean(),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
  updated_at: Type.String(),
});

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
  params: defaulted(Type.Record(Type.String(), Type.Any(), { default: {}, description: 'the params of each job it enqueues' })),
  enabled: defaulted(Type.Boolean({ default: true })),
});

export const ScheduleViewSchema = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  cron: Type.String(),
  timezone: Type.String(),
  trading_days_only: Type.Boolean(),
  params: Type.Any(),
  enabled: Type.Boolean(),
  last_tick: Nullable(Type.String({ description: 'the last tick fired' })),
  next_run: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
