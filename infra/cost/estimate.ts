import type { MonthlyLoad } from './load.ts';
import { hoursPerMonth, prices } from './prices.ts';

interface Resource {
  Type: string;
  Properties?: Record<string, any>;
}
export interface CloudFormationTemplate {
  Resources: Record<string, Resource>;
}

/** One priced line: what it is, what the template says, its cost at minimum and at maximum scale. */
export interface CostLine {
  category: string;
  item: string;
  baseline: number;
  atMaxScale: number;
}

/**
 * Resource types that cost nothing by themselves (their use is priced on the lines that bill it),
 * so every other type in a template must be priced here or the estimate refuses it.
 */
const freeTypes = new Set([
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::Route',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::ECS::Cluster',
  'AWS::ECS::TaskDefinition',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::ListenerRule',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy',
  'AWS::RDS::DBSubnetGroup',
  'AWS::SecretsManager::SecretTargetAttachment',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::Logs::LogGroup',
  'AWS::CDK::Metadata',
  'AWS::EC2::EIP',
  // The S3 gateway endpoint is free; an interface endpoint would not be.
  'AWS::EC2::VPCEndpoint',
  // CDK's own one-off custom resources run for seconds at deploy time.
  'Custom::VpcRestrictDefaultSG',
]);

/** Resource types priced below. */
const pricedTypes = new Set([
  'AWS::ECS::Service',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::EC2::NatGateway',
  'AWS::RDS::DBInstance',
  'AWS::Kinesis::Stream',
  'AWS::Lambda::Function',
  'AWS::S3::Bucket',
  'AWS::CloudWatch::Alarm',
  'AWS::Logs::MetricFilter',
  'AWS::SecretsManager::Secret',
]);

const round = (value: number) => Math.round(value * 100) / 100;

