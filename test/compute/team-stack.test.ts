import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildPlatformApp } from '../../lib/app';
import { TeamStack, type TeamStackProps } from '../../lib/compute/team-stack';
import { ENVIRONMENT_NAMES, ENVIRONMENTS, type EnvironmentName } from '../../lib/config';
import type { MlPlatformStage } from '../../lib/stages/ml-platform-stage';
import { schemaProblems } from '../k8s/schema';
import { platformStage, testApp } from '../util';

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

/** The Team stack of a committed environment's team. */
const teamTemplate = (env: EnvironmentName, team: string) => Template.fromStack(platformStage(env).teams[team]);

/** The lake bucket ARNs of a stage, by zone (as the stage passes them). */
const lakeArns = (stage: MlPlatformStage) =>
  Object.fromEntries(['raw', 'curated', 'features', 'models'].map((z) => [z, stage.data.lake.bucket(z as any).bucketArn])) as any;

/**
 * One fresh dev stage for every variant of this file (built once: a stage synthesizes once, so
 * every extra stack is added before the first template is read).
 */
const fresh = buildPlatformApp(testApp(), { compliance: false, only: ['dev'] }).dev!;

/** A second Team stack of dev's first team in the fresh dev stage, with the given wiring. */
function extraTeamStack(id: string, wiring: Partial<TeamStackProps> = {}): TeamStack {
  return new TeamStack(fresh, id, {
    config: ENVIRONMENTS.dev,
    team: ENVIRONMENTS.dev.cluster.teams[0],
    cluster: fresh.compute.clusterAttributes,
    lakeKey: fresh.security.keys.data,
    lakeBucketArns: lakeArns(fresh),
    stackName: id.toLowerCase(),
    ...wiring,
  });
}

/** dev's first team stack wired as the stage wires it, with a stand-in feature store (another stack). */
const storeArn = 'arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:dev-features';
const storeStack = new Stack(fresh, 'FeatureStoreStandIn');
const storeSg = new ec2.SecurityGroup(storeStack, 'StoreSg', { vpc: fresh.network.network.vpc });
const wiredStack = extraTeamStack('TeamWired', {
  modelsBucket: fresh.data.lake.bucket('models'),
  featureStore: {
    connections: new ec2.Connections({ securityGroups: [storeSg], defaultPort: ec2.Port.tcp(6380) }),
    grantConnect: (grantee: iam.IGrantable, access: 'reader' | 'writer') =>
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['elasticache:Connect'],
        resourceArns: [storeArn, `arn:aws:elasticache:eu-west-1:111111111111:user:dev-features-${access}`],
      }),
  },
  admitClusterToFeatureStore: true,
});
const arnsStack = extraTeamStack('TeamArns', {
  lakeBucketArns: {
    raw: 'arn:aws:s3:::raw-zone',
    curated: 'arn:aws:s3:::curated-zone',
    features: 'arn:aws:s3:::features-zone',
    models: 'arn:aws:s3:::models-zone',
  },
});
const bareStack = extraTeamStack('TeamBare');
const otherPortStack = extraTeamStack('TeamOtherPort', {
  featureStore: { port: 6379, configurationEndpoint: 'store.example', readerUserId: 'reader', grantConnect: () => undefined as any },
});

