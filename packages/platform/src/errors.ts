import { STATUS_CODES } from 'node:http';
import { Type } from '@sinclair/typebox';
import { logEvents } from './logger.ts';
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

/** What a caller is told to wait when the database does not answer: a restart or failover takes seconds. */
export const databaseRetryAfterSeconds = 5;

// Node's socket errors: nothing listens, the peer went away, the name does not resolve (yet).
const unreachableSocketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// SQLSTATEs of a server that is going, gone or full: 08xxx connection exceptions, admin_shutdown,
// crash_shutdown, cannot_connect_now (starting or stopping), too_many_connections.
const unavailableSqlStates = new Set(['57P01', '57P02', '57P03', '53300']);
// pg's own words for a connection it lost, could not make, or gave up waiting on.
const unreachableMessages = [/^Connection terminated/, /timeout exceeded when trying to connect/, /^Query read timeout$/, /is not queryable/];

function unavailabilityOf(error: unknown, depth: number): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (unreachableSocketCodes.has(code) || unavailableSqlStates.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return 'the database is not reachable';
    // 57014 query_canceled: nothing of ours cancels statements but statement_timeout.
    if (code === '57014') return 'the database took too long to answer';
  }
  if (typeof message === 'string' && unreachableMessages.some((pattern) => pattern.test(message))) return 'the database is not reachable';
  // Node reports a refused connection to every address of a host as one AggregateError.
  for (const inner of (error as { errors?: unknown }).errors instanceof Array ? (error as { errors: unknown[] }).errors : []) {
    const found = unavailabilityOf(inner, depth + 1);
    if (found) return found;
  }
  return unavailabilityOf((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * The one place a lost or unreachable database becomes an answer: a connection-level pg or socket
 * error (refused, reset, server shutting down or starting, 08xxx, a connect or statement timeout)
 * is an UnavailableError with Retry-After; anything else (a constraint, bad SQL) answers undefined
 * and stays what it is. Domain code keeps throwing its typed errors and never needs this.
 */
export function databaseUnavailable(error: unknown): UnavailableError | undefined {
  if (error instanceof DomainError) return undefined;
  const reason = unavailabilityOf(error, 0);
  return reason === undefined
    ? undefined
    : new UnavailableError(`${reason}; try again in ${databaseRetryAfterSeconds} s`, { retryAfterSeconds: databaseRetryAfterSeconds, cause: error });
}

export const badRequest = (message: string) => new InvalidInputError(message);
export const notFound = (message: string) => new NotFoundError(message);
export const conflict = (message: string) => new ConflictError(message);
export const unprocessable = (message: string) => new UnprocessableError(message);

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

export function installErrorContract(app: FastifyInstance): void {
  app.setErrorHandler((raised: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const error: FastifyError | DomainError = databaseUnavailable(raised) ?? raised;
    const statusCode = statusOf(error);
    const retryAfter = error instanceof DomainError ? error.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
    if (statusCode >= 500) {
      if (error !== raised)
        request.log.warn({ event: logEvents.databaseUnavailable, err: raised, method: request.method, url: request.url }, 'database unavailable');
      else request.log.error({ err: error, method: request.method, url: request.url }, 'request failed');
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
