import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  type CustomMetricGroup,
  type CustomThreshold,
  DefaultDashboardFactory,
  ElastiCacheClusterType,
  MonitoringFacade,
} from 'cdk-monitoring-constructs';
import { Construct, type IConstruct } from 'constructs';
import { type AlarmOwnership, ownershipProblems, type Severity } from './alarm-contract';
import {
  EndpointMetrics,
  type FeatureFreshnessMetric,
  FeatureMetrics,
  KubernetesMetrics,
  MskMetrics,
  maxOf,
  OnlineStoreMetrics,
  SparkMetrics,
  sumOf,
} from './metrics';
import type { IOnCallTopics } from './on-call-topics';

/** The capabilities a platform environment monitors; each may have its own owner team. */
export const CAPABILITIES = ['streaming', 'onlineStore', 'spark', 'kubernetes', 'serving', 'features', 'pipelines', 'oncall'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** An MSK provisioned cluster. */
export interface StreamingHandles {
  /** The cluster's name (dimension `Cluster Name`). */
  readonly clusterName: string;
  /** Number of brokers (broker ids 1..n carry the per-broker metrics). */
  readonly brokerCount: number;
  /**
   * Consumer groups whose lag is watched, with the topic they read.
   * @default - none
   */
  readonly consumerGroups?: readonly { readonly group: string; readonly topic: string }[];
  /**
   * Lag (seconds) above which a consumer group tickets.
   * @default 300
   */
  readonly maxLagSeconds?: number;
  /**
   * Broker data-disk use (percent) that tickets.
   * @default 85
   */
  readonly maxDiskUsedPercent?: number;
}

/** An ElastiCache (Valkey/Redis OSS) replication group. */
export interface OnlineStoreHandles {
  /** Replication group id (for titles). */
  readonly replicationGroupId: string;
  /** The node ids (`CacheClusterId`s), e.g. `prod-features-0001-001`. */
  readonly nodeIds: readonly string[];
  /**
   * Replica node ids, whose replication lag is watched.
   * @default - none
   */
  readonly replicaNodeIds?: readonly string[];
  /**
   * Memory use (percent of maxmemory) that tickets.
   * @default 85
   */
  readonly maxMemoryPercent?: number;
  /**
   * Replication lag (seconds) that tickets.
   * @default 5
   */
  readonly maxReplicationLagSeconds?: number;
}

/** A SageMaker real-time endpoint variant. */
export interface EndpointHandles {
  readonly endpointName: string;
  readonly variantName: string;
  /**
   * p99 model latency that, with the error rate, makes the endpoint degraded.
   * @default Duration.millis(250)
   */
  readonly latencyP99?: Duration;
  /**
   * 5XX share of invocations (percent) that makes the endpoint degraded.
   * @default 1
   */
  readonly maxErrorRatePercent?: number;
  /**
   * Severity of the endpoint's degraded composite. Use `ticket` for an endpoint whose SLOs page
   * (the burn-rate alarms then page, this one does not page a second time).
   * @default 'page'
   */
  readonly severity?: Severity;
  /**
   * Create the latency/5XX signals and the degraded composite. Off when the endpoint's alarms live
   * elsewhere (e.g. with the endpoint, as EndpointSpec's): the dashboard section only.
   * @default true
   */
  readonly alarms?: boolean;
}

export interface PlatformMonitoringProps {
  /** The environment, e.g. `prod`: alarm name prefix and dashboard names. */
  readonly environment: string;
  /** Where alarms go. */
  readonly topics: IOnCallTopics;
  /**
   * Create the detail and summary dashboards ($3 a month each beyond an account's first 3).
   * Without them the alarms are created all the same.
   * @default true
   */
  readonly dashboards?: boolean;
  /**
   * Owner team per capability.
   * @default - 'ml-platform' for every capability
   */
  readonly owners?: Partial<Record<Capability, string>>;
  /** @default - no MSK monitoring */
  readonly streaming?: StreamingHandles;
  /** @default - no online store monitoring */
  readonly onlineStore?: OnlineStoreHandles;
  /**
   * EMR Serverless applications, by a short name.
   * @default - none
   */
  readonly sparkApplications?: Readonly<Record<string, string>>;
  /**
   * EKS cluster name (Container Insights must be on: the amazon-cloudwatch-observability add-on).
   * @default - no Kubernetes monitoring
   */
  readonly kubernetesClusterName?: string;
  /** @default - none */
  readonly endpoints?: readonly EndpointHandles[];
  /**
   * Step Functions state machines (training and lifecycle pipelines), by a short name.
   * @default - none
   */
  readonly pipelines?: Readonly<Record<string, sfn.IStateMachine>>;
  /** @default - no freshness monitoring */
  readonly featureFreshness?: FeatureFreshnessMetric & {
    /**
     * Feature age that tickets.
     * @default Duration.minutes(15)
     */
    readonly maxAge?: Duration;
  };
}

/**
 * The dashboards and threshold alarms of one platform environment, built with
 * cdk-monitoring-constructs: a detail dashboard `<environment>-ml-platform` and a summary
 * dashboard `<environment>-ml-platform-Summary`, one section per capability given, and alarms
 * that follow the alarm contract (severity, owner, runbook, action to the severity's topic).
 *
 * What pages: MSK offline partitions and a degraded endpoint (latency and errors combined in one
 * composite). Everything else tickets.
 */
export class PlatformMonitoring extends Construct {
  readonly facade: MonitoringFacade;
  readonly dashboards: DefaultDashboardFactory;
  /** Composite alarm per endpoint name (endpoints with `alarms: false` have none). */
  readonly endpointAlarms: Readonly<Record<string, cloudwatch.CompositeAlarm>>;
  private readonly topics: IOnCallTopics;
  private readonly environment: string;
  private readonly owners: Record<Capability, string>;

  constructor(scope: Construct, id: string, props: PlatformMonitoringProps) {
    super(scope, id);
    const env = props.environment;
    this.topics = props.topics;
    this.environment = env;
    this.owners = Object.fromEntries(CAPABILITIES.map((c) => [c, props.owners?.[c] ?? 'ml-platform'])) as Record<Capability, string>;
    const problems = [
      ...CAPABILITIES.flatMap((c) =>
        ownershipProblems(`${env}.observability.owners.${c}`, { severity: 'page', owner: this.owners[c], runbook: 'x' }),
      ),
      ...handleProblems(env, props),
    ];
    if (problems.length > 0) throw new Error(problems.join('\n'));

    this.dashboards = new DefaultDashboardFactory(this, 'Dashboards', {
      dashboardNamePrefix: `${env}-ml-platform`,
      createDashboard: props.dashboards ?? true,
      createSummaryDashboard: props.dashboards ?? true,
      createAlarmDashboard: false,
    });
    this.facade = new MonitoringFacade(this, 'Facade', {
      alarmFactoryDefaults: { alarmNamePrefix: env, actionsEnabled: true },
      dashboardFactory: this.dashboards,
    });

    if (props.streaming) this.streaming(props.streaming);
    if (props.onlineStore) this.onlineStore(props.onlineStore);
    for (const [name, applicationId] of Object.entries(props.sparkApplications ?? {})) this.spark(name, applicationId);
    if (props.kubernetesClusterName) this.kubernetes(props.kubernetesClusterName);
    const endpointAlarms: Record<string, cloudwatch.CompositeAlarm> = {};
    for (const e of props.endpoints ?? []) {
      const composite = this.endpoint(env, e);
      if (composite) endpointAlarms[e.endpointName] = composite;
    }
    this.endpointAlarms = endpointAlarms;
    for (const [name, stateMachine] of Object.entries(props.pipelines ?? {})) this.pipeline(name, stateMachine);
    if (props.featureFreshness) this.freshness(props.featureFreshness);
    this.oncall();
  }

  /** A threshold under the contract. */
  private threshold(
    capability: Capability,
    severity: Severity,
    runbook: string,
    summary: string,
    t: Omit<CustomThreshold, 'comparisonOperator'> & { comparisonOperator?: cloudwatch.ComparisonOperator },
    signalOnly = false,
    nameSuffix?: string,
  ): CustomThreshold {
    const o: AlarmOwnership = { severity, owner: this.owners[capability], runbook };
    return {
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
      // `<environment>-<runbook>[-<what>]`: `mlp oncall status` lists by the environment prefix
      // and `mlp oncall explain <alarm>` finds the runbook in the name, offline.
      alarmNameOverride: [this.environment, runbook, nameSuffix].filter(Boolean).join('-'),
      ...t,
      ...this.topics.thresholdContract(o, summary, signalOnly),
    };
  }

  private streaming(s: StreamingHandles): void {
    const brokers = Array.from({ length: s.brokerCount }, (_, i) => i + 1);
    const disk = s.maxDiskUsedPercent ?? 85;
    const lag = s.maxLagSeconds ?? 300;
    const groups: CustomMetricGroup[] = [
      {
        title: 'Partitions',
        metrics: [
          {
            metric: MskMetrics.offlinePartitions(s.clusterName),
            alarmFriendlyName: 'MskOfflinePartitions',
            addAlarm: {
              Critical: this.threshold(
                'streaming',
                'page',
                'msk-offline-partitions',
                `MSK ${s.clusterName}: partitions offline for 3 minutes; producers and consumers of them fail.`,
                {
                  threshold: 0,
                  evaluationPeriods: 3,
                  datapointsToAlarm: 3,
                },
              ),
            },
          },
          {
            metric: maxOf(
              brokers.map((b) => MskMetrics.underReplicatedPartitions(s.clusterName, b)),
              'Under-replicated partitions (worst broker)',
            ),
            alarmFriendlyName: 'MskUnderReplicated',
            addAlarm: {
              Warning: this.threshold(
                'streaming',
                'ticket',
                'msk-under-replicated-partitions',
                `MSK ${s.clusterName}: under-replicated partitions for 15 minutes.`,
                {
                  threshold: 0,
                  evaluationPeriods: 15,
                  datapointsToAlarm: 15,
                },
              ),
            },
          },
          MskMetrics.activeControllers(s.clusterName),
        ],
      },
      {
        title: 'Broker data disk used (%)',
        metrics: [
          {
            metric: maxOf(
              brokers.map((b) => MskMetrics.diskUsedPercent(s.clusterName, b)),
              'Disk used % (worst broker)',
            ),
            alarmFriendlyName: 'MskDiskUsed',
            addAlarm: {
              Warning: this.threshold(
                'streaming',
                'ticket',
                'msk-disk-used',
                `MSK ${s.clusterName}: a broker's data disk is over ${disk}% full.`,
                {
                  threshold: disk,
                  evaluationPeriods: 5,
                  datapointsToAlarm: 5,
                },
              ),
            },
          },
        ],
      },
      { title: 'Broker CPU (user %)', metrics: brokers.map((b) => MskMetrics.cpuUser(s.clusterName, b)) },
    ];
    if ((s.consumerGroups ?? []).length > 0) {
      groups.push({
        title: 'Consumer lag (seconds)',
        metrics: [
          {
            metric: maxOf(
              s.consumerGroups!.map((g) => MskMetrics.estimatedMaxTimeLag(s.clusterName, g.group, g.topic)),
              'Max consumer time lag (s)',
            ),
            alarmFriendlyName: 'MskConsumerLag',
            addAlarm: {
              Warning: this.threshold(
                'streaming',
                'ticket',
                'msk-consumer-lag',
                `MSK ${s.clusterName}: a consumer group is more than ${lag} s behind for 10 minutes.`,
                {
                  threshold: lag,
                  evaluationPeriods: 10,
                  datapointsToAlarm: 10,
                },
              ),
            },
          },
          ...s.consumerGroups!.map((g) => MskMetrics.maxOffsetLag(s.clusterName, g.group, g.topic)),
        ],
      });
    }
    this.facade.addLargeHeader(`Streaming: MSK ${s.clusterName}`);
    this.facade.monitorCustom({
      alarmFriendlyName: 'Streaming',
      humanReadableName: `MSK ${s.clusterName}`,
      metricGroups: groups,
      addToSummaryDashboard: true,
    });
  }

  private onlineStore(o: OnlineStoreHandles): void {
    const memory = o.maxMemoryPercent ?? 85;
    const maxLag = o.maxReplicationLagSeconds ?? 5;
    this.facade.addLargeHeader(`Online feature store: ${o.replicationGroupId}`);
    const groups: CustomMetricGroup[] = [
      {
        title: 'Memory used (% of maxmemory)',
        metrics: [
          {
            metric: maxOf(o.nodeIds.map(OnlineStoreMetrics.memoryUsedPercent), 'Memory used % (worst node)'),
            alarmFriendlyName: 'OnlineStoreMemory',
            addAlarm: {
              Warning: this.threshold(
                'onlineStore',
                'ticket',
                'online-store-memory',
                `Online store ${o.replicationGroupId}: a node uses over ${memory}% of its memory.`,
                {
                  threshold: memory,
                  evaluationPeriods: 5,
                  datapointsToAlarm: 5,
                },
              ),
            },
          },
        ],
      },
      {
        title: 'Evictions',
        metrics: [
          {
            metric: sumOf(o.nodeIds.map(OnlineStoreMetrics.evictions), 'Evictions (all nodes)'),
            alarmFriendlyName: 'OnlineStoreEvictions',
            addAlarm: {
              Warning: this.threshold(
                'onlineStore',
                'ticket',
                'online-store-evictions',
                `Online store ${o.replicationGroupId}: keys are being evicted (features lost before their TTL).`,
                {
                  threshold: 0,
                  evaluationPeriods: 5,
                  datapointsToAlarm: 3,
                },
              ),
            },
          },
        ],
      },
      {
        title: 'Engine CPU (%)',
        metrics: [
          {
            metric: maxOf(o.nodeIds.map(OnlineStoreMetrics.engineCpu), 'Engine CPU % (worst node)'),
            alarmFriendlyName: 'OnlineStoreEngineCpu',
            addAlarm: {
              Warning: this.threshold(
                'onlineStore',
                'ticket',
                'online-store-engine-cpu',
                `Online store ${o.replicationGroupId}: engine CPU above 90% for 10 minutes.`,
                {
                  threshold: 90,
                  evaluationPeriods: 10,
                  datapointsToAlarm: 10,
                },
              ),
            },
          },
        ],
      },
      {
        title: 'Read/write latency p99 (µs)',
        metrics: [...o.nodeIds.map(OnlineStoreMetrics.readLatency), ...o.nodeIds.map(OnlineStoreMetrics.writeLatency)],
      },
    ];
    if ((o.replicaNodeIds ?? []).length > 0) {
      groups.push({
        title: 'Replication lag (s)',
        metrics: [
          {
            metric: maxOf(o.replicaNodeIds!.map(OnlineStoreMetrics.replicationLag), 'Replication lag (worst replica)'),
            alarmFriendlyName: 'OnlineStoreReplicationLag',
            addAlarm: {
              Warning: this.threshold(
                'onlineStore',
                'ticket',
                'online-store-replication-lag',
                `Online store ${o.replicationGroupId}: a replica is more than ${maxLag} s behind for 5 minutes.`,
                {
                  threshold: maxLag,
                  evaluationPeriods: 5,
                  datapointsToAlarm: 5,
                },
              ),
            },
          },
        ],
      });
    }
    this.facade.monitorCustom({
      alarmFriendlyName: 'OnlineStore',
      humanReadableName: `Online store ${o.replicationGroupId}`,
      metricGroups: groups,
      addToSummaryDashboard: true,
    });
    // The library's ElastiCache section (connections, memory, items) for the first node, as a reference view.
    this.facade.monitorElastiCacheCluster({
      clusterType: ElastiCacheClusterType.REDIS,
      clusterId: o.nodeIds[0],
      alarmFriendlyName: 'OnlineStorePrimary',
    });
  }

  private spark(name: string, applicationId: string): void {
    this.facade.monitorCustom({
      alarmFriendlyName: `Spark-${name}`,
      humanReadableName: `EMR Serverless: ${name}`,
      addToSummaryDashboard: true,
      metricGroups: [
        {
          title: 'Jobs (per 5 minutes)',
          metrics: [
            SparkMetrics.jobs(applicationId, 'SubmittedJobs', 'Submitted'),
            SparkMetrics.jobs(applicationId, 'SuccessJobs', 'Succeeded'),
            {
              metric: SparkMetrics.jobs(applicationId, 'FailedJobs', 'Failed'),
              alarmFriendlyName: 'JobFailed',
              addAlarm: {
                Warning: this.threshold(
                  'spark',
                  'ticket',
                  'emr-serverless-job-failed',
                  `EMR Serverless ${name} (${applicationId}): a job failed.`,
                  {
                    threshold: 0,
                    evaluationPeriods: 1,
                    datapointsToAlarm: 1,
                  },
                  false,
                  name,
                ),
              },
            },
          ],
        },
        { title: 'Capacity', metrics: [SparkMetrics.cpuAllocated(applicationId)] },
      ],
    });
  }

  private kubernetes(cluster: string): void {
    this.facade.monitorCustom({
      alarmFriendlyName: 'Kubernetes',
      humanReadableName: `EKS ${cluster} (Container Insights)`,
      addToSummaryDashboard: true,
      metricGroups: [
        {
          title: 'Nodes',
          metrics: [
            KubernetesMetrics.nodes(cluster),
            {
              metric: KubernetesMetrics.failedNodes(cluster),
              alarmFriendlyName: 'EksFailedNodes',
              addAlarm: {
                Warning: this.threshold('kubernetes', 'ticket', 'eks-nodes-failed', `EKS ${cluster}: nodes not ready for 15 minutes.`, {
                  threshold: 0,
                  evaluationPeriods: 15,
                  datapointsToAlarm: 15,
                }),
              },
            },
          ],
        },
        { title: 'Node utilization (%)', metrics: [KubernetesMetrics.nodeCpu(cluster), KubernetesMetrics.nodeMemory(cluster)] },
        { title: 'GPU utilization (%)', metrics: [KubernetesMetrics.gpuUtilization(cluster), KubernetesMetrics.gpuMemory(cluster)] },
      ],
    });
  }

  private endpoint(env: string, e: EndpointHandles): cloudwatch.CompositeAlarm | undefined {
    const alarms = e.alarms ?? true;
    const p99 = (e.latencyP99 ?? Duration.millis(250)).toMilliseconds();
    const rate = e.maxErrorRatePercent ?? 1;
    const severity = e.severity ?? 'page';
    const tag = `composite:${e.endpointName}`;
    const signal = (what: string, summary: string, t: Omit<CustomThreshold, 'comparisonOperator'>) => {
      const th = this.threshold('serving', severity, 'endpoint-degraded', summary, t, true, `${e.endpointName}-${what}`);
      return { ...th, customTags: [...(th.customTags ?? []), tag] };
    };
    this.facade.monitorCustom({
      alarmFriendlyName: `Endpoint-${e.endpointName}`,
      humanReadableName: `SageMaker endpoint ${e.endpointName}`,
      // An endpoint whose alarms live elsewhere is on the detail dashboard only: a hundred of them
      // on both dashboards would double what each adds to the template.
      addToSummaryDashboard: alarms,
      metricGroups: [
        {
          title: 'Model latency (ms)',
          metrics: [
            {
              metric: new cloudwatch.MathExpression({
                expression: 'p99 / 1000',
                usingMetrics: { p99: EndpointMetrics.modelLatency(e.endpointName, e.variantName, 'p99') },
                label: 'p99 (ms)',
                period: Duration.minutes(1),
              }),
              alarmFriendlyName: 'Latency',
              addAlarm: !alarms
                ? {}
                : {
                    Signal: signal('latency', `Endpoint ${e.endpointName}: model latency p99 above ${p99} ms for 5 minutes.`, {
                      threshold: p99,
                      evaluationPeriods: 5,
                      datapointsToAlarm: 5,
                    }),
                  },
            },
            new cloudwatch.MathExpression({
              expression: 'p50 / 1000',
              usingMetrics: { p50: EndpointMetrics.modelLatency(e.endpointName, e.variantName, 'p50') },
              label: 'p50 (ms)',
              period: Duration.minutes(1),
            }),
          ],
        },
        {
          title: 'Errors (% of invocations)',
          metrics: [
            {
              metric: EndpointMetrics.errorRatePercent(e.endpointName, e.variantName),
              alarmFriendlyName: 'Errors',
              addAlarm: !alarms
                ? {}
                : {
                    Signal: signal('errors', `Endpoint ${e.endpointName}: over ${rate}% of invocations fail with 5XX for 5 minutes.`, {
                      threshold: rate,
                      evaluationPeriods: 5,
                      datapointsToAlarm: 5,
                    }),
                  },
            },
          ],
        },
        {
          title: 'Traffic',
          metrics: [
            EndpointMetrics.invocations(e.endpointName, e.variantName),
            EndpointMetrics.invocationsPerInstance(e.endpointName, e.variantName),
          ],
        },
        {
          title: 'Instance utilization (%)',
          metrics: [EndpointMetrics.cpu(e.endpointName, e.variantName), EndpointMetrics.gpu(e.endpointName, e.variantName)],
        },
      ],
    });
    if (!alarms) return undefined;
    const signals = this.facade.createdAlarmsWithTag(tag).map((a) => a.alarm);
    for (const s of signals) acknowledgeSignalAlarm(s);
    return this.topics.compositeAlarm(this, `Endpoint${pascal(e.endpointName)}Degraded`, {
      alarmRule: cloudwatch.AlarmRule.anyOf(...signals),
      compositeAlarmName: `${env}-endpoint-degraded-${e.endpointName}`,
      summary: `Endpoint ${e.endpointName} is degraded: p99 latency above ${p99} ms or over ${rate}% 5XX errors for 5 minutes (one notification for either).`,
      severity,
      owner: this.owners.serving,
      runbook: 'endpoint-degraded',
    });
  }

  private pipeline(name: string, stateMachine: sfn.IStateMachine): void {
    const contract = (what: string) =>
      this.topics.thresholdContract(
        { severity: 'ticket', owner: this.owners.pipelines, runbook: 'pipeline-execution-failed' },
        `Pipeline ${name}: an execution ${what}.`,
      );
    this.facade.monitorStepFunction({
      stateMachine,
      alarmFriendlyName: `Pipeline-${name}`,
      humanReadableName: `Pipeline ${name}`,
      addToSummaryDashboard: true,
      addFailedExecutionCountAlarm: {
        Failed: { maxErrorCount: 0, alarmNameOverride: `${this.environment}-pipeline-execution-failed-${name}`, ...contract('failed') },
      },
      addTimedOutExecutionCountAlarm: {
        TimedOut: {
          maxErrorCount: 0,
          alarmNameOverride: `${this.environment}-pipeline-execution-failed-${name}-timed-out`,
          ...contract('timed out'),
        },
      },
    });
  }

  private freshness(f: NonNullable<PlatformMonitoringProps['featureFreshness']>): void {
    const maxAge = (f.maxAge ?? Duration.minutes(15)).toSeconds();
    this.facade.monitorCustom({
      alarmFriendlyName: 'FeatureFreshness',
      humanReadableName: `Feature freshness (${f.namespace})`,
      addToSummaryDashboard: true,
      metricGroups: [
        {
          title: 'Feature age (s)',
          metrics: [
            {
              metric: maxOf(
                f.featureViews.map((v) => FeatureMetrics.age(f, v)),
                'Oldest feature view (s)',
              ),
              alarmFriendlyName: 'FeatureStale',
              addAlarm: {
                Warning: this.threshold(
                  'features',
                  'ticket',
                  'feature-freshness-stale',
                  `A feature view is older than ${maxAge} s for 5 minutes (or its job stopped publishing freshness).`,
                  {
                    threshold: maxAge,
                    evaluationPeriods: 5,
                    datapointsToAlarm: 5,
                    treatMissingDataOverride: cloudwatch.TreatMissingData.BREACHING,
                  },
                ),
              },
            },
            ...f.featureViews.map((v) => FeatureMetrics.age(f, v)),
          ],
        },
      ],
    });
  }

  /** A page that cannot be delivered is no page: failed deliveries on the page topic ticket. */
  private oncall(): void {
    const failed = new cloudwatch.Metric({
      namespace: 'AWS/SNS',
      metricName: 'NumberOfNotificationsFailed',
      dimensionsMap: { TopicName: this.topics.topic('page').topicName },
      statistic: 'Sum',
      period: Duration.minutes(5),
      label: 'Failed page deliveries',
    });
    this.facade.monitorCustom({
      alarmFriendlyName: 'OnCall',
      humanReadableName: 'On-call notifications',
      metricGroups: [
        {
          title: 'Page topic deliveries',
          metrics: [
            {
              metric: failed,
              alarmFriendlyName: 'PageDeliveryFailed',
              addAlarm: {
                Warning: this.threshold(
                  'oncall',
                  'ticket',
                  'oncall-page-delivery-failed',
                  'Notifications on the page topic failed to reach a subscriber (pager endpoint or e-mail).',
                  {
                    threshold: 0,
                    evaluationPeriods: 1,
                    datapointsToAlarm: 1,
                  },
                ),
              },
            },
          ],
        },
      ],
    });
  }
}

function acknowledgeSignalAlarm(alarm: IConstruct): void {
  Validations.of(alarm).acknowledge({
    id: 'NIST.800.53.R5-CloudWatchAlarmAction',
    reason:
      'Signal alarm of a composite alarm: the composite carries the action (SNS topic of its severity) so that one failure notifies once; checkAlarmContract fails on an action-less alarm that feeds no composite.',
  });
}

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/** Problems with the handles, one line each. */
export function handleProblems(env: string, p: PlatformMonitoringProps): string[] {
  const problems: string[] = [];
  const at = `${env}.observability`;
  if (p.streaming && !(Number.isInteger(p.streaming.brokerCount) && p.streaming.brokerCount >= 1)) {
    problems.push(`${at}.streaming.brokerCount: ${p.streaming.brokerCount} is not a positive whole number`);
  }
  if (p.onlineStore && p.onlineStore.nodeIds.length === 0)
    problems.push(`${at}.onlineStore.nodeIds: empty (give the replication group's node ids)`);
  for (const r of p.onlineStore?.replicaNodeIds ?? []) {
    if (!p.onlineStore!.nodeIds.includes(r)) problems.push(`${at}.onlineStore.replicaNodeIds: '${r}' is not one of nodeIds`);
  }
  const seen = new Set<string>();
  for (const e of p.endpoints ?? []) {
    if (seen.has(e.endpointName)) problems.push(`${at}.endpoints: '${e.endpointName}' is listed twice`);
    seen.add(e.endpointName);
    if (e.maxErrorRatePercent !== undefined && !(e.maxErrorRatePercent > 0 && e.maxErrorRatePercent <= 100)) {
      problems.push(`${at}.endpoints.${e.endpointName}.maxErrorRatePercent: ${e.maxErrorRatePercent} is not in (0, 100]`);
    }
  }
  if (p.featureFreshness && p.featureFreshness.featureViews.length === 0) {
    problems.push(`${at}.featureFreshness.featureViews: empty (name the feature views whose age is published)`);
  }
  return problems;
}
