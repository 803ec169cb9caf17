import { JobInputError } from '@closecross/jobs';
import { databaseUnavailable, DomainError } from '@closecross/platform';
import { ArtifactStoreUnavailableError } from './model-jobs.ts';

/**
 * A native message without what only helps an attacker or confuses a client: XGBoost's
 * `[08:10:11] /workspace/src/learner.cc:742:` prefixes, any absolute path, and its stack trace.
 */
export function reasonWithoutInternals(message: string): string {
  return message
    .split(/Stack trace:/)[0]!
    .replace(/\[\d{2}:\d{2}:\d{2}\]/g, '')
    .replace(/(?:[A-Za-z]:)?(?:[\\/][^\s:'"\\/]+){2,}[\\/]?(?::\d+)*:?/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/**
 * What a failed job shows its client (GET /jobs, its `error`): our own errors as they are, every
 * other failure said in our words. The original stays the cause, so the engine's log line keeps
 * the native trace and the local paths; the job row never holds them.
 */
export function inOurWords(error: unknown, kind: string, jobId: string): Error {
  if (error instanceof JobInputError || error instanceof DomainError || error instanceof ArtifactStoreUnavailableError) return error;
  const unavailable = databaseUnavailable(error);
  if (unavailable) return new Error(unavailable.message, { cause: error });
  if ((error as Error | undefined)?.name === 'XGBoostError') {
    // The same input fails the same way: final, with XGBoost's reason and nothing of its internals.
    return new JobInputError(`XGBoost could not ${kind === 'train' ? 'train' : 'predict'}: ${reasonWithoutInternals((error as Error).message)}`, { cause: error });
  }
  return new Error(`the ${kind} job failed on an internal error; the details are in the service log under job ${jobId}`, { cause: error });
}
