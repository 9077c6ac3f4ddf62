import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildPlatformApp } from '../../lib/app';
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

  test.each(ENVIRONMENT_NAMES)('%s: private endpoint; every role of cluster.access has its access entry', (env) => {
    // GIVEN
    const t = env === 'prod' ? prod : env === 'dev' ? dev : template(env, 'Compute');
    const access = ENVIRONMENTS[env].cluster.access;
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
          'Fn::Join': [
            '',
            expect.arrayContaining([expect.stringMatching(grant.access === 'edit' ? /AmazonEKSEditPolicy$/ : /AmazonEKSViewPolicy$/)]),
          ],
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

  test('applies the tenancy of every team and the training runtime; each manifest passes schema validation', () => {
    // GIVEN
    const manifests = appliedManifests(prod);
    // THEN
    for (const team of ENVIRONMENTS.prod.cluster.teams) {
      expect(manifests).toContainEqual(
        expect.objectContaining({ kind: 'Namespace', metadata: expect.objectContaining({ name: team.name }) }),
      );
      const quota = manifests.find((m) => m.kind === 'ResourceQuota' && m.metadata.namespace === team.name);
      expect(quota.spec.hard['requests.nvidia.com/gpu']).toBe(`${team.quota.gpus}`);
    }
    expect(manifests.map((m) => m.kind)).toContain('ClusterTrainingRuntime');
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

  test('each team service account is bound to a role scoped to its lake prefixes', () => {
    // THEN
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
    const { ComputeStack } = require('../../lib/compute/stack');
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

/** The lake bucket ARNs of a stage, by zone (as the stage passes them). */
const lakeArns = (stage: any) =>
  Object.fromEntries(['raw', 'curated', 'features', 'models'].map((z) => [z, stage.data.lake.bucket(z).bucketArn]));

describe('model servers', () => {
  /** The Compute stack of dev wired as the stage will be: the lake's models bucket and a feature store. */
  function wired() {
    const app = testApp();
    const stage = buildPlatformApp(app, { compliance: false, only: ['dev'] }).dev!;
    // A stand-in for OnlineFeatureStore (another stack): grantConnect and connections.
    const storeStack = new Stack(stage, 'FeatureStoreStandIn');
    const storeSg = new ec2.SecurityGroup(storeStack, 'StoreSg', { vpc: stage.network.network.vpc });
    const storeArn = 'arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:dev-features';
    const featureStore = {
      connections: new ec2.Connections({ securityGroups: [storeSg], defaultPort: ec2.Port.tcp(6380) }),
      grantConnect: (grantee: iam.IGrantable, access: 'reader' | 'writer') =>
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['elasticache:Connect'],
          resourceArns: [storeArn, `arn:aws:elasticache:eu-west-1:111111111111:user:dev-features-${access}`],
        }),
    };
    const { ComputeStack } = require('../../lib/compute/stack');
    const stack = new ComputeStack(stage, 'ComputeWired', {
      config: ENVIRONMENTS.dev,
      vpc: stage.network.network.vpc,
      keys: stage.security.keys,
      lakeBucketArns: lakeArns(stage),
      modelsBucket: stage.data.lake.bucket('models'),
      featureStore,
      stackName: 'wired',
    }) as Stack;
    return { template: Template.fromStack(stack), stack, storeArn };
  }
  const w = wired();
  const server = ENVIRONMENTS.dev.serving.modelServers[0];

  test.each(ENVIRONMENT_NAMES)(
    '%s: applies every configured server after its team namespace; each manifest passes schema validation',
    (env) => {
      const t = env === 'prod' ? prod : env === 'dev' ? dev : template(env, 'Compute');
      const resources = t.toJSON().Resources as Record<string, any>;
      for (const s of ENVIRONMENTS[env].serving.modelServers) {
        const id = Object.keys(resources).find(
          (k) =>
            resources[k].Type === 'Custom::AWSCDK-EKS-KubernetesResource' &&
            String(resources[k].Properties.Manifest).includes(`"name":"${s.name}"`),
        )!;
        const manifests = JSON.parse(resources[id].Properties.Manifest);
        expect(manifests.map((m: any) => m.kind).sort()).toEqual(
          ['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount'].sort(),
        );
        expect(manifests.flatMap((m: any) => schemaProblems(m))).toEqual([]);
        const tenancy = Object.keys(resources).find(
          (k) => k.startsWith(`ClusterTenancy${s.team.replace(/-/g, '')}`) && resources[k].Type === 'Custom::AWSCDK-EKS-KubernetesResource',
        );
        expect(tenancy).toBeDefined();
        expect(resources[id].DependsOn).toContain(tenancy);
        t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: s.team, ServiceAccount: s.name });
      }
    },
  );

  test('without a models bucket: a warning, no ConfigMap and no S3 access', () => {
    // GIVEN: a Compute stack given neither the models bucket nor a feature store
    const stage = buildPlatformApp(testApp(), { compliance: false, only: ['dev'] }).dev!;
    const { ComputeStack } = require('../../lib/compute/stack');
    const bare = new ComputeStack(stage, 'ComputeBare', {
      config: ENVIRONMENTS.dev,
      vpc: stage.network.network.vpc,
      keys: stage.security.keys,
      lakeBucketArns: lakeArns(stage),
      stackName: 'bare',
    }) as Stack;
    // THEN
    Annotations.fromStack(bare).hasWarning('/dev/ComputeBare/ModelServers', Match.stringLikeRegexp('No modelsBucket given'));
    const t = Template.fromStack(bare);
    expect(appliedManifests(t).filter((m) => m.kind === 'ConfigMap')).toEqual([]);
    expect(JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy'))).not.toContain('ReadModel');
    t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { ServiceAccount: server.name });
  });

  test('the committed stage gives the servers the lake models bucket and the online feature store', () => {
    // GIVEN
    const policies = JSON.stringify(dev.findResources('AWS::IAM::ManagedPolicy'));
    // THEN
    expect(policies).toContain('ReadModel');
    expect(policies).toMatch(/MlPlatform-dev-Data.*LakeModelsBucket/);
    // One per team namespace (RayJobs and LLM servers of any team find the models bucket there).
    const configMaps = appliedManifests(dev).filter((m) => m.kind === 'ConfigMap' && m.metadata.name === 'ml-platform-serving');
    const data = {
      'models-bucket': '<ref>',
      'feature-store-endpoint': '<ref>',
      'feature-store-port': '6380',
      'feature-store-user': 'dev-features-reader',
    };
    expect(configMaps.map((m) => [m.metadata.namespace, m.data])).toEqual([
      ['credit-risk', data],
      ['fraud', data],
    ]);
    Annotations.fromStack(platformStage('dev').compute).hasNoWarning('*', Match.stringLikeRegexp('No modelsBucket given'));
    // ...and the online feature store: reader connect, and the store admits the cluster on its port.
    expect(policies).toMatch(/"Action":"elasticache:Connect".*replicationgroup:dev-features".*user:dev-features-reader"/);
    dev.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 6380,
      ToPort: 6380,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'ClusterSecurityGroupId'] },
    });
  });

  test('the server role reads exactly its model prefix of the models bucket and decrypts through S3', () => {
    // GIVEN
    const policies = Object.values(w.template.findResources('AWS::IAM::ManagedPolicy')) as any[];
    const policy = policies.find((p) => JSON.stringify(p).includes('ReadModel'))!.Properties;
    const statements = policy.PolicyDocument.Statement;
    // THEN
    expect(statements.map((st: any) => st.Sid)).toEqual(['ListModelPrefix', 'ReadModel', 'DecryptModelThroughS3', undefined]);
    const [list, read, decrypt, connect] = statements;
    expect(list).toMatchObject({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': [`${server.modelPath}*`] } } });
    expect(JSON.stringify(list.Resource)).toMatch(/LakeModelsBucket/);
    expect(read.Action).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(JSON.stringify(read.Resource)).toMatch(new RegExp(`LakeModelsBucket.*/${server.modelPath}\\*`));
    expect(decrypt).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': `s3.${ENVIRONMENTS.dev.region}.amazonaws.com` } },
    });
    expect(JSON.stringify(decrypt.Resource)).toMatch(/DataKey/);
    expect(connect).toEqual({
      Effect: 'Allow',
      Action: 'elasticache:Connect',
      Resource: [w.storeArn, 'arn:aws:elasticache:eu-west-1:111111111111:user:dev-features-reader'],
    });
    expect(policy.Roles).toHaveLength(1);
    // Everything the role may do is in this one customer-managed policy.
    expect(Object.keys(w.template.findResources('AWS::IAM::Policy')).filter((k) => k.startsWith('ModelServers'))).toEqual([]);
  });

  test('the role is bound to the server service account in the team namespace', () => {
    w.template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: server.team,
      ServiceAccount: server.name,
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelServerscreditriskserverIdentityRole'), 'Arn'] },
    });
  });

  test('the serving ConfigMap is applied in the team namespace, after the namespace exists', () => {
    // GIVEN
    const resources = w.template.toJSON().Resources as Record<string, any>;
    const id = Object.keys(resources).find((k) => JSON.stringify(resources[k].Properties?.Manifest ?? '').includes('ml-platform-serving'))!;
    // THEN
    expect(id).toBeDefined();
    const manifest = JSON.stringify(resources[id].Properties.Manifest);
    expect(manifest).toContain(`\\"namespace\\":\\"${server.team}\\"`);
    expect(manifest).toMatch(/LakeModelsBucket/);
    expect(resources[id].DependsOn.some((d: string) => d.startsWith('ClusterTenancycreditrisk'))).toBe(true);
  });

  test("a feature store on another port: the servers' NetworkPolicy admits that port and their ConfigMap names it", () => {
    // GIVEN: a store listening on 6379 instead of the OnlineFeatureStore default
    const stage = buildPlatformApp(testApp(), { compliance: false, only: ['dev'] }).dev!;
    const { ComputeStack } = require('../../lib/compute/stack');
    const featureStore = { port: 6379, configurationEndpoint: 'store.example', readerUserId: 'reader', grantConnect: () => undefined };
    // WHEN
    const stack = new ComputeStack(stage, 'ComputeOtherPort', {
      config: ENVIRONMENTS.dev,
      vpc: stage.network.network.vpc,
      keys: stage.security.keys,
      lakeBucketArns: lakeArns(stage),
      featureStore,
    });
    // THEN
    const manifests = appliedManifests(Template.fromStack(stack));
    const policy = manifests.find((m) => m.kind === 'NetworkPolicy' && m.metadata.name === ENVIRONMENTS.dev.serving.modelServers[0].name);
    expect(policy.spec.egress).toContainEqual({
      to: [{ ipBlock: { cidr: ENVIRONMENTS.dev.network.vpcCidr } }],
      ports: [{ port: 6379, protocol: 'TCP' }],
    });
    const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'ml-platform-serving');
    expect(configMap.data['feature-store-port']).toBe('6379');
  });

  test('the feature store security group admits the cluster security group on its port', () => {
    w.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 6380,
      ToPort: 6380,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'ClusterSecurityGroupId'] },
      GroupId: Match.anyValue(),
    });
  });
});
