import { NotFoundError, type ServiceModule } from '@closecross/platform';

/** Browsers list text/html in Accept; API clients (curl's * / *, fetch's defaults, SDKs) do not. */
const asksForHtml = (accept: string | undefined) => /(^|[\s,])text\/html($|[\s,;])/i.test(accept ?? '');

/**
 * `/` of the local system: a browser is sent to the dashboard (/app). Anyone else keeps the
 * answer they had: 401 without a credential (the route needs one), 404 with one.
 */
export const browserEntryModule: ServiceModule = {
  name: 'browser-entry',
  plugin: async (app) => {
    app.get(
      '/',
      {
        schema: { hide: true },
        config: { scope: 'authenticated' },
        // Route-level onRequest runs before the sign-in check (preParsing), so the redirect needs no credential.
        onRequest: async (request, reply) => {
          if (asksForHtml(request.headers.accept)) return reply.redirect('/app', 302);
        },
      },
      async () => {
        throw new NotFoundError('nothing is served at /: the dashboard is at /app, the API and its documentation at /docs');
      },
    );
  },
};
