import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import type { Construct } from 'constructs';
import { platformLabels } from './labels';

/** The namespace of the GPU and cluster-state exporters. */
export const GPU_MONITORING_NAMESPACE = 'gpu-monitoring';

/** The Kubernetes user the AMP managed collector's EKS access entry maps to (AWS docs: aps-collector-user). */
export const APS_COLLECTOR_USER = 'aps-collector-user';

/** A Helm release to install (CDK `eks.HelmChart` or GitOps), with its chart pinned. */
export interface HelmRelease {
  readonly repository: string;
  readonly chart: string;
  /** Pinned chart version; bump deliberately (check `helm search repo <chart> --versions`). */
  readonly version: string;
  readonly release: string;
  readonly namespace: string;
  readonly values: Record<string, unknown>;
}

export interface GpuObservabilityProps extends ChartProps {
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
}

/**
 * The Kubernetes side of GPU and cluster metrics for Amazon Managed Service for Prometheus:
 * - the `gpu-monitoring` namespace (privileged: the DCGM exporter reads the GPUs through the
 *   host's driver and needs SYS_ADMIN for profiling metrics);
 * - the RBAC of the AMP managed collector (ClusterRole `aps-collector-role` bound to the user
 *   `aps-collector-user`, as in the AMP user guide), to which the collector's access entry maps.
 *
 * The exporters are Helm releases with pinned chart versions: {@link gpuObservabilityReleases}.
 */
export class GpuObservabilityChart extends Chart {
  constructor(scope: Construct, id: string, props: GpuObservabilityProps) {
    super(scope, id, props);
    const labels = platformLabels({ environment: props.environment, component: 'gpu-monitoring' });

    new kplus.k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: GPU_MONITORING_NAMESPACE,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': 'privileged',
          'pod-security.kubernetes.io/warn': 'privileged',
        },
      },
    });

    new kplus.k8s.KubeClusterRole(this, 'CollectorRole', {
      metadata: { name: 'aps-collector-role', labels },
      rules: [
        {
          apiGroups: [''],
          resources: ['nodes', 'nodes/proxy', 'nodes/metrics', 'services', 'endpoints', 'pods', 'configmaps'],
          verbs: ['get', 'list', 'watch'],
        },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
        { nonResourceUrLs: ['/metrics'], verbs: ['get'] },
      ],
    });
    new kplus.k8s.KubeClusterRoleBinding(this, 'CollectorBinding', {
      metadata: { name: 'aps-collector-user-role-binding', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'aps-collector-role' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: APS_COLLECTOR_USER }],
    });
  }
}

/**
 * The exporter releases, pinned: NVIDIA DCGM exporter (GPU utilization, memory, XID errors) on GPU
 * nodes only, and kube-state-metrics. Both expose plain Prometheus endpoints the managed collector
 * scrapes (no ServiceMonitor: there is no Prometheus operator).
 *
 * Versions: dcgm-exporter 4.1.1 (https://nvidia.github.io/dcgm-exporter/helm-charts) and
 * kube-state-metrics 7.1.0 (https://prometheus-community.github.io/helm-charts), as published in
 * 2025; verify with `helm search repo --versions` when bumping.
 */
export function gpuObservabilityReleases(
  options: {
    /**
     * Taint key of the GPU node pools (the exporter tolerates it).
     * @default 'nvidia.com/gpu'
     */
    gpuTaintKey?: string;
  } = {},
): readonly HelmRelease[] {
  const taint = options.gpuTaintKey ?? 'nvidia.com/gpu';
  return [
    {
      repository: 'https://nvidia.github.io/dcgm-exporter/helm-charts',
      chart: 'dcgm-exporter',
      version: '4.1.1',
      release: 'dcgm-exporter',
      namespace: GPU_MONITORING_NAMESPACE,
      values: {
        fullnameOverride: 'dcgm-exporter',
        serviceMonitor: { enabled: false },
        service: { enable: true, port: 9400 },
        // GPU nodes only: Karpenter's GPU pools label nodes with the GPU count.
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'Gt', values: ['0'] }] }],
            },
          },
        },
        tolerations: [{ key: taint, operator: 'Exists', effect: 'NoSchedule' }],
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
        priorityClassName: 'system-node-critical',
      },
    },
    {
      repository: 'https://prometheus-community.github.io/helm-charts',
      chart: 'kube-state-metrics',
      version: '7.1.0',
      release: 'kube-state-metrics',
      namespace: GPU_MONITORING_NAMESPACE,
      values: {
        fullnameOverride: 'kube-state-metrics',
        prometheus: { monitor: { enabled: false } },
        replicas: 1,
        securityContext: { runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
        containerSecurityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        metricLabelsAllowlist: ['nodes=[karpenter.sh/nodepool,node.kubernetes.io/instance-type]', 'pods=[platform/team]'],
      },
    },
  ];
}
