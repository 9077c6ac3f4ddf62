import { Duration, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  checkAlarmContract,
  PlatformMonitoring,
  type PlatformMonitoringProps,
  parseAlarmDescription,
} from '../../constructs/observability';
import { observabilityStack, RUNBOOK_DIR, templates } from './observability-fixtures';

function handles(stack: Stack): Omit<PlatformMonitoringProps, 'topics'> {
  return {
    environment: 'prod',
    owners: { serving: 'ml-serving', features: 'ml-features' },
    streaming: { clusterName: 'prod-events', brokerCount: 3, consumerGroups: [{ group: 'feature-writer', topic: 'loan-applications' }] },
    onlineStore: {
      replicationGroupId: 'prod-features',
      nodeIds: ['prod-features-0001-001', 'prod-features-0001-002'],
      replicaNodeIds: ['prod-features-0001-002'],
    },
    sparkApplications: { batch: '00fabc123def4567' },
    kubernetesClusterName: 'prod-ml',
    endpoints: [{ endpointName: 'prod-credit-scoring', variantName: 'primary', latencyP99: Duration.millis(200), severity: 'ticket' }],
    pipelines: { training: sfn.StateMachine.fromStateMachineName(stack, 'Training', 'prod-training') },
    featureFreshness: { namespace: 'MlPlatform/Features', featureViews: ['applicant-profile', 'bureau-summary'] },
  };
}

/** name → severity/owner/runbook/actions of every alarm of the stack. */
function alarmTable(stack: Stack): Record<string, string> {
  const resources = Template.fromStack(stack).toJSON().Resources;
  const out: Record<string, string> = {};
  for (const r of Object.values<any>(resources)) {
    if (!r.Type.startsWith('AWS::CloudWatch::') || r.Type === 'AWS::CloudWatch::Dashboard') continue;
    const p = parseAlarmDescription(r.Properties.AlarmDescription);
    const kind = r.Type === 'AWS::CloudWatch::CompositeAlarm' ? 'composite' : r.Properties.AlarmActions ? 'alarm' : 'signal';
    out[r.Properties.AlarmName] = `${kind} ${p.severity} ${p.owner} ${p.runbook}`;
  }
  return out;
}

describe('PlatformMonitoring', () => {
  test('every alarm follows the contract and names a committed runbook', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    // WHEN
    new PlatformMonitoring(stack, 'Monitoring', { topics, ...handles(stack) });
    // THEN
    expect(checkAlarmContract(templates(stack), { runbookDir: RUNBOOK_DIR })).toEqual([]);
  });

  test('what pages and what tickets', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    // WHEN
    new PlatformMonitoring(stack, 'Monitoring', { topics, ...handles(stack) });
    // THEN
    expect(alarmTable(stack)).toMatchSnapshot();
  });

  test('a detail and a summary dashboard per environment', () => {
    const { stack, topics } = observabilityStack();
    new PlatformMonitoring(stack, 'Monitoring', { topics, ...handles(stack) });
    const dashboards = Object.values<any>(Template.fromStack(stack).toJSON().Resources).filter(
      (r) => r.Type === 'AWS::CloudWatch::Dashboard',
    );
    expect(dashboards.map((d) => d.Properties.DashboardName).sort()).toEqual(['prod-ml-platform', 'prod-ml-platform-Summary']);
    const body = JSON.stringify(dashboards.map((d) => d.Properties.DashboardBody));
    for (const text of [
      'OfflinePartitionsCount',
      'DatabaseMemoryUsagePercentage',
      'AWS/EMRServerless',
      'cluster_failed_node_count',
      'ModelLatency',
      'FeatureAgeSeconds',
      'ExecutionsFailed',
    ]) {
      expect(body).toContain(text);
    }
  });

  test('without dashboards (a cheap environment) the alarms are the same; an endpoint without alarms is a dashboard section only', () => {
    // GIVEN
    const full = observabilityStack();
    new PlatformMonitoring(full.stack, 'Monitoring', { ...handles(full.stack), topics: full.topics });
    const lean = observabilityStack();
    const h = handles(lean.stack);
    new PlatformMonitoring(lean.stack, 'Monitoring', {
      ...h,
      topics: lean.topics,
      dashboards: false,
      endpoints: h.endpoints!.map((e) => ({ ...e, alarms: false })),
    });
    // WHEN
    const before = alarmTable(full.stack);
    const after = alarmTable(lean.stack);
    // THEN
    Template.fromStack(lean.stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    const endpointAlarms = Object.keys(before).filter((n) => n.includes('endpoint-degraded'));
    expect(endpointAlarms.length).toBeGreaterThan(0);
    expect(after).toEqual(Object.fromEntries(Object.entries(before).filter(([n]) => !n.includes('endpoint-degraded'))));
    expect(checkAlarmContract(templates(lean.stack), { runbookDir: RUNBOOK_DIR })).toEqual([]);
  });

  test('the worst MSK broker is one metric-math alarm over every broker', () => {
    const { stack, topics } = observabilityStack();
    new PlatformMonitoring(stack, 'Monitoring', { topics, ...handles(stack) });
    const alarm = Object.values<any>(Template.fromStack(stack).toJSON().Resources).find(
      (r) => r.Properties?.AlarmName === 'prod-msk-under-replicated-partitions',
    );
    expect(alarm.Properties.Metrics[0].Expression).toBe('MAX([m0, m1, m2])');
    expect(
      alarm.Properties.Metrics.slice(1).map((m: any) => m.MetricStat.Metric.Dimensions.find((d: any) => d.Name === 'Broker ID').Value),
    ).toEqual(['1', '2', '3']);
    expect(alarm.Properties.EvaluationPeriods).toBe(15);
  });

  test('bad handles are reported together, one line each', () => {
    const { stack, topics } = observabilityStack();
    expect(
      () =>
        new PlatformMonitoring(stack, 'Monitoring', {
          topics,
          environment: 'dev',
          owners: { serving: 'ML Serving' },
          streaming: { clusterName: 'x', brokerCount: 0 },
          onlineStore: { replicationGroupId: 'g', nodeIds: ['a'], replicaNodeIds: ['b'] },
        }),
    ).toThrow(
      [
        "dev.observability.owners.serving.owner: 'ML Serving' is not a team name (lower-case letters, digits and '-', 2 to 63 characters)",
        'dev.observability.streaming.brokerCount: 0 is not a positive whole number',
        "dev.observability.onlineStore.replicaNodeIds: 'b' is not one of nodeIds",
      ].join('\n'),
    );
  });

  test('the three compliance packs find nothing', () => {
    const { app, stack, topics } = observabilityStack({ nag: true });
    new PlatformMonitoring(stack, 'Monitoring', { topics, ...handles(stack) });
    expect(() => app.synth()).not.toThrow();
  });
});
