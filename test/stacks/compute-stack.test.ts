import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildPlatformApp } from '../../lib/app';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../../lib/config';
import { schemaProblems } from '../k8s/schema';
import { configWith, environmentsWith, platformStage, template, testApp } from '../util';

const prod = template('prod', 'Compute');
const dev = template('dev', 'Compute');

/** The manifests the stack applies through the kubectl provider. */
function appliedManifests(t: Template): any[] {
  return Object.values(t.findResources('Custom::AWSCDK-EKS-KubernetesResource')).flatMap((r: any) => JSON.parse(r.Properties.Manifest));
}

describe('ComputeStack', () => {
  test('is MlPlatform-<env>-Compute, protected like the other prod stacks', () => {
    const stack = platformStage('prod').compute;
    expect(stack.stackName).toBe('MlPlatform-prod-Compute');
    expect(stack.terminationProtection).toBe(true);
  });

  test('prod: private endpoint only, secrets encrypted with the compute key', () => {
    prod.hasResourceProperties('AWS::EKS::Cluster', {
      Name: 'prod-ml-platform',
      Version: '1.34',
      ResourcesVpcConfig: Match.objectLike({ EndpointPublicAccess: false, EndpointPrivateAccess: true }),
      EncryptionConfig: [Match.objectLike({ Resources: ['secrets'], Provider: { KeyArn: Match.anyValue() } })],
    });
    const keyArn = JSON.stringify(prod.findResources('AWS::EKS::Cluster'));
    expect(keyArn).toMatch(/ComputeKey/);
  });

  test('dev: public endpoint restricted to the configured CIDRs', () => {
    dev.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({
        EndpointPublicAccess: true,
        PublicAccessCidrs: [...ENVIRONMENTS.dev.cluster.publicAccessCidrs],
      }),
    });
  });

  test.each(ENVIRONMENT_NAMES)('%s: one node group per configured group, GPU groups with the NVIDIA AMI and the GPU taint', (env) => {
    const t = env === 'prod' ? prod : env === 'dev' ? dev : template(env, 'Compute');
    const groups = Object.values(t.findResources('AWS::EKS::Nodegroup')) as any[];
    expect(groups).toHaveLength(ENVIRONMENTS[env].cluster.nodeGroups.length);
    for (const config of ENVIRONMENTS[env].cluster.nodeGroups) {
      const g = groups.find((x) => x.Properties.Labels['platform/node-group'] === config.name).Properties;
      expect(g.InstanceTypes).toEqual(config.instanceTypes);
      expect(g.CapacityType).toBe(config.capacityType);
      expect(g.ScalingConfig).toEqual({ MinSize: config.minSize, DesiredSize: config.desiredSize, MaxSize: config.maxSize });
      expect(g.AmiType).toBe(config.gpu ? 'AL2023_x86_64_NVIDIA' : 'AL2023_x86_64_STANDARD');
      expect(g.Taints).toEqual(config.gpu ? [{ Key: 'nvidia.com/gpu', Value: 'true', Effect: 'NO_SCHEDULE' }] : undefined);
    }
  });

  test('node root volumes are encrypted with the compute key, behind IMDSv2', () => {
    const templates = Object.values(prod.findResources('AWS::EC2::LaunchTemplate')) as any[];
    expect(templates).toHaveLength(ENVIRONMENTS.prod.cluster.nodeGroups.length);
    for (const lt of templates) {
      expect(lt.Properties.LaunchTemplateData.MetadataOptions.HttpTokens).toBe('required');
      expect(lt.Properties.LaunchTemplateData.BlockDeviceMappings[0].Ebs).toMatchObject({ Encrypted: true, KmsKeyId: expect.anything() });
    }
  });

  test('the compute key admits EC2 Auto Scaling for the node volumes', () => {
    template('prod', 'Security').hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('EKS secrets'),
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowAutoScalingToUseTheKeyForNodeVolumes' })]) },
    });
  });

  test('the control-plane log group is retained in prod, encrypted with the logs key', () => {
    prod.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/aws/eks/prod-ml-platform/cluster', RetentionInDays: 365, KmsKeyId: Match.anyValue() },
      DeletionPolicy: 'Retain',
    });
    dev.hasResource('AWS::Logs::LogGroup', { Properties: { LogGroupName: '/aws/eks/dev-ml-platform/cluster' }, DeletionPolicy: 'Delete' });
  });

  test('logical IDs of the cluster and its retained log groups are pinned (renaming them replaces or orphans them)', () => {
    const resources = prod.toJSON().Resources as Record<string, any>;
    expect(resources.Cluster9EE0221C.Type).toBe('AWS::EKS::Cluster');
    expect(resources.ClusterControlPlaneLogsDCEEB876).toMatchObject({ Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain' });
    expect(resources.ClusterKubectlProviderHandlerLogGroup190F6FEE).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Retain',
    });
  });

  test('admin roles from config get access entries', () => {
    for (const arn of ENVIRONMENTS.prod.cluster.adminRoleArns) prod.hasResourceProperties('AWS::EKS::AccessEntry', { PrincipalArn: arn });
  });

  test('applies the tenancy of every team and the training runtime; each manifest passes schema validation', () => {
    const manifests = appliedManifests(prod);
    for (const team of ENVIRONMENTS.prod.cluster.teams) {
      expect(manifests).toContainEqual(
        expect.objectContaining({ kind: 'Namespace', metadata: expect.objectContaining({ name: team.name }) }),
      );
      const quota = manifests.find((m) => m.kind === 'ResourceQuota' && m.metadata.namespace === team.name);
      expect(quota.spec.hard['requests.nvidia.com/gpu']).toBe(`${team.quota.gpus}`);
    }
    expect(manifests.map((m) => m.kind)).toContain('ClusterTrainingRuntime');
    const problems = manifests.flatMap((m) => schemaProblems(m).map((p) => `${m.kind}/${m.metadata.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  test('the training runtime is applied after the Kubeflow Trainer chart installed its CRDs', () => {
    const resources = prod.toJSON().Resources as Record<string, any>;
    const trainer = Object.keys(resources).find((k) => resources[k].Properties?.Chart === 'kubeflow-trainer')!;
    const runtime = Object.keys(resources).find((k) => String(resources[k].Properties?.Manifest ?? '').includes('ClusterTrainingRuntime'))!;
    expect(resources[runtime].DependsOn).toContain(trainer);
  });

  test('each team service account is bound to a role scoped to its lake prefixes', () => {
    for (const team of ENVIRONMENTS.prod.cluster.teams) {
      prod.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: team.name, ServiceAccount: `${team.name}-workloads` });
      const policies = Object.values(prod.findResources('AWS::IAM::ManagedPolicy')) as any[];
      const writes = policies
        .flatMap((p) => p.Properties.PolicyDocument.Statement as any[])
        .filter((st) => st.Sid === 'WriteTeamPrefixes' && JSON.stringify(st.Resource).includes(`/teams/${team.name}/*`));
      expect(writes).toHaveLength(1);
      // The features and models zone buckets of the Data stack, nothing else.
      const resources = JSON.stringify(writes[0].Resource);
      expect(resources).toMatch(/LakeFeaturesBucket/);
      expect(resources).toMatch(/LakeModelsBucket/);
      expect(resources).not.toMatch(/LakeRawBucket|LakeCuratedBucket/);
    }
  });

  test('team prefixes map to the zone buckets passed in', () => {
    // GIVEN
    const app = testApp();
    const stages = buildPlatformApp(app, { compliance: false, only: ['dev'] });
    const stage = stages.dev!;
    // WHEN: a second Compute stack given explicit lake buckets (what the lead wires from the Data stack)
    const { ComputeStack } = require('../../lib/stacks/compute-stack');
    const other = new ComputeStack(stage, 'ComputeWired', {
      config: ENVIRONMENTS.dev,
      vpc: stage.network.network.vpc,
      keys: stage.security.keys,
      lakeBucketArns: {
        raw: 'arn:aws:s3:::raw-zone',
        curated: 'arn:aws:s3:::curated-zone',
        features: 'arn:aws:s3:::features-zone',
        models: 'arn:aws:s3:::models-zone',
      },
      stackName: 'wired',
    });
    // THEN
    Template.fromStack(other as Stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ListTeamPrefixes1',
            Resource: 'arn:aws:s3:::curated-zone',
            Condition: { StringLike: { 's3:prefix': ['credit/*'] } },
          }),
          Match.objectLike({
            Sid: 'WriteTeamPrefixes',
            Resource: ['arn:aws:s3:::features-zone/teams/credit-risk/*', 'arn:aws:s3:::models-zone/teams/credit-risk/*'],
          }),
        ]),
      },
    });
  });

  test('stays far below the CloudFormation and custom-resource limits', () => {
    const body = JSON.stringify(prod.toJSON());
    expect(body.length).toBeLessThan(1_000_000 / 4);
    for (const r of Object.values(prod.findResources('Custom::AWSCDK-EKS-KubernetesResource')) as any[]) {
      expect(r.Properties.Manifest.length).toBeLessThan(16_000);
    }
  });

  test('a config error stops synth before anything is created', () => {
    const bad = environmentsWith(configWith('prod', (c) => (c.cluster.endpointAccess = 'publicAndPrivate')));
    expect(() => buildPlatformApp(testApp(), { environments: bad, compliance: false })).toThrow(/prod\.cluster\.endpointAccess/);
  });
});

describe('compliance', () => {
  test.each(['dev', 'prod'] as const)('%s synthesizes with every cdk-nag finding fixed or acknowledged', (env) => {
    // GIVEN: the three packs on, failing synth on any unacknowledged finding (as bin/ does)
    const app = testApp({ '@aws-cdk/core:failSynthOnValidationErrors': true });
    buildPlatformApp(app, { only: [env] });
    // THEN
    expect(() => app.synth()).not.toThrow();
  });
});
