import { Testing } from 'cdk8s';
import { TORCH_DISTRIBUTED_RUNTIME, TORCH_EFA_RUNTIME, TrainingRuntimesChart } from '../../k8s/charts/training-runtimes';
import { podSecurityProblems } from './pod-security';
import { schemaProblems } from './schema';

const IMAGE = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlp/pytorch-training:2.8.0-cuda12.8-efa';
const podOf = (runtime: any) => runtime.spec.template.spec.replicatedJobs[0].template.spec.template;

describe('TrainingRuntimesChart', () => {
  // GIVEN / WHEN: the plain runtime, and both runtimes where EFA training runs
  const [runtime] = new TrainingRuntimesChart(Testing.app(), 'rt', { environment: 'dev', image: IMAGE }).toJson() as any[];
  const withEfa = new TrainingRuntimesChart(Testing.app(), 'rt', {
    environment: 'prod',
    image: IMAGE,
    efa: { interfacesPerNode: 32, nodePool: 'gpu-training', trainingDataClaim: 'training-data' },
  }).toJson() as any[];

  test('valid cluster-wide torch runtimes that pass Pod Security restricted', () => {
    expect(runtime).toMatchObject({ kind: 'ClusterTrainingRuntime', metadata: { name: TORCH_DISTRIBUTED_RUNTIME } });
    expect(runtime.spec.mlPolicy).toEqual({ numNodes: 1, torch: {} });
    expect(withEfa.map((r) => r.metadata.name)).toEqual([TORCH_DISTRIBUTED_RUNTIME, TORCH_EFA_RUNTIME]);
    for (const r of [runtime, ...withEfa]) {
      expect(schemaProblems(r)).toEqual([]);
      expect(podSecurityProblems(r)).toEqual([]);
    }
  });

  test('trainer pods: GPU training nodes, the GPU taint tolerated, /dev/shm in memory, the pinned image, never consolidated', () => {
    const pod = podOf(runtime);
    expect(pod.spec.nodeSelector).toEqual({ 'platform/node-kind': 'gpu', 'platform/workload': 'training' });
    expect(pod.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.spec.containers[0]).toMatchObject({ name: 'node', image: IMAGE });
    expect(pod.spec.volumes[0]).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '64Gi' } });
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.metadata.annotations).toEqual({ 'karpenter.sh/do-not-disrupt': 'true' });
  });

  test('the EFA runtime: the EFA pool only, 32 EFA interfaces, libfabric for NCCL, the training file system, 256 GiB /dev/shm', () => {
    const pod = podOf(withEfa[1]);
    expect(pod.spec.nodeSelector).toEqual({
      'platform/node-kind': 'gpu',
      'platform/workload': 'training',
      'platform/node-group': 'gpu-training',
    });
    const [c] = pod.spec.containers;
    expect(c.resources.requests['vpc.amazonaws.com/efa']).toBe('32');
    expect(c.env).toContainEqual({ name: 'FI_PROVIDER', value: 'efa' });
    expect(pod.spec.volumes).toContainEqual({ name: 'training-data', persistentVolumeClaim: { claimName: 'training-data' } });
    expect(pod.spec.volumes[0].emptyDir.sizeLimit).toBe('256Gi');
  });
});
