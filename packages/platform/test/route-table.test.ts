import { describe, expect, it } from 'vitest';
import { assertRoutesCovered, matchesPathPattern, routeTable, serviceForPath } from '../src/index.ts';

describe('route table', () => {
  it('matches the ALB pattern syntax', () => {
    expect(matchesPathPattern('/stock_data*', '/stock_data/')).toBe(true);
    expect(matchesPathPattern('/stock_data*', '/stock_data')).toBe(true);
    expect(matchesPathPattern('/models*', '/model-inferences/')).toBe(false);
    expect(matchesPathPattern('/a?c', '/abc')).toBe(true);
    expect(matchesPathPattern('/a.c', '/abc')).toBe(false);
  });

  it('sends each reference path to its owner', () => {
    expect(serviceForPath('/model-inferences/')).toBe('market-data');
    expect(serviceForPath('/price_bars/NVDA')).toBe('market-data');
  });

  it('no two services claim the same pattern', () => {
    const patterns = routeTable.flatMap((entry) => entry.pathPatterns);
    expect(new Set(patterns).size).toBe(patterns.length);
  });

  it('fails for a route the table would send to another service', () => {
    const table = [
      { service: 'a', pathPatterns: ['/a*'], healthPath: '/health' },
      { service: 'b', pathPatterns: ['/b*'], healthPath: '/health' },
    ];
    expect(() => assertRoutesCovered('a', ['/a/x', '/health', '/docs/json'], table)).not.toThrow();
    expect(() => assertRoutesCovered('a', ['/a/:id', '/b/x'], table)).toThrow('Routes of a that the route table sends elsewhere: /b/x');
  });
});
