import { Testing } from 'cdk8s';
import { torchNodePodTemplate } from '../../k8s/charts/torch-node';
import { ClusterTrainingRuntime } from '../../k8s/imports/trainer.kubeflow.org';
import { podSecurityProblems } from './pod-security';
import { schemaProblems } from './schema';

/** The pod inside a ClusterTrainingRuntime, as the platform's runtimes embed it. */
function runtimeWith(pod: { metadata: any; spec: any }): any {
  const chart = Testing.chart();
  new ClusterTrainingRuntime(chart, 'R', {
    metadata: { name: 'r' },
    spec: {
      mlPolicy: { numNodes: 2, torch: {} },
      template: { spec: { replicatedJobs: [{ name: 'node', template: { spec: { template: pod } } }] } },
    },
  });
  return Testing.synth(chart)[0];
}

describe('torchNodePodTemplate', () => {
  test('EFA node: restricted, EFA interfaces, libfabric for NCCL, /dev/shm and the training file system', () => {
    // GIVEN / WHEN
    const pod = torchNodePodTemplate({
      containerName: 'node',
      image: 'img@sha256:x',
      efaInterfaces: 32,
      shmGiB: 256,
      trainingDataClaim: 'training-data',
    });
    const runtime = runtimeWith(pod);
    // THEN
    expect(schemaProblems(runtime)).toEqual([]);
    expect(podSecurityProblems(runtime)).toEqual([]);
    const [c] = pod.spec.containers;
    expect(c.resources.limits['vpc.amazonaws.com/efa'].value).toBe('32');
    expect(c.env).toEqual(
      expect.arrayContaining([
        { name: 'FI_PROVIDER', value: 'efa' },
        { name: 'FI_EFA_USE_DEVICE_RDMA', value: '1' },
      ]),
    );
    expect(pod.spec.volumes[0]).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: { value: '256Gi' } } });
    expect(c.volumeMounts).toContainEqual({ name: 'training-data', mountPath: '/mnt/training' });
    expect(pod.spec.nodeSelector).toEqual({ 'platform/node-kind': 'gpu', 'platform/workload': 'training' });
    expect(pod.metadata.annotations).toEqual({ 'karpenter.sh/do-not-disrupt': 'true' });
  });

  test('without EFA: no EFA request or libfabric settings', () => {
    const pod = torchNodePodTemplate({ containerName: 'node', image: 'img' });
    expect(pod.spec.containers[0].resources).toBeUndefined();
    expect(pod.spec.containers[0].env.map((e: any) => e.name)).not.toContain('FI_PROVIDER');
    expect(podSecurityProblems(runtimeWith(pod))).toEqual([]);
  });
});
