import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Pool } from 'pg';
import type { DestinationStream } from 'pino';
import { installAuthentication, type AuthServices, type AuthSettings } from './auth/authentication.ts';
import { ensureBootstrapAdmin, type BootstrapAdmin } from './auth/bootstrap.ts';
import { databaseAnswers } from './database-pool.ts';
import { closeEventStreams } from './event-stream.ts';
import { smallBodiesByDefault } from './body-limits.ts';
import { databaseRetryAfterSeconds, ErrorResponse, installErrorContract } from './errors.ts';
import { loggerOptions, requestIdFrom } from './logger.ts';
import { checkPublicBaseUrl, publicUrl, type PublicQuery } from './public-url.ts';
import { assertModuleRoutes, type ServiceRoutes } from './route-table.ts';
import { refuseKeyFloods } from './json-key-budget.ts';
import { parseLargeJsonInSlices } from './sliced-json.ts';
import { refuseMalformedUnicode } from './unicode.ts';
import { validatorCompiler } from './validation.ts';
import { startFullGcByHeapShare } from './garbage-collection.ts';

/** What every service plugin receives: its dependencies, never globals. */
export interface ServiceContext {
  pool: Pool;
}

export interface ServiceModule<Options extends ServiceContext = ServiceContext> {
  /** The name used in the route table, logs and the image build. */
  name: string;
  plugin: FastifyPluginAsync<Options>;
  options?: Omit<Options, keyof ServiceContext>;
  /** Its declaration's path patterns (mounted from services/<name>/service.ts): its routes are checked against them. */
  pathPatterns?: readonly string[];
}

export interface CreateServiceOptions {
  /** Shown in logs and as the OpenAPI title. */
  name: string;
  modules: ServiceModule<any>[];
  /** Absent for a service with no database (a compute worker): /ready is then always ready. */
  pool?: Pool;
  logLevel?: string;
  /** Where log lines go; stdout when absent. */
  logStream?: DestinationStream;
  bodyLimitMb?: number;
  version?: string;
  /** The table modules mounted without their declaration's patterns must agree with; unchecked when absent. */
  routeTable?: readonly ServiceRoutes[];
  /**
   * Sign-in and permissions; on unless `false` (tests that never listen, or a server on loopback:
   * `runService` and the local system refuse it for any other address).
   */
  auth?: Omit<AuthSettings, 'enabled'> | false;
  /** The first admin's key and password, made sure of at start (needs the migrated database). */
  bootstrapAdmin?: BootstrapAdmin;
  /**
   * Addresses or CIDRs (comma-separated) whose X-Forwarded-For/-Proto/-Host are believed
   * (TRUSTED_PROXIES); loopback only when absent. Nobody else can change `request.ip`.
   */
  trustedProxies?: string;
  /** What `app.publicUrl` builds on (PUBLIC_BASE_URL); this process's loopback address when absent. */
  publicBaseUrl?: string;
}

export type Service = FastifyInstance & { auth?: AuthServices };

/**
 * Builds a Fastify instance with the parts every Closecross service shares: logging with request
 * ids, the error contract, OpenAPI at /docs, /health and /ready, then mounts the given modules at
 * the root so paths are the same alone or mounted together.
 */
