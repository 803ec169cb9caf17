import { Duration, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { defaultService, routeTableOf, type DeploymentSecret, type DeploymentValue, type ServiceDeclaration } from '@closecross/platform';
import { Construct } from 'constructs';
import type { AdminBootstrap } from './admin-bootstrap.ts';
import { AlpacaSecret } from './alpaca-secret.ts';
import { databasePort, type DataStores } from './data-stores.ts';
import { healthCheckOf, serviceImage } from './images.ts';
import { listenerRulesFor } from './listener-rules.ts';
import { serviceLogGroup } from './logging.ts';
import type { DeploymentSettings, ServiceSize } from './settings.ts';
import { taskPolicyStatements } from './task-policies.ts';
import type { TelegramBotToken } from './telegram-bot-token.ts';
import { workerPort, type VarCompute } from './var-compute.ts';

const containerPort = 8080;
export const artifactPrefix = 'models';
/** Cool-down of every scaling policy: the reference's warm-up. */
export const scalingCooldown = Duration.seconds(300);

/** A service allowed to start the VaR workers is their caller: it may reach them and holds their token. */
const startsVarWorkers = (declaration: ServiceDeclaration) => declaration.aws.some((permission) => permission.on === 'var-worker-task-definition');

export interface DeployedService {
  name: string;
  declaration: ServiceDeclaration;
  service: ecs.FargateService;
  targetGroup: elbv2.ApplicationTargetGroup;
  logGroup: logs.LogGroup;
}

export interface FargateServicesProps {
  settings: DeploymentSettings;
  declarations: readonly ServiceDeclaration[];
  vpc: ec2.IVpc;
  stores: DataStores;
  varCompute: VarCompute;
  adminBootstrap: AdminBootstrap;
  telegramBotToken: TelegramBotToken;
}

/** The ECS cluster, the ALB with its rules from the declarations, and one Fargate service per declared service. */
export class FargateServices extends Construct {
  readonly cluster: ecs.Cluster;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly services = new Map<string, DeployedService>();
  /** Only when a service declares the Alpaca key pair among its secrets. */
  readonly alpacaSecret: AlpacaSecret | undefined;

  constructor(scope: Construct, id: string, props: FargateServicesProps) {
    super(scope, id);
    const { settings, declarations, vpc, stores, varCompute } = props;
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
    /** What each deployment value a declaration may ask for is, in this stack. */
    const deploymentValue = (value: DeploymentValue, size: ServiceSize): string => {
      switch (value) {
        case 'auction-stream-name':
          return stores.stream.streamName;
        case 'artifact-store-url':
          return `s3://${stores.bucket.bucketName}/${artifactPrefix}`;
        case 'task-vcpus':
          return String(Math.max(1, size.cpu / 1024));
        case 'cluster-name':
          return this.cluster.clusterName;
        case 'task-subnets':
          return privateSubnets.join(',');
        case 'var-function-name':
          return varCompute.function.functionName;
        case 'var-function-memory-mb':
          return String(settings.varLambda.memoryMiB);
        case 'var-worker-task-definition':
          return varCompute.workerTaskDefinition.taskDefinitionArn;
        case 'var-worker-security-group':
          return varCompute.workerSecurityGroup.securityGroupId;
        case 'var-worker-port':
          return String(workerPort);
        case 'var-worker-vcpu':
          return String(settings.varWorker.cpu / 1024);
        case 'var-worker-memory-gb':
          return String(settings.varWorker.memoryMiB / 1024);
      }
    };
    const policyResources = {
      stream: stores.stream,
      bucket: stores.bucket,
      artifactPrefix,
      varFunction: varCompute.function,
      cluster: this.cluster,
      workerTaskDefinition: varCompute.workerTaskDefinition,
    };
    // Injected by ECS from Secrets Manager at start: no password in a task definition.
    const databaseSecret = { DB_SECRET_JSON: ecs.Secret.fromSecretsManager(stores.databaseSecret) };
    const adminSecrets = props.adminBootstrap.taskSecrets();
    const workerTokenSecret = varCompute.workerToken.taskSecrets();
    // The operator's secrets each declaration names (the Alpaca pair), made only when one is declared.
    const alpacaSecret = declarations.some((declaration) => Object.keys(declaration.secrets ?? {}).length > 0)
      ? new AlpacaSecret(this, 'AlpacaSecret', { settings })
      : undefined;
    this.alpacaSecret = alpacaSecret;
    const declaredSecrets = (declaration: ServiceDeclaration) =>
      Object.fromEntries(
        (Object.entries(declaration.secrets ?? {}) as [string, DeploymentSecret][]).map(([variable, secret]) => [variable, alpacaSecret!.taskSecret(secret)]),
      );

    const rules = listenerRulesFor(routeTableOf(declarations));
    if (!declarations.some((declaration) => declaration.name === defaultService))
      throw new Error(`no declared service is the default service ${defaultService}`);
    for (const declaration of declarations) {
      const { name } = declaration;
      const size = settings.services[name]!;

      const taskRole = new iam.Role(this, `${name}TaskRole`, {
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
        description: `Closecross ${name}: only the AWS calls its code makes`,
      });
      for (const statement of taskPolicyStatements(declaration, policyResources)) taskRole.addToPolicy(statement);

      const taskDefinition = new ecs.FargateTaskDefinition(this, `${name}Task`, {
        family: `${settings.name}-closecross-${name}`,
        cpu: size.cpu,
        memoryLimitMiB: size.memoryMiB,
        taskRole,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      });
      const logGroup = serviceLogGroup(this, `${name}Logs`, `/closecross/${settings.name}/${name}`, settings.logRetentionDays);
      const declaredValues = Object.entries(declaration.deploymentValues ?? {}) as [string, DeploymentValue][];
      taskDefinition.addContainer(name, {
        image: serviceImage(declaration.server.image),
        portMappings: [{ containerPort }],
        environment: {
          PORT: String(containerPort),
          LOG_LEVEL: 'info',
          AWS_REGION: region,
          // X-Forwarded-* are believed from inside the VPC (the ALB) only; returned URLs name the ALB.
          TRUSTED_PROXIES: vpc.vpcCidrBlock,
          PUBLIC_BASE_URL: `${settings.certificateArn ? 'https' : 'http'}://${this.loadBalancer.loadBalancerDnsName}`,
          ...(declaration.usesDatabase ? { DB_SSL: 'require', DB_POOL_MAX: '10' } : {}),
          ...Object.fromEntries(declaredValues.map(([variable, value]) => [variable, deploymentValue(value, size)])),
        },
        secrets: {
          ...(declaration.usesDatabase ? databaseSecret : {}),
          ...adminSecrets,
          ...declaredSecrets(declaration),
          ...(startsVarWorkers(declaration) ? workerTokenSecret : {}),
          ...props.telegramBotToken.taskSecretsFor(declaration),
        },
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name }),
        healthCheck: healthCheckOf(containerPort, declaration.healthPath),
        stopTimeout: Duration.seconds(30),
      });

      // A security group per service: each takes traffic from the ALB only, each that uses the
      // database may reach PostgreSQL, and only a service that starts the VaR workers may reach them.
      const securityGroup = new ec2.SecurityGroup(this, `${name}SecurityGroup`, { vpc, description: `${name} tasks: from the ALB only` });
      securityGroup.addIngressRule(albSecurityGroup, ec2.Port.tcp(containerPort), `ALB to ${name}`);
      if (declaration.usesDatabase) stores.database.connections.allowFrom(securityGroup, ec2.Port.tcp(databasePort), `${name} to PostgreSQL`);
      if (startsVarWorkers(declaration)) {
        varCompute.workerSecurityGroup.addIngressRule(securityGroup, ec2.Port.tcp(workerPort), `${name} to VaR workers`);
      }

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
        healthCheck: {
          path: declaration.healthPath,
          interval: Duration.seconds(15),
          timeout: Duration.seconds(5),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 3,
          healthyHttpCodes: '200',
        },
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
      const { scaleOn } = declaration.tasks;
      if (scaleOn === 'stream-lag') {
        // Load is the stream, not requests: grow while records wait, up to one task per shard.
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
      } else if ('subscriptionsPerTask' in scaleOn) {
        // Each price worker logs its subscriptions once a minute: their average is the load per task.
        const filter = new logs.MetricFilter(this, `${name}SubscriptionsFilter`, {
          logGroup,
          filterPattern: logs.FilterPattern.stringValue('$.event', '=', 'price_worker_load'),
          metricNamespace: `Closecross/${settings.name}`,
          metricName: `${name}-subscriptions-per-task`,
          metricValue: '$.subscriptions',
        });
        scaling.scaleToTrackCustomMetric('Subscriptions', {
          metric: filter.metric({ statistic: 'Average', period: Duration.minutes(1) }),
          targetValue: scaleOn.subscriptionsPerTask,
          scaleInCooldown: scalingCooldown,
          scaleOutCooldown: scalingCooldown,
        });
      } else {
        scaling.scaleOnRequestCount('Requests', {
          requestsPerTarget: scaleOn.requestsPerTask,
          targetGroup,
          scaleInCooldown: scalingCooldown,
          scaleOutCooldown: scalingCooldown,
        });
      }
      this.services.set(name, { name, declaration, service, targetGroup, logGroup });
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
