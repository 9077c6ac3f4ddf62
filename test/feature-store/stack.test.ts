import { Match } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS } from '../../lib/config';
import { platformStage, template } from '../util';

describe('FeatureStore stack', () => {
  const dev = template('dev', 'FeatureStore');
  const prod = template('prod', 'FeatureStore');

  test('prod: Multi-AZ cluster-mode Valkey with replicas, failover, TLS, KMS and 15 days of snapshots', () => {
    // GIVEN
    const fs = ENVIRONMENTS.prod.featureStore;
    // THEN
    prod.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      ReplicationGroupId: 'prod-features',
      Engine: 'valkey',
      ClusterMode: 'enabled',
      CacheNodeType: fs.nodeType,
      NumNodeGroups: fs.shards,
      ReplicasPerNodeGroup: fs.replicasPerShard,
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      KmsKeyId: {
        'Fn::GetStackOutput': Match.objectLike({
          StackName: 'MlPlatform-prod-Security',
          OutputName: Match.stringLikeRegexp('KeysDataKey'),
        }),
      },
      SnapshotRetentionLimit: 15,
    });
  });

  test('dev: one small node, no replica', () => {
    // THEN
    dev.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      CacheNodeType: 'cache.t4g.small',
      NumNodeGroups: 1,
      ReplicasPerNodeGroup: 0,
      MultiAZEnabled: false,
    });
  });

  test('nodes in the isolated subnets of the environment VPC', () => {
    // GIVEN
    const group = Object.values(prod.findResources('AWS::ElastiCache::SubnetGroup'))[0] as any;
    // THEN
    expect(group.Properties.SubnetIds).toHaveLength(3);
    expect(JSON.stringify(group.Properties.SubnetIds)).toMatch(/IsolatedSubnet/);
  });

  test('the cache and its logs are retained in prod and staging, removed with dev', () => {
    // THEN
    prod.hasResource('AWS::ElastiCache::ReplicationGroup', { DeletionPolicy: 'Retain' });
    template('staging', 'FeatureStore').hasResource('AWS::ElastiCache::ReplicationGroup', { DeletionPolicy: 'Retain' });
    dev.hasResource('AWS::ElastiCache::ReplicationGroup', { DeletionPolicy: 'Delete' });
  });

  test('depends on Security, Network and the light Data stack (Spark is admitted here), never on a slow stack', () => {
    // WHEN
    const stage = platformStage('prod');
    const deps = stage.featureStore.dependencies.map((s) => s.stackName).sort();
    // THEN
    expect(deps).toEqual(['MlPlatform-prod-Data', 'MlPlatform-prod-Network', 'MlPlatform-prod-Security']);
  });

  test('prod logical IDs of the stateful resources never change', () => {
    // GIVEN
    const ids = (type: string) => Object.keys(prod.findResources(type)).sort();
    // THEN
    expect(ids('AWS::ElastiCache::ReplicationGroup')).toEqual(['OnlineStore74D88D63']);
    expect(ids('AWS::Logs::LogGroup')).toEqual(['OnlineStoreEngineLogEB311E8D', 'OnlineStoreSlowLogE4C833CD']);
  });
});

describe('FeatureGroup stacks', () => {
  const prod = template('prod', 'FeatureGroup-applicant-txn-aggregates');

  test('one stack per group, MlPlatform-<env>-FeatureGroup-<name in kebab case>', () => {
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const stage = platformStage(env);
      expect(Object.fromEntries(Object.entries(stage.featureGroups).map(([name, stack]) => [name, stack.stackName]))).toEqual(
        Object.fromEntries(
          ENVIRONMENTS[env].featureStore.featureGroups.map((g) => [g.name, `MlPlatform-${env}-FeatureGroup-${g.name.replace(/_/g, '-')}`]),
        ),
      );
    }
  });

  test('the worked example in every environment: the offline table with the v2 online layout, and nothing else', () => {
    for (const env of ['dev', 'staging', 'prod'] as const) {
      // GIVEN / WHEN the stack of the environment
      const t = template(env, 'FeatureGroup-applicant-txn-aggregates');
      // THEN the table records the v2 layout; the jobs and roles are the Features stack's
      t.hasResourceProperties('AWS::Glue::Table', {
        TableInput: Match.objectLike({
          Name: 'applicant_txn_aggregates',
          Parameters: Match.objectLike({ 'mlp:online-key': 'fs:applicant_txn_aggregates:v2:{<applicant_id>}' }),
        }),
      });
      for (const type of ['AWS::SSM::Parameter', 'AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::EC2::SecurityGroupIngress']) {
        t.resourceCountIs(type, 0);
      }
    }
  });

  test('the offline table lives in the features database of the lake', () => {
    // THEN
    prod.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: {
        'Fn::GetStackOutput': Match.objectLike({
          StackName: 'MlPlatform-prod-Data',
          OutputName: Match.stringLikeRegexp('LakeFeaturesDatabase'),
        }),
      },
    });
  });

  test('the Spark application may reach the online store on its port: one rule, in the FeatureStore stack', () => {
    // GIVEN
    // One rule serves every group's jobs: each group's stack holding it would duplicate it (which
    // EC2 rejects), and the Data stack (Spark's) must not wait for the store.
    const store = template('prod', 'FeatureStore');
    // THEN
    store.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    store.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 6380,
      ToPort: 6380,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OnlineStore'), 'GroupId'] },
      SourceSecurityGroupId: {
        'Fn::GetStackOutput': Match.objectLike({ StackName: 'MlPlatform-prod-Data', OutputName: Match.stringLikeRegexp('Spark') }),
      },
    });
    prod.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test("Spark may also leave towards the store: its security group's egress is closed but for HTTPS", () => {
    // GIVEN: the Spark security group allows no other egress
    const sparkGroups = Object.values(template('prod', 'Data').findResources('AWS::EC2::SecurityGroup')).filter((g: any) =>
      String(g.Properties.GroupDescription).startsWith('EMR Serverless Spark'),
    ) as any[];
    expect(sparkGroups.map((g) => g.Properties.SecurityGroupEgress.map((e: any) => e.FromPort))).toEqual([[443]]);
    // THEN: the egress to the store's group on the store's port is held with the ingress (FeatureStore stack)
    const store = template('prod', 'FeatureStore');
    store.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
    store.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 6380,
      ToPort: 6380,
      IpProtocol: 'tcp',
      GroupId: {
        'Fn::GetStackOutput': Match.objectLike({ StackName: 'MlPlatform-prod-Data', OutputName: Match.stringLikeRegexp('Spark') }),
      },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OnlineStore'), 'GroupId'] },
    });
    prod.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });

  test('prod logical ID of the offline table never changes; it is retained', () => {
    // THEN
    expect(Object.keys(prod.findResources('AWS::Glue::Table'))).toEqual(['ApplicantTxnAggregatesOfflineTable1810CAE2']);
    prod.hasResource('AWS::Glue::Table', { DeletionPolicy: 'Retain' });
  });
});
