/**
 * The cdk8s app (`npm run synth:k8s`): the GitOps layout of every environment under dist/k8s/.
 *   dist/k8s/<env>/kustomization.yaml   what Argo CD or Flux syncs: the charts GitOps owns
 *   dist/k8s/<env>/*.k8s.yaml           (cluster.manifestOwner / manifestOwners; the CDK stacks apply the rest)
 *   dist/k8s/examples/<env>/*.k8s.yaml  workload templates teams copy (RayCluster, TrainJob, …): never synced
 * Each chart has one owner: a chart in the deployable tree is not in any stack, and the other way round.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gitopsFiles } from '../lib/compute/gitops';
import { assertValid, ENVIRONMENT_NAMES, ENVIRONMENTS } from '../lib/config';

const root = join(__dirname, '..', 'dist', 'k8s');
const environments = assertValid(ENVIRONMENTS);
rmSync(root, { recursive: true, force: true });
for (const name of ENVIRONMENT_NAMES) {
  // The Prometheus workspace id exists only after the Metrics stack deploys (its output PrometheusQueryUrl).
  const files = gitopsFiles(environments[name], {
    prometheusQueryUrl: process.env[`MLP_${name.toUpperCase()}_PROMETHEUS_URL`] || undefined,
  });
  for (const f of files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.content);
  }
  const deployable = files.filter((f) => f.path.startsWith(`${name}/`) && !f.path.endsWith('kustomization.yaml')).length;
  const examples = files.filter((f) => f.path.startsWith('examples/')).length;
  process.stdout.write(
    `dist/k8s/${name}: kustomization with ${deployable} GitOps-owned files; dist/k8s/examples/${name}: ${examples} templates\n`,
  );
}
