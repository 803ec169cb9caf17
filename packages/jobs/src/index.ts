export {
  JobEngine,
  defaultLeaseSeconds,
  type JobContext,
  type JobDefinition,
  type DeclaredJobDefinition,
  type JobErrorWords,
  type FailedJob,
  type JobEngineOptions,
  type JobLogger,
  type JobOutcome,
  type EnqueueOptions,
} from './job-engine.ts';
export { JobInputError } from './job-errors.ts';
export { prepared } from './prepared-statements.ts';
export { jobsChannel, parseJobNotice, type JobNotice } from './job-notifications.ts';
export { JobStore, jobStatuses, finishedStatuses, type JobStatus, type JobView } from './job-store.ts';
export { jobsModule, jobsModuleWith, type JobsModuleOptions } from './jobs-module.ts';
export { JobViewSchema, jobViewOf, jobViewSchemaFor } from './routes/job-schemas.ts';
export { definedJobKinds, type JobKindSchemas } from './job-kinds.ts';
export { JsonObject, JsonValue, JsonValueUpTo, jsonDepth } from './json-value.ts';
export { isNyseTradingDay, nyseHolidays } from './schedules/trading-calendar.ts';
export { assertValidTiming, nextTicks, type ScheduleTiming } from './schedules/cron-schedule.ts';
export { ScheduleStore, type ScheduleInput, type ScheduleView } from './schedules/schedule-store.ts';
export {
  admissionBoundsFrom,
  jobAdmissionSpec,
  QueueFullError,
  queueMetricsText,
  queueViews,
  type AdmissionBounds,
  type QueueFullDetails,
  type QueueView,
} from './queue-admission.ts';
