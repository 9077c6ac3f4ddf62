import { Match, type Template } from 'aws-cdk-lib/assertions';
import { NAMESPACE_ACCESS_POLICIES } from '../../constructs/compute';
import { buildPlatformApp } from '../../lib/app';
import { namespaceAccessOf } from '../../lib/compute/access';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../../lib/config';
import { asDeployed, schemaProblems } from '../k8s/schema';
import { configWith, environmentsWith, platformStage, template, testApp } from '../util';

const prod = template('prod', 'Compute');
const dev = template('dev', 'Compute');

/**
 * A manifest property as text: a string, or (when it holds a CloudFormation value such as the
 * models bucket name) an Fn::Join whose references are rendered as `<ref>`.
 */
function manifestText(manifest: any): string {
  if (typeof manifest === 'string') return manifest;
  const [separator, parts] = manifest['Fn::Join'];
  return parts.map((part: unknown) => (typeof part === 'string' ? part : '<ref>')).join(separator);
}

/** The manifests the stack applies through the kubectl provider. */
function appliedManifests(t: Template): any[] {
  return Object.values(t.findResources('Custom::AWSCDK-EKS-KubernetesResource')).flatMap((r: any) =>
    JSON.parse(manifestText(r.Properties.Manifest)),
  );
}

describe('ComputeStack', () => {
  test('is MlPlatform-<env>-Compute, protected like the other prod stacks', () => {
    // WHEN
    const stack = platformStage('prod').compute;
    // THEN
    expect(stack.stackName).toBe('MlPlatform-prod-Compute');
    expect(stack.terminationProtection).toBe(true);
  });

  test('prod: private endpoint only, secrets encrypted with the compute key', () => {
    // THEN
    prod.hasResourceProperties('AWS::EKS::Cluster', {
      Name: 'prod-ml-platform',
      Version: '1.35',
      ResourcesVpcConfig: Match.objectLike({ EndpointPublicAccess: false, EndpointPrivateAccess: true }),
      EncryptionConfig: [Match.objectLike({ Resources: ['secrets'], Provider: { KeyArn: Match.anyValue() } })],
    });
    const keyArn = JSON.stringify(prod.findResources('AWS::EKS::Cluster'));
    expect(keyArn).toMatch(/ComputeKey/);
  });

  test.each(ENVIRONMENT_NAMES)('%s: private endpoint; every role of cluster.access and of the teams has its access entry', (env) => {
    // GIVEN
    const t = env === 'prod' ? prod : env === 'dev' ? dev : template(env, 'Compute');
    const access = { admins: ENVIRONMENTS[env].cluster.access.admins, namespaces: namespaceAccessOf(ENVIRONMENTS[env]) };
    // THEN
    t.hasResourceProperties('AWS::EKS::Cluster', { ResourcesVpcConfig: Match.objectLike({ EndpointPublicAccess: false }) });
    const entries = Object.values(t.findResources('AWS::EKS::AccessEntry')).map((e: any) => e.Properties);
    // (besides the kubectl provider's own entry, which aws-eks-v2 creates)
    const principals = entries
      .map((e) => e.PrincipalArn)
      .filter((p) => typeof p === 'string')
      .sort();
    expect(principals).toEqual([...new Set([...access.admins, ...access.namespaces.map((n) => n.roleArn)])].sort());
    for (const grant of access.namespaces) {
      const entry = entries.find((e) => e.PrincipalArn === grant.roleArn);
      expect(entry.AccessPolicies).toContainEqual({
        AccessScope: { Type: 'namespace', Namespaces: [...grant.namespaces] },
        PolicyArn: expect.objectContaining({
          'Fn::Join': ['', expect.arrayContaining([expect.stringMatching(new RegExp(`${NAMESPACE_ACCESS_POLICIES[grant.access]}$`))])],
        }),
      });
    }
  });

  test.each(ENVIRONMENT_NAMES)(
    '%s: a Session Manager host reaches the private API: private subnet, IMDSv2, encrypted, no key, no inbound, logged sessions',
    (env) => {
      // GIVEN
      const t = env === 'prod' ? prod : env === 'dev' ? dev : template(env, 'Compute');
      // THEN: the instance
      const [instance] = Object.values(t.findResources('AWS::EC2::Instance')) as any[];
      expect(instance.Properties).toMatchObject({
        InstanceType: ENVIRONMENTS[env].cluster.access.sessionHost.instanceType,
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [{ Ebs: { Encrypted: true, KmsKeyId: expect.anything() } }],
        SubnetId: expect.anything(),
      });
      expect(instance.Properties.KeyName).toBeUndefined();
      expect(instance.Properties.NetworkInterfaces).toBeUndefined();
      // its security group: no inbound, HTTPS out only
      const groups = Object.values(t.findResources('AWS::EC2::SecurityGroup')).map((g: any) => g.Properties);
      const hostGroup = groups.find((g) => String(g.GroupDescription).startsWith('Session Manager host'));
      expect(hostGroup.SecurityGroupIngress).toBeUndefined();
      expect(hostGroup.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
      ]);
      // the cluster's security group admits it on 443
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'ClusterSecurityGroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AccessHostSecurityGroup'), 'GroupId'] },
        FromPort: 443,
        ToPort: 443,
      });
      // shell sessions are logged to an encrypted log group
      t.hasResourceProperties('AWS::SSM::Document', {
        DocumentType: 'Session',
        Content: Match.objectLike({
          inputs: Match.objectLike({
            cloudWatchLogGroupName: { Ref: Match.stringLikeRegexp('^AccessHostSessionLogs') },
            cloudWatchEncryptionEnabled: true,
          }),
        }),
      });
      t.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue() });
    },
  );

  test.each(ENVIRONMENT_NAMES)('%s: one node group per configured group, GPU groups with the NVIDIA AMI and the GPU taint', (env) => {
    // GIVEN
    const t = env === 'prod' ? prod : env === 'dev' ? dev : template(env, 'Compute');
    const groups = Object.values(t.findResources('AWS::EKS::Nodegroup')) as any[];
    // THEN
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
    // GIVEN
    const templates = Object.values(prod.findResources('AWS::EC2::LaunchTemplate')) as any[];
    // THEN
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
    // THEN
    prod.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/aws/eks/prod-ml-platform/cluster', RetentionInDays: 365, KmsKeyId: Match.anyValue() },
      DeletionPolicy: 'Retain',
    });
    dev.hasResource('AWS::Logs::LogGroup', { Properties: { LogGroupName: '/aws/eks/dev-ml-platform/cluster' }, DeletionPolicy: 'Delete' });
  });

  test('logical IDs of the cluster and its retained log groups are pinned (renaming them replaces or orphans them)', () => {
    // GIVEN
    const resources = prod.toJSON().Resources as Record<string, any>;
    // THEN
    expect(resources.Cluster9EE0221C.Type).toBe('AWS::EKS::Cluster');
    expect(resources.ClusterControlPlaneLogsDCEEB876).toMatchObject({ Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain' });
    expect(resources.ClusterKubectlProviderHandlerLogGroup190F6FEE).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Retain',
    });
  });

  test('admin roles from config get access entries', () => {
    for (const arn of ENVIRONMENTS.prod.cluster.access.admins) prod.hasResourceProperties('AWS::EKS::AccessEntry', { PrincipalArn: arn });
  });

  test('applies the training runtime and nothing per team (teams have their own stacks); each manifest passes schema validation', () => {
    // GIVEN
    const manifests = appliedManifests(prod);
    // THEN
    expect(manifests.map((m) => m.kind)).toContain('ClusterTrainingRuntime');
    const teams = ENVIRONMENTS.prod.cluster.teams.map((t) => t.name);
    // (a ClusterQueue per team is the cluster's side of Kueue: cluster-scoped, named after its team)
    expect(
      manifests.filter((m) => m.kind !== 'ClusterQueue' && (teams.includes(m.metadata?.name) || teams.includes(m.metadata?.namespace))),
    ).toEqual([]);
    const associations = Object.values(prod.findResources('AWS::EKS::PodIdentityAssociation')) as any[];
    expect(associations.filter((a) => teams.includes(a.Properties.Namespace))).toEqual([]);
    const problems = manifests.flatMap((m) => schemaProblems(asDeployed(m)).map((p) => `${m.kind}/${m.metadata.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  test('the training runtime is applied after the Kubeflow Trainer chart installed its CRDs', () => {
    // GIVEN
    const resources = prod.toJSON().Resources as Record<string, any>;
    const trainer = Object.keys(resources).find((k) => resources[k].Properties?.Chart === 'kubeflow-trainer')!;
    const runtime = Object.keys(resources).find((k) => String(resources[k].Properties?.Manifest ?? '').includes('ClusterTrainingRuntime'))!;
    // THEN
    expect(resources[runtime].DependsOn).toContain(trainer);
  });

  test('stays far below the CloudFormation and custom-resource limits', () => {
    // GIVEN
    const body = JSON.stringify(prod.toJSON());
    // THEN
    expect(body.length).toBeLessThan(1_000_000 / 4);
    for (const r of Object.values(prod.findResources('Custom::AWSCDK-EKS-KubernetesResource')) as any[]) {
      expect(manifestText(r.Properties.Manifest).length).toBeLessThan(16_000);
    }
  });

  test('a config error stops synth before anything is created', () => {
    // GIVEN
    const bad = environmentsWith(configWith('prod', (c) => (c.cluster.endpointAccess = 'publicAndPrivate')));
    // THEN
    expect(() => buildPlatformApp(testApp(), { environments: bad, compliance: false })).toThrow(/prod\.cluster\.endpointAccess/);
  });
});
