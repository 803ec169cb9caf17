import type { Pool } from '@closecross/db';
import { serviceModules } from '@closecross/local-system';
import { createService, matchesPathPattern, platformPaths, type ServiceDeclaration, type ServiceModule } from '@closecross/platform';

/**
 * Every declared service's module, mounted with settings that make no connection (for listing
 * routes). The local system's platform modules (the job API) carry no patterns: they serve
 * platform paths only, which any service may serve.
 */
export async function serviceModulesForListing(declarations?: readonly ServiceDeclaration[]): Promise<ServiceModule<any>[]> {
  const modules = await serviceModules({ kinesisEndpoint: 'http://127.0.0.1:1', stream: 's', artifactsDir: '/tmp/unused' }, declarations);
  return modules.filter((module) => module.pathPatterns);
}

/** The paths one service serves, from the service itself (no database or AWS call is made while mounting). */
export async function servedPaths(module: ServiceModule<any>): Promise<string[]> {
  const unusedPool = { query: async () => ({ rows: [] }) } as unknown as Pool;
  // Its declaration's patterns are not checked here: the tests compare them themselves.
  const { pathPatterns: _declared, ...undeclared } = module;
  const app = await createService({ name: module.name, modules: [undeclared], pool: unusedPool, logLevel: 'silent', auth: false } as Parameters<
    typeof createService
  >[0]);
  // Listed without starting the app (starting would connect the queue and the stream consumer):
  // printRoutes draws a tree whose children extend their parent's path.
  const paths: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+) \(/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = `${stack[depth - 1] ?? ''}${match[2]}`;
    stack.push(path);
    paths.push(path);
  }
  await app.close();
  // Platform paths go to the default service whoever serves them.
  return paths.filter((path) => !path.endsWith('*') && !platformPaths.some((pattern) => matchesPathPattern(pattern, concretePath(path))));
}

/** A registered path with its parameters filled in, as a request would carry it. */
export const concretePath = (path: string) => path.replace(/:[^/]+/g, 'x');
