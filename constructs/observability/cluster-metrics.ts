import { Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { App as Cdk8sApp } from 'cdk8s';
import { Construct, type IDependable } from 'constructs';
import { GpuObservabilityChart, gpuObservabilityReleases } from '../../k8s/charts/gpu-observability';
import { podIdentityPrincipal } from '../compute/team-workload-identity';
import { acknowledge, managedPolicyFinding } from '../private/acknowledge';

/** The EKS add-on that installs Container Insights (CloudWatch agent and Fluent Bit). */
export const CONTAINER_INSIGHTS_ADDON = 'amazon-cloudwatch-observability';

export interface ClusterMetricsProps {
  readonly cluster: eks.ICluster;
  /** Environment name, for the `platform/env` label of the exporters' namespace. */
  readonly environment: string;
  /**
   * Version of the amazon-cloudwatch-observability add-on (3.1.0 or later: EKS Pod Identity).
   * @default - no Container Insights
   */
  readonly containerInsightsVersion?: string;
  /**
   * Install the DCGM exporter (GPU nodes) and kube-state-metrics, and the managed collector's RBAC.
   * @default false
   */
  readonly prometheusExporters?: boolean;
  /**
   * Taint key of the GPU node pools (the DCGM exporter tolerates it).
   * @default 'nvidia.com/gpu'
   */
  readonly gpuTaintKey?: string;
  /** What the releases wait for (nodes, CoreDNS). @default - nothing */
  readonly after?: readonly IDependable[];
}

/**
 * What puts a cluster's metrics where the platform's dashboards and alarms read them:
 * - Container Insights: the `amazon-cloudwatch-observability` EKS add-on, its agent (service
 *   account `cloudwatch-agent`) bound by EKS Pod Identity to a role with the AWS-managed
 *   CloudWatchAgentServerPolicy; node, pod and GPU metrics in the `ContainerInsights` namespace;
 * - for Amazon Managed Service for Prometheus: the `gpu-monitoring` namespace with the managed
 *   collector's RBAC (GpuObservabilityChart) and the pinned Helm releases of the NVIDIA DCGM
 *   exporter (GPU utilization, memory, XID errors) and kube-state-metrics.
 */
export class ClusterMetrics extends Construct {
  readonly containerInsights?: eks.Addon;
  readonly agentRole?: iam.Role;
  readonly releases: Readonly<Record<string, eks.HelmChart>>;

  constructor(scope: Construct, id: string, props: ClusterMetricsProps) {
    super(scope, id);
    if (props.containerInsightsVersion !== undefined && !/^v\d+\.\d+\.\d+-eksbuild\.\d+$/.test(props.containerInsightsVersion)) {
      throw new Error(`ClusterMetrics: containerInsightsVersion must look like v4.1.0-eksbuild.1, got '${props.containerInsightsVersion}'`);
    }
    if (props.containerInsightsVersion) {
      this.agentRole = new iam.Role(this, 'AgentRole', {
        assumedBy: podIdentityPrincipal(props.cluster),
        description: 'CloudWatch agent of Container Insights (EKS Pod Identity): puts metrics and logs',
        managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchAgentServerPolicy')],
      });
      acknowledge(
        this.agentRole,
        'The Container Insights agent role uses the AWS-managed CloudWatchAgentServerPolicy, which AWS keeps in step with the add-on; it is bound by EKS Pod Identity to the cloudwatch-agent service account of this cluster only.',
        managedPolicyFinding('CloudWatchAgentServerPolicy'),
      );
      this.containerInsights = new eks.Addon(this, 'ContainerInsights', {
        cluster: props.cluster,
        addonName: CONTAINER_INSIGHTS_ADDON,
        addonVersion: props.containerInsightsVersion,
        preserveOnDelete: false,
      });
      const cfn = this.containerInsights.node.defaultChild as eks.CfnAddon;
      cfn.resolveConflicts = 'OVERWRITE';
      cfn.podIdentityAssociations = [{ serviceAccount: 'cloudwatch-agent', roleArn: this.agentRole.roleArn }];
      for (const dep of props.after ?? []) this.containerInsights.node.addDependency(dep);
    }

    const releases: Record<string, eks.HelmChart> = {};
    if (props.prometheusExporters) {
      const chart = props.cluster.addCdk8sChart(
        'GpuObservability',
        new GpuObservabilityChart(new Cdk8sApp(), 'gpu-observability', { environment: props.environment }),
      );
      for (const dep of props.after ?? []) chart.node.addDependency(dep);
      for (const r of gpuObservabilityReleases({ gpuTaintKey: props.gpuTaintKey })) {
        const release = new eks.HelmChart(
          this,
          r.release.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
          {
            cluster: props.cluster,
            chart: r.chart,
            repository: r.repository,
            version: r.version,
            namespace: r.namespace,
            release: r.release,
            createNamespace: false,
            values: r.values,
            wait: true,
            timeout: Duration.minutes(10),
          },
        );
        release.node.addDependency(chart);
        releases[r.release] = release;
      }
    }
    this.releases = releases;
  }
}
