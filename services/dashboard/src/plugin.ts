import { NotFoundError, UnavailableError, type ServiceModule } from '@closecross/platform';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { builtStamp, distDir } from './dashboard-build.ts';
import { loadStaticFiles, type StaticFile } from './static-files.ts';

export interface DashboardOptions {
  /** Where the built app is; dist/ of this package by default (the declaration builds it first when stale). */
  root?: string;
  /** The desk's time zone (IANA): the app shows every time in it, with its label. UTC when not given. */
  timezone?: string;
}

const hidden = { hide: true, tags: ['dashboard'] };

/**
 * The web dashboard: the single-page app under /app. Files are public (the app signs in against
 * /auth like any client); every other path under /app is the app's own route, answered with
 * index.html so a reload or a shared link opens the same page.
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardOptions> = async (app, options) => {
  const root = options.root ?? distDir;
  const files = await loadStaticFiles(root);
  const index = files.get('index.html');
  if (!index) throw new Error(`the dashboard build in ${root} has no index.html`);
  const stamp = (await builtStamp(root)) ?? 'unknown';

  const send = (request: FastifyRequest, reply: FastifyReply, file: StaticFile) => {
    reply.header('content-type', file.contentType);
    reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('vary', 'accept-encoding');
    const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    if (file.gzipped && acceptsGzip) {
      reply.header('content-encoding', 'gzip');
      return reply.send(file.gzipped);
    }
    return reply.send(file.body);
  };

  // Which build this task serves (the hash of its sources): a deploy check, and a tab can tell it is stale.
  app.get(
    '/app/version',
    {
      config: { scope: 'public' },
      schema: { ...hidden, summary: 'The build of the dashboard this task serves', response: { 200: Type.Object({ build: Type.String() }) } },
    },
    async () => ({ build: stamp }),
  );
  // What the app needs before it draws anything: the desk's time zone (public: no secret, and the sign-in page shows times too).
  const timezone = options.timezone ?? 'UTC';
  app.get(
    '/app/config',
    {
      config: { scope: 'public' },
      schema: { ...hidden, summary: "The dashboard's settings: the desk's time zone", response: { 200: Type.Object({ timezone: Type.String() }) } },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return { timezone };
    },
  );
  /**
   * The app's sign-in: the platform's POST /auth/login, answered 200 whether the password was
   * right or not. A wrong password is an answer the page shows, not a failed request: a 401 to
   * fetch() is a console error in every browser, so a person mistyping a password left an error
   * in the console. The platform route does the work (rate limit per address, lockout, audit, the
   * cookie); this forwards its cookie and, for a refusal, its status and message.
   */
  app.post(
    '/app/sign-in',
    {
      config: { scope: 'public' },
      bodyLimit: 4096,
      schema: {
        ...hidden,
        summary: 'Sign in for the dashboard: POST /auth/login, a refusal answered 200 with signed_in false',
        body: Type.Object({ username: Type.String(), password: Type.String() }, { additionalProperties: false }),
        response: {
          200: Type.Union([
            Type.Object({ signed_in: Type.Literal(true), me: Type.Record(Type.String(), Type.Unknown()) }),
            Type.Object({ signed_in: Type.Literal(false), status: Type.Integer(), message: Type.String() }),
          ]),
        },
      },
    },
    async (request, reply) => {
      const answer = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: request.body as object,
        remoteAddress: request.ip,
        headers: { 'content-type': 'application/json', ...(request.headers['user-agent'] ? { 'user-agent': request.headers['user-agent'] } : {}) },
      });
      const body = answer.json() as Record<string, unknown>;
      // The platform's own 5xx (its database unreachable, say) stays a 503 the client retries.
      if (answer.statusCode >= 500)
        throw new UnavailableError(String(body.message ?? 'sign-in is unavailable'), { retryAfterSeconds: Number(answer.headers['retry-after'] ?? 5) || 5 });
      if (answer.statusCode !== 200) {
        if (answer.headers['retry-after']) reply.header('retry-after', answer.headers['retry-after']);
        return { signed_in: false as const, status: answer.statusCode, message: String(body.message ?? 'sign-in refused') };
      }
      const cookie = answer.headers['set-cookie'];
      if (cookie) reply.header('set-cookie', cookie);
      reply.header('cache-control', 'no-store');
      return { signed_in: true as const, me: body };
    },
  );
  app.get('/app', { config: { scope: 'public' }, schema: { ...hidden, summary: 'The dashboard' } }, async (request, reply) => send(request, reply, index));
  app.get(
    '/app/*',
    { config: { scope: 'public' }, schema: { ...hidden, summary: 'The dashboard (its files, and its pages answered with index.html)' } },
    async (request, reply) => {
      const wanted = (request.params as { '*': string })['*'];
      const file = files.get(wanted);
      if (file) return send(request, reply, file);
      // A missing asset is an error, not the app: a stale tab asking for an old chunk must see it fail.
      if (wanted.startsWith('assets/') || /\.[a-z0-9]+$/i.test(wanted)) throw new NotFoundError(`no dashboard file ${wanted}`);
      return send(request, reply, index);
    },
  );
};

export const dashboardServiceWith = (options: DashboardOptions = {}): ServiceModule<any> => ({ name: 'dashboard', plugin: dashboardPlugin, options });
export const dashboardService = dashboardServiceWith();
