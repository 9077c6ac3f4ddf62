import { Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct, type IDependable } from 'constructs';
import { GPU_TAINT } from './gpu';
import { NODE_LABELS } from './ml-node-group';
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
   * Resources the charts wait for (nodes, CoreDNS, the pod identity agent).
   * @default - none
   */
  readonly after?: readonly IDependable[];
}

/** Where controllers run: the CPU system nodes. */
const ON_SYSTEM_NODES = { nodeSelector: { [NODE_LABELS.workload]: 'system' } };

/**
 * The cluster add-ons installed with Helm by the kubectl provider at deploy time (charts are
 * fetched then, never at synth), each at the version pinned in HELM_CHARTS:
 * - NVIDIA device plugin: the EKS AL2023 NVIDIA AMI already ships the driver and container
 *   toolkit, so the device plugin is all that is missing to advertise `nvidia.com/gpu`; the GPU
 *   operator would manage drivers the AMI already manages (and fight AMI updates).
 * - KubeRay operator, Kubeflow Trainer v2 (with JobSet), metrics-server.
 * Workload nodes come from Karpenter (see Karpenter), not from a Cluster Autoscaler.
 *
 * Only chart coordinates and small values documents go through the custom resources.
 *
 * @example
 * new MlClusterAddOns(this, 'AddOns', { cluster, values: { metricsServer: { replicas: 3 } } });
 */
export class MlClusterAddOns extends Construct {
  readonly charts: Partial<Record<HelmAddOnName, eks.HelmChart>> = {};

  constructor(scope: Construct, id: string, props: MlClusterAddOnsProps) {
    super(scope, id);
    const { cluster } = props;
    const pins = { ...HELM_CHARTS, ...props.charts };

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
  }
}

/** Construct id of an add-on's chart: `NvidiaDevicePlugin`, `KuberayOperator`, ... */
function chartId(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
