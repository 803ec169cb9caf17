import { ClosecrossApiError, ClosecrossJobError } from '@closecross/client';

/** What the CLI's exit status means, for scripts (docs/cli.md lists them). */
export const exitCodes = {
  ok: 0,
  /** The API refused the request (a 4xx not listed below) or failed (5xx). */
  failed: 1,
  /** Wrong use of the command line: a missing or bad argument. */
  usage: 2,
  /** No credentials, or not allowed (401, 403). */
  unauthorised: 3,
  /** What was asked for does not exist (404). */
  notFound: 4,
  /** The request conflicts with the current state, or the data cannot answer it (409, 422). */
  conflict: 5,
  /** Try later: rate limited or unavailable after the client's retries (429, 503). */
  tryLater: 6,
  /** The server could not be reached. */
  unreachable: 7,
  /** A job (training, inference, backtest, analysis) ended failed or cancelled. */
  jobFailed: 8,
  /** The server has no such route (an older server). */
  notAvailable: 9,
  /** The user did not confirm a dangerous command. */
  notConfirmed: 10,
} as const;

/** A failure the CLI explains in its own words, with the exit status it means. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof ClosecrossJobError) return exitCodes.jobFailed;
  if (error instanceof ClosecrossApiError) {
    if (error.status === 401 || error.status === 403) return exitCodes.unauthorised;
    if (error.status === 404) return exitCodes.notFound;
    if (error.status === 409 || error.status === 422) return exitCodes.conflict;
    if (error.status === 429 || error.status === 503) return exitCodes.tryLater;
    return exitCodes.failed;
  }
  if (isUnreachable(error)) return exitCodes.unreachable;
  return exitCodes.failed;
}

/** fetch's TypeError('fetch failed') with the socket's code as its cause. */
export function isUnreachable(error: unknown): boolean {
  return error instanceof TypeError && /fetch failed/.test(error.message);
}
