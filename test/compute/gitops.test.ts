import { Template } from 'aws-cdk-lib/assertions';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildPlatformApp } from '../../lib/app';
import { addPlatformCharts, addServingCharts } from '../../lib/compute/charts';
import { GITOPS_CHARTS, type GitOpsChart, gitopsFiles, type ManifestOwner, manifestOwner } from '../../lib/compute/gitops';
import { type EnvironmentConfig, validate } from '../../lib/config';
import { configWith, environmentsWith, testApp } from '../util';

/** kind/namespace/name of a Kubernetes object. */
const key = (m: any) => `${m.kind}/${m.metadata?.namespace ?? ''}/${m.metadata?.name}`;

/** A manifest property as text (Fn::Join references rendered as `<ref>`). */
function manifestText(manifest: any): string {
  if (typeof manifest === 'string') return manifest;
  const [separator, parts] = manifest['Fn::Join'];
  return parts.map((part: unknown) => (typeof part === 'string' ? part : '<ref>')).join(separator);
}

/** Every object the stacks of an environment apply through the kubectl provider. */
function appliedByCdk(config: EnvironmentConfig): string[] {
  const stage = buildPlatformApp(testApp(), { environments: environmentsWith(config), only: [config.name], compliance: false })[
    config.name
  ]!;
  return stage.node.children
    .filter((c): c is any => 'templateOptions' in c)
    .flatMap((stack) => Object.values(Template.fromStack(stack).findResources('Custom::AWSCDK-EKS-KubernetesResource')))
    .flatMap((r: any) => JSON.parse(manifestText(r.Properties.Manifest)))
    .map(key);
}

/** Every object of the deployable tree (dist/k8s/<env>/), and the kustomization's resources. */
function deployableTree(config: EnvironmentConfig) {
  const files = gitopsFiles(config);
  const deployable = files.filter((f) => f.path.startsWith(`${config.name}/`) && !f.path.endsWith('/kustomization.yaml'));
  const kustomization = parseAllDocuments(files.find((f) => f.path === `${config.name}/kustomization.yaml`)!.content)[0].toJSON();
  const objects = deployable.flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJSON()));
  return { files, deployable, kustomization, objects: objects.map(key) };
}

/** The objects of the charts either side may own, by chart. */
function chartObjects(config: EnvironmentConfig): Record<GitOpsChart, string[]> {
  const app = new App();
  const platform = addPlatformCharts(app, config);
  const servers = addServingCharts(app, config, { featureStorePort: 6380 });
  return {
    'training-runtimes': platform.runtimes.toJson().map(key),
    'kueue-queues': platform.queues.toJson().map(key),
    'team-tenancy': Object.values(platform.tenancy).flatMap((c) => c.toJson().map(key)),
    'model-servers': Object.values(servers).flatMap((c) => c.toJson().map(key)),
  };
}

const variants: [string, EnvironmentConfig][] = [
  ['committed dev (CDK owns all)', configWith('dev')],
  ['dev, GitOps owns all', configWith('dev', (c) => (c.cluster.manifestOwner = 'gitops'))],
  [
    'prod, GitOps owns the runtimes and the model servers',
    configWith('prod', (c) => (c.cluster.manifestOwners = { 'training-runtimes': 'gitops', 'model-servers': 'gitops' })),
  ],
  [
    'staging, GitOps by default but CDK keeps the tenancy',
    configWith('staging', (c) => {
      c.cluster.manifestOwner = 'gitops';
      c.cluster.manifestOwners = { 'team-tenancy': 'cdk' };
    }),
  ],
];

describe.each(variants)('%s', (_, config) => {
  const cdk = appliedByCdk(config);
  const tree = deployableTree(config);
  const charts = chartObjects(config);

  test('no manifest is applied by both CDK and GitOps', () => {
    expect(cdk.filter((k) => tree.objects.includes(k))).toEqual([]);
  });

  test("each chart's objects are applied by exactly its owner", () => {
    for (const chart of GITOPS_CHARTS) {
      const owner: ManifestOwner = manifestOwner(config, chart);
      for (const k of charts[chart]) {
        expect({ chart, object: k, cdk: cdk.includes(k), gitops: tree.objects.includes(k) }).toEqual({
          chart,
          object: k,
          cdk: owner === 'cdk',
          gitops: owner === 'gitops',
        });
      }
    }
  });

  test('the kustomization lists exactly the files of the deployable tree', () => {
    expect(tree.kustomization.kind).toBe('Kustomization');
    expect([...tree.kustomization.resources].sort()).toEqual(tree.deployable.map((f) => f.path.slice(config.name.length + 1)).sort());
  });

  test('example templates live outside the deployable tree', () => {
    const examples = tree.files.filter((f) => f.path.startsWith(`examples/${config.name}/`));
    expect(examples.length).toBeGreaterThan(0);
    const exampleKinds = examples.flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJSON().kind));
    expect(exampleKinds).toContain('RayCluster');
    expect(tree.objects.some((k) => k.startsWith('RayCluster/'))).toBe(false);
  });
});

describe('manifest owner rules', () => {
  test.each([
    [(c: any) => (c.cluster.manifestOwner = 'argo'), "dev.cluster.manifestOwner: 'argo' is not allowed; expected one of 'cdk', 'gitops'"],
    [
      (c: any) => (c.cluster.manifestOwners = { 'karpenter-node-pools': 'gitops' }),
      "dev.cluster.manifestOwners: 'karpenter-node-pools' is not allowed; expected one of 'training-runtimes', 'kueue-queues', 'team-tenancy', 'model-servers' (the rest needs deploy-time values: CDK applies it)",
    ],
    [
      (c: any) => (c.cluster.manifestOwners = { 'model-servers': 'flux' }),
      "dev.cluster.manifestOwners.model-servers: 'flux' is not allowed; expected one of 'cdk', 'gitops'",
    ],
  ])('%#: one line naming the field, value and what is allowed', (change, line) => {
    expect(validate(environmentsWith(configWith('dev', change)))).toEqual([line]);
  });
});
