import { beforeAll, describe, expect, it } from 'vitest';
import { estimateMonthlyCost, totalsByCategory, type CloudFormationTemplate, type CostLine } from '../cost/estimate.ts';
import { statedLoad } from '../cost/load.ts';
import { hoursPerMonth, prices, referenceBudget } from '../cost/prices.ts';
import { declarations, synthStack } from './synth-stack.ts';

let dev: { template: CloudFormationTemplate; lines: CostLine[] };
beforeAll(() => {
  const template = synthStack().template.toJSON() as CloudFormationTemplate;
  dev = { template, lines: estimateMonthlyCost(template, statedLoad) };
}, 120_000);

const category = (lines: CostLine[], name: string) => lines.filter((line) => line.category === name);
const sum = (lines: CostLine[], pick: 'baseline' | 'atMaxScale' = 'baseline') => lines.reduce((total, line) => total + line[pick], 0);

describe('the monthly cost estimate of the synthesized stack', () => {
  it('prices each Fargate service from its task size and its min and max task counts in the template', () => {
    const market = dev.lines.find((line) => line.item.startsWith('dev-closecross-market-data'))!;
    const hourly = 0.5 * prices.fargate.vcpuHour + 1 * prices.fargate.gbHour; // 512 CPU units, 1024 MiB
    expect(market.baseline).toBeCloseTo(hourly * hoursPerMonth * 1, 2);
    expect(market.atMaxScale).toBeCloseTo(hourly * hoursPerMonth * 2, 2);
    const services = dev.lines.filter((line) => line.category === 'ECS Fargate' && !line.item.includes('(on demand)'));
    expect(services.map((line) => line.item.split(':')[0]).sort()).toEqual(
      Object.values(dev.template.Resources)
        .filter((resource) => resource.Type === 'AWS::ECS::Service')
        .map((resource) => String(resource.Properties!.ServiceName))
        .sort(),
    );
    expect(category(dev.lines, 'ECS Fargate')).toHaveLength(services.length + 1); // every service and the on-demand VaR workers
    // The price workers: 0.5 vCPU, 1 GB, 1 to 4 tasks.
    expect(services.find((line) => line.item.startsWith('dev-closecross-prices'))!.item).toBe('dev-closecross-prices: 0.5 vCPU, 1 GB, 1-4 tasks');
  });

  it('prices the trading service at the size, and min and max tasks, its declaration gives', () => {
    const { tasks } = declarations.find((declaration) => declaration.name === 'trading')!;
    const line = dev.lines.find((entry) => entry.item.startsWith('dev-closecross-trading:'))!;
    const hourly = (tasks.cpu / 1024) * prices.fargate.vcpuHour + (tasks.memoryMiB / 1024) * prices.fargate.gbHour;
    expect(line.item).toBe(`dev-closecross-trading: ${tasks.cpu / 1024} vCPU, ${tasks.memoryMiB / 1024} GB, ${tasks.minTasks}-${tasks.maxTasks} tasks`);
    expect(line.baseline).toBeCloseTo(hourly * hoursPerMonth * tasks.minTasks, 2);
    expect(line.atMaxScale).toBeCloseTo(hourly * hoursPerMonth * tasks.maxTasks, 2);
  });

  it('follows the template: Multi-AZ doubles the database, shards scale Kinesis, tasks scale Fargate', () => {
    const changed = estimateMonthlyCost(
      synthStack({
        'database.multiAz': 'true',
        streamShards: '4',
        'services.ingestor.maxTasks': '4',
        'services.model.minTasks': '2',
      }).template.toJSON() as CloudFormationTemplate,
      statedLoad,
    );
    const instance = (lines: CostLine[]) => lines.find((line) => line.item.startsWith('PostgreSQL'))!.baseline;
    expect(instance(changed)).toBeCloseTo(2 * instance(dev.lines), 2);
    const shardCost = hoursPerMonth * prices.kinesis.shardHour;
    expect(sum(category(changed, 'Kinesis')) - sum(category(dev.lines, 'Kinesis'))).toBeCloseTo(2 * shardCost, 1);
    const model = (lines: CostLine[]) => lines.find((line) => line.item.startsWith('dev-closecross-model'))!.baseline;
    expect(model(changed)).toBeCloseTo(2 * model(dev.lines), 2);
  });

  it('refuses a resource type it does not know how to price, and an instance class without a price', () => {
    const withQueue = { Resources: { ...dev.template.Resources, Queue: { Type: 'AWS::SQS::Queue', Properties: {} } } };
    expect(() => estimateMonthlyCost(withQueue, statedLoad)).toThrow('the cost estimate does not price AWS::SQS::Queue');
    const exotic = estimateMonthlyCost.bind(
      null,
      synthStack({ 'database.instanceClass': 'x2g.16xlarge' }).template.toJSON() as CloudFormationTemplate,
      statedLoad,
    );
    expect(exotic).toThrow('no price for RDS instance class db.x2g.16xlarge');
  });

  it('sums per category beside the reference budget of about 1,071 USD a month', () => {
    const totals = totalsByCategory(dev.lines, referenceBudget);
    expect(totals.reduce((total, entry) => total + (entry.reference ?? 0), 0)).toBeCloseTo(1070.96, 2);
    expect(totals.reduce((total, entry) => total + entry.baseline, 0)).toBeCloseTo(sum(dev.lines), 1);
    for (const name of ['Kinesis', 'Lambda', 'RDS', 'ECS Fargate', 'ECR', 'S3', 'CloudWatch']) {
      const total = totals.find((entry) => entry.category === name)!;
      expect({ name, priced: total.baseline > 0, reference: total.reference }).toEqual({ name, priced: true, reference: referenceBudget[name] });
    }
    for (const line of dev.lines) expect(line.atMaxScale).toBeGreaterThanOrEqual(line.baseline);
  });
});
