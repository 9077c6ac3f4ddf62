import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IDependable } from 'constructs';
import { acknowledgeWildcards, when } from '../private/acknowledge';
import { GPU_TAINT } from './gpu';
import { NODE_LABELS } from './ml-node-group';
import { podIdentityPrincipal } from './team-workload-identity';
import type { HelmChartPin } from './versions';

/** Charts of the large-scale training stack, pinned (versions from the projects' release tags). */
export const TRAINING_CHARTS = {
  /** Kueue 0.19.2: queues, quotas, gang admission; matches k8s/imports/kueue.x-k8s.io.ts. */
  kueue: { chart: 'kueue', repository: 'oci://registry.k8s.io/kueue/charts/kueue', version: '0.19.2', namespace: 'kueue-system' },
  /** Advertises `vpc.amazonaws.com/efa` on EFA instances (eks-charts). */
  efaDevicePlugin: {
    chart: 'aws-efa-k8s-device-plugin',
    repository: 'https://aws.github.io/eks-charts',
    version: 'v0.5.30',
    namespace: 'kube-system',
  },
  /** Mounts FSx for Lustre volumes into pods (static provisioning: no AWS permission needed). */
  fsxCsiDriver: {
    chart: 'aws-fsx-csi-driver',
    repository: 'https://kubernetes-sigs.github.io/aws-fsx-csi-driver',
    version: '1.17.0',
    namespace: 'kube-system',
  },
  /** KEDA: scales model servers on request concurrency; matches k8s/imports/keda.sh.ts. */
  keda: { chart: 'keda', repository: 'https://kedacore.github.io/charts', version: '2.20.2', namespace: 'keda' },
} as const satisfies Record<string, HelmChartPin>;

export type TrainingAddOnName = keyof typeof TRAINING_CHARTS;

/** Service account of the KEDA operator (it queries Prometheus with its own Pod Identity). */
export const KEDA_OPERATOR_SERVICE_ACCOUNT = 'keda-operator';

/** The job kinds Kueue manages when they carry a queue label. */
export const KUEUE_FRAMEWORKS: readonly string[] = [
  'trainer.kubeflow.org/trainjob',
  'jobset.x-k8s.io/jobset',
  'ray.io/rayjob',
  'ray.io/raycluster',
  'batch/job',
];

/**
 * Kueue's controller configuration: the frameworks it manages (only jobs that name a queue), and
 * waitForPodsReady: an admitted job whose pods are not all running within `podsReadyTimeout`
 * releases its quota and is requeued whole, so two half-started 16-GPU jobs cannot deadlock.
 */
export function kueueManagerConfig(podsReadyTimeout: Duration): string {
  const lines = [
    'apiVersion: config.kueue.x-k8s.io/v1beta2',
    'kind: Configuration',
    'health:',
    '  healthProbeBindAddress: :8081',
    'metrics:',
    '  bindAddress: :8443',
    'webhook:',
    '  port: 9443',
    'leaderElection:',
    '  leaderElect: true',
    '  resourceName: c1f6bfd2.kueue.x-k8s.io',
    'manageJobsWithoutQueueName: false',
    'waitForPodsReady:',
    `  timeout: ${podsReadyTimeout.toMinutes()}m`,
    '  blockAdmission: true',
    '  requeuingStrategy:',
    '    timestamp: Eviction',
    '    backoffBaseSeconds: 60',
    '    backoffMaxSeconds: 3600',
    'integrations:',
    '  frameworks:',
    ...KUEUE_FRAMEWORKS.map((f) => `  - "${f}"`),
  ];
  return lines.join('\n');
}

export interface TrainingAddOnsProps {
  readonly cluster: eks.ICluster;
  /**
   * Which add-ons to install.
   * @default - Kueue and KEDA everywhere; the EFA device plugin and the FSx CSI driver only when asked
   */
  readonly install?: Partial<Record<TrainingAddOnName, boolean>>;
  /**
   * How long an admitted job may take to get all its pods running before Kueue requeues it
   * (GPU nodes from zero take minutes).
   * @default Duration.minutes(20)
   */
  readonly podsReadyTimeout?: Duration;
  /** @default TRAINING_CHARTS */
  readonly charts?: Partial<Record<TrainingAddOnName, HelmChartPin>>;
  /** @default - none */
  readonly after?: readonly IDependable[];
  /**
   * ARN of the Prometheus workspace KEDA's operator queries for scaling metrics.
   * @default - any workspace of this account and region
   */
  readonly prometheusWorkspaceArn?: string;
}

