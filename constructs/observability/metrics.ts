import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * Metric factories for the services cdk-monitoring-constructs has no monitoring class for (MSK,
 * EMR Serverless, EKS Container Insights, SageMaker endpoints) and for the platform's own
 * feature-freshness metric. Names and dimensions follow the AWS documentation of each namespace.
 */
const MINUTE = Duration.minutes(1);

function m(
  namespace: string,
  metricName: string,
  dimensionsMap: Record<string, string>,
  statistic: string,
  label?: string,
  period = MINUTE,
) {
  return new cloudwatch.Metric({ namespace, metricName, dimensionsMap, statistic, period, label });
}

/** Amazon MSK (namespace AWS/Kafka; https://docs.aws.amazon.com/msk/latest/developerguide/metrics-details.html). */
export const MskMetrics = {
  offlinePartitions: (cluster: string) =>
    m('AWS/Kafka', 'OfflinePartitionsCount', { 'Cluster Name': cluster }, 'Maximum', 'Offline partitions'),
  activeControllers: (cluster: string) => m('AWS/Kafka', 'ActiveControllerCount', { 'Cluster Name': cluster }, 'Sum', 'Active controllers'),
  /** Per broker (DEFAULT monitoring level). */
  underReplicatedPartitions: (cluster: string, broker: number) =>
    m('AWS/Kafka', 'UnderReplicatedPartitions', { 'Cluster Name': cluster, 'Broker ID': String(broker) }, 'Maximum', `Broker ${broker}`),
  diskUsedPercent: (cluster: string, broker: number) =>
    m('AWS/Kafka', 'KafkaDataLogsDiskUsed', { 'Cluster Name': cluster, 'Broker ID': String(broker) }, 'Maximum', `Broker ${broker}`),
  cpuUser: (cluster: string, broker: number) =>
    m('AWS/Kafka', 'CpuUser', { 'Cluster Name': cluster, 'Broker ID': String(broker) }, 'Average', `Broker ${broker}`),
  /** Consumer-group lag in seconds (DEFAULT level), per topic. */
  estimatedMaxTimeLag: (cluster: string, group: string, topic: string) =>
    m(
      'AWS/Kafka',
      'EstimatedMaxTimeLag',
      { 'Cluster Name': cluster, 'Consumer Group': group, Topic: topic },
      'Maximum',
      `${group} on ${topic}`,
    ),
  maxOffsetLag: (cluster: string, group: string, topic: string) =>
    m('AWS/Kafka', 'MaxOffsetLag', { 'Cluster Name': cluster, 'Consumer Group': group, Topic: topic }, 'Maximum', `${group} on ${topic}`),
};

/** ElastiCache Valkey/Redis OSS per node (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html). */
export const OnlineStoreMetrics = {
  memoryUsedPercent: (node: string) => m('AWS/ElastiCache', 'DatabaseMemoryUsagePercentage', { CacheClusterId: node }, 'Maximum', node),
  evictions: (node: string) => m('AWS/ElastiCache', 'Evictions', { CacheClusterId: node }, 'Sum', node),
  engineCpu: (node: string) => m('AWS/ElastiCache', 'EngineCPUUtilization', { CacheClusterId: node }, 'Maximum', node),
  /** Seconds a replica is behind its primary (replicas only). */
  replicationLag: (node: string) => m('AWS/ElastiCache', 'ReplicationLag', { CacheClusterId: node }, 'Maximum', node),
  /** Microseconds, server side. */
  readLatency: (node: string) => m('AWS/ElastiCache', 'SuccessfulReadRequestLatency', { CacheClusterId: node }, 'p99', node),
  writeLatency: (node: string) => m('AWS/ElastiCache', 'SuccessfulWriteRequestLatency', { CacheClusterId: node }, 'p99', node),
};

/** EMR Serverless application (https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/app-job-metrics.html). */
export const SparkMetrics = {
  jobs: (applicationId: string, state: 'SubmittedJobs' | 'RunningJobs' | 'SuccessJobs' | 'FailedJobs' | 'CancelledJobs', label: string) =>
    m('AWS/EMRServerless', state, { ApplicationId: applicationId }, 'Sum', label, Duration.minutes(5)),
  cpuAllocated: (applicationId: string) =>
    m('AWS/EMRServerless', 'CPUAllocated', { ApplicationId: applicationId }, 'Maximum', 'vCPU allocated'),
};

/** EKS with Container Insights (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-EKS.html). */
export const KubernetesMetrics = {
  failedNodes: (cluster: string) =>
    m('ContainerInsights', 'cluster_failed_node_count', { ClusterName: cluster }, 'Maximum', 'Failed nodes'),
  nodes: (cluster: string) => m('ContainerInsights', 'cluster_node_count', { ClusterName: cluster }, 'Average', 'Nodes'),
  nodeCpu: (cluster: string) => m('ContainerInsights', 'node_cpu_utilization', { ClusterName: cluster }, 'Average', 'Node CPU %'),
  nodeMemory: (cluster: string) => m('ContainerInsights', 'node_memory_utilization', { ClusterName: cluster }, 'Average', 'Node memory %'),
  gpuUtilization: (cluster: string) => m('ContainerInsights', 'node_gpu_utilization', { ClusterName: cluster }, 'Average', 'GPU %'),
  gpuMemory: (cluster: string) =>
    m('ContainerInsights', 'node_gpu_memory_utilization', { ClusterName: cluster }, 'Average', 'GPU memory %'),
};

