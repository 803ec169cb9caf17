import { describe, expect, it } from 'vitest';
import { queueFullRefusalsPerFiveMinutes } from '../lib/alarms.ts';
import { declarations, resourcesOf, synthStack } from './synth-stack.ts';

describe('queue-full alarms', () => {
  it('pages when a service that runs jobs refuses submissions because a queue is at its bound, counted from job_admission_refused log lines', () => {
    const { template } = synthStack();
    const filters = resourcesOf(template, 'AWS::Logs::MetricFilter').map(([, filter]) => filter.Properties);
    const refusalFilters = filters.filter((filter) => filter.FilterPattern === '{ $.event = "job_admission_refused" }');
    const jobServices = declarations
      .filter((declaration) => declaration.runsJobs)
      .map((declaration) => declaration.name)
      .sort();
    expect(refusalFilters.map((filter) => filter.MetricTransformations[0].MetricName).sort()).toEqual(
      jobServices.map((name) => `${name}-jobs-refused-queue-full`),
    );

    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const queueFull = alarms.filter((alarm) => /-jobs-refused-queue-full$/.test(alarm.MetricName ?? ''));
    expect(queueFull).toHaveLength(jobServices.length);
    for (const alarm of queueFull) {
      expect(alarm).toMatchObject({
        Threshold: queueFullRefusalsPerFiveMinutes,
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
      });
      expect(alarm.AlarmActions.some((action: { Ref?: string }) => action.Ref?.includes('AlarmsTopic'))).toBe(true);
    }
  });
});
