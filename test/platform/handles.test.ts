import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TeamWorkloadIdentity } from '../../constructs/compute';
import { LAKE_ZONES } from '../../constructs/lake';
import { PLATFORM_HANDLES as H, PLATFORM_AVAILABILITY_ZONES, Platform } from '../../constructs/platform';
import { KEY_DOMAINS } from '../../constructs/security';
import { ENVIRONMENT_NAMES, ENVIRONMENTS, type EnvironmentName } from '../../lib/config';
import { platformStage, testApp } from '../util';

/** Every SSM parameter of one environment's stacks: name -> { stack, value }. */
function publishedParameters(env: EnvironmentName): Map<string, { stack: string; value: unknown }> {
  const found = new Map<string, { stack: string; value: unknown }>();
  for (const child of platformStage(env).node.children) {
    if (!(child instanceof Stack)) continue;
    const resources = Template.fromStack(child).findResources('AWS::SSM::Parameter');
    for (const r of Object.values(resources) as { Properties: { Name: string; Value: unknown } }[]) {
      const name = r.Properties.Name;
      if (typeof name !== 'string') continue; // parameters with generated names are not handles
      if (found.has(name)) throw new Error(`${name} is published twice (${found.get(name)!.stack}, ${child.stackName})`);
      found.set(name, { stack: child.stackName, value: r.Properties.Value });
    }
  }
  return found;
}

/** The handles an environment must publish, from its configuration. */
function expectedHandles(env: EnvironmentName): string[] {
  const c = ENVIRONMENTS[env];
  return [
    H.vpcId,
    H.availabilityZones,
    H.privateSubnetIds,
    H.privateRouteTableIds,
    H.isolatedSubnetIds,
    H.isolatedRouteTableIds,
    ...KEY_DOMAINS.map(H.keyArn),
    H.accessLogsBucketName,
    ...LAKE_ZONES.flatMap((z) => [H.lakeBucketName(z), H.lakeDatabaseName(z)]),
    H.sparkApplicationId,
    H.sparkJobRoleArn,
    H.sparkSecurityGroupId,
    H.streamingClusterArn,
    H.streamingClusterName,
    H.streamingBootstrapBrokers,
    H.streamingSecurityGroupId,
    H.onlineStoreEndpoint,
    H.onlineStorePort,
    H.onlineStoreReplicationGroupId,
    H.onlineStoreReaderUserId,
    H.onlineStoreWriterUserId,
    H.onlineStoreSecurityGroupId,
    H.clusterName,
    H.clusterSecurityGroupId,
    H.pageTopicArn,
    H.ticketTopicArn,
    H.mlflowArn,
    ...c.serving.models.map((m) => H.modelPackageGroupName(m.name)),
    H.schemaRegistryName,
    ...c.features.topics.flatMap((t: { name: string }) => [H.topicArn(t.name), H.topicArn(`${t.name}-dlq`)]),
  ].sort();
}

describe.each(ENVIRONMENT_NAMES)('%s publishes its handles', (env) => {
  const prefix = `/mlp/${env}/platform/`;

  test('every handle a team references is an SSM parameter under /mlp/<env>/platform/, each once', () => {
    const published = publishedParameters(env);
    const handles = [...published.keys()].filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
    expect(handles.sort()).toEqual(expectedHandles(env));
  });

  test('each handle is written by the stack that owns the thing', () => {
    const published = publishedParameters(env);
    const owner = (handle: string) => published.get(prefix + handle)?.stack;
    expect(owner(H.vpcId)).toBe(`MlPlatform-${env}-Network`);
    expect(owner(H.keyArn('data'))).toBe(`MlPlatform-${env}-Security`);
    expect(owner(H.lakeBucketName('curated'))).toBe(`MlPlatform-${env}-Data`);
    expect(owner(H.streamingClusterArn)).toBe(`MlPlatform-${env}-Streaming`);
    expect(owner(H.onlineStoreEndpoint)).toBe(`MlPlatform-${env}-FeatureStore`);
    expect(owner(H.clusterName)).toBe(`MlPlatform-${env}-Compute`);
    expect(owner(H.pageTopicArn)).toBe(`MlPlatform-${env}-Security`);
    expect(owner(H.ticketTopicArn)).toBe(`MlPlatform-${env}-Security`);
    expect(owner(H.schemaRegistryName)).toBe(`MlPlatform-${env}-Features`);
    // Values reference the resources (no copy of a name that could drift), except the configured AZs and port.
    expect(published.get(prefix + H.vpcId)!.value).toEqual({ Ref: expect.stringMatching(/^NetworkVpc/) });
    expect(published.get(prefix + H.availabilityZones)!.value).toBe(ENVIRONMENTS[env].availabilityZones.join(','));
  });

  test("the import's defaults match the environment (AZ count, encrypted catalog)", () => {
    expect(PLATFORM_AVAILABILITY_ZONES[env]).toBe(ENVIRONMENTS[env].availabilityZones.length);
    expect(ENVIRONMENTS[env].lake.encryptCatalog).toBe(true);
  });
});

