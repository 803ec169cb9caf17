/**
 * A failure a handler reports as it is (bad input, missing data): the job fails at once, with
 * this message, and is not retried. Anything else a handler throws is retried with backoff.
 */
export class JobInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobInputError';
  }
}
