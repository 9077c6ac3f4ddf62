import { Match } from 'aws-cdk-lib/assertions';
import { App as Cdk8sApp } from 'cdk8s';
import { addTemplateCharts } from '../../lib/compute/charts';
import { ENVIRONMENTS } from '../../lib/config';
import { platformStage, template } from '../util';

describe('Observability stack: deployed last, per environment config', () => {
  test.each(['dev', 'staging', 'prod'] as const)('%s: dashboards, SLOs and the collector follow the config', (env) => {
    // GIVEN
    const o = ENVIRONMENTS[env].observability;
    const t = template(env, 'Observability');
    // THEN
    t.resourceCountIs('AWS::CloudWatch::Dashboard', o.dashboards ? 3 : 0);
    t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', o.slos ? 6 : 0);
    t.resourceCountIs('AWS::APS::Scraper', 0);
    template(env, 'Compute').resourceCountIs('AWS::APS::Scraper', o.prometheus.enabled ? 1 : 0);
    expect(platformStage(env).metrics !== undefined).toBe(o.prometheus.enabled);
    // AND it is the last stack: it depends on what it watches, nothing depends on it
    const stage = platformStage(env);
    const deps = stage.observability.dependencies.map((s) => s.stackName);
    expect(deps).toContain(`MlPlatform-${env}-Security`);
    for (const s of [stage.security, stage.compute, stage.features, ...Object.values(stage.models)]) {
      expect(s.dependencies.map((d) => d.stackName)).not.toContain(stage.observability.stackName);
    }
  });

  test('prod: budgets for the environment and each configured team, anomaly alerts, all to the ticket topic', () => {
    // GIVEN
    const t = template('prod', 'Observability');
    const ticket = {
      'Fn::GetStackOutput': Match.objectLike({ StackName: 'MlPlatform-prod-Security', OutputName: Match.stringLikeRegexp('Ticket') }),
    };
    // THEN
    const budgets = Object.values(t.findResources('AWS::Budgets::Budget')) as any[];
    expect(budgets.map((b) => [b.Properties.Budget.BudgetName, b.Properties.Budget.BudgetLimit.Amount]).sort()).toEqual(
      [
        ['prod-ml-platform-monthly', 60000],
        ['prod-team-credit-risk-monthly', 20000],
        ['prod-team-fraud-monthly', 10000],
      ].sort(),
    );
    expect(budgets[0].Properties.Budget.CostFilters).toBeDefined();
    t.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetName: 'prod-team-fraud-monthly', CostFilters: { TagKeyValue: ['user:team$fraud'] } },
      NotificationsWithSubscribers: Match.arrayWith([Match.objectLike({ Subscribers: [{ SubscriptionType: 'SNS', Address: ticket }] })]),
    });
    t.hasResourceProperties('AWS::CE::AnomalySubscription', { Subscribers: [{ Type: 'SNS', Address: ticket }] });
  });

  test('prod: the collector scrapes the cluster into the Metrics stack workspace, on the cluster security group, beside the cluster', () => {
    // GIVEN
    const t = template('prod', 'Compute');
    // THEN
    t.hasResourceProperties('AWS::APS::Scraper', {
      Source: { EksConfiguration: { ClusterArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'Arn'] } } },
      Destination: {
        AmpConfiguration: { WorkspaceArn: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'MlPlatform-prod-Metrics' }) } },
      },
    });
    // It waits for the cluster only (not for node groups, add-ons or charts): off the stack's critical path.
    const [scraper] = Object.values<any>(t.findResources('AWS::APS::Scraper'));
    expect(scraper.DependsOn).toBeUndefined();
    expect(JSON.stringify(scraper.Properties.Source.EksConfiguration.SecurityGroupIds)).toContain('ClusterSecurityGroupId');
  });
});

describe('Metrics stack and Compute: the workspace before the cluster that queries it', () => {
  test('prod: KEDA may query the Metrics workspace only; the query URL is published', () => {
    // GIVEN
    const compute = template('prod', 'Compute');
    const metrics = template('prod', 'Metrics');
    // THEN
    compute.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Sid: 'QueryScalingMetrics',
            Resource: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'MlPlatform-prod-Metrics' }) },
          }),
        ],
      },
    });
    metrics.hasResourceProperties('AWS::SSM::Parameter', { Name: '/mlp/prod/prometheus/query-url' });
    metrics.hasResource('AWS::APS::Workspace', { DeletionPolicy: 'Retain' });
    metrics.hasResourceProperties('AWS::APS::RuleGroupsNamespace', { Data: Match.stringLikeRegexp('alert: GpuXidErrors') });
  });

  test.each(['dev', 'staging', 'prod'] as const)('%s: Container Insights and the GPU exporters only where configured', (env) => {
    // GIVEN
    const o = ENVIRONMENTS[env].observability;
    const t = template(env, 'Compute');
    // THEN
    const addons = Object.values(t.findResources('AWS::EKS::Addon')) as any[];
    const insights = addons.filter((a) => a.Properties.AddonName === 'amazon-cloudwatch-observability');
    expect(insights).toHaveLength(o.containerInsights ? 1 : 0);
    if (o.containerInsights) {
      expect(insights[0].Properties.PodIdentityAssociations).toEqual([expect.objectContaining({ ServiceAccount: 'cloudwatch-agent' })]);
    }
    const releases = (Object.values(t.findResources('Custom::AWSCDK-EKS-HelmChart')) as any[]).map((r) => r.Properties.Chart);
    for (const chart of ['dcgm-exporter', 'kube-state-metrics']) expect(releases.includes(chart)).toBe(o.prometheus.enabled);
  });
});

describe('the vLLM template queries the environment’s Prometheus workspace', () => {
  const scalers = (url?: string) =>
    addTemplateCharts(new Cdk8sApp(), ENVIRONMENTS.prod, { prometheusQueryUrl: url })
      .flatMap((c) => c.toJson())
      .filter((o: any) => o.kind === 'ScaledObject')
      .map((o: any) => o.spec.triggers[0].metadata.serverAddress);

  test('with the Metrics stack’s query URL (MLP_<ENV>_PROMETHEUS_URL), every team’s scaler uses it', () => {
    const url = 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef';
    expect(scalers(url).length).toBe(ENVIRONMENTS.prod.cluster.teams.length);
    for (const s of scalers(url)) expect(s).toBe(url);
  });

  test('without it, the URL says where to find it (no made-up workspace id)', () => {
    for (const s of scalers())
      expect(s).toBe('https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-unknown-see-ssm-mlp-prod-prometheus-query-url');
  });
});
