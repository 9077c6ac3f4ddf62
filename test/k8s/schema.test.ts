import { CUSTOM_KINDS, schemaProblems } from './schema';

// The validator itself: it must reject what the API server would reject (or silently prune).
describe('schema validation', () => {
  test('knows the custom resources the platform uses', () => {
    expect(CUSTOM_KINDS).toEqual(
      expect.arrayContaining([
        'ray.io/v1/RayCluster',
        'ray.io/v1/RayJob',
        'ray.io/v1/RayService',
        'trainer.kubeflow.org/v1alpha1/TrainJob',
        'trainer.kubeflow.org/v1alpha1/ClusterTrainingRuntime',
      ]),
    );
  });

  test('accepts a valid built-in object and rejects a wrongly typed field', () => {
    // GIVEN
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'a' }, spec: { hard: { cpu: '4' } } };
    const wrong = { ...quota, spec: { hard: 'lots' } };
    // THEN
    expect(schemaProblems(quota)).toEqual([]);
    expect(schemaProblems(wrong).join()).toMatch(/hard/);
  });

  test('rejects an unknown field in a custom resource (it would be pruned silently)', () => {
    // GIVEN
    const job = {
      apiVersion: 'trainer.kubeflow.org/v1alpha1',
      kind: 'TrainJob',
      metadata: { name: 'j', namespace: 'a' },
      spec: { runtimeRef: { name: 'r' }, trainer: { numNodes: 2, numNode: 3 } },
    };
    // THEN
    expect(schemaProblems(job).join()).toMatch(/additional properties.*numNode/);
  });

  test('rejects a custom resource missing a required field', () => {
    const job = { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob', metadata: { name: 'j' }, spec: { trainer: {} } };
    expect(schemaProblems(job).join()).toMatch(/runtimeRef/);
  });

  test('throws for a kind it has no schema for', () => {
    expect(() => schemaProblems({ apiVersion: 'example.com/v1', kind: 'Widget' })).toThrow();
  });
});
