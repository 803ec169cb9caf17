import { declareService, type ServiceDeclaration } from '@closecross/platform';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { declarations, resourcesOf, synthStack } from './synth-stack.ts';

const trading = declarations.find((declaration) => declaration.name === 'trading')!;

/** Trading as declared, with the log alarms given instead of its own (checked as every declaration is). */
function tradingWithAlarms(logAlarms: ServiceDeclaration['logAlarms']): ServiceDeclaration[] {
  const redeclared = declareService({ ...trading, logAlarms });
  return declarations.map((declaration) => (declaration === trading ? redeclared : declaration));
}

let template: Template;
beforeAll(() => {
  // One synth (they are slow): trading declares two alarms in place of its own.
  template = synthStack(
    {},
    tradingWithAlarms([
      {
        event: 'job_failed',
        where: { kind: 'trading-scan' },
        metric: 'scan-failures',
        description: 'a strategy scan failed for good (GET /jobs?kind=trading-scan)',
      },
      { event: 'order_rejected', metric: 'orders-rejected', description: 'the broker rejected an order (GET /trading/orders?state=rejected)' },
    ]),
  ).template;
});

describe('log alarms come from the declarations only', () => {
  it('pages on each declared line: its event and where fields filter the log, its metric names the alarm, and nothing undeclared pages', () => {
    const filters = resourcesOf(template, 'AWS::Logs::MetricFilter').map(([, filter]) => filter.Properties);
    const metricOf = (name: string) => filters.find((filter) => filter.MetricTransformations[0].MetricName === name);
    expect(metricOf('trading-scan-failures')?.FilterPattern).toBe('{ ($.event = "job_failed") && ($.kind = "trading-scan") }');
    expect(metricOf('trading-orders-rejected')?.FilterPattern).toBe('{ $.event = "order_rejected" }');
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const paging = (metric: string) =>
      alarms.filter((alarm) => alarm.MetricName === metric && alarm.AlarmActions?.some((action: { Ref?: string }) => action.Ref?.includes('AlarmsTopic')));
    expect(paging('trading-scan-failures')).toMatchObject([
      { AlarmDescription: 'trading: a strategy scan failed for good (GET /jobs?kind=trading-scan)', Threshold: 1, EvaluationPeriods: 1 },
    ]);
    expect(paging('trading-orders-rejected')).toMatchObject([
      { AlarmDescription: 'trading: the broker rejected an order (GET /trading/orders?state=rejected)', Threshold: 1 },
    ]);
    // Trading's log metrics are exactly the declared ones plus those every job-running service has: none by its name.
    const tradingMetrics = filters.map((filter) => filter.MetricTransformations[0].MetricName as string).filter((metric) => metric.startsWith('trading-'));
    expect(tradingMetrics.sort()).toEqual(['trading-job-failures', 'trading-jobs-refused-queue-full', 'trading-orders-rejected', 'trading-scan-failures']);
  });

  it("trading's own declaration pages on failed scans and rejected orders, as the stack did before alarms came from declarations", () => {
    expect(trading.logAlarms).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'job_failed', where: { kind: 'trading-scan' }, metric: 'scan-failures' }),
        expect.objectContaining({ event: 'order_rejected', metric: 'orders-rejected' }),
      ]),
    );
  });

  it('refuses a declaration whose log alarms would collide or break the filter, naming each', () => {
    expect(() =>
      declareService({
        ...trading,
        logAlarms: [
          { event: 'job_failed', description: 'a' },
          { event: 'job_failed', where: { kind: 'x' }, description: 'b' },
          { event: 'bad event', description: 'c' },
          { event: 'order_rejected', where: { event: 'x', 'nested.field': 'y', kind: 'say "hi"' }, description: 'd' },
        ],
      }),
    ).toThrow(
      /logAlarms event must be letters, digits, _ \. or -, got "bad event"[\s\S]*where field must be a top-level field other than event, got "event"[\s\S]*got "nested\.field"[\s\S]*where kind must not hold quotes or backslashes, got "say \\"hi\\""[\s\S]*logAlarms metrics must differ \(name one with metric\): job_failed repeated/,
    );
  });

  it('describes the stack by every service it deploys', () => {
    const description = (template.toJSON() as { Description: string }).Description;
    expect(description).toMatch(/^Closecross dev: the services /);
    for (const name of ['market-data', 'ingestor', 'model', 'risk-analysis', 'trading', 'prices', 'dashboard']) expect(description).toContain(name);
    expect(declarations.map((declaration) => declaration.name).sort()).toEqual([
      'dashboard',
      'ingestor',
      'market-data',
      'model',
      'prices',
      'risk-analysis',
      'trading',
    ]);
  });
});
