import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { AwsResource, ServiceDeclaration } from '@closecross/platform';

/**
 * What each service's task role may do: exactly the API calls its declaration lists, on exactly
 * the stack's resources they name. Written out rather than taken from CDK's grant helpers, whose
 * action lists are broader (`s3:GetObject*`, `s3:List*`) than what the code calls.
 */
export interface PolicyResources {
  stream: kinesis.IStream;
  bucket: s3.IBucket;
  artifactPrefix: string;
  varFunction: lambda.IFunction;
  cluster: ecs.ICluster;
  workerTaskDefinition: ecs.TaskDefinition;
}

/** The ARNs (and conditions) each resource a declaration may name stands for. */
function resourceOf(resource: AwsResource, resources: PolicyResources): { resources: string[]; conditions?: Record<string, unknown> } {
  const { cluster, workerTaskDefinition } = resources;
  const onCluster = { ArnEquals: { 'ecs:cluster': cluster.clusterArn } };
  switch (resource) {
    case 'auction-stream':
      return { resources: [resources.stream.streamArn] };
    case 'artifact-objects':
      return { resources: [resources.bucket.arnForObjects(`${resources.artifactPrefix}/*`)] };
    case 'artifact-bucket':
      return { resources: [resources.bucket.bucketArn] };
    case 'var-function':
      return { resources: [resources.varFunction.functionArn] };
    case 'var-worker-task-definition':
      return { resources: [workerTaskDefinition.taskDefinitionArn], conditions: onCluster };
    case 'var-worker-tasks': {
      const tasksOfCluster = Arn.format(
        { service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
        Stack.of(cluster),
      );
      return { resources: [tasksOfCluster], conditions: onCluster };
    }
    case 'var-worker-roles':
      return {
        resources: [workerTaskDefinition.taskRole.roleArn, workerTaskDefinition.obtainExecutionRole().roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      };
  }
}

export function taskPolicyStatements(declaration: ServiceDeclaration, resources: PolicyResources): iam.PolicyStatement[] {
  return declaration.aws.map(
    (permission) => new iam.PolicyStatement({ sid: permission.sid, actions: [...permission.actions], ...resourceOf(permission.on, resources) }),
  );
}