export async function createService(options: CreateServiceOptions): Promise<Service> {
  startFullGcByHeapShare();
  const logger = { ...loggerOptions(options.name, options.logLevel ?? 'info'), ...(options.logStream ? { stream: options.logStream } : {}) };
  const app = Fastify({
    logger,
    genReqId: requestIdFrom,
    bodyLimit: (options.bodyLimitMb ?? 64) * 1024 * 1024,
    trustProxy: options.trustedProxies ?? 'loopback',
    routerOptions: { ignoreTrailingSlash: true },
    // A client whose base URL ends in "/" sends "//warmup": runs of slashes in the path are one.
    rewriteUrl: (request) => collapseSlashes(request.url ?? '/'),
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const publicBase = checkPublicBaseUrl(options.publicBaseUrl ?? 'http://127.0.0.1:8080').toString();
  app.decorate('publicUrl', (path: string, query?: PublicQuery) => publicUrl(publicBase, path, query));
  app.setValidatorCompiler(validatorCompiler);
  // A large JSON body is parsed a slice at a time, so /health is answered meanwhile.
  parseLargeJsonInSlices(app);
  // Every route takes small bodies unless it states its own bodyLimit (bulk ingest, CSV imports).
  smallBodiesByDefault(app);
  installErrorContract(app);
  refuseMalformedUnicode(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Event streams never end by themselves: end them so the server's close does not wait on them.
  app.addHook('preClose', async () => closeEventStreams(app.server));

  await app.register(swagger, {
    openapi: {
      info: { title: `Closecross ${options.name}`, version: options.version ?? '0.1.0' },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'an API key: Authorization: Bearer cc_...' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'cc_session', description: 'after POST /auth/login; writes also need x-csrf-token' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // After swagger, whose route list then holds the platform's /auth routes too; scopes are still
  // stamped on each route's schema before the document is generated.
  const authSettings: AuthSettings = options.auth === false ? { enabled: false } : { enabled: true, ...(options.auth ?? {}) };
  const auth = await installAuthentication(app, authSettings, options.pool);
  if (auth && options.bootstrapAdmin) await ensureBootstrapAdmin(auth, options.bootstrapAdmin);
  if (!authSettings.enabled) refuseNonLoopbackListen(app);
  // After sign-in's preParsing hook: a caller is refused before its body is even counted.
  refuseKeyFloods(app);

  app.get(
    '/health',
    {
      config: { scope: 'public' },
      schema: { tags: ['platform'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/ready',
    {
      config: { scope: 'public' },
      schema: {
        tags: ['platform'],
        summary: 'Readiness: the database answers',
        response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      // Bounded (2 s), so the load balancer's probe gets an answer while the database is frozen.
      if (!options.pool || (await databaseAnswers(options.pool))) return { status: 'ready' as const };
      request.log.warn('database not reachable');
      reply.header('retry-after', String(databaseRetryAfterSeconds));
      return reply.status(503).send({ statusCode: 503, error: 'Service Unavailable', message: 'database not reachable' });
    },
  );

  // Each module's routes are checked against the route table, so the ALB rules and the local
  // gateway cannot drift from what the code serves.
  const routesByModule = new Map<string, string[]>();
  let registering: string | undefined;
  app.addHook('onRoute', (route) => {
    if (registering) routesByModule.get(registering)!.push(route.url);
  });
  for (const module of options.modules) {
    registering = module.name;
    routesByModule.set(module.name, []);
    await app.register(module.plugin, { ...(module.options ?? {}), pool: options.pool });
    await app.after();
  }
  registering = undefined;
  assertModuleRoutes(options.modules, routesByModule, options.routeTable);
  return Object.assign(app, auth ? { auth } : {}) as Service;
}

/** `//warmup?x=a//b` -> `/warmup?x=a//b`: only the path, never the query. */
export function collapseSlashes(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (!path.includes('//')) return url;
  return path.replace(/\/{2,}/g, '/') + (query === -1 ? '' : url.slice(query));
}

const loopbackAddress = (address: string) => address === '::1' || address === 'localhost' || address.startsWith('127.');

/** Without sign-in, a server may only be reached from this machine. */
function refuseNonLoopbackListen(app: FastifyInstance): void {
  app.addHook('onListen', async () => {
    const exposed = app.addresses().filter((address) => typeof address === 'string' || !loopbackAddress(address.address));
    if (exposed.length > 0) {
      app.log.fatal({ addresses: exposed }, 'auth is off but the server listens beyond loopback; closing');
      await app.close();
    }
  });
}

export { loopbackAddress };
