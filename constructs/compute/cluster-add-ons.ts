import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IDependable } from 'constructs';
import { acknowledgeWildcards } from '../private/acknowledge';
import { GPU_TAINT } from './gpu';
import { NODE_LABELS } from './ml-node-group';
import { podIdentityPrincipal } from './team-workload-identity';
import { HELM_CHARTS, type HelmChartPin } from './versions';

export type HelmAddOnName = keyof typeof HELM_CHARTS;

export interface MlClusterAddOnsOptions {
  /**
   * Chart pins to override (e.g. a newer patch), by add-on.
   * @default HELM_CHARTS
   */
  readonly charts?: Partial<Record<HelmAddOnName, HelmChartPin>>;
  /**
   * Extra Helm values, merged over the platform's values, by add-on.
   * @default - none
   */
  readonly values?: Partial<Record<HelmAddOnName, Record<string, unknown>>>;
}

export interface MlClusterAddOnsProps extends MlClusterAddOnsOptions {
  readonly cluster: eks.Cluster;
  /**
   * The cluster's name as a literal (IAM condition keys cannot be tokens).
   * @default - cluster.clusterName, which must then be resolved
   */
  readonly clusterName?: string;
  /**
   * Resources the charts wait for (nodes, CoreDNS, the pod identity agent).
   * @default - none
   */
  readonly after?: readonly IDependable[];
}

/** Service account of the Cluster Autoscaler; its IAM role is bound to it by EKS Pod Identity. */
export const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT = 'cluster-autoscaler';

/** Where controllers run: the CPU system nodes. */
const ON_SYSTEM_NODES = { nodeSelector: { [NODE_LABELS.workload]: 'system' } };

/**
 * The cluster add-ons installed with Helm by the kubectl provider at deploy time (charts are
 * fetched then, never at synth), each at the version pinned in HELM_CHARTS:
 * - NVIDIA device plugin: the EKS AL2023 NVIDIA AMI already ships the driver and container
 *   toolkit, so the device plugin is all that is missing to advertise `nvidia.com/gpu`; the GPU
 *   operator would manage drivers the AMI already manages (and fight AMI updates).
 * - KubeRay operator, Kubeflow Trainer v2 (with JobSet), metrics-server.
 * - Cluster Autoscaler: scales the managed node groups (GPU groups from zero) inside the min/max
 *   set in config, with an IAM role bound through EKS Pod Identity and scoped by the cluster's
 *   auto-discovery tag.
 *
 * Only chart coordinates and small values documents go through the custom resources.
 *
 * @example
 * new MlClusterAddOns(this, 'AddOns', { cluster, values: { metricsServer: { replicas: 3 } } });
 */
export class MlClusterAddOns extends Construct {
  readonly charts: Partial<Record<HelmAddOnName, eks.HelmChart>> = {};
  readonly autoscalerRole: iam.Role;

