/**
 * THE one place where the versions of what runs on the cluster are pinned: the Kubernetes
 * version, the EKS managed add-ons and the Helm charts. Upgrading means changing a line here,
 * reading the projects' release notes, and re-running the tests (which assert these pins).
 *
 * EKS add-on versions are those published for Kubernetes 1.34; confirm with
 * `aws eks describe-addon-versions --kubernetes-version 1.34 --addon-name <name>` before a deploy.
 */

/** Kubernetes version of new clusters; the kubectl layer (@aws-cdk/lambda-layer-kubectl-v34) matches it. */
export const DEFAULT_KUBERNETES_VERSION = '1.34';

/** Kubernetes versions for which a matching kubectl layer is installed. */
export const SUPPORTED_KUBERNETES_VERSIONS: readonly string[] = ['1.34'];

/** EKS managed add-ons, by add-on name. */
export const EKS_ADDON_VERSIONS = {
  'vpc-cni': 'v1.20.4-eksbuild.1',
  'kube-proxy': 'v1.34.1-eksbuild.2',
  'eks-pod-identity-agent': 'v1.3.9-eksbuild.3',
  coredns: 'v1.12.4-eksbuild.1',
  'aws-ebs-csi-driver': 'v1.51.1-eksbuild.1',
} as const;

export type EksAddonName = keyof typeof EKS_ADDON_VERSIONS;

/** A Helm chart pinned to one version. */
export interface HelmChartPin {
  /** Chart name in its repository. */
  readonly chart: string;
  /** Repository URL (`https://…` index or `oci://…`). */
  readonly repository: string;
  /** Exact chart version (never a range). */
  readonly version: string;
  /** Namespace the release is installed into. */
  readonly namespace: string;
}

/** Helm charts installed on every cluster, by role. */
export const HELM_CHARTS = {
  /** Advertises `nvidia.com/gpu` on GPU nodes (drivers and toolkit come with the EKS NVIDIA AMI). */
  nvidiaDevicePlugin: {
    chart: 'nvidia-device-plugin',
    repository: 'https://nvidia.github.io/k8s-device-plugin',
    version: '0.18.2',
    namespace: 'kube-system',
  },
  /** KubeRay operator (RayCluster, RayJob, RayService); 1.7.0 matches the committed CRD imports. */
  kuberayOperator: {
    chart: 'kuberay-operator',
    repository: 'https://ray-project.github.io/kuberay-helm/',
    version: '1.7.0',
    namespace: 'kuberay-system',
  },
  /** Kubeflow Trainer v2 (TrainJob, ClusterTrainingRuntime, with JobSet); 2.3.0 matches the CRD imports. */
  kubeflowTrainer: {
    chart: 'kubeflow-trainer',
    repository: 'oci://ghcr.io/kubeflow/charts/kubeflow-trainer',
    version: '2.3.0',
    namespace: 'kubeflow-system',
  },
  /** Resource metrics API (kubectl top, HPA). */
  metricsServer: {
    chart: 'metrics-server',
    repository: 'https://kubernetes-sigs.github.io/metrics-server/',
    version: '3.13.1',
    namespace: 'kube-system',
  },
} as const satisfies Record<string, HelmChartPin>;
