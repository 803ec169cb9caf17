/**
 * Which service owns which paths. The table itself is not written here: it is derived from the
 * services' declarations (`services/<name>/service.ts`, see service-declaration.ts) by the
 * composition roots (the local system, the CDK app), because the platform imports no service.
 * Patterns use the ALB's syntax: case-sensitive, `*` for any run of characters, `?` for one.
 */
export interface ServiceRoutes {
  service: string;
  pathPatterns: readonly string[];
  /** The path the load balancer's target group checks. */
  healthPath: string;
}

/** The service that answers paths no rule claims (/docs, /health on the shared host). */
export const defaultService = 'market-data';

/**
 * Platform routes: any service may serve them (state is in Postgres); the ALB sends them to the
 * default service. Sign-in and keys, the audit, the one job API with its schedules, and alerts.
 */
export const platformPaths = ['/health', '/ready', '/docs', '/docs/*', '/auth/*', '/audit*', '/jobs*', '/schedules*', '/alerts*'];

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export function matchesPathPattern(pattern: string, path: string): boolean {
  return patternToRegExp(pattern).test(path);
}

/**
 * Whether some path matches both patterns. With no two services' patterns overlapping, the
 * order of the ALB rules (and of the table) cannot change which service gets a path.
 */
export function patternsOverlap(a: string, b: string): boolean {
  const seen = new Map<string, boolean>();
  // Can a[i..] and b[j..] match one common rest of a path?
  const rest = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (a[i] === '*') result = rest(i + 1, j) || (j < b.length && rest(i, j + 1));
    else if (b[j] === '*') result = rest(i, j + 1) || (i < a.length && rest(i + 1, j));
    else if (i === a.length || j === b.length) result = false;
    else result = (a[i] === '?' || b[j] === '?' || a[i] === b[j]) && rest(i + 1, j + 1);
    seen.set(key, result);
    return result;
  };
  return rest(0, 0);
}

/** Fails naming every pair of services whose patterns claim a common path, or that claim a platform path. */
export function assertDisjointRoutes(table: readonly ServiceRoutes[]): void {
  const clashes: string[] = [];
  table.forEach((entry, index) => {
    for (const pattern of entry.pathPatterns) {
      for (const platform of platformPaths)
        if (patternsOverlap(pattern, platform)) clashes.push(`${entry.service} ${pattern} overlaps the platform's ${platform}`);
      for (const other of table.slice(index + 1)) {
        if (other.service === entry.service) continue;
        for (const theirs of other.pathPatterns)
          if (patternsOverlap(pattern, theirs)) clashes.push(`${entry.service} ${pattern} overlaps ${other.service} ${theirs}`);
      }
    }
  });
  if (clashes.length > 0) throw new Error(`Overlapping route patterns: ${clashes.join('; ')}`);
}

/** The service the ALB would send `path` to. */
export function serviceForPath(path: string, table: readonly ServiceRoutes[]): string {
  const owner = table.find((entry) => entry.pathPatterns.some((pattern) => matchesPathPattern(pattern, path)));
  return owner?.service ?? defaultService;
}

/**
 * Fails when a service registers a route the table would send elsewhere, so the table cannot
 * drift from the code. Route params (`:id`) are checked as a concrete segment.
 */
export function assertRoutesCovered(service: string, paths: Iterable<string>, table: readonly ServiceRoutes[]): void {
  const strays: string[] = [];
  for (const path of paths) {
    const concrete = path.replace(/:[^/]+/g, 'x');
    const isPlatform = platformPaths.some((pattern) => matchesPathPattern(pattern, concrete));
    if (!isPlatform && serviceForPath(concrete, table) !== service) strays.push(path);
  }
  if (strays.length > 0) {
    throw new Error(`Routes of ${service} that the route table sends elsewhere: ${strays.join(', ')}`);
  }
}

/** A mounted module: its name, and the patterns its declaration owns when it was mounted from one. */
export interface RoutedModule {
  name: string;
  pathPatterns?: readonly string[];
}

/**
 * The check createService runs once every module is registered. A module mounted with its
 * declaration's patterns is checked against them (and the modules' patterns must not overlap);
 * one mounted without is checked against the given table, or not at all when none is given
 * (a service's own entry: CI checks its routes against the ALB rules instead).
 */
export function assertModuleRoutes(
  modules: readonly RoutedModule[],
  routesByModule: ReadonlyMap<string, readonly string[]>,
  table?: readonly ServiceRoutes[],
): void {
  const declared = modules.flatMap((module) =>
    module.pathPatterns ? [{ service: module.name, pathPatterns: module.pathPatterns, healthPath: '/health' }] : [],
  );
  assertDisjointRoutes(declared);
  for (const module of modules) {
    const paths = routesByModule.get(module.name) ?? [];
    if (module.pathPatterns) assertRoutesCovered(module.name, paths, declared);
    else if (table) assertRoutesCovered(module.name, paths, table);
  }
}
