import type { FastifyRequest } from 'fastify';

/** The API key a request carries: `Authorization: Bearer <key>`, or `x-api-key: <key>`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : authorization;
  }
  const header = request.headers['x-api-key'];
  const key = Array.isArray(header) ? header[0] : header;
  return key || undefined;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isSafeMethod = (method: string) => safeMethods.has(method);

/** Whether a request changes state: every write, and a safe method its route marks `stateChanging`. */
export const changesState = (request: FastifyRequest) =>
  !isSafeMethod(request.method) || (request.method !== 'OPTIONS' && request.routeOptions.config?.stateChanging === true);
