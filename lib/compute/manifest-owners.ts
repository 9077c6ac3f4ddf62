/** Who applies a chart to the cluster: the CDK stacks (kubectl provider) or GitOps (Argo CD / Flux from dist/k8s/<env>/). */
export type ManifestOwner = 'cdk' | 'gitops';
export const MANIFEST_OWNERS: readonly ManifestOwner[] = ['cdk', 'gitops'];

/**
 * The charts that either side may own (both can build them from config alone):
 * - `training-runtimes`: the ClusterTrainingRuntimes (Compute stack's `TrainingRuntimes`);
 * - `kueue-queues`: flavors, cohort, priorities, ClusterQueues (Compute's `KueueQueues`) and each
 *   team's LocalQueue (its Team stack's `LocalQueue`);
 * - `team-tenancy`: each team's namespace, quota, limits, network policies, service account (Team `Tenancy`);
 * - `model-servers`: the `serving.modelServers` charts (Team `ModelServer-<name>`; their IAM roles stay CDK's).
 * What needs deploy-time values (Karpenter's node pools, the serving ConfigMap, EFA volumes, the
 * feature consumers) is always CDK's.
 */
export const GITOPS_CHARTS = ['training-runtimes', 'kueue-queues', 'team-tenancy', 'model-servers'] as const;
export type GitOpsChart = (typeof GITOPS_CHARTS)[number];
