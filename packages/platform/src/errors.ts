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

/** An error whose message is safe and useful to show the client. */
export class HttpError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

export function installErrorContract(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const statusCode = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (statusCode >= 500) {
      request.log.error({ err: error, method: request.method, url: request.url }, 'request failed');
      // Internals (SQL, stack, file paths) stay in the log.
      return reply.status(statusCode).send(errorBody(statusCode, STATUS_CODES[statusCode] ?? 'Internal Server Error'));
    }
    request.log.info({ statusCode, message: error.message }, 'request rejected');
    return reply.status(statusCode).send(errorBody(statusCode, error.message));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody(404, `No route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
