import { Match, Template } from 'aws-cdk-lib/assertions';
import { CostGuardrails } from '../../constructs/observability';
import { observabilityStack } from './observability-fixtures';

describe('CostGuardrails', () => {
  test('an environment budget and one per team, filtered by cost-allocation tags, alerting the ticket topic', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    // WHEN
    new CostGuardrails(stack, 'Cost', { environment: 'prod', topics, monthlyBudgetUsd: 40000, teamBudgetsUsd: { 'credit-risk': 8000 } });
    // THEN
    const t = Template.fromStack(stack);
    const ticket = { Ref: stack.getLogicalId(topics.ticket.node.defaultChild as any) };
    const alerts = [
      {
        Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' },
        Subscribers: [{ SubscriptionType: 'SNS', Address: ticket }],
      },
      {
        Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' },
        Subscribers: [{ SubscriptionType: 'SNS', Address: ticket }],
      },
      {
        Notification: { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' },
        Subscribers: [{ SubscriptionType: 'SNS', Address: ticket }],
      },
    ];
    t.resourceCountIs('AWS::Budgets::Budget', 2);
    t.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'prod-ml-platform-monthly',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 40000, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:environment$prod'] },
      },
      NotificationsWithSubscribers: alerts,
    });
    t.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'prod-team-credit-risk-monthly',
        BudgetLimit: { Amount: 8000, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:team$credit-risk'] },
      },
      NotificationsWithSubscribers: alerts,
    });
  });

  test('Cost Anomaly Detection: a monitor on the environment tag and immediate alerts above the impact to the ticket topic', () => {
    const { stack, topics } = observabilityStack();
    new CostGuardrails(stack, 'Cost', { environment: 'prod', topics, monthlyBudgetUsd: 40000, anomalyImpactUsd: 250 });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CE::AnomalyMonitor', {
      MonitorType: 'CUSTOM',
      MonitorSpecification: JSON.stringify({ Tags: { Key: 'environment', Values: ['prod'], MatchOptions: ['EQUALS'] } }),
    });
    t.hasResourceProperties('AWS::CE::AnomalySubscription', {
      Frequency: 'IMMEDIATE',
      Subscribers: [{ Type: 'SNS', Address: { Ref: stack.getLogicalId(topics.ticket.node.defaultChild as any) } }],
      ThresholdExpression: Match.stringLikeRegexp('"ANOMALY_TOTAL_IMPACT_ABSOLUTE".*"250"'),
    });
  });

  test('the ticket topic and its key admit Budgets and Cost Anomaly Detection of this account only', () => {
    const { stack, topics } = observabilityStack();
    new CostGuardrails(stack, 'Cost', { environment: 'prod', topics, monthlyBudgetUsd: 1000 });
    const t = Template.fromStack(stack);
    for (const service of ['budgets.amazonaws.com', 'costalerts.amazonaws.com']) {
      t.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: stack.getLogicalId(topics.ticket.node.defaultChild as any) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: service },
              Action: 'sns:Publish',
              Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
            }),
          ]),
        },
      });
      t.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: service },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
            }),
          ]),
        },
      });
    }
  });

  test('bad amounts and team names are reported together', () => {
    const { stack, topics } = observabilityStack();
    expect(
      () =>
        new CostGuardrails(stack, 'Cost', {
          environment: 'dev',
          topics,
          monthlyBudgetUsd: 0,
          teamBudgetsUsd: { 'Credit Risk': -5 },
          actualThresholdsPercent: [0],
        }),
    ).toThrow(
      [
        'dev.observability.cost.monthlyBudgetUsd: 0 must be a positive amount of USD',
        "dev.observability.cost.teamBudgetsUsd: 'Credit Risk' is not a team name (lower-case letters, digits and '-')",
        'dev.observability.cost.teamBudgetsUsd.Credit Risk: -5 must be a positive amount of USD',
        'dev.observability.cost.actualThresholdsPercent: 0 is not a percentage in (0, 1000]',
      ].join('\n'),
    );
  });

  test('the three compliance packs find nothing', () => {
    const { app, stack, topics } = observabilityStack({ nag: true });
    new CostGuardrails(stack, 'Cost', { environment: 'prod', topics, monthlyBudgetUsd: 1000, teamBudgetsUsd: { 'credit-risk': 100 } });
    expect(() => app.synth()).not.toThrow();
  });
});
