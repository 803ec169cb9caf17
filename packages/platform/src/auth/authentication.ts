import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Clock } from '@closecross/engine';
import type { Pool } from 'pg';
import { ForbiddenError, UnauthenticatedError } from '../errors.ts';
import { ApiKeys } from './api-keys.ts';
import { recordWrites } from './audit-log.ts';
import { authRoutes } from './auth-routes.ts';
import { changesState, presentedKey } from './credentials.ts';
import type { Principal } from './principal.ts';
import { scopes as allScopes, type RouteScope, type Scope } from './scopes.ts';
import { sameSecret } from './secrets.ts';
import { installSecurityHeaders } from './security-headers.ts';
import { sessionCookie, Sessions } from './sessions.ts';
import { Users, type LockoutPolicy } from './users.ts';

export interface AuthSettings {
  /** False: every caller holds every scope. Allowed only for a server that listens on loopback (or never listens: tests). */
  enabled: boolean;
  /** For a service without a database (the VaR worker): the one bearer token it accepts, granting `risk`. */
  serviceToken?: string | undefined;
  corsOrigins?: readonly string[];
  rateLimitPerMinute?: number;
  signInPerMinute?: number;
  lockout?: LockoutPolicy;
  sessionTtlMs?: number;
  /** Send the session cookie with `Secure` (browsers keep Secure cookies from http://localhost too). */
  cookieSecure?: boolean;
  /** What account locks are judged by; the system clock when absent (tests pin it). */
  clock?: Clock;
}

/** Paths open to anyone on every service: probes and the API description. */
const openPaths = [/^\/health$/, /^\/ready$/, /^\/docs(\/.*)?$/];
export const isOpenPlatformPath = (url: string) => openPaths.some((pattern) => pattern.test(url));

/** The scope a route states, checked when the route is registered. */
function declaredScope(route: RouteOptions): RouteScope | undefined {
  return (route.config as { scope?: RouteScope } | undefined)?.scope;
}

const allScopeSet: ReadonlySet<Scope> = new Set(allScopes);
const localPrincipal: Principal = { kind: 'local', id: 'local', name: 'auth disabled', scopes: allScopeSet };

/** Every route must say what it needs; a route that does not stops the service from starting. */
function requireDeclaredScopes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    // CORS preflights carry no credentials by design; they only say what the real request may do.
    if (isOpenPlatformPath(route.url) || route.method === 'OPTIONS') {
      route.config = { ...(route.config as object), scope: 'public' } as typeof route.config;
      return;
    }
    const scope = declaredScope(route);
    if (!scope)
      throw new Error(`${route.method} ${route.url} declares no scope: add config: { scope } (one of ${allScopes.join(', ')}, 'authenticated' or 'public')`);
    // The OpenAPI document shows each route's scope and the ways to authenticate.
    const schema = (route.schema ??= {}) as Record<string, unknown>;
    if (scope !== 'public') {
      schema.security = [{ bearerAuth: [] }, { apiKeyHeader: [] }, { sessionCookie: [] }];
      const need = scope === 'authenticated' ? 'any valid credential' : `scope \`${scope}\``;
      const csrf = (route.config as { stateChanging?: boolean } | undefined)?.stateChanging
        ? ' Changes state: with a session cookie, send x-csrf-token too.'
        : '';
      schema.description = `${schema.description ? `${String(schema.description)}\n\n` : ''}Requires ${need}.${csrf}`;
    }
  });
}

export interface AuthServices {
  keys: ApiKeys;
  users: Users;
  sessions: Sessions;
}

/**
 * Sign-in and permissions for one service: who is calling (API key, session cookie), whether the
 * route's scope allows it, CSRF on cookie writes, rate limits, security headers, CORS and the
 * audit of writes. Hooks are ordered so a caller is known before it is rate-limited, and refused
 * before its body is parsed.
 */
