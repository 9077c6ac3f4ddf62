import { Testing } from 'cdk8s';
import { TorchTrainJobTemplateChart, type TorchTrainJobTemplateProps } from '../../k8s/charts/templates/train-job';
import { schemaProblems } from './schema';

const synth = (p: Partial<TorchTrainJobTemplateProps> = {}): any =>
  new TorchTrainJobTemplateChart(Testing.app(), 'train', { team: 'risk', environment: 'dev', ...p }).toJson()[0];

describe('TorchTrainJobTemplateChart', () => {
  test('a valid TrainJob on the platform torch runtime', () => {
    const job = synth();
    expect(job).toMatchObject({
      apiVersion: 'trainer.kubeflow.org/v1alpha1',
      kind: 'TrainJob',
      metadata: { name: 'risk-torch-train', namespace: 'risk' },
      spec: { runtimeRef: { apiGroup: 'trainer.kubeflow.org', kind: 'ClusterTrainingRuntime', name: 'platform-torch-distributed' } },
    });
    expect(schemaProblems(job)).toEqual([]);
  });

  test('nodes with GPUs each, as the team service account', () => {
    // WHEN
    const job = synth({ numNodes: 4, gpusPerNode: 8, image: 'example/train:1' });
    // THEN
    expect(job.spec.trainer).toMatchObject({ numNodes: 4, image: 'example/train:1' });
    expect(job.spec.trainer.resourcesPerNode.limits['nvidia.com/gpu']).toBe(8);
    const patch = job.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0];
    expect(patch).toEqual({ name: 'node', template: { spec: { template: { spec: { serviceAccountName: 'risk-workloads' } } } } });
  });

  test('rejects zero nodes or GPUs', () => {
    expect(() => synth({ numNodes: 0 })).toThrow(/numNodes must be a whole number >= 1, got 0/);
    expect(() => synth({ gpusPerNode: 1.5 })).toThrow(/gpusPerNode must be a whole number >= 1, got 1.5/);
  });
});
