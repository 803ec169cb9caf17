import { Duration, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { defaultService, routeTable } from '@closecross/platform';
import { Construct } from 'constructs';
import { databasePort, type DataStores } from './data-stores.ts';
import { healthCheckOf, serviceImage } from './images.ts';
import { listenerRulesFor } from './listener-rules.ts';
import { serviceLogGroup } from './logging.ts';
import { serviceNames, type DeploymentSettings, type ServiceName } from './settings.ts';
import { taskPolicyStatements } from './task-policies.ts';
import { workerPort, type VarCompute } from './var-compute.ts';

const containerPort = 8080;
export const artifactPrefix = 'models';
/** ALB requests per task that target tracking holds (the reference's figure), and its warm-up. */
export const requestsPerTarget = 20;
export const scalingCooldown = Duration.seconds(300);

export interface DeployedService {
  name: ServiceName;
  service: ecs.FargateService;
  targetGroup: elbv2.ApplicationTargetGroup;
  logGroup: logs.LogGroup;
}

/** The ECS cluster, the ALB with its rules from the route table, and one Fargate service per service. */
export class FargateServices extends Construct {
  readonly cluster: ecs.Cluster;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly services = new Map<ServiceName, DeployedService>();

  constructor(scope: Construct, id: string, props: { settings: DeploymentSettings; vpc: ec2.IVpc; stores: DataStores; varCompute: VarCompute }) {
    super(scope, id);
    const { settings, vpc, stores, varCompute } = props;
    const region = Stack.of(this).region;

    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc, clusterName: `${settings.name}-closecross` });

    const albSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', { vpc, description: 'ALB: HTTP(S) from anywhere' });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: albSecurityGroup,
      dropInvalidHeaderFields: true,
      // A 100,000-row POST or a synchronous analysis can take longer than the 60 s default.
      idleTimeout: Duration.seconds(180),
    });
    const listener = this.listenerOf(settings);

    const privateSubnets = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds;
    const environments: Record<ServiceName, Record<string, string>> = {
      'market-data': {},
      ingestor: { INGEST_STREAM: stores.stream.streamName },
      model: {
        ARTIFACT_STORE_URL: `s3://${stores.bucket.bucketName}/${artifactPrefix}`,
        MODEL_TRAIN_THREADS: String(Math.max(1, settings.services.model.cpu / 1024)),
      },
      'risk-analysis': {
        RISK_LAMBDA_FUNCTION: varCompute.function.functionName,
        RISK_LAMBDA_MEMORY_MB: String(settings.varLambda.memoryMiB),
        RISK_ECS_CLUSTER: this.cluster.clusterName,
        RISK_ECS_TASK_DEFINITION: varCompute.workerTaskDefinition.taskDefinitionArn,
        RISK_ECS_SUBNETS: privateSubnets.join(','),
        RISK_ECS_SECURITY_GROUPS: varCompute.workerSecurityGroup.securityGroupId,
        RISK_WORKER_PORT: String(workerPort),
        RISK_WORKER_VCPU: String(settings.varWorker.cpu / 1024),
        RISK_WORKER_MEMORY_GB: String(settings.varWorker.memoryMiB / 1024),
      },
    };
    const policyResources = {
      stream: stores.stream,
      bucket: stores.bucket,
      artifactPrefix,
      varFunction: varCompute.function,
      cluster: this.cluster,
      workerTaskDefinition: varCompute.workerTaskDefinition,
    };

    const rules = listenerRulesFor(routeTable);
    for (const name of serviceNames) {
      const size = settings.services[name];
      const routes = routeTable.find((entry) => entry.service === name);
      if (!routes) throw new Error(`the route table has no entry for ${name}`);

      const taskRole = new iam.Role(this, `${name}TaskRole`, {
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
        description: `Closecross ${name}: only the AWS calls its code makes`,
      });
      for (const statement of taskPolicyStatements(name, policyResources)) taskRole.addToPolicy(statement);

      const taskDefinition = new ecs.FargateTaskDefinition(this, `${name}Task`, {
        family: `${settings.name}-closecross-${name}`,
        cpu: size.cpu,
        memoryLimitMiB: size.memoryMiB,
        taskRole,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      });
      const logGroup = serviceLogGroup(this, `${name}Logs`, `/closecross/${settings.name}/${name}`, settings.logRetentionDays);
      taskDefinition.addContainer(name, {
        image: serviceImage(name),
        portMappings: [{ containerPort }],
        environment: {
          PORT: String(containerPort),
          LOG_LEVEL: 'info',
          AWS_REGION: region,
          DB_SSL: 'require',
          DB_POOL_MAX: '10',
          ...environments[name],
        },
        // The RDS secret's JSON, injected by ECS from Secrets Manager at start: no password in the task definition.
        secrets: { DB_SECRET_JSON: ecs.Secret.fromSecretsManager(stores.databaseSecret) },
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name }),
        healthCheck: healthCheckOf(containerPort),
        stopTimeout: Duration.seconds(30),
      });

      // A security group per service: each takes traffic from the ALB only, each may reach
      // PostgreSQL, and only the risk service may reach the VaR workers.
      const securityGroup = new ec2.SecurityGroup(this, `${name}SecurityGroup`, { vpc, description: `${name} tasks: from the ALB only` });
      securityGroup.addIngressRule(albSecurityGroup, ec2.Port.tcp(containerPort), `ALB to ${name}`);
      stores.database.connections.allowFrom(securityGroup, ec2.Port.tcp(databasePort), `${name} to PostgreSQL`);
      if (name === 'risk-analysis') varCompute.workerSecurityGroup.addIngressRule(securityGroup, ec2.Port.tcp(workerPort), 'risk service to VaR workers');

      const service = new ecs.FargateService(this, `${name}Service`, {
        serviceName: `${settings.name}-closecross-${name}`,
        cluster: this.cluster,
        taskDefinition,
        desiredCount: size.minTasks,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [securityGroup],
        assignPublicIp: false,
        circuitBreaker: { enable: true, rollback: true },
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        healthCheckGracePeriod: Duration.seconds(60),
      });

      const targetGroup = new elbv2.ApplicationTargetGroup(this, `${name}Targets`, {
        vpc,
        port: containerPort,
        protocol: elbv2.ApplicationProtocol.HTTP,
        targetType: elbv2.TargetType.IP,
        targets: [service],
        // Tasks finish in-flight requests within 10 s of SIGTERM.
        deregistrationDelay: Duration.seconds(30),
        healthCheck: { path: routes.healthPath, interval: Duration.seconds(15), timeout: Duration.seconds(5), healthyThresholdCount: 2, unhealthyThresholdCount: 3, healthyHttpCodes: '200' },
      });
      if (name === defaultService) listener.addAction('Default', { action: elbv2.ListenerAction.forward([targetGroup]) });
      for (const rule of rules.filter((candidate) => candidate.service === name)) {
        new elbv2.ApplicationListenerRule(this, `${name}Rule${rule.priority}`, {
          listener,
          priority: rule.priority,
          conditions: [elbv2.ListenerCondition.pathPatterns(rule.pathPatterns)],
          action: elbv2.ListenerAction.forward([targetGroup]),
        });
      }

      const scaling = service.autoScaleTaskCount({ minCapacity: size.minTasks, maxCapacity: size.maxTasks });
      if (name === 'ingestor') {
        // The ingestor's load is the stream, not requests: it grows while records wait, up to one task per shard.
        scaling.scaleOnMetric('StreamLag', {
          metric: stores.stream.metricGetRecordsIteratorAgeMilliseconds({ statistic: 'Maximum', period: Duration.minutes(1) }),
          adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
          scalingSteps: [
            { upper: 10_000, change: -1 },
            { lower: 60_000, change: +1 },
            { lower: 300_000, change: +2 },
          ],
          cooldown: scalingCooldown,
        });
      } else {
        scaling.scaleOnRequestCount('Requests', { requestsPerTarget, targetGroup, scaleInCooldown: scalingCooldown, scaleOutCooldown: scalingCooldown });
      }
      this.services.set(name, { name, service, targetGroup, logGroup });
    }
  }

  /** HTTPS with the given certificate (HTTP redirects to it), or HTTP alone without one. */
  private listenerOf(settings: DeploymentSettings): elbv2.ApplicationListener {
    if (!settings.certificateArn) return this.loadBalancer.addListener('Http', { port: 80, protocol: elbv2.ApplicationProtocol.HTTP, open: true });
    this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    return this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(settings.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: true,
    });
  }
}