  constructor(scope: Construct, id: string, props: MlClusterAddOnsProps) {
    super(scope, id);
    const { cluster } = props;
    const stack = Stack.of(this);
    const pins = { ...HELM_CHARTS, ...props.charts };
    const clusterName = props.clusterName ?? cluster.clusterName;
    if (Token.isUnresolved(clusterName)) {
      throw new Error('MlClusterAddOns: clusterName must be a literal (it is part of an IAM condition key); pass props.clusterName');
    }

    this.autoscalerRole = new iam.Role(this, 'ClusterAutoscalerRole', {
      assumedBy: podIdentityPrincipal(cluster),
      description: 'Cluster Autoscaler (EKS Pod Identity): resizes the node groups of one cluster',
    });
    const autoscalerPolicy = new iam.ManagedPolicy(this, 'ClusterAutoscalerPolicy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'DescribeScalingInputs',
          // Describe/Get calls of Auto Scaling and EC2 support no resource-level permissions.
          actions: [
            'autoscaling:DescribeAutoScalingGroups',
            'autoscaling:DescribeAutoScalingInstances',
            'autoscaling:DescribeLaunchConfigurations',
            'autoscaling:DescribeScalingActivities',
            'ec2:DescribeImages',
            'ec2:DescribeInstanceTypes',
            'ec2:DescribeLaunchTemplateVersions',
            'ec2:GetInstanceTypesFromInstanceRequirements',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'ResizeThisClustersNodeGroups',
          actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
          resources: ['*'],
          conditions: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: 'owned' } },
        }),
        new iam.PolicyStatement({
          sid: 'ReadNodeGroupTemplates',
          // Labels and taints of a group at zero nodes (GPU groups scale from zero).
          actions: ['eks:DescribeNodegroup'],
          resources: [
            stack.formatArn({
              service: 'eks',
              resource: 'nodegroup',
              resourceName: `${clusterName}/*`,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });
    this.autoscalerRole.addManagedPolicy(autoscalerPolicy);
    acknowledgeWildcards(autoscalerPolicy, (finding) => {
      if (finding === 'Resource::*') {
        return "Cluster Autoscaler: Auto Scaling and EC2 Describe calls support no resource-level permissions; SetDesiredCapacity/TerminateInstanceInAutoScalingGroup are limited by the condition aws:ResourceTag/k8s.io/cluster-autoscaler/<cluster> = owned to this cluster's node groups.";
      }
      if (/^Resource::arn:[^:]+:eks:[^:]*:[^:]*:nodegroup\/[A-Za-z0-9_-]+\/\*$/.test(finding)) {
        return 'Cluster Autoscaler reads labels and taints of the node groups of its own cluster (nodegroup/<cluster>/*) to scale GPU groups from zero; node group names are generated.';
      }
      return undefined;
    });
    const association = new eks.CfnPodIdentityAssociation(this, 'ClusterAutoscalerIdentity', {
      clusterName: cluster.clusterName,
      namespace: pins.clusterAutoscaler.namespace,
      serviceAccount: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
      roleArn: this.autoscalerRole.roleArn,
    });

    const values: Record<HelmAddOnName, Record<string, unknown>> = {
      nvidiaDevicePlugin: {
        // The chart's default affinity selects nodes labelled nvidia.com/gpu.present=true (MlNodeGroup sets it).
        tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
        priorityClassName: 'system-node-critical',
        gfd: { enabled: false },
        nfd: { enabled: false },
      },
      kuberayOperator: { ...ON_SYSTEM_NODES, batchScheduler: { enabled: false } },
      // The chart's controller settings live under manager.*; JobSet comes with it (jobset.install).
      kubeflowTrainer: { manager: ON_SYSTEM_NODES },
      metricsServer: { ...ON_SYSTEM_NODES, replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } },
      clusterAutoscaler: {
        ...ON_SYSTEM_NODES,
        cloudProvider: 'aws',
        awsRegion: stack.region,
        autoDiscovery: { clusterName: cluster.clusterName },
        rbac: { serviceAccount: { create: true, name: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT } },
        extraArgs: {
          'balance-similar-node-groups': true,
          'skip-nodes-with-system-pods': false,
          expander: 'least-waste',
          'scale-down-unneeded-time': '10m',
        },
      },
    };

    for (const [name, pin] of Object.entries(pins) as [HelmAddOnName, HelmChartPin][]) {
      const chart = new eks.HelmChart(this, chartId(name), {
        cluster,
        chart: pin.chart,
        repository: pin.repository,
        version: pin.version,
        namespace: pin.namespace,
        release: pin.chart,
        createNamespace: true,
        values: { ...values[name], ...props.values?.[name] },
        wait: true,
        timeout: Duration.minutes(10),
      });
      for (const dep of props.after ?? []) chart.node.addDependency(dep);
      this.charts[name] = chart;
    }
    this.charts.clusterAutoscaler!.node.addDependency(association);
  }
}

/** Construct id of an add-on's chart: `NvidiaDevicePlugin`, `KuberayOperator`, ... */
function chartId(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
