import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { ServiceName } from './settings.ts';

/**
 * What each service's task role may do: exactly the API calls its code makes, on exactly its
 * resources. Written out rather than taken from CDK's grant helpers, whose action lists are
 * broader (`s3:GetObject*`, `s3:List*`) than what the code calls.
 */
export interface PolicyResources {
  stream: kinesis.IStream;
  bucket: s3.IBucket;
  artifactPrefix: string;
  varFunction: lambda.IFunction;
  cluster: ecs.ICluster;
  workerTaskDefinition: ecs.TaskDefinition;
}

export function taskPolicyStatements(service: ServiceName, resources: PolicyResources): iam.PolicyStatement[] {
  switch (service) {
    case 'market-data':
      return []; // PostgreSQL only; its credentials arrive as an ECS secret.
    case 'ingestor':
      return [
        new iam.PolicyStatement({
          sid: 'ReadAuctionStream',
          actions: ['kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'],
          resources: [resources.stream.streamArn],
        }),
      ];
    case 'model':
      return [
        new iam.PolicyStatement({
          sid: 'ReadWriteArtifacts',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [resources.bucket.arnForObjects(`${resources.artifactPrefix}/*`)],
        }),
        // Without ListBucket a missing artifact reads as 403, not the NoSuchKey the store reports as "not found".
        new iam.PolicyStatement({ sid: 'TellMissingArtifacts', actions: ['s3:ListBucket'], resources: [resources.bucket.bucketArn] }),
      ];
    case 'risk-analysis': {
      const { cluster, workerTaskDefinition } = resources;
      const stack = Stack.of(cluster);
      const tasksOfCluster = Arn.format({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
      const onCluster = { ArnEquals: { 'ecs:cluster': cluster.clusterArn } };
      const passedRoles = [workerTaskDefinition.taskRole.roleArn, workerTaskDefinition.obtainExecutionRole().roleArn];
      return [
        new iam.PolicyStatement({ sid: 'InvokeVarFunction', actions: ['lambda:InvokeFunction'], resources: [resources.varFunction.functionArn] }),
        new iam.PolicyStatement({ sid: 'StartVarWorkers', actions: ['ecs:RunTask'], resources: [workerTaskDefinition.taskDefinitionArn], conditions: onCluster }),
        new iam.PolicyStatement({ sid: 'WatchAndStopVarWorkers', actions: ['ecs:DescribeTasks', 'ecs:StopTask'], resources: [tasksOfCluster], conditions: onCluster }),
        new iam.PolicyStatement({
          sid: 'PassVarWorkerRoles',
          actions: ['iam:PassRole'],
          resources: passedRoles,
          conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        }),
      ];
    }
  }
}
