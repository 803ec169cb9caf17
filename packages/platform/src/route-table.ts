/**
 * Which service owns which paths: the one table the local gateway checks its routes against and
 * the CDK stack turns into ALB listener rules. Patterns use the ALB's syntax: case-sensitive,
 * `*` for any run of characters, `?` for one.
 */
export interface ServiceRoutes {
  service: string;
  pathPatterns: readonly string[];
  /** The path the load balancer's target group checks. */
  healthPath: string;
}

export const routeTable: readonly ServiceRoutes[] = [
  {
    service: 'market-data',
    pathPatterns: ['/healthcheck*', '/stock_data*', '/date_mappings*', '/models*', '/model-inferences*', '/price_bars*'],
    healthPath: '/health',
  },
  {
    service: 'risk-analysis',
    pathPatterns: [
      '/warmup', '/scaled_ready', '/scaled_terminated', '/get_*', '/analyse', '/analyses*',
      '/reset', '/terminate', '/chart', '/calculate_var9599', '/monte-carlo-task',
    ],
    healthPath: '/health',
  },
  { service: 'ingestor', pathPatterns: ['/ingest/*'], healthPath: '/health' },
  { service: 'model', pathPatterns: ['/train-model*', '/inference-model*', '/predict*', '/model-reports*'], healthPath: '/health' },
];

/** The service that answers paths no rule claims (/docs, /health on the shared host). */
export const defaultService = 'market-data';

/**
 * Platform routes: any service may serve them (state is in Postgres); the ALB sends them to the
 * default service. Sign-in and keys, the audit, and the one job API with its schedules.
 */
export const platformPaths = ['/health', '/ready', '/docs', '/docs/*', '/auth/*', '/audit*', '/jobs*', '/schedules*'];

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export function matchesPathPattern(pattern: string, path: string): boolean {
  return patternToRegExp(pattern).test(path);
}

/** The service the ALB would send `path` to. */
export function serviceForPath(path: string, table: readonly ServiceRoutes[] = routeTable): string {
  const owner = table.find((entry) => entry.pathPatterns.some((pattern) => matchesPathPattern(pattern, path)));
  return owner?.service ?? defaultService;
}

/**
 * Fails when a service registers a route the table would send elsewhere, so the table cannot
 * drift from the code. Route params (`:id`) are checked as a concrete segment.
 */
export function assertRoutesCovered(service: string, paths: Iterable<string>, table: readonly ServiceRoutes[] = routeTable): void {
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
