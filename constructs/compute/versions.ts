import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { optionalPeer } from '../private/optional-peer';

/**
 * THE one place where the versions of what runs on the cluster are pinned: per Kubernetes
 * version, the kubectl layer and the EKS managed add-ons; then the Helm charts. Upgrading a
 * cluster is one config field (`cluster.kubernetesVersion`): the layer and add-ons follow it from
 * KUBERNETES_RELEASES. A new version means a new row here (with its kubectl layer package),
 * reading the projects' release notes, and re-running the tests (which assert these pins).
 *
 * EKS add-on versions: confirm with
 * `aws eks describe-addon-versions --kubernetes-version <version> --addon-name <name>` before a deploy.
 *
 * Where the 1.35 add-on versions come from (checked 2026-12-07 against stored copies of the Amazon
 * EKS User Guide; this machine has no AWS access):
 * - kube-proxy v1.35.3-eksbuild.2: "Manage kube-proxy", table "kube-proxy versions", row 1.35
 *   (docs.amazonaws.cn/…/eks/latest/userguide/managing-kube-proxy.md). Was v1.35.0-eksbuild.2, a guess.
 * - coredns v1.14.2-eksbuild.4: "Manage CoreDNS", table "CoreDNS versions", row 1.35
 *   (docs.amazonaws.cn/en_us/eks/latest/userguide/managing-coredns.md; an earlier copy listed
 *   v1.13.2-eksbuild.4). Was v1.13.1-eksbuild.1, a guess.
 * - vpc-cni v1.21.1-eksbuild.1, eks-pod-identity-agent v1.3.10-eksbuild.2, aws-ebs-csi-driver
 *   v1.57.1-eksbuild.1 (checked 2026-12-07): the Kubernetes 1.35 rows of awslabs/cdk-eks-blueprints'
 *   add-on version maps (lib/addons/vpc-cni, eks-pod-identity-agent, ebs-csi-driver/index.ts;
 *   commit 0b82904e "Add EKS Kubernetes 1.35 support", 2026-04-08). The same pod-identity-agent and
 *   EBS CSI builds are pinned beside kube-proxy v1.35.x in other public 1.35 cluster configs (eksctl
 *   and terraform-aws-eks inputs), which also use later vpc-cni builds (v1.21.1-eksbuild.5/.7).
 *   The guide's VPC CNI table stops at 1.33 in the copies found, and the other two publish no table
 *   per Kubernetes version. Were v1.20.4-eksbuild.1, v1.3.9-eksbuild.3, v1.51.1-eksbuild.1 (guesses).
 */

/** A kubectl layer package's class (`KubectlV35Layer`, …): an optional peer of the published library, needed only by MlCluster. */
type KubectlLayerClass = new (scope: Construct, id: string) => lambda.ILayerVersion;

function kubectlLayerClass(pkg: string, name: string): KubectlLayerClass {
  const layer = optionalPeer<Record<string, KubectlLayerClass>>(pkg)?.[name];
  if (!layer)
    throw new Error(`MlCluster needs the kubectl layer of its Kubernetes version: install the peer dependency ${pkg} (npm install ${pkg})`);
  return layer;
}

/** EKS managed add-ons the cluster installs. */
export const EKS_ADDON_NAMES = ['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent', 'coredns', 'aws-ebs-csi-driver'] as const;

export type EksAddonName = (typeof EKS_ADDON_NAMES)[number];

/** What follows from one Kubernetes version. */
export interface KubernetesRelease {
  /** The kubectl/helm layer of the kubectl provider, matching the version. */
  readonly kubectlLayer: (scope: Construct, id: string) => lambda.ILayerVersion;
  /** EKS managed add-on versions published for the version. */
  readonly addons: Readonly<Record<EksAddonName, string>>;
}

/**
 * Supported Kubernetes versions (`major.minor`) and what follows from each. 1.35: EKS standard
 * support until 2027-03-27 (1.34 left it on 2026-12-02; its layer package is no longer installed).
 */
export const KUBERNETES_RELEASES: Readonly<Record<string, KubernetesRelease>> = {
  '1.35': {
    kubectlLayer: (scope, id) => new (kubectlLayerClass('@aws-cdk/lambda-layer-kubectl-v35', 'KubectlV35Layer'))(scope, id),
    addons: {
      // Sources and dates of each pin: the comment at the top of this file.
      'vpc-cni': 'v1.21.1-eksbuild.1', // cdk-eks-blueprints V1_35 (0b82904e, 2026-04-08); checked 2026-12-07
      'kube-proxy': 'v1.35.3-eksbuild.2', // EKS User Guide, kube-proxy versions, row 1.35; checked 2026-12-07
      'eks-pod-identity-agent': 'v1.3.10-eksbuild.2', // cdk-eks-blueprints V1_35 (0b82904e, 2026-04-08); checked 2026-12-07
      coredns: 'v1.14.2-eksbuild.4', // EKS User Guide, CoreDNS versions, row 1.35; checked 2026-12-07
      'aws-ebs-csi-driver': 'v1.57.1-eksbuild.1', // cdk-eks-blueprints V1_35 (0b82904e, 2026-04-08); checked 2026-12-07
    },
  },
};

/**
 * Version of the `amazon-cloudwatch-observability` add-on (Container Insights) per Kubernetes
 * version, installed only where the environment turns Container Insights on (it is billed per
 * metric, so not in the managed add-ons every cluster gets). v4.10.3-eksbuild.1: published by
 * 2026-04 (aws-observability/application-signals-demo#334 pins it because v5.3.0 dropped the
 * agent's cluster-wide configmap read); 3.1.0 or later is needed for EKS Pod Identity. Not
 * checked online for 1.35 on this machine: confirm with
 * `aws eks describe-addon-versions --kubernetes-version 1.35 --addon-name amazon-cloudwatch-observability`.
 */
export const CONTAINER_INSIGHTS_ADDON_VERSIONS: Readonly<Record<string, string>> = {
  '1.35': 'v4.10.3-eksbuild.1',
};

/** Kubernetes versions for which a release (kubectl layer and add-ons) is pinned. */
export const SUPPORTED_KUBERNETES_VERSIONS: readonly string[] = Object.keys(KUBERNETES_RELEASES);

/** Kubernetes version of new clusters. */
export const DEFAULT_KUBERNETES_VERSION = '1.35';

/** EKS managed add-on versions of the default Kubernetes version. */
export const EKS_ADDON_VERSIONS: Readonly<Record<EksAddonName, string>> = KUBERNETES_RELEASES[DEFAULT_KUBERNETES_VERSION].addons;

/**
 * The release of a Kubernetes version; throws a clear error for one that has no row.
 */
export function kubernetesRelease(version: string): KubernetesRelease {
  const release = Object.hasOwn(KUBERNETES_RELEASES, version) ? KUBERNETES_RELEASES[version] : undefined;
  if (!release) {
    throw new Error(
      `kubernetesVersion '${version}' is not supported; expected one of ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')} (a row in KUBERNETES_RELEASES with its kubectl layer and add-on versions)`,
    );
  }
  return release;
}

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
