import type { FastifyInstance } from 'fastify';

/** What a request may send unless its route says more: the API's small JSON bodies fit many times over. */
export const smallBodyLimitBytes = 1024 * 1024;

/**
 * Every route registered in `app` after this call takes bodies up to `bytes` unless it sets its
 * own `bodyLimit`: a 60 MB body sent to a route that needs 1 KB is a 413 before it is parsed.
 */
export function smallBodiesByDefault(app: FastifyInstance, bytes = smallBodyLimitBytes): void {
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= bytes;
  });
}
