import { Testing } from 'cdk8s';
import { APS_COLLECTOR_USER, GpuObservabilityChart, gpuObservabilityReleases } from '../../k8s/charts/gpu-observability';
import { schemaProblems } from './schema';

function synth(): any[] {
  return new GpuObservabilityChart(Testing.app(), 'gpu', { environment: 'prod' }).toJson();
}

describe('GpuObservabilityChart', () => {
  test('a privileged gpu-monitoring namespace with the platform labels', () => {
    const [ns] = synth().filter((o) => o.kind === 'Namespace');
    expect(ns.metadata).toMatchObject({
      name: 'gpu-monitoring',
      labels: {
        'platform/env': 'prod',
        'app.kubernetes.io/component': 'gpu-monitoring',
        'pod-security.kubernetes.io/enforce': 'privileged',
      },
    });
  });

  test('the managed collector’s user may only read (get, list, watch) what it scrapes', () => {
    const objs = synth();
    const [role] = objs.filter((o) => o.kind === 'ClusterRole');
    const [binding] = objs.filter((o) => o.kind === 'ClusterRoleBinding');
    const verbs = new Set(role.rules.flatMap((r: any) => r.verbs));
    expect([...verbs].sort()).toEqual(['get', 'list', 'watch']);
    expect(role.rules.find((r: any) => r.nonResourceURLs)).toEqual({ nonResourceURLs: ['/metrics'], verbs: ['get'] });
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: APS_COLLECTOR_USER }]);
  });

  test('every object passes the Kubernetes schema', () => {
    expect(synth().flatMap((o) => schemaProblems(o))).toEqual([]);
  });
});

describe('gpuObservabilityReleases', () => {
  test('exact chart versions, the DCGM exporter on GPU nodes only and tolerating their taint', () => {
    const releases = gpuObservabilityReleases({ gpuTaintKey: 'gpu' });
    expect(releases.map((r) => [r.chart, r.version, r.namespace])).toEqual([
      ['dcgm-exporter', '4.1.1', 'gpu-monitoring'],
      ['kube-state-metrics', '7.1.0', 'gpu-monitoring'],
    ]);
    for (const r of releases) expect(r.version).toMatch(/^\d+\.\d+\.\d+$/);
    const dcgm = releases[0].values as any;
    expect(dcgm.tolerations).toEqual([{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(dcgm.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]).toEqual({
      key: 'karpenter.k8s.aws/instance-gpu-count',
      operator: 'Gt',
      values: ['0'],
    });
    expect(dcgm.serviceMonitor).toEqual({ enabled: false });
  });
});
