import { describe, expect, it } from 'vitest';
import { assertDisjointRoutes, assertModuleRoutes, assertRoutesCovered, matchesPathPattern, patternsOverlap, serviceForPath } from '../src/index.ts';

const table = [
  { service: 'a', pathPatterns: ['/one*'], healthPath: '/health' },
  { service: 'b', pathPatterns: ['/b*', '/get_?'], healthPath: '/health' },
];

describe('route table', () => {
  it('matches the ALB pattern syntax', () => {
    expect(matchesPathPattern('/stock_data*', '/stock_data/')).toBe(true);
    expect(matchesPathPattern('/stock_data*', '/stock_data')).toBe(true);
    expect(matchesPathPattern('/models*', '/model-inferences/')).toBe(false);
    expect(matchesPathPattern('/a?c', '/abc')).toBe(true);
    expect(matchesPathPattern('/a.c', '/abc')).toBe(false);
  });

  it('sends a path to the service whose pattern matches it, and any other to the default service', () => {
    expect(serviceForPath('/one/1', table)).toBe('a');
    expect(serviceForPath('/get_x', table)).toBe('b');
    expect(serviceForPath('/docs', table)).toBe('market-data');
  });

  it('tells patterns that some path matches both from patterns no path matches both', () => {
    expect(patternsOverlap('/models*', '/model-inferences*')).toBe(false);
    expect(patternsOverlap('/model*', '/model-inferences*')).toBe(true);
    expect(patternsOverlap('/get_*', '/*_vars')).toBe(true);
    expect(patternsOverlap('/analyse', '/analyses*')).toBe(false);
    expect(patternsOverlap('/a?c', '/a*d')).toBe(false);
    expect(patternsOverlap('/ingest/*', '/ingest')).toBe(false);
    expect(patternsOverlap('/x*y*z', '/x?')).toBe(false);
    expect(patternsOverlap('/x*y*z', '/x?z')).toBe(true); // /xyz
  });

  it('refuses two services claiming a common path, or a service claiming a platform path, naming each clash', () => {
    expect(() => assertDisjointRoutes(table)).not.toThrow();
    expect(() => assertDisjointRoutes([...table, { service: 'c', pathPatterns: ['/b/x', '/jobs/mine'], healthPath: '/health' }])).toThrow(
      "Overlapping route patterns: b /b* overlaps c /b/x; c /jobs/mine overlaps the platform's /jobs*",
    );
  });

  it('fails for a route the table would send to another service', () => {
    expect(() => assertRoutesCovered('a', ['/one/x', '/health', '/docs/json', '/jobs/:id'], table)).not.toThrow();
    expect(() => assertRoutesCovered('a', ['/one/:id', '/b/x'], table)).toThrow('Routes of a that the route table sends elsewhere: /b/x');
  });

  it('checks a module mounted with its declared patterns against them, and the modules against each other', () => {
    const routes = new Map([
      ['a', ['/one/x']],
      ['b', ['/b/:id', '/one/stray']],
    ]);
    expect(() => assertModuleRoutes([{ name: 'a', pathPatterns: ['/one*'] }], routes)).not.toThrow();
    expect(() =>
      assertModuleRoutes(
        [
          { name: 'a', pathPatterns: ['/one*'] },
          { name: 'b', pathPatterns: ['/b*'] },
        ],
        routes,
      ),
    ).toThrow('Routes of b that the route table sends elsewhere: /one/stray');
    expect(() =>
      assertModuleRoutes(
        [
          { name: 'a', pathPatterns: ['/one*'] },
          { name: 'b', pathPatterns: ['/one/*'] },
        ],
        routes,
      ),
    ).toThrow('a /one* overlaps b /one/*');
    // Without patterns a module is checked against the table given, or not at all.
    expect(() => assertModuleRoutes([{ name: 'b' }], routes, table)).toThrow('Routes of b that the route table sends elsewhere: /one/stray');
    expect(() => assertModuleRoutes([{ name: 'b' }], routes)).not.toThrow();
  });
});
