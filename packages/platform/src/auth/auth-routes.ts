import { defaulted } from '../defaulted.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Pool } from 'pg';
import { ErrorResponse, InvalidInputError, TooManyRequestsError, UnauthenticatedError } from '../errors.ts';
import { pageAudit } from './audit-log.ts';
import type { AuthServices } from './authentication.ts';
import { roles, roleScopes, scopes, type Role, type Scope } from './scopes.ts';
import { sessionCookie } from './sessions.ts';

const ScopeName = Type.Union(scopes.map((scope) => Type.Literal(scope)));
const RoleName = Type.Union(roles.map((role) => Type.Literal(role)));
const Timestamp = Type.Union([Type.String(), Type.Null()]);
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse };

const KeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'the first characters of the key, to tell keys apart' }),
  scopes: Type.Array(ScopeName),
  created_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  last_used_at: Timestamp,
  expires_at: Timestamp,
  revoked_at: Timestamp,
});
const UserView = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: RoleName,
  created_at: Type.String(),
  last_login_at: Timestamp,
  locked_until: Timestamp,
  disabled: Type.Boolean(),
});
const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const Me = Type.Object({
  kind: Type.String({ description: 'key, session or local (auth switched off)' }),
  id: Type.String(),
  name: Type.String(),
  role: Type.Optional(RoleName),
  scopes: Type.Array(ScopeName),
  csrf_token: Type.Optional(Type.String({ description: 'sessions only: echo it in x-csrf-token on every write' })),
});

export interface AuthRouteSettings {
  cookieSecure: boolean;
  signInPerMinute: number;
  sessionTtlMs: number;
  enabled: boolean;
}

