import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { parse } from 'yaml';
import { PrometheusMonitoring, type PrometheusMonitoringProps } from '../../constructs/observability';
import { observabilityStack, RUNBOOK_DIR } from './observability-fixtures';

const cluster = {
  clusterArn: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod-ml',
  subnetIds: ['subnet-0a', 'subnet-0b'],
  securityGroupIds: ['sg-0scraper'],
};

function build(extra: Partial<PrometheusMonitoringProps> = {}, nag = false) {
  const f = observabilityStack({ nag });
  const logsKey = new kms.Key(f.stack, 'LogsKey', { enableKeyRotation: true });
  const amp = new PrometheusMonitoring(f.stack, 'Prometheus', {
    environment: 'prod',
    encryptionKey: f.key,
    logEncryptionKey: logsKey,
    topics: f.topics,
    cluster,
    ...extra,
  });
  return { ...f, amp, logsKey };
}

/** A template string (possibly Fn::Join with references) with each reference replaced by `<ref>`. */
function flatten(value: any): string {
  if (typeof value === 'string') return value;
  return value['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : '<ref>')).join('');
}

describe('PrometheusMonitoring', () => {
  test('a KMS-encrypted workspace with logging, retained', () => {
    const { stack, key, amp } = build();
    const t = Template.fromStack(stack);
    t.hasResource('AWS::APS::Workspace', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        Alias: 'prod-ml-platform',
        KmsKeyArn: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as any), 'Arn'] },
        LoggingConfiguration: { LogGroupArn: Match.anyValue() },
      }),
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
    expect(amp.scraperRoleArn).toBeDefined();
  });

  test('GPU rules: XID errors page, idle GPU nodes ticket after 3 hours; each with owner and an existing runbook', () => {
    const { stack } = build();
    const [rules] = Object.values<any>(Template.fromStack(stack).toJSON().Resources).filter(
      (r) => r.Type === 'AWS::APS::RuleGroupsNamespace',
    );
    const doc = parse(rules.Properties.Data);
    expect(doc.groups[0].rules.map((r: any) => [r.alert, r.for, r.labels.severity, r.labels.owner, r.annotations.runbook_url])).toEqual([
      ['GpuXidErrors', '1m', 'page', 'ml-platform', 'docs/runbooks/gpu-xid-errors.md'],
      ['GpuNodeIdle', '180m', 'ticket', 'ml-platform', 'docs/runbooks/gpu-nodes-idle.md'],
    ]);
    expect(doc.groups[0].rules[0].expr).toBe('max by (node, gpu, modelName) (DCGM_FI_DEV_XID_ERRORS) > 0');
    expect(doc.groups[0].rules[1].expr).toBe('avg by (node) (DCGM_FI_DEV_GPU_UTIL) < 5');
    for (const r of doc.groups[0].rules) expect(existsSync(join(RUNBOOK_DIR, `${r.labels.runbook}.md`))).toBe(true);
  });

  test('the alert manager routes page alerts to the page topic and the rest to the ticket topic', () => {
    const { stack } = build();
    const [ws] = Object.values<any>(Template.fromStack(stack).toJSON().Resources).filter((r) => r.Type === 'AWS::APS::Workspace');
    const config = parse(parse(flatten(ws.Properties.AlertManagerDefinition)).alertmanager_config);
    expect(config.route.receiver).toBe('ticket');
    expect(config.route.routes).toEqual([{ matchers: ['severity="page"'], receiver: 'page' }]);
    expect(config.receivers.map((r: any) => [r.name, r.sns_configs[0].topic_arn, r.sns_configs[0].attributes.severity])).toEqual([
      ['page', '<ref>', 'page'],
      ['ticket', '<ref>', 'ticket'],
    ]);
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'aps.amazonaws.com' }, Action: 'sns:Publish' })]),
      },
    });
  });

  test('a managed collector scrapes the DCGM exporter, kube-state-metrics and the kubelets into the workspace', () => {
    const { stack } = build();
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::APS::Scraper', {
      Source: {
        EksConfiguration: { ClusterArn: cluster.clusterArn, SubnetIds: cluster.subnetIds, SecurityGroupIds: cluster.securityGroupIds },
      },
      Destination: { AmpConfiguration: { WorkspaceArn: Match.anyValue() } },
    });
    const [scraper] = Object.values<any>(t.toJSON().Resources).filter((r) => r.Type === 'AWS::APS::Scraper');
    const config = parse(scraper.Properties.ScrapeConfiguration.ConfigurationBlob);
    expect(config.scrape_configs.map((j: any) => j.job_name)).toEqual(['dcgm-exporter', 'kube-state-metrics', 'kubelet']);
  });

  test('without a cluster there is no scraper; a short idle window or one subnet is refused', () => {
    const { stack } = build({ cluster: undefined });
    Template.fromStack(stack).resourceCountIs('AWS::APS::Scraper', 0);
    expect(() => build({ gpuIdleFor: Duration.minutes(10) })).toThrow(
      'prod.observability.prometheus.gpuIdleFor: 10 minutes is shorter than 30 minutes',
    );
    expect(() => build({ cluster: { ...cluster, subnetIds: ['subnet-0a'] } })).toThrow(
      'prod.observability.prometheus.cluster.subnetIds: 1 subnet(s); the managed collector needs at least 2 (in 2 AZs)',
    );
  });

  test('the three compliance packs find nothing', () => {
    const { app } = build({}, true);
    expect(() => app.synth()).not.toThrow();
  });
});
