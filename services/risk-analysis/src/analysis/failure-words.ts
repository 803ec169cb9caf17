import { databaseUnavailable, DomainError } from '@closecross/platform';

/**
 * What an analysis that failed tells its client (the job's `error`, the stored analysis): our own
 * errors as they are; a thread's, a Lambda's or a worker's failure (a native trace, a worker's
 * private address) said in our words. The original stays the cause, for the log.
 */
export function analysisFailureInOurWords(error: unknown, service: string, jobId: string): Error {
  if (error instanceof DomainError) return error;
  const unavailable = databaseUnavailable(error);
  if (unavailable) return new Error(unavailable.message, { cause: error });
  return new Error(`the ${service} compute failed while running the analysis; the details are in the service log under ${jobId}`, { cause: error });
}