/** A SageMaker real-time endpoint variant (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html). */
export const EndpointMetrics = {
  /** Microseconds. */
  modelLatency: (endpoint: string, variant: string, statistic: string) =>
    m('AWS/SageMaker', 'ModelLatency', { EndpointName: endpoint, VariantName: variant }, statistic, `${endpoint} ${statistic}`),
  invocations: (endpoint: string, variant: string) =>
    m('AWS/SageMaker', 'Invocations', { EndpointName: endpoint, VariantName: variant }, 'Sum', `${endpoint} invocations`),
  errors5xx: (endpoint: string, variant: string) =>
    m('AWS/SageMaker', 'Invocation5XXErrors', { EndpointName: endpoint, VariantName: variant }, 'Sum', `${endpoint} 5XX`),
  errors4xx: (endpoint: string, variant: string) =>
    m('AWS/SageMaker', 'Invocation4XXErrors', { EndpointName: endpoint, VariantName: variant }, 'Sum', `${endpoint} 4XX`),
  invocationsPerInstance: (endpoint: string, variant: string) =>
    m('AWS/SageMaker', 'InvocationsPerInstance', { EndpointName: endpoint, VariantName: variant }, 'Sum', `${endpoint} per instance`),
  cpu: (endpoint: string, variant: string) =>
    m('/aws/sagemaker/Endpoints', 'CPUUtilization', { EndpointName: endpoint, VariantName: variant }, 'Average', `${endpoint} CPU %`),
  gpu: (endpoint: string, variant: string) =>
    m('/aws/sagemaker/Endpoints', 'GPUUtilization', { EndpointName: endpoint, VariantName: variant }, 'Average', `${endpoint} GPU %`),
  /** 5XX errors as a percentage of invocations; no traffic reads as 0. */
  errorRatePercent: (endpoint: string, variant: string) =>
    new cloudwatch.MathExpression({
      expression: '100 * FILL(errors, 0) / invocations',
      usingMetrics: { errors: EndpointMetrics.errors5xx(endpoint, variant), invocations: EndpointMetrics.invocations(endpoint, variant) },
      label: `${endpoint} 5XX %`,
      period: MINUTE,
    }),
};

/** How the platform's feature jobs publish freshness: the age of the newest value per feature view. */
export interface FeatureFreshnessMetric {
  /** Namespace of the custom metric, e.g. `MlPlatform/Features`. */
  readonly namespace: string;
  /**
   * Metric name: seconds since the newest value of the view was written.
   * @default 'FeatureAgeSeconds'
   */
  readonly metricName?: string;
  /**
   * Dimension naming the feature view.
   * @default 'FeatureView'
   */
  readonly dimension?: string;
  /** The feature views to watch, e.g. `['applicant-profile', 'bureau-summary']`. */
  readonly featureViews: readonly string[];
}

export const FeatureMetrics = {
  age: (f: FeatureFreshnessMetric, view: string, statistic = 'Maximum') =>
    m(f.namespace, f.metricName ?? 'FeatureAgeSeconds', { [f.dimension ?? 'FeatureView']: view }, statistic, view),
};

/** The maximum of several metrics (one line, one alarm), e.g. the worst broker. Ids are m0, m1, … */
export function maxOf(metrics: readonly cloudwatch.IMetric[], label: string): cloudwatch.MathExpression {
  if (metrics.length === 0) throw new Error(`maxOf(${label}): no metrics`);
  const usingMetrics = Object.fromEntries(metrics.map((metric, i) => [`m${i}`, metric]));
  return new cloudwatch.MathExpression({
    expression: metrics.length === 1 ? 'm0' : `MAX([${Object.keys(usingMetrics).join(', ')}])`,
    usingMetrics,
    label,
    period: MINUTE,
  });
}

/** The sum of several metrics, e.g. evictions over all nodes. */
export function sumOf(metrics: readonly cloudwatch.IMetric[], label: string): cloudwatch.MathExpression {
  if (metrics.length === 0) throw new Error(`sumOf(${label}): no metrics`);
  const usingMetrics = Object.fromEntries(metrics.map((metric, i) => [`m${i}`, metric]));
  return new cloudwatch.MathExpression({
    expression:
      metrics.length === 1
        ? 'FILL(m0, 0)'
        : Object.keys(usingMetrics)
            .map((k) => `FILL(${k}, 0)`)
            .join(' + '),
    usingMetrics,
    label,
    period: MINUTE,
  });
}
