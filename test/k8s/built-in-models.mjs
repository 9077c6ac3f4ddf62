/**
 * kubernetes-models 5 is ESM-only and exports only an `import` condition, so test/k8s/schema.ts
 * (CommonJS, loaded through tsx) cannot require it. Each jest worker imports here, once, the
 * built-in kinds the platform's manifests use; schemaProblems validates with them.
 * A manifest of a kind missing here fails its test with the kind's name: add it to this list.
 */
const KINDS = [
  ['v1', 'ConfigMap'],
  ['v1', 'LimitRange'],
  ['v1', 'Namespace'],
  ['v1', 'PersistentVolume'],
  ['v1', 'PersistentVolumeClaim'],
  ['v1', 'Pod'],
  ['v1', 'ResourceQuota'],
  ['v1', 'Secret'],
  ['v1', 'Service'],
  ['v1', 'ServiceAccount'],
  ['apps/v1', 'DaemonSet'],
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'StatefulSet'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  ['batch/v1', 'CronJob'],
  ['batch/v1', 'Job'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['policy/v1', 'PodDisruptionBudget'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'Role'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['scheduling.k8s.io/v1', 'PriorityClass'],
  ['storage.k8s.io/v1', 'StorageClass'],
];

const models = new Map();
for (const [apiVersion, kind] of KINDS) {
  const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
  models.set(`${apiVersion}/${kind}`, module[kind]);
}
globalThis[Symbol.for('mlp.test.kubernetesModels')] = models;
