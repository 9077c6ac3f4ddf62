import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { CostGuardrails, CreditDecisionPath, type EndpointHandles, type IOnCallTopics, PlatformMonitoring } from '../../constructs';
import { FEATURE_FRESHNESS_NAMESPACE } from '../../jobs/features/stream/freshness';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';
import { streamingClusterName } from '../streaming/stack';
import { endpointDegradedSeverity } from './config';

export interface ObservabilityStackProps extends PlatformStackProps {
  /** The Security stack's on-call topics. */
  readonly oncall: IOnCallTopics;
  /** The online store's replication group id. */
  readonly onlineStoreReplicationGroupId: string;
  /** The EMR Serverless application of the lake. */
  readonly sparkApplicationId: string;
  /** The EKS cluster (Container Insights metrics are by cluster name). */
  readonly clusterName: string;
  /**
   * Training and lifecycle pipelines (Step Functions), by a short name: their outcomes on the
   * dashboard and a ticket on a failed or timed-out execution.
   * @default - none
   */
  readonly pipelines?: Readonly<Record<string, sfn.IStateMachine>>;
}

/**
 * What watches one environment, deployed last (it only reads names of what the other stacks
 * created): the platform dashboards and threshold alarms per capability (cdk-monitoring-constructs:
 * MSK, online store, EMR Serverless, EKS Container Insights, SageMaker endpoints, feature
 * freshness, pipelines, page deliveries), the credit decision path (dashboard and the SLOs of
 * scoring latency, scoring availability and feature freshness with multi-window burn-rate alarms),
 * and the cost guardrails (AWS Budgets for the environment and per team, Cost Anomaly Detection).
 * Every alarm follows the alarm contract and notifies the Security stack's topics. Nothing here
 * is stateful.
 */
export class ObservabilityStack extends PlatformStack {
  readonly monitoring: PlatformMonitoring;
  readonly creditDecisionPath?: CreditDecisionPath;
  readonly cost: CostGuardrails;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config } = props;
    const o = config.observability;
    const env = config.name;
    const streamViews = config.features.views.filter((v) => v.source.kind === 'stream').map((v) => v.name);
    const s = config.streaming;
    const store = config.featureStore;
    const nodeIds: string[] = [];
    const replicaIds: string[] = [];
    for (let shard = 1; shard <= store.shards; shard++) {
      for (let node = 1; node <= store.replicasPerShard + 1; node++) {
        // Cluster-mode node ids: <group>-<shard, 4 digits>-<node, 3 digits>; node 001 starts as the primary.
        const nodeId = `${props.onlineStoreReplicationGroupId}-${String(shard).padStart(4, '0')}-${String(node).padStart(3, '0')}`;
        nodeIds.push(nodeId);
        if (node > 1) replicaIds.push(nodeId);
      }
    }
    const endpoints: EndpointHandles[] = config.serving.endpoints.map((e) => ({
      endpointName: `${env}-${e.name}`,
      variantName: 'AllTraffic',
      latencyP99: Duration.millis(e.alarms.latencyP99Ms),
      severity: endpointDegradedSeverity(o, e.name),
    }));

    this.monitoring = new PlatformMonitoring(this, 'Monitoring', {
      environment: env,
      topics: props.oncall,
      owners: o.owners,
      dashboards: o.dashboards,
      streaming:
        s.mode === 'provisioned'
          ? {
              clusterName: streamingClusterName(env),
              brokerCount: s.brokerCount,
              consumerGroups: streamViews.map((view) => ({
                group: `feature-stream-${view}`,
                topic: (config.features.views.find((v) => v.name === view)!.source as { topic: string }).topic,
              })),
            }
          : undefined,
      onlineStore: { replicationGroupId: props.onlineStoreReplicationGroupId, nodeIds, replicaNodeIds: replicaIds },
      sparkApplications: { lake: props.sparkApplicationId },
      kubernetesClusterName: o.containerInsights ? props.clusterName : undefined,
      // The endpoints' own latency/5XX composites live in their Model stacks; here the dashboard only.
      endpoints: endpoints.map((e) => ({ ...e, alarms: false })),
      pipelines: props.pipelines,
      featureFreshness:
        streamViews.length > 0
          ? {
              namespace: FEATURE_FRESHNESS_NAMESPACE,
              featureViews: streamViews,
              maxAge: Duration.minutes(o.slos?.freshness.maxAgeMinutes ?? 15),
            }
          : undefined,
    });

    if (o.slos && streamViews.length > 0) {
      const scoring = config.serving.endpoints.find((e) => e.name === o.slos!.scoringEndpoint)!;
      this.creditDecisionPath = new CreditDecisionPath(this, 'CreditDecisionPath', {
        environment: env,
        topics: props.oncall,
        scoringEndpoint: { endpointName: `${env}-${scoring.name}`, variantName: 'AllTraffic' },
        featureFreshness: { namespace: FEATURE_FRESHNESS_NAMESPACE, featureViews: streamViews },
        slos: {
          latency: { objective: o.slos.latency.objective, threshold: Duration.millis(o.slos.latency.thresholdMs) },
          availability: { objective: o.slos.availability.objective },
          freshness: { objective: o.slos.freshness.objective, maxAge: Duration.minutes(o.slos.freshness.maxAgeMinutes) },
        },
        servingOwner: o.owners.serving,
        featuresOwner: o.owners.features,
        dashboard: o.dashboards,
      });
    }

    this.cost = new CostGuardrails(this, 'Cost', {
      environment: env,
      topics: props.oncall,
      monthlyBudgetUsd: o.budgets.environmentUsd,
      teamBudgetsUsd: o.budgets.teamsUsd,
      anomalyImpactUsd: o.budgets.anomalyImpactUsd,
    });

    // aws-cdk-lib 2.276 tags dashboards (AWS::CloudWatch::Dashboard has Tags in the CloudFormation
    // registry schema it is generated from); cfn-lint 1.51's older schema reports E3002 on them.
    for (const c of this.node.findAll()) {
      if (c instanceof cloudwatch.CfnDashboard) c.addMetadata('cfn-lint', { config: { ignore_checks: ['E3002'] } });
    }
  }
}
