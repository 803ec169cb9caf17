import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Retention in days as CloudWatch accepts it (it takes only certain values). */
function retentionOf(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays)
    .filter((value): value is number => typeof value === 'number' && value > 0)
    .sort((a, b) => a - b);
  const chosen = allowed.find((value) => value >= days) ?? allowed.at(-1)!;
  return chosen as logs.RetentionDays;
}

/** One log group per service, created here (not by the log driver) so it has a retention. */
export function serviceLogGroup(scope: Construct, id: string, name: string, retentionDays: number): logs.LogGroup {
  return new logs.LogGroup(scope, id, { logGroupName: name, retention: retentionOf(retentionDays), removalPolicy: RemovalPolicy.RETAIN });
}
