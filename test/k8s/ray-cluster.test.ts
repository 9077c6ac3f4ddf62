import { Testing } from 'cdk8s';
import { RayClusterTemplateChart, type RayClusterTemplateProps } from '../../k8s/charts/templates/ray-cluster';
import { schemaProblems } from './schema';

const synth = (p: Partial<RayClusterTemplateProps> = {}): any =>
  new RayClusterTemplateChart(Testing.app(), 'ray', { team: 'risk', environment: 'dev', ...p }).toJson()[0];

describe('RayClusterTemplateChart', () => {
  test('a valid RayCluster in the team namespace', () => {
    const ray = synth();
    expect(ray).toMatchObject({ apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: { name: 'risk-ray', namespace: 'risk' } });
    expect(schemaProblems(ray)).toEqual([]);
  });

  test('head on CPU nodes, schedules no tasks, runs as the team service account', () => {
    const head = synth().spec.headGroupSpec;
    expect(head.rayStartParams['num-cpus']).toBe('0');
    expect(head.template.spec).toMatchObject({ serviceAccountName: 'risk-workloads', nodeSelector: { 'platform/node-kind': 'cpu' } });
  });

  test('GPU workers tolerate the GPU taint and request GPUs', () => {
    // WHEN
    const [workers] = synth({ gpusPerWorker: 4, workers: { min: 0, max: 8, replicas: 2 } }).spec.workerGroupSpecs;
    // THEN
    expect(workers).toMatchObject({ groupName: 'gpu', minReplicas: 0, maxReplicas: 8, replicas: 2 });
    const pod = workers.template.spec;
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'platform/node-kind': 'gpu' });
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('4');
    expect(pod.containers[0].resources.requests['nvidia.com/gpu']).toBe('4');
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true });
  });

  test('rejects inconsistent worker counts and GPU counts', () => {
    expect(() => synth({ workers: { min: 3, max: 2, replicas: 2 } })).toThrow(/min <= replicas <= max, got 3 <= 2 <= 2/);
    expect(() => synth({ gpusPerWorker: 0 })).toThrow(/gpusPerWorker must be a whole number >= 1, got 0/);
  });
});
