import { readFileSync } from 'node:fs';
import type { Pool } from '@closecross/db';
import { serviceModules } from '@closecross/local-system';
import { createService, declareService, routeTableOf, serviceForPath } from '@closecross/platform';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderProxyConfig } from '../proxy/render-proxy-config.ts';
import { composeProblems, dockerfileProblems } from './declared-files.ts';
import { declarations, resourcesOf, synthStack } from './synth-stack.ts';

/** A service that exists only in this test: what adding services/quotes/service.ts would declare. */
const quotes = declareService({
  name: 'quotes',
  pathPatterns: ['/quotes*'],
  healthPath: '/health',
  server: { file: 'src/server.ts', image: 'quotes' },
  settings: {},
  aws: [],
  tasks: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 3, scaleOn: { requestsPerTask: 50 } },
  usesDatabase: true,
  runsJobs: false,
  module: async () => ({
    name: 'quotes',
    plugin: async (app) => {
      app.get('/quotes/latest', { config: { scope: 'read' } }, async () => ({ symbol: 'NVDA', price: 1 }));
    },
  }),
});
const withQuotes = [...declarations, quotes];
const repository = new URL('../../', import.meta.url);
const unusedPool = { query: async () => ({ rows: [] }) } as unknown as Pool;

let synthesized: ReturnType<typeof synthStack>;
beforeAll(() => {
  synthesized = synthStack({}, withQuotes);
}, 120_000);

describe('a service declared beside the others', () => {
  it('gets a Fargate service sized and scaled as declared, with listener rules for its patterns to its target group', () => {
    const template = synthesized.template;
    const [, service] = resourcesOf(template, 'AWS::ECS::Service').find(([, resource]) => resource.Properties.ServiceName === 'dev-closecross-quotes')!;
    const targetGroup = service.Properties.LoadBalancers[0].TargetGroupArn.Ref as string;
    const rules = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::ListenerRule').map(([, rule]) => rule.Properties);
    const mine = rules.filter((rule) => rule.Actions[0].TargetGroupArn.Ref === targetGroup);
    expect(mine.flatMap((rule) => rule.Conditions[0].PathPatternConfig.Values)).toEqual(['/quotes*']);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Family: 'dev-closecross-quotes', Cpu: '256', Memory: '512' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 3 });
    const tracking = resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy').map(
      ([, policy]) => policy.Properties.TargetTrackingScalingPolicyConfiguration?.TargetValue,
    );
    expect(tracking.filter((target) => target === 50)).toHaveLength(1);
  });

  it('is named missing from docker compose and the Dockerfile until they run it', () => {
    const compose = parse(readFileSync(new URL('docker-compose.yml', repository), 'utf8'), { merge: true });
    expect(composeProblems(compose, withQuotes)).toEqual(['docker-compose.yml has no service quotes (declared in services/quotes/service.ts)']);
    expect(dockerfileProblems(readFileSync(new URL('Dockerfile', repository), 'utf8'), withQuotes)).toEqual([
      'the Dockerfile has no stage quotes (declared by quotes)',
    ]);
  });

  it('gets its locations in the nginx config', () => {
    expect(renderProxyConfig(routeTableOf(withQuotes))).toContain('    location ~ ^/quotes.*$ { proxy_pass http://quotes:8080; }');
  });

  it("is routed by the local gateway, which refuses it when it serves a path outside its patterns or claims another service's", async () => {
    const table = routeTableOf(withQuotes);
    expect(serviceForPath('/quotes/latest', table)).toBe('quotes');
    const marketData = declarations.find((declaration) => declaration.name === 'market-data')!;
    const gateway = async (modules: Awaited<ReturnType<typeof serviceModules>>) =>
      createService({ name: 'local-system', modules, pool: unusedPool, logLevel: 'silent', auth: false } as Parameters<typeof createService>[0]);
    const local = { kinesisEndpoint: 'http://127.0.0.1:1', stream: 's', artifactsDir: '/tmp/unused' };

    const app = await gateway(await serviceModules(local, [marketData, quotes]));
    expect((await app.inject({ url: '/quotes/latest' })).json()).toEqual({ symbol: 'NVDA', price: 1 });
    await app.close();

    const narrower = { ...quotes, pathPatterns: ['/quotes/history*'] };
    await expect(gateway(await serviceModules(local, [marketData, narrower]))).rejects.toThrow(
      'Routes of quotes that the route table sends elsewhere: /quotes/latest',
    );
    expect(() => routeTableOf([...declarations, { ...quotes, pathPatterns: ['/stock_data/quotes'] }])).toThrow(
      'market-data /stock_data* overlaps quotes /stock_data/quotes',
    );
  });
});
