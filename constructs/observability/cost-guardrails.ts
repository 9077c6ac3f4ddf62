import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as ce from 'aws-cdk-lib/aws-ce';
import { Construct } from 'constructs';
import type { IOnCallTopics } from './on-call-topics';

/** A cost-allocation tag (it must be activated in the Billing console to filter budgets). */
export interface CostTag {
  readonly key: string;
  readonly value: string;
}

export interface CostGuardrailsProps {
  /** The environment, e.g. `prod`: budget and monitor names. */
  readonly environment: string;
  /** Budget and anomaly alerts go to the ticket topic. */
  readonly topics: IOnCallTopics;
  /** Monthly cost budget of the environment, in USD. */
  readonly monthlyBudgetUsd: number;
  /**
   * Tag that selects the environment's costs (for the environment budget and the anomaly monitor).
   * @default { key: 'environment', value: <environment> } (the tag the platform's stage puts on every resource)
   */
  readonly environmentTag?: CostTag;
  /**
   * Monthly budgets per team, in USD, selected by the team tag.
   * @default - none
   */
  readonly teamBudgetsUsd?: Readonly<Record<string, number>>;
  /**
   * Key of the team cost-allocation tag.
   * @default 'team'
   */
  readonly teamTagKey?: string;
  /**
   * Percentages of actual spend that alert.
   * @default [80, 100]
   */
  readonly actualThresholdsPercent?: readonly number[];
  /**
   * Alert when forecast spend passes this percentage.
   * @default 100
   */
  readonly forecastThresholdPercent?: number;
  /**
   * Smallest total impact (USD) of a cost anomaly that alerts.
   * @default 100
   */
  readonly anomalyImpactUsd?: number;
}

/**
 * Cost guardrails of one environment: an AWS Budget for the environment (by its cost-allocation
 * tag) and one per team (by the team tag), each alerting the ticket topic on actual spend
 * (80%, 100%) and forecast spend (100%); and Cost Anomaly Detection (a custom monitor on the
 * environment tag, immediate alerts above an absolute impact) to the same topic.
 *
 * The topic's policy and key admit budgets.amazonaws.com and costalerts.amazonaws.com of this account.
 * Tags only filter costs once activated as cost-allocation tags (Billing console, payer account).
 */
export class CostGuardrails extends Construct {
  readonly environmentBudget: budgets.CfnBudget;
  readonly teamBudgets: Readonly<Record<string, budgets.CfnBudget>>;
  readonly anomalyMonitor: ce.CfnAnomalyMonitor;
  readonly anomalySubscription: ce.CfnAnomalySubscription;

  constructor(scope: Construct, id: string, props: CostGuardrailsProps) {
    super(scope, id);
    const env = props.environment;
    const problems = costProblems(env, props);
    if (problems.length > 0) throw new Error(problems.join('\n'));
    const envTag = props.environmentTag ?? { key: 'environment', value: env };
    const teamKey = props.teamTagKey ?? 'team';
    const actual = props.actualThresholdsPercent ?? [80, 100];
    const forecast = props.forecastThresholdPercent ?? 100;
    const topicArn = props.topics.topic('ticket').topicArn;

    props.topics.allowServiceToPublish('ticket', 'budgets.amazonaws.com');
    props.topics.allowServiceToPublish('ticket', 'costalerts.amazonaws.com');

    const notifications = (): budgets.CfnBudget.NotificationWithSubscribersProperty[] => [
      ...actual.map((threshold) => ({
        notification: { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE' },
        subscribers: [{ subscriptionType: 'SNS', address: topicArn }],
      })),
      {
        notification: {
          notificationType: 'FORECASTED',
          comparisonOperator: 'GREATER_THAN',
          threshold: forecast,
          thresholdType: 'PERCENTAGE',
        },
        subscribers: [{ subscriptionType: 'SNS', address: topicArn }],
      },
    ];
    const budget = (constructId: string, name: string, amount: number, tag: CostTag) =>
      new budgets.CfnBudget(this, constructId, {
        budget: {
          budgetName: name,
          budgetType: 'COST',
          timeUnit: 'MONTHLY',
          budgetLimit: { amount, unit: 'USD' },
          // Tag filters are written `user:<key>$<value>`.
          costFilters: { TagKeyValue: [`user:${tag.key}$${tag.value}`] },
        },
        notificationsWithSubscribers: notifications(),
      });

    this.environmentBudget = budget('EnvironmentBudget', `${env}-ml-platform-monthly`, props.monthlyBudgetUsd, envTag);
    this.teamBudgets = Object.fromEntries(
      Object.entries(props.teamBudgetsUsd ?? {}).map(([team, amount]) => [
        team,
        budget(`TeamBudget${pascal(team)}`, `${env}-team-${team}-monthly`, amount, { key: teamKey, value: team }),
      ]),
    );

    // A custom monitor on the environment tag: an account has only one AWS-services monitor, and
    // several environments may share an account.
    this.anomalyMonitor = new ce.CfnAnomalyMonitor(this, 'AnomalyMonitor', {
      monitorName: `${env}-ml-platform`,
      monitorType: 'CUSTOM',
      monitorSpecification: JSON.stringify({ Tags: { Key: envTag.key, Values: [envTag.value], MatchOptions: ['EQUALS'] } }),
    });
    this.anomalySubscription = new ce.CfnAnomalySubscription(this, 'AnomalySubscription', {
      subscriptionName: `${env}-ml-platform-anomalies`,
      frequency: 'IMMEDIATE',
      monitorArnList: [this.anomalyMonitor.attrMonitorArn],
      subscribers: [{ type: 'SNS', address: topicArn }],
      thresholdExpression: JSON.stringify({
        Dimensions: {
          Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE',
          MatchOptions: ['GREATER_THAN_OR_EQUAL'],
          Values: [String(props.anomalyImpactUsd ?? 100)],
        },
      }),
    });
  }
}

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/** Problems with cost settings, one line each. */
export function costProblems(env: string, p: CostGuardrailsProps): string[] {
  const at = `${env}.observability.cost`;
  const problems: string[] = [];
  if (!(p.monthlyBudgetUsd > 0)) problems.push(`${at}.monthlyBudgetUsd: ${p.monthlyBudgetUsd} must be a positive amount of USD`);
  for (const [team, amount] of Object.entries(p.teamBudgetsUsd ?? {})) {
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(team))
      problems.push(`${at}.teamBudgetsUsd: '${team}' is not a team name (lower-case letters, digits and '-')`);
    if (!(amount > 0)) problems.push(`${at}.teamBudgetsUsd.${team}: ${amount} must be a positive amount of USD`);
  }
  for (const t of p.actualThresholdsPercent ?? []) {
    if (!(t > 0 && t <= 1000)) problems.push(`${at}.actualThresholdsPercent: ${t} is not a percentage in (0, 1000]`);
  }
  if (p.forecastThresholdPercent !== undefined && !(p.forecastThresholdPercent > 0 && p.forecastThresholdPercent <= 1000)) {
    problems.push(`${at}.forecastThresholdPercent: ${p.forecastThresholdPercent} is not a percentage in (0, 1000]`);
  }
  if (p.anomalyImpactUsd !== undefined && !(p.anomalyImpactUsd > 0))
    problems.push(`${at}.anomalyImpactUsd: ${p.anomalyImpactUsd} must be a positive amount of USD`);
  return problems;
}
