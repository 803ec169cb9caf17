import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { WorkerEntryPoint } from '@closecross/platform';
import { healthCheckOf, lambdaImageCode, serviceImage } from './images.ts';
import { serviceLogGroup } from './logging.ts';
import type { DeploymentSettings } from './settings.ts';
import { VarWorkerToken } from './var-worker-token.ts';

export const workerPort = 8080;

/**
 * What the risk service fans Monte Carlo work out to: the VaR Lambda function, and the VaR
 * worker task definition it starts with RunTask (no service: the risk service starts and stops
 * the tasks itself) with the token the workers accept. Their images are the workers the risk
 * service declares.
 */
export class VarCompute extends Construct {
  readonly function: lambda.DockerImageFunction;
  readonly workerTaskDefinition: ecs.FargateTaskDefinition;
  readonly workerSecurityGroup: ec2.SecurityGroup;
  /** Injected here into the workers; the stack injects it into the service that starts them. */
  readonly workerToken: VarWorkerToken;
  readonly logGroups: logs.LogGroup[];

  constructor(
    scope: Construct,
    id: string,
    props: { settings: DeploymentSettings; vpc: ec2.IVpc; lambdaEntry: WorkerEntryPoint; workerEntry: WorkerEntryPoint },
  ) {
    super(scope, id);
    const { settings, vpc } = props;
    const functionName = `${settings.name}-closecross-var`;
    const lambdaLogs = serviceLogGroup(this, 'FunctionLogs', `/aws/lambda/${functionName}`, settings.logRetentionDays);
    // Pure compute on the event it is given: no VPC, no database, no AWS calls. Its role may
    // write its own log group only (the managed basic-execution policy allows any log group).
    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Closecross VaR Lambda: its own logs only',
    });
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [lambdaLogs.logGroupArn] }),
    );
    this.function = new lambda.DockerImageFunction(this, 'Function', {
      role,
      functionName,
      description: 'Closecross Monte Carlo VaR: one resource of an analysis per call',
      code: lambdaImageCode(props.lambdaEntry.image),
      architecture: lambda.Architecture.X86_64,
      memorySize: settings.varLambda.memoryMiB,
      timeout: Duration.seconds(settings.varLambda.timeoutSeconds),
      logGroup: lambdaLogs,
      ...(settings.varLambda.reservedConcurrency > 0 ? { reservedConcurrentExecutions: settings.varLambda.reservedConcurrency } : {}),
    });

    this.workerToken = new VarWorkerToken(this, 'WorkerToken', { settings });
    const workerLogs = serviceLogGroup(this, 'WorkerLogs', `/closecross/${settings.name}/var-worker`, settings.logRetentionDays);
    this.workerTaskDefinition = new ecs.FargateTaskDefinition(this, 'WorkerTask', {
      family: `${settings.name}-closecross-var-worker`,
      cpu: settings.varWorker.cpu,
      memoryLimitMiB: settings.varWorker.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.workerTaskDefinition.addContainer(props.workerEntry.name, {
      image: serviceImage(props.workerEntry.image),
      portMappings: [{ containerPort: workerPort }],
      environment: { PORT: String(workerPort), LOG_LEVEL: 'info', AWS_REGION: Stack.of(this).region },
      // Without it a worker listening beyond loopback refuses to start (it has no other way to know its caller).
      secrets: this.workerToken.taskSecrets(),
      logging: ecs.LogDrivers.awsLogs({ logGroup: workerLogs, streamPrefix: props.workerEntry.name }),
      // The risk service waits for HEALTHY before sending work.
      healthCheck: healthCheckOf(workerPort),
    });
    this.workerSecurityGroup = new ec2.SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc,
      description: 'VaR worker tasks: reachable from the risk service only',
    });
    this.logGroups = [lambdaLogs, workerLogs];
  }
}