describe('Platform.fromEnvironment in a team stack', () => {
  // GIVEN a team's own stack (no platform config, no context lookups)
  const stack = new Stack(testApp(), 'TeamApp', { env: { account: '123456789012', region: 'eu-west-1' } });
  const platform = Platform.fromEnvironment(stack, 'Platform', 'prod');
  const role = new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com') });
  // WHEN it uses every handle
  platform.lake.grantRead(role, 'curated');
  platform.onlineStore.grantConnect(role, 'reader');
  platform.streaming.grantConsume(role, 'card-transactions', 'team-risk-*');
  platform.spark.grantStartJobRun(role);
  platform.key('serving').grantDecrypt(role);
  new TeamWorkloadIdentity(stack, 'Identity', { cluster: platform.cluster, namespace: 'risk', serviceAccountName: 'risk-workloads' });
  const names = [
    platform.vpc.privateSubnets.map((s) => s.subnetId),
    platform.accessLogsBucket.bucketName,
    platform.oncall.topic('page').topicArn,
    platform.oncall.topic('ticket').topicArn,
    platform.mlflowArn,
    platform.modelPackageGroupName('credit-risk'),
    platform.schemaRegistryName,
    platform.topicArn('card-transactions'),
  ];
  const template = Template.fromStack(stack).toJSON();
  const parameters = Object.values(template.Parameters ?? {}) as { Type: string; Default?: string }[];
  // The bootstrap version check is the one SSM parameter every CDK stack reads.
  const ssm = parameters.filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value<') && !p.Default?.startsWith('/cdk-bootstrap/'));

  test('handles are deploy-time SSM parameter values, no synth-time lookup', () => {
    expect(names.flat().length).toBeGreaterThan(0);
    expect(ssm.length).toBeGreaterThan(25);
    const listTyped = ssm.filter((p) => p.Type === 'AWS::SSM::Parameter::Value<List<String>>').map((p) => p.Default);
    expect(listTyped.sort()).toEqual(
      [H.availabilityZones, H.privateSubnetIds, H.privateRouteTableIds, H.isolatedSubnetIds, H.isolatedRouteTableIds]
        .map((h) => `/mlp/prod/platform/${h}`)
        .sort(),
    );
    expect(ssm.every((p) => p.Default?.startsWith('/mlp/prod/platform/'))).toBe(true);
    // Nothing was looked up: no missing context, no context key written.
    expect(stack.node.metadata.filter((m) => m.type === 'aws:cdk:missing-context')).toEqual([]);
    expect(JSON.stringify(template)).not.toMatch(/dummy-value|vpc-12345/);
  });

  test('every parameter the import reads is one prod publishes', () => {
    const published = publishedParameters('prod');
    const missing = ssm.map((p) => p.Default!).filter((name) => !published.has(name));
    expect(missing).toEqual([]);
  });

  test('a handle adds its parameters only when used: one lake zone, one key', () => {
    const s = new Stack(testApp(), 'OneZone');
    const p = Platform.fromEnvironment(s, 'Platform', 'dev');
    p.lake.grantRead(new iam.Role(s, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }), 'curated');
    const defaults = Object.values(Template.fromStack(s).toJSON().Parameters as Record<string, { Default: string }>)
      .map((x) => x.Default)
      .filter((d) => d.startsWith('/mlp/'));
    expect(defaults.sort()).toEqual(
      ['security/keys/data-arn', 'data/lake/curated/bucket-name', 'data/lake/curated/database-name']
        .map((h) => `/mlp/dev/platform/${h}`)
        .sort(),
    );
  });

  test("the online store's writer grant reads only what it needs (no endpoint, no reader id)", () => {
    const s = new Stack(testApp(), 'Writer');
    const p = Platform.fromEnvironment(s, 'Platform', 'staging');
    p.onlineStore.grantConnect(new iam.Role(s, 'Writer', { assumedBy: new iam.AccountRootPrincipal() }), 'writer');
    const defaults = Object.values(Template.fromStack(s).toJSON().Parameters as Record<string, { Default: string }>)
      .map((x) => x.Default)
      .filter((d) => d.startsWith('/mlp/'));
    expect(defaults.sort()).toEqual(
      [H.onlineStorePort, H.onlineStoreSecurityGroupId, H.onlineStoreReplicationGroupId, H.onlineStoreWriterUserId]
        .map((h) => `/mlp/staging/platform/${h}`)
        .sort(),
    );
  });

  test('the VPC has one private and one isolated subnet per prod AZ', () => {
    expect(platform.vpc.privateSubnets).toHaveLength(3);
    expect(platform.vpc.isolatedSubnets).toHaveLength(3);
    expect(platform.vpc.availabilityZones).toHaveLength(3);
  });

  test('a bad prefix or an unknown environment without AZ count is one clear line', () => {
    const s = new Stack(testApp(), 'Bad');
    expect(() => Platform.fromEnvironment(s, 'P', 'prod', { parameterPrefix: 'mlp/prod/' })).toThrow(
      /Platform.fromEnvironment 'prod': parameterPrefix must look like \/mlp\/prod\/platform .* got 'mlp\/prod\/'/,
    );
    expect(() => Platform.fromEnvironment(s, 'Q', 'qa')).toThrow(
      /'qa': availabilityZones is required for an environment other than dev, staging, prod/,
    );
    expect(Platform.fromEnvironment(s, 'R', 'qa', { availabilityZones: 2 }).vpc.privateSubnets).toHaveLength(2);
  });
});