/** /auth (sign-in, keys, users) and /audit: the platform's own routes, on every service with a database. */
export function authRoutes(services: AuthServices, pool: Pool, settings: AuthRouteSettings): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/auth/login',
      {
        config: { scope: 'public', rateLimit: { max: settings.signInPerMinute, timeWindow: 60_000, keyGenerator: (request) => `sign-in:${request.ip}` } },
        schema: {
          tags: ['auth'],
          summary: 'Sign in with a username and password: sets the session cookie, answers the CSRF token for writes',
          body: Type.Object({ username: Username, password: Password }, { additionalProperties: false }),
          response: { 200: Type.Intersect([Me, Type.Object({ expires_at: Type.String() })]), ...errors },
        },
      },
      async (request, reply) => {
        const outcome = await services.users.signIn(request.body.username, request.body.password);
        if (!outcome.ok) {
          request.log.warn({ event: 'sign_in_refused', username: request.body.username, reason: outcome.reason }, 'sign-in refused');
          if (outcome.reason === 'locked') {
            throw new TooManyRequestsError(`account locked after repeated wrong passwords; try again in ${outcome.retryAfterSeconds} s`, {
              retryAfterSeconds: outcome.retryAfterSeconds ?? 60,
            });
          }
          throw new UnauthenticatedError('wrong username or password');
        }
        const session = await services.sessions.create(outcome.user.id);
        reply.setCookie(sessionCookie, session.token, {
          httpOnly: true,
          secure: settings.cookieSecure,
          sameSite: 'strict',
          path: '/',
          expires: session.expiresAt,
        });
        const user = outcome.user;
        return {
          kind: 'session',
          id: user.id,
          name: user.username,
          role: user.role,
          scopes: [...new Set(roleScopesOf(user.role))],
          csrf_token: session.csrfToken,
          expires_at: session.expiresAt.toISOString(),
        };
      },
    );

    app.post(
      '/auth/logout',
      {
        config: { scope: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'End this session and clear its cookie',
          response: { 200: Type.Object({ result: Type.Literal('signed out') }), ...errors },
        },
      },
      async (request, reply) => {
        const token = request.cookies[sessionCookie];
        if (token) await services.sessions.end(token);
        reply.clearCookie(sessionCookie, { path: '/' });
        return { result: 'signed out' as const };
      },
    );

    app.get(
      '/auth/me',
      {
        config: { scope: 'authenticated' },
        schema: { tags: ['auth'], summary: 'Who is calling: key or user, role, scopes (and, for a session, its CSRF token)', response: { 200: Me, ...errors } },
      },
      async (request) => {
        const principal = request.principal!;
        return {
          kind: principal.kind,
          id: principal.id,
          name: principal.name,
          ...(principal.role ? { role: principal.role as Role } : {}),
          scopes: [...principal.scopes],
          ...(principal.csrfToken ? { csrf_token: principal.csrfToken } : {}),
        };
      },
    );

    app.post(
      '/auth/keys',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['auth'],
          summary: 'Create an API key; the answer is the only time the key is shown',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9 ._@:-]+$' }),
              scopes: Type.Array(ScopeName, { minItems: 1, maxItems: scopes.length, uniqueItems: true }),
              expires_at: Type.Optional(Type.String({ format: 'date-time', description: 'the key stops working then' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Intersect([KeyView, Type.Object({ key: Type.String() })]), ...errors },
        },
      },
      async (request, reply) => {
        const expiresAt = request.body.expires_at === undefined ? undefined : new Date(request.body.expires_at);
        if (expiresAt && !(expiresAt.getTime() > Date.now() && expiresAt.getFullYear() < 10_000)) {
          throw new InvalidInputError('body/expires_at must be a time in the future');
        }
        await services.keys.assertNameFree(request.body.name);
        const created = await services.keys.create({
          name: request.body.name,
          scopes: request.body.scopes as Scope[],
          expiresAt,
          createdBy: request.principal?.name,
        });
        return reply.status(201).send(created);
      },
    );

    app.get(
      '/auth/keys',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['auth'],
          summary: 'API keys (never the keys themselves): name, scopes, created, last used, expiry, revocation',
          querystring: Type.Object({ include_revoked: defaulted(Type.Boolean({ default: false })) }),
          response: { 200: Type.Object({ keys: Type.Array(KeyView) }), ...errors },
        },
      },
      async (request) => ({ keys: await services.keys.list({ includeRevoked: request.query.include_revoked }) }),
    );

    app.delete(
      '/auth/keys/:id',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['auth'],
          summary: 'Revoke an API key (at once on this task, within 5 s on the others)',
          params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
          response: { 200: KeyView, ...errors },
        },
      },
      async (request) => services.keys.revoke(request.params.id),
    );

    app.post(
      '/auth/users',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['auth'],
          summary: 'Create a dashboard user with a role (viewer, trader, analyst, admin)',
          body: Type.Object({ username: Username, password: Password, role: RoleName }, { additionalProperties: false }),
          response: { 201: UserView, ...errors },
        },
      },
      async (request, reply) => reply.status(201).send(await services.users.create(request.body)),
    );

    app.get(
      '/auth/users',
      {
        config: { scope: 'admin' },
        schema: { tags: ['auth'], summary: 'Dashboard users and their roles', response: { 200: Type.Object({ users: Type.Array(UserView) }), ...errors } },
      },
      async () => ({ users: await services.users.list() }),
    );

    app.patch(
      '/auth/users/:username',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['auth'],
          summary: "Change a user's role or password, or disable them (which ends their sessions)",
          params: Type.Object({ username: Username }),
          body: Type.Object(
            { role: Type.Optional(RoleName), password: Type.Optional(Password), disabled: Type.Optional(Type.Boolean()) },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 200: UserView, ...errors },
        },
      },
      async (request) => services.users.update(request.params.username, request.body),
    );

    const AuditEntry = Type.Object({
      id: Type.Number(),
      at: Type.String(),
      actor_kind: Type.String(),
      actor_id: Type.Union([Type.String(), Type.Null()]),
      actor_name: Type.Union([Type.String(), Type.Null()]),
      method: Type.String(),
      route: Type.String(),
      path: Type.String(),
      status: Type.Integer(),
      request_id: Type.String(),
      address: Type.Union([Type.String(), Type.Null()]),
    });
    app.get(
      '/audit',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['auth'],
          summary: 'Every write request (allowed or refused), newest first; page with before_id',
          querystring: Type.Object({
            before_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
            limit: defaulted(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            actor: Type.Optional(Type.String({ maxLength: 100 })),
            method: Type.Optional(Type.Union(['POST', 'PUT', 'PATCH', 'DELETE'].map((method) => Type.Literal(method)))),
            route: Type.Optional(Type.String({ maxLength: 300 })),
          }),
          response: { 200: Type.Object({ entries: Type.Array(AuditEntry), next_before_id: Type.Union([Type.Number(), Type.Null()]) }), ...errors },
        },
      },
      async (request) => pageAudit(pool, request.query),
    );
  };
}

function roleScopesOf(role: Role): Scope[] {
  return [...(roleScopes[role] as readonly Scope[])];
}