describe('TeamStack', () => {
  test.each(ENVIRONMENT_NAMES)('%s: one stack per team, MlPlatform-<env>-Team-<name>, after Compute and Data', (env) => {
    // GIVEN
    const stage = platformStage(env);
    // THEN
    expect(Object.keys(stage.teams)).toEqual(ENVIRONMENTS[env].cluster.teams.map((t) => t.name));
    for (const [name, stack] of Object.entries(stage.teams)) {
      Template.fromStack(stack); // synthesizes the stage: cross-stack references become dependencies
      expect(stack.stackName).toBe(`MlPlatform-${env}-Team-${name}`);
      expect(stack.dependencies.map((d) => d.stackName)).toEqual(
        expect.arrayContaining([`MlPlatform-${env}-Compute`, `MlPlatform-${env}-Data`]),
      );
    }
  });

  test("applies its tenancy through the Compute stack's kubectl provider; each manifest passes schema validation", () => {
    for (const team of ENVIRONMENTS.prod.cluster.teams) {
      // GIVEN
      const t = teamTemplate('prod', team.name);
      const manifests = appliedManifests(t);
      // THEN: the namespace and its quota, applied through the provider imported by attributes
      expect(manifests).toContainEqual(
        expect.objectContaining({ kind: 'Namespace', metadata: expect.objectContaining({ name: team.name }) }),
      );
      const quota = manifests.find((m) => m.kind === 'ResourceQuota' && m.metadata.namespace === team.name);
      expect(quota.spec.hard['requests.nvidia.com/gpu']).toBe(`${team.quota.gpus}`);
      expect(manifests.filter((m) => m.metadata.namespace !== undefined && m.metadata.namespace !== team.name)).toEqual([]);
      for (const r of Object.values(t.findResources('Custom::AWSCDK-EKS-KubernetesResource')) as any[]) {
        expect(JSON.stringify(r.Properties.ServiceToken)).toMatch(/MlPlatform-prod-Compute.*KubectlProvider/);
        expect(r.Properties.ClusterName).toEqual(expect.objectContaining({ 'Fn::GetStackOutput': expect.anything() }));
      }
      const problems = manifests.flatMap((m) => schemaProblems(m).map((p) => `${m.kind}/${m.metadata.name}: ${p}`));
      expect(problems).toEqual([]);
    }
  });

  test('the team service account is bound to a role scoped to its lake prefixes', () => {
    for (const team of ENVIRONMENTS.prod.cluster.teams) {
      // GIVEN
      const t = teamTemplate('prod', team.name);
      // THEN
      t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: team.name, ServiceAccount: `${team.name}-workloads` });
      const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')) as any[];
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
    // WHEN: a Team stack given explicit lake buckets
    const stack = arnsStack;
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
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
});

describe('model servers', () => {
  const w = { template: Template.fromStack(wiredStack), storeArn };
  const server = ENVIRONMENTS.dev.serving.modelServers[0];

  test.each(ENVIRONMENT_NAMES)(
    "%s: applies every configured server in its team's stack after the namespace; each manifest passes schema validation",
    (env) => {
      for (const s of ENVIRONMENTS[env].serving.modelServers) {
        // GIVEN
        const t = teamTemplate(env, s.team);
        const resources = t.toJSON().Resources as Record<string, any>;
        const id = Object.keys(resources).find(
          (k) =>
            resources[k].Type === 'Custom::AWSCDK-EKS-KubernetesResource' &&
            String(resources[k].Properties.Manifest).includes(`"name":"${s.name}"`),
        )!;
        // THEN
        const manifests = JSON.parse(resources[id].Properties.Manifest);
        expect(manifests.map((m: any) => m.kind).sort()).toEqual(
          ['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount'].sort(),
        );
        expect(manifests.flatMap((m: any) => schemaProblems(m))).toEqual([]);
        const tenancy = Object.keys(resources).find(
          (k) => k.startsWith('ClusterTenancy') && resources[k].Type === 'Custom::AWSCDK-EKS-KubernetesResource',
        );
        expect(tenancy).toBeDefined();
        expect(resources[id].DependsOn).toContain(tenancy);
        t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: s.team, ServiceAccount: s.name });
      }
    },
  );

  test('without a models bucket: a warning, no ConfigMap and no S3 access', () => {
    // GIVEN: a Team stack given neither the models bucket nor a feature store
    const stack = bareStack;
    // THEN
    Annotations.fromStack(stack).hasWarning('/dev/TeamBare/ModelServers', Match.stringLikeRegexp('No modelsBucket given'));
    const t = Template.fromStack(stack);
    expect(appliedManifests(t).filter((m) => m.kind === 'ConfigMap')).toEqual([]);
    expect(JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy'))).not.toContain('ReadModel');
    t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { ServiceAccount: server.name });
  });

  test('the committed stage gives the servers the lake models bucket and the online feature store', () => {
    // GIVEN
    const dev = teamTemplate('dev', server.team);
    const policies = JSON.stringify(dev.findResources('AWS::IAM::ManagedPolicy'));
    // THEN
    expect(policies).toContain('ReadModel');
    expect(policies).toMatch(/MlPlatform-dev-Data.*LakeModelsBucket/);
    const configMaps = appliedManifests(dev).filter((m) => m.kind === 'ConfigMap');
    expect(configMaps.map((m) => [m.metadata.name, m.metadata.namespace, m.data])).toEqual([
      [
        'ml-platform-serving',
        'credit-risk',
        {
          'models-bucket': '<ref>',
          'feature-store-endpoint': '<ref>',
          'feature-store-port': '6380',
          'feature-store-user': 'dev-features-reader',
        },
      ],
    ]);
    Annotations.fromStack(platformStage('dev').teams[server.team]).hasNoWarning('*', Match.stringLikeRegexp('No modelsBucket given'));
    // ...and the online feature store: reader connect, and the store admits the cluster on its port.
    expect(policies).toMatch(/"Action":"elasticache:Connect".*replicationgroup:dev-features".*user:dev-features-reader"/);
    dev.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 6380,
      ToPort: 6380,
      SourceSecurityGroupId: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'MlPlatform-dev-Compute' }) },
    });
  });

  test.each(ENVIRONMENT_NAMES)('%s: exactly one team stack admits the cluster to the feature store (one rule, no duplicate)', (env) => {
    // GIVEN
    const stage = platformStage(env);
    // WHEN
    const admitting = Object.entries(stage.teams).filter(
      ([, stack]) => Object.keys(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress')).length > 0,
    );
    // THEN
    expect(admitting).toHaveLength(ENVIRONMENTS[env].serving.modelServers.length > 0 ? 1 : 0);
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
    expect(resources[id].DependsOn.some((d: string) => d.startsWith('ClusterTenancy'))).toBe(true);
  });

  test("a feature store on another port: the servers' NetworkPolicy admits that port and their ConfigMap names it", () => {
    // GIVEN: a store listening on 6379 instead of the OnlineFeatureStore default
    // WHEN (otherPortStack, built before the fresh stage's only synth)
    const stack = otherPortStack;
    // THEN
    const manifests = appliedManifests(Template.fromStack(stack));
    const policy = manifests.find((m) => m.kind === 'NetworkPolicy' && m.metadata.name === server.name);
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
      SourceSecurityGroupId: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'MlPlatform-dev-Compute' }) },
      GroupId: Match.anyValue(),
    });
  });
});