const ON_SYSTEM_NODES = { nodeSelector: { [NODE_LABELS.workload]: 'system' } };
const ON_GPU_NODES = { tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }] };

/**
 * The controllers large-scale training and LLM serving need, installed with Helm at pinned
 * versions: Kueue (two replicas on system nodes, gang admission with waitForPodsReady), KEDA, and
 * where EFA training runs, the EFA device plugin (on GPU nodes) and the FSx for Lustre CSI driver.
 *
 * @example
 * new TrainingAddOns(this, 'TrainingAddOns', { cluster, install: { efaDevicePlugin: true, fsxCsiDriver: true } });
 */
export class TrainingAddOns extends Construct {
  readonly charts: Partial<Record<TrainingAddOnName, eks.HelmChart>> = {};
  /** The KEDA operator's role (with `keda`). */
  readonly kedaRole?: iam.Role;

  constructor(scope: Construct, id: string, props: TrainingAddOnsProps) {
    super(scope, id);
    const pins = { ...TRAINING_CHARTS, ...props.charts };
    const install: Record<TrainingAddOnName, boolean> = {
      kueue: true,
      keda: true,
      efaDevicePlugin: false,
      fsxCsiDriver: false,
      ...props.install,
    };
    const values: Record<TrainingAddOnName, Record<string, unknown>> = {
      kueue: {
        controllerManager: { replicas: 2, ...ON_SYSTEM_NODES, podDisruptionBudget: { enabled: true, minAvailable: 1 } },
        managerConfig: { controllerManagerConfigYaml: kueueManagerConfig(props.podsReadyTimeout ?? Duration.minutes(20)) },
      },
      keda: {
        ...ON_SYSTEM_NODES,
        serviceAccount: { operator: { create: true, name: KEDA_OPERATOR_SERVICE_ACCOUNT } },
        podIdentity: { aws: { irsa: { enabled: false } } },
      },
      efaDevicePlugin: { ...ON_GPU_NODES },
      fsxCsiDriver: { controller: ON_SYSTEM_NODES, node: { tolerateAllTaints: true } },
    };
    // KEDA's operator queries Amazon Managed Service for Prometheus (scaling metrics) as this role.
    let kedaIdentity: eks.CfnPodIdentityAssociation | undefined;
    if (install.keda) {
      this.kedaRole = new iam.Role(this, 'KedaOperatorRole', {
        assumedBy: podIdentityPrincipal(props.cluster),
        description: 'KEDA operator (EKS Pod Identity): queries Amazon Managed Service for Prometheus for scaling metrics',
      });
      const stack = Stack.of(this);
      const policy = new iam.ManagedPolicy(this, 'KedaOperatorPolicy', {
        statements: [
          new iam.PolicyStatement({
            sid: 'QueryScalingMetrics',
            actions: ['aps:QueryMetrics'],
            resources: [
              props.prometheusWorkspaceArn ??
                stack.formatArn({ service: 'aps', resource: 'workspace', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
            ],
          }),
        ],
        roles: [this.kedaRole],
      });
      acknowledgeWildcards(
        policy,
        when(
          /^Resource::arn:[^:]+:aps:[^:]+:[^:]+:workspace\/\*$/,
          "KEDA reads scaling metrics from the account's Prometheus workspaces (their ids are generated by the observability stack): only aps:QueryMetrics, only this account and region.",
        ),
      );
      kedaIdentity = new eks.CfnPodIdentityAssociation(this, 'KedaOperatorIdentity', {
        clusterName: props.cluster.clusterName,
        namespace: pins.keda.namespace,
        serviceAccount: KEDA_OPERATOR_SERVICE_ACCOUNT,
        roleArn: this.kedaRole.roleArn,
      });
    }

    for (const [name, pin] of Object.entries(pins) as [TrainingAddOnName, HelmChartPin][]) {
      if (!install[name]) continue;
      const chart = new eks.HelmChart(this, name.charAt(0).toUpperCase() + name.slice(1), {
        cluster: props.cluster,
        chart: pin.chart,
        repository: pin.repository,
        version: pin.version,
        namespace: pin.namespace,
        release: pin.chart,
        createNamespace: true,
        values: values[name],
        wait: true,
        timeout: Duration.minutes(10),
      });
      for (const dep of props.after ?? []) chart.node.addDependency(dep);
      this.charts[name] = chart;
    }
    if (kedaIdentity) this.charts.keda?.node.addDependency(kedaIdentity);
  }
}
