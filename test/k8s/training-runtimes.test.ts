import { Testing } from 'cdk8s';
import { TORCH_DISTRIBUTED_RUNTIME, TrainingRuntimesChart } from '../../k8s/charts/training-runtimes';
import { schemaProblems } from './schema';

describe('TrainingRuntimesChart', () => {
  const [runtime] = new TrainingRuntimesChart(Testing.app(), 'rt', { environment: 'prod' }).toJson() as any[];

  test('a valid cluster-wide torch runtime', () => {
    expect(runtime).toMatchObject({ kind: 'ClusterTrainingRuntime', metadata: { name: TORCH_DISTRIBUTED_RUNTIME } });
    expect(runtime.spec.mlPolicy).toEqual({ numNodes: 1, torch: {} });
    expect(schemaProblems(runtime)).toEqual([]);
  });

  test('trainer pods land on GPU nodes and tolerate the GPU taint', () => {
    const pod = runtime.spec.template.spec.replicatedJobs[0].template.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'platform/node-kind': 'gpu' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.containers[0].name).toBe('node');
  });
});