function byType(template: CloudFormationTemplate, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

const refOf = (value: unknown): string | undefined => {
  if (value && typeof value === 'object') {
    const object = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    return object.Ref ?? object['Fn::GetAtt']?.[0];
  }
  return undefined;
};

/** One task of a task definition, for an hour. */
function fargateHourly(taskDefinition: Record<string, any>): number {
  return (Number(taskDefinition.Cpu) / 1024) * prices.fargate.vcpuHour + (Number(taskDefinition.Memory) / 1024) * prices.fargate.gbHour;
}

/** Prices a synthesized template at the given monthly load. */
export function estimateMonthlyCost(template: CloudFormationTemplate, load: MonthlyLoad): CostLine[] {
  const unpriced = [...new Set(Object.values(template.Resources).map((resource) => resource.Type))].filter(
    (type) => !freeTypes.has(type) && !pricedTypes.has(type),
  );
  if (unpriced.length > 0) throw new Error(`the cost estimate does not price ${unpriced.join(', ')}: add them to infra/cost/estimate.ts`);

  const lines: CostLine[] = [];
  const add = (category: string, item: string, baseline: number, atMaxScale = baseline) =>
    lines.push({ category, item, baseline: round(baseline), atMaxScale: round(atMaxScale) });
  const resources = template.Resources;

  // ECS services: each task definition's size at the scalable target's min and max task counts.
  const scalableTargets = byType(template, 'AWS::ApplicationAutoScaling::ScalableTarget').map(([, target]) => target.Properties!);
  for (const [id, service] of byType(template, 'AWS::ECS::Service')) {
    const taskDefinition = resources[refOf(service.Properties!.TaskDefinition)!]!.Properties!;
    const target = scalableTargets.find((candidate) => JSON.stringify(candidate.ResourceId).includes(`"${id}"`));
    const min = target?.MinCapacity ?? service.Properties!.DesiredCount ?? 1;
    const max = target?.MaxCapacity ?? min;
    const monthly = hoursPerMonth * fargateHourly(taskDefinition);
    add(
      'ECS Fargate',
      `${service.Properties!.ServiceName}: ${Number(taskDefinition.Cpu) / 1024} vCPU, ${Number(taskDefinition.Memory) / 1024} GB, ${min}-${max} tasks`,
      min * monthly,
      max * monthly,
    );
  }
  // Task definitions no service runs: the VaR workers the risk service starts on demand.
  const serviceTaskDefinitions = new Set(byType(template, 'AWS::ECS::Service').map(([, service]) => refOf(service.Properties!.TaskDefinition)));
  for (const [id, taskDefinition] of byType(template, 'AWS::ECS::TaskDefinition')) {
    if (serviceTaskDefinitions.has(id)) continue;
    add(
      'ECS Fargate',
      `${taskDefinition.Properties!.Family} (on demand): ${load.workerTaskHours} task-hours`,
      load.workerTaskHours * fargateHourly(taskDefinition.Properties!),
    );
  }

  for (const [, loadBalancer] of byType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const zones = (loadBalancer.Properties!.Subnets as unknown[]).length;
    // LCUs: the largest of the dimensions; here processed bytes (1 GB an hour per LCU) and
    // requests (25 a second per LCU) decide, new and active connections are far below theirs.
    const lcu = Math.max(load.apiGb / hoursPerMonth, load.apiRequests / hoursPerMonth / 3600 / 25);
    add('Load balancer', `ALB in ${zones} zones, ${lcu.toFixed(2)} LCU on average`, hoursPerMonth * (prices.alb.hour + lcu * prices.alb.lcuHour));
    add('VPC', `${zones} public IPv4 addresses of the ALB`, zones * hoursPerMonth * prices.publicIpv4Hour);
  }
  const natGateways = byType(template, 'AWS::EC2::NatGateway').length;
  if (natGateways > 0) {
    add(
      'VPC',
      `${natGateways} NAT gateway(s) with their public IPv4, ${load.natGb} GB processed`,
      natGateways * hoursPerMonth * (prices.natGateway.hour + prices.publicIpv4Hour) + load.natGb * prices.natGateway.gbProcessed,
    );
  }
  add(
    'Data transfer',
    `${load.transferOutGb} GB out to the internet (first ${prices.transferOut.freeGb} GB free)`,
    Math.max(0, load.transferOutGb - prices.transferOut.freeGb) * prices.transferOut.gb,
  );

  for (const [, database] of byType(template, 'AWS::RDS::DBInstance')) {
    const properties = database.Properties!;
    const instanceClass = properties.DBInstanceClass as string;
    const hourly = prices.rds.instanceHour[instanceClass];
    if (hourly === undefined) throw new Error(`no price for RDS instance class ${instanceClass}: add it to infra/cost/prices.ts`);
    const copies = properties.MultiAZ ? 2 : 1;
    const storage = Number(properties.AllocatedStorage);
    add('RDS', `PostgreSQL ${instanceClass}${copies === 2 ? ' Multi-AZ' : ''}`, copies * hourly * hoursPerMonth);
    add(
      'RDS',
      `${storage} GB gp3${copies === 2 ? ' (x2, Multi-AZ)' : ''}, ${load.backupGbBeyondFree} GB backups beyond the free allowance`,
      copies * storage * prices.rds.gp3GbMonth + load.backupGbBeyondFree * prices.rds.backupGbMonth,
    );
  }

  for (const [, stream] of byType(template, 'AWS::Kinesis::Stream')) {
    const shards = Number(stream.Properties!.ShardCount);
    const records = Math.ceil(load.streamedRows / load.rowsPerRecord);
    // A PUT payload unit is 25 KB; a record of 50 rows (~15 KB of JSON) is one unit.
    add(
      'Kinesis',
      `${shards} shards, ${(records / 1e6).toFixed(2)} M records`,
      shards * hoursPerMonth * prices.kinesis.shardHour + (records / 1e6) * prices.kinesis.putUnitsPerMillion,
    );
  }

  for (const [, fn] of byType(template, 'AWS::Lambda::Function')) {
    if (fn.Properties!.PackageType !== 'Image') continue; // CDK's deploy-time helpers
    const invocations = load.analyses * load.resourcesPerAnalysis;
    const gbSeconds = invocations * (load.lambdaMsPerResource / 1000) * (Number(fn.Properties!.MemorySize) / 1024);
    add(
      'Lambda',
      `${fn.Properties!.FunctionName}: ${(invocations / 1e6).toFixed(2)} M calls, ${Math.round(gbSeconds)} GB-s`,
      gbSeconds * prices.lambda.gbSecond + (invocations / 1e6) * prices.lambda.requestsPerMillion,
    );
  }

  if (byType(template, 'AWS::S3::Bucket').length > 0) {
    add(
      'S3',
      `${load.artifactGb} GB of artifacts, ${load.artifactPuts} writes, ${load.artifactGets} reads`,
      load.artifactGb * prices.s3.gbMonth + (load.artifactPuts / 1000) * prices.s3.putPer1000 + (load.artifactGets / 1000) * prices.s3.getPer1000,
    );
  }
  add('ECR', `${load.imageGb} GB of images`, load.imageGb * prices.ecr.gbMonth);

  const alarmMetrics = byType(template, 'AWS::CloudWatch::Alarm').reduce((sum, [, alarm]) => {
    const metrics = (alarm.Properties!.Metrics as { Expression?: string }[] | undefined)?.filter((metric) => !metric.Expression).length;
    return sum + (metrics ?? 1);
  }, 0);
  const customMetrics = byType(template, 'AWS::Logs::MetricFilter').length;
  add(
    'CloudWatch',
    `${alarmMetrics} alarm metrics, ${customMetrics} custom metrics, ${load.logGb} GB of logs`,
    alarmMetrics * prices.cloudwatch.alarmMetricMonth +
      customMetrics * prices.cloudwatch.customMetricMonth +
      load.logGb * (prices.cloudwatch.logsIngestGb + prices.cloudwatch.logsStoredGbMonth),
  );

  const secrets = byType(template, 'AWS::SecretsManager::Secret').length;
  add(
    'Secrets Manager',
    `${secrets} secret(s), ${load.secretReads} reads`,
    secrets * prices.secretsManager.secretMonth + (load.secretReads / 10_000) * prices.secretsManager.per10kCalls,
  );
  return lines;
}

export interface CategoryTotal {
  category: string;
  baseline: number;
  atMaxScale: number;
  reference: number | undefined;
}

/** Lines summed per category, beside the reference's budget for the same category. */
export function totalsByCategory(lines: CostLine[], reference: Record<string, number>): CategoryTotal[] {
  const categories = [...new Set([...lines.map((line) => line.category), ...Object.keys(reference)])];
  return categories.map((category) => {
    const mine = lines.filter((line) => line.category === category);
    return {
      category,
      baseline: round(mine.reduce((sum, line) => sum + line.baseline, 0)),
      atMaxScale: round(mine.reduce((sum, line) => sum + line.atMaxScale, 0)),
      reference: reference[category],
    };
  });
}
