/**
 * The cdk8s app: writes plain Kubernetes manifests per environment for GitOps users.
 *   npm run synth:k8s            -> dist/k8s/<env>/{platform,serving,templates}/*.k8s.yaml
 * `platform/` is what the Compute stack applies to the cluster (training runtimes, team tenancy);
 * `serving/` the model servers of `serving.modelServers` (also applied by the Compute stack);
 * `templates/` are workload examples teams copy (RayCluster, distributed PyTorch TrainJob).
 */
import { join } from 'node:path';
import { App, YamlOutputType } from 'cdk8s';
import { DEFAULT_ONLINE_STORE_PORT } from '../constructs/featurestore';
import { addPlatformCharts, addServingCharts, addTemplateCharts } from '../lib/compute/charts';
import { assertValid, ENVIRONMENT_NAMES, ENVIRONMENTS } from '../lib/config';

const root = join(__dirname, '..', 'dist', 'k8s');
const environments = assertValid(ENVIRONMENTS);
for (const name of ENVIRONMENT_NAMES) {
  const platform = new App({ outdir: join(root, name, 'platform'), yamlOutputType: YamlOutputType.FILE_PER_CHART });
  addPlatformCharts(platform, environments[name]);
  platform.synth();
  const serving = new App({ outdir: join(root, name, 'serving'), yamlOutputType: YamlOutputType.FILE_PER_CHART });
  // The Feature Store stack's store listens on the OnlineFeatureStore's default port.
  addServingCharts(serving, environments[name], { featureStorePort: DEFAULT_ONLINE_STORE_PORT });
  serving.synth();
  const templates = new App({ outdir: join(root, name, 'templates'), yamlOutputType: YamlOutputType.FILE_PER_CHART });
  // The Prometheus workspace id exists only after the Metrics stack deploys (its output PrometheusQueryUrl).
  addTemplateCharts(templates, environments[name], {
    prometheusQueryUrl: process.env[`MLP_${name.toUpperCase()}_PROMETHEUS_URL`] || undefined,
  });
  templates.synth();
  process.stdout.write(`dist/k8s/${name}: platform, serving and templates written\n`);
}
