import type { Pool } from '@closecross/db';
import { serviceModules } from '@closecross/local-system';
import { createService } from '@closecross/platform';

type ServiceModule = ReturnType<typeof serviceModules>[number];

/** Every service module, mounted with settings that make no connection (for listing routes). */
export function serviceModulesForListing(): ServiceModule[] {
  return serviceModules({ kinesisEndpoint: 'http://127.0.0.1:1', stream: 's', artifactsDir: '/tmp/unused' });
}

/** The paths one service serves, from the service itself (no database or AWS call is made while mounting). */
export async function servedPaths(module: ServiceModule): Promise<string[]> {
  const unusedPool = { query: async () => ({ rows: [] }) } as unknown as Pool;
  // The route table is not checked here: the tests compare the two themselves.
  const app = await createService({ name: module.name, modules: [module], pool: unusedPool, logLevel: 'silent', routeTable: [{ service: module.name, pathPatterns: ['*'], healthPath: '/health' }] });
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
  return paths.filter((path) => !path.startsWith('/docs') && !['/health', '/ready'].includes(path) && !path.endsWith('*'));
}

/** A registered path with its parameters filled in, as a request would carry it. */
export const concretePath = (path: string) => path.replace(/:[^/]+/g, 'x');