export async function installAuthentication(app: FastifyInstance, settings: AuthSettings, pool: Pool | undefined): Promise<AuthServices | undefined> {
  const rateLimitPerMinute = settings.rateLimitPerMinute ?? 1_200;
  requireDeclaredScopes(app);
  installSecurityHeaders(app);
  await app.register(cors, {
    origin: settings.corsOrigins && settings.corsOrigins.length > 0 ? [...settings.corsOrigins] : false,
    credentials: true,
    allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'x-csrf-token', 'x-request-id', 'idempotency-key'],
  });
  await app.register(cookie);
  app.decorateRequest('principal', undefined);

  const services: AuthServices | undefined = pool
    ? {
        keys: new ApiKeys(pool),
        users: new Users(pool, settings.lockout ?? { maxFailures: 5, lockMs: 15 * 60_000 }, settings.clock),
        sessions: new Sessions(pool, settings.sessionTtlMs ?? 12 * 3_600_000),
      }
    : undefined;

  // 1. Who is calling. Bad credentials are remembered, not refused yet: the rate limit counts them first.
  const refusal = new WeakMap<FastifyRequest, string>();
  app.addHook('onRequest', async (request) => {
    if (!settings.enabled) {
      request.principal = localPrincipal;
      return;
    }
    const key = presentedKey(request);
    if (key !== undefined) {
      if (key.length > 512) refusal.set(request, 'API key not recognised');
      else if (services) request.principal = await services.keys.verify(key);
      else if (settings.serviceToken && sameSecret(key, settings.serviceToken))
        request.principal = { kind: 'key', id: 'service', name: 'service token', scopes: new Set<Scope>(['read', 'risk']) };
      if (!request.principal) refusal.set(request, 'API key not recognised: it is unknown, revoked or expired');
      return;
    }
    const token = request.cookies[sessionCookie];
    if (token && services) {
      request.principal = token.length > 512 ? undefined : await services.sessions.verify(token);
      if (!request.principal) refusal.set(request, 'session expired or signed out: sign in again');
    }
  });

  // 2. Rate limits, per key or session, else per address (route-level onRequest, after the above).
  // With sign-in off (loopback only) there is no caller to tell apart, so no limit either.
  if (settings.enabled) {
    await app.register(rateLimit, {
      global: true,
      max: rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => (request.principal ? `${request.principal.kind}:${request.principal.id}` : `ip:${request.ip}`),
      allowList: (request) => isOpenPlatformPath(request.routeOptions.url ?? ''),
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        error: 'Too Many Requests',
        message: `rate limit of ${context.max} requests per minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`,
      }),
    });
  }

  // 3. Whether the route allows it, before the body is read.
  app.addHook('preParsing', async (request) => {
    const scope = (request.routeOptions.config as { scope?: RouteScope } | undefined)?.scope ?? 'authenticated';
    if (scope === 'public' || isOpenPlatformPath(request.routeOptions.url ?? '')) return;
    const principal = request.principal;
    if (!principal) {
      throw new UnauthenticatedError(
        refusal.get(request) ?? 'authentication required: send Authorization: Bearer <API key> (or x-api-key), or sign in with POST /auth/login',
      );
    }
    if (scope !== 'authenticated' && !principal.scopes.has(scope)) {
      throw new ForbiddenError(
        `this route needs scope "${scope}"; ${principal.kind === 'session' ? `role ${principal.role}` : `key ${principal.name}`} has ${[...principal.scopes].join(', ') || 'none'}`,
      );
    }
    // A cookie rides along on cross-site requests (a link or an <img> makes a GET); the CSRF token does not.
    if (principal.kind === 'session' && changesState(request)) {
      const sent = request.headers['x-csrf-token'];
      const token = Array.isArray(sent) ? sent[0] : sent;
      if (!token || !principal.csrfToken || !sameSecret(token, principal.csrfToken)) {
        throw new ForbiddenError(
          `missing or wrong x-csrf-token header: cookie-authenticated writes${request.method === 'GET' || request.method === 'HEAD' ? ` (and ${request.method} ${request.routeOptions.url ?? request.url}, which changes state)` : ''} must echo the csrf_token from POST /auth/login or GET /auth/me`,
        );
      }
    }
  });

  if (pool) recordWrites(app, pool);
  if (services) {
    await app.register(
      authRoutes(services, pool!, {
        cookieSecure: settings.cookieSecure ?? true,
        signInPerMinute: settings.signInPerMinute ?? 10,
        sessionTtlMs: settings.sessionTtlMs ?? 12 * 3_600_000,
        enabled: settings.enabled,
      }),
    );
  }
  return services;
}
