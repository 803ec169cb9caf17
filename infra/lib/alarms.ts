import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { logEvents, type LogAlarm } from '@closecross/platform';
import { Construct } from 'constructs';
import type { DeployedService } from './fargate-services.ts';
import type { DeploymentSettings } from './settings.ts';

/** The services log `event: "job_failed"` when a job fails for good (retried attempts log another event). */
export const jobFailedPattern = logs.FilterPattern.stringValue('$.event', '=', logEvents.jobFailed);

/** The job engine logs `event: "job_admission_refused"` for each enqueue refused 429 because its queue was full. */
export const jobAdmissionRefusedPattern = logs.FilterPattern.stringValue('$.event', '=', logEvents.jobAdmissionRefused);

/** A declared log alarm's filter: its event, and each `where` field equal to its value. */
export function logAlarmPattern(alarm: LogAlarm): logs.IFilterPattern {
  const event = logs.FilterPattern.stringValue('$.event', '=', alarm.event);
  const fields = Object.entries(alarm.where ?? {}).map(([field, value]) => logs.FilterPattern.stringValue(`$.${field}`, '=', value));
  return fields.length === 0 ? event : logs.FilterPattern.all(event, ...fields);
}

/**
 * Refusals in five minutes that page: a client told to wait now and then is admission control
 * working; this many, two periods in three, is demand the workers cannot keep up with (or a flood).
 */
export const queueFullRefusalsPerFiveMinutes = 50;

/**
 * What pages the operator: 5xx rate and p99 latency per service, 5xx the ALB itself answers,
 * ingest lag on the stream, failed jobs, job queues refusing work. All go to one SNS topic (email from the settings).
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: { settings: DeploymentSettings; services: DeployedService[]; loadBalancer: elbv2.ApplicationLoadBalancer; stream: kinesis.IStream },
  ) {
    super(scope, id);
    const { settings } = props;
    this.topic = new sns.Topic(this, 'Topic', { topicName: `${settings.name}-closecross-alarms`, enforceSSL: true });
    if (settings.alarms.email) this.topic.addSubscription(new subscriptions.EmailSubscription(settings.alarms.email));
    const fiveMinutes = Duration.minutes(5);

    for (const { name, declaration, targetGroup, logGroup } of props.services) {
      const errors = targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: fiveMinutes, statistic: 'Sum' });
      const requests = targetGroup.metrics.requestCount({ period: fiveMinutes, statistic: 'Sum' });
      this.add(`${name}ErrorRate`, {
        alarmDescription: `${name}: more than ${settings.alarms.errorRatePercent}% of requests answered 5xx`,
        metric: new cloudwatch.MathExpression({
          expression: 'IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)',
          usingMetrics: { errors, requests },
          label: `${name} 5xx %`,
          period: fiveMinutes,
        }),
        threshold: settings.alarms.errorRatePercent,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
      this.add(`${name}LatencyP99`, {
        alarmDescription: `${name}: p99 response time above ${settings.alarms.p99LatencySeconds} s`,
        metric: targetGroup.metrics.targetResponseTime({ period: fiveMinutes, statistic: 'p99' }),
        threshold: settings.alarms.p99LatencySeconds,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
      });
      // Log alarms come from the declarations only: a service pages on a line by declaring it.
      for (const [index, alarm] of (declaration.logAlarms ?? []).entries()) {
        const filter = new logs.MetricFilter(this, `${name}LogAlarmFilter${index}`, {
          logGroup,
          filterPattern: logAlarmPattern(alarm),
          metricNamespace: `Closecross/${settings.name}`,
          metricName: `${name}-${alarm.metric ?? alarm.event}`,
          metricValue: '1',
          defaultValue: 0,
        });
        this.add(`${name}LogAlarm${index}`, {
          alarmDescription: `${name}: ${alarm.description}`,
          metric: filter.metric({ period: fiveMinutes, statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: 1,
        });
      }
      if (declaration.runsJobs) {
        const filter = new logs.MetricFilter(this, `${name}JobFailureFilter`, {
          logGroup,
          filterPattern: jobFailedPattern,
          metricNamespace: `Closecross/${settings.name}`,
          metricName: `${name}-job-failures`,
          metricValue: '1',
          defaultValue: 0,
        });
        const refusals = new logs.MetricFilter(this, `${name}QueueFullFilter`, {
          logGroup,
          filterPattern: jobAdmissionRefusedPattern,
          metricNamespace: `Closecross/${settings.name}`,
          metricName: `${name}-jobs-refused-queue-full`,
          metricValue: '1',
          defaultValue: 0,
        });
        this.add(`${name}QueueFull`, {
          alarmDescription: `${name}: job submissions refused (429) because a queue is at its bound (GET /jobs/queues shows depth, drain rate and bounds)`,
          metric: refusals.metric({ period: fiveMinutes, statistic: 'Sum' }),
          threshold: queueFullRefusalsPerFiveMinutes,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
        });
        this.add(`${name}JobFailures`, {
          alarmDescription: `${name}: a job failed for good (see the job's error via GET /jobs or /analyses)`,
          metric: filter.metric({ period: fiveMinutes, statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: 1,
        });
      }
    }

    this.add('LoadBalancer5xx', {
      alarmDescription: 'the ALB itself answered 5xx (no healthy task, or tasks timing out)',
      metric: props.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: fiveMinutes, statistic: 'Sum' }),
      threshold: 10,
      evaluationPeriods: 2,
    });
    this.add('IngestLag', {
      alarmDescription: `ingest lag: the oldest unread record is older than ${settings.alarms.ingestLagSeconds} s`,
      metric: props.stream.metricGetRecordsIteratorAgeMilliseconds({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: settings.alarms.ingestLagSeconds * 1000,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });
  }

  private add(id: string, props: Omit<cloudwatch.AlarmProps, 'comparisonOperator' | 'treatMissingData'>): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No traffic or no records is not a failure.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
