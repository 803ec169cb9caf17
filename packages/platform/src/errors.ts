import { STATUS_CODES } from 'node:http';
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The one error body every service answers with. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** The same body as a schema, for every route's 4xx/5xx responses in the OpenAPI document. */
export const ErrorResponse = Type.Object(
  { statusCode: Type.Integer(), error: Type.String(), message: Type.String() },
  { description: 'The error contract of every Closecross service' },
);

/**
 * What domain code throws: a failure whose message is safe and useful to show the caller. Domain
 * code says what went wrong; the platform alone decides the HTTP status (see `statusOf`).
 */
export abstract class DomainError extends Error {
  /** Seconds the caller should wait before trying again, where that is known. */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The request itself is wrong: a field, a range, a shape. */
export class InvalidInputError extends DomainError {}
/** No credentials, or credentials that are not (or no longer) valid. */
export class UnauthenticatedError extends DomainError {}
/** Valid credentials without the permission the action needs. */
export class ForbiddenError extends DomainError {}
/** The thing asked for does not exist. */
export class NotFoundError extends DomainError {}
/** The action conflicts with the current state (out of order, taken, already done differently). */
export class ConflictError extends DomainError {}
/** Well-formed, but the data it applies to cannot give an answer (no signals in a window, say). */
export class UnprocessableError extends DomainError {}
/** The caller asks too often or too much; try later. */
export class TooManyRequestsError extends DomainError {}
/** A dependency (database, broker, provider) is not answering; try later. */
export class UnavailableError extends DomainError {}

const statusByError: ReadonlyArray<readonly [abstract new (...args: any[]) => DomainError, number]> = [
  [InvalidInputError, 400],
  [UnauthenticatedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [UnprocessableError, 422],
  [TooManyRequestsError, 429],
  [UnavailableError, 503],
];

/** The HTTP status of an error: typed domain errors by their kind, Fastify's own by their code. */
export function statusOf(error: unknown): number {
  for (const [type, status] of statusByError) if (error instanceof type) return status;
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
}

export const badRequest = (message: string) => new InvalidInputError(message);
export const notFound = (message: string) => new NotFoundError(message);
export const conflict = (message: string) => new ConflictError(message);
export const unprocessable = (message: string) => new UnprocessableError(message);

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

export function installErrorContract(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const statusCode = statusOf(error);
    const retryAfter = error instanceof DomainError ? error.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
    if (statusCode >= 500) {
      request.log.error({ err: error, method: request.method, url: request.url }, 'request failed');
      // Internals (SQL, stack, file paths) stay in the log; a 503 says only what is unavailable.
      const message = error instanceof UnavailableError ? error.message : (STATUS_CODES[statusCode] ?? 'Internal Server Error');
      return reply.status(statusCode).send(errorBody(statusCode, message));
    }
    request.log.info({ statusCode, message: error.message }, 'request rejected');
    return reply.status(statusCode).send(errorBody(statusCode, error.message));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody(404, `No route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
