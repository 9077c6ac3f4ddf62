import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildPlatformApp } from '../../lib/app';
import { STATEFUL_TYPES } from '../../lib/compliance/retention';
import { configWith, environmentsWith, platformStage, template, testApp } from '../util';

describe('StreamingStack in prod', () => {
  const t = template('prod', 'Streaming');

  test('is MlPlatform-prod-Streaming, termination-protected, and keeps the logical IDs the cluster had in the Data stack', () => {
    // GIVEN
    const stack = platformStage('prod').streaming;
    const resources = t.toJSON().Resources as Record<string, any>;
    // THEN
    expect(stack.stackName).toBe('MlPlatform-prod-Streaming');
    expect(stack.terminationProtection).toBe(true);
    expect(resources.StreamingE5CA015B.Type).toBe('AWS::MSK::Cluster');
    expect(resources.StreamingConfigurationB28D107E.Type).toBe('AWS::MSK::Configuration');
    const stateful = Object.entries(resources).filter(([, r]) => [...STATEFUL_TYPES, 'AWS::MSK::Configuration'].includes(r.Type));
    expect(stateful.map(([id]) => id).sort()).toEqual([
      'StreamingBootstrapBrokersLogs82220E38',
      'StreamingBrokerLogs4B48B51C',
      'StreamingConfigurationB28D107E',
      'StreamingE5CA015B',
    ]);
    for (const [id, r] of stateful) expect([id, r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual([id, 'Retain', 'Retain']);
  });

  test('runs a provisioned MSK cluster of 6 brokers over the 3 isolated subnets, with the streaming key of the Security stack', () => {
    // THEN
    t.hasResourceProperties('AWS::MSK::Cluster', {
      ClusterName: 'mlp-prod-events',
      NumberOfBrokerNodes: 6,
      BrokerNodeGroupInfo: {
        InstanceType: 'kafka.m7g.large',
        ClientSubnets: [1, 2, 3].map((n) => ({
          'Fn::GetStackOutput': Match.objectLike({
            StackName: 'MlPlatform-prod-Network',
            OutputName: Match.stringLikeRegexp(`IsolatedSubnet${n}`),
          }),
        })),
      },
      EncryptionInfo: {
        EncryptionAtRest: {
          DataVolumeKMSKeyId: {
            'Fn::GetStackOutput': Match.objectLike({
              StackName: 'MlPlatform-prod-Security',
              OutputName: Match.stringLikeRegexp('StreamingKey'),
            }),
          },
        },
        EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
      },
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
      EnhancedMonitoring: 'PER_TOPIC_PER_BROKER',
    });
  });

  test("the Features stack grants the Data stack's Spark role events.* as spark-* in a managed policy, nothing to write", () => {
    // GIVEN (the consumer holds the wiring: Features, which waits for both)
    const f = template('prod', 'Features');
    expect(t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('Spark') } })).toEqual({});
    const policies = Object.values(
      f.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('Spark') } }),
    );
    // THEN
    expect(policies).toHaveLength(1);
    const policy = (policies[0] as any).Properties;
    expect(policy.Roles).toEqual(
      [{ 'Fn::GetStackOutput': Match.objectLike({ StackName: 'MlPlatform-prod-Data' }) }].map(() => expect.anything()),
    );
    expect(JSON.stringify(policy.Roles)).toMatch(/MlPlatform-prod-Data.*SparkJobRole/);
    const statements: any[] = policy.PolicyDocument.Statement;
    const refs = (action: string) => JSON.stringify(statements.filter((s) => [s.Action].flat().includes(action)).map((s) => s.Resource));
    expect(refs('kafka-cluster:ReadData')).toMatch(/topic\/mlp-prod-events\/.*\/events\.\*/);
    expect(refs('kafka-cluster:AlterGroup')).toMatch(/group\/mlp-prod-events\/.*\/spark-\*/);
    expect(JSON.stringify(statements)).not.toContain('kafka-cluster:WriteData');
  });

  test('the Features stack admits the Spark workers to the brokers on 9098 (ingress and egress), the Streaming stack holds no rule', () => {
    // GIVEN
    const f = template('prod', 'Features');
    const spark = {
      'Fn::GetStackOutput': Match.objectLike({
        StackName: 'MlPlatform-prod-Data',
        OutputName: Match.stringLikeRegexp('SparkSecurityGroup'),
      }),
    };
    const brokers = {
      'Fn::GetStackOutput': Match.objectLike({
        StackName: 'MlPlatform-prod-Streaming',
        OutputName: Match.stringLikeRegexp('StreamingSecurityGroup'),
      }),
    };
    // THEN
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    t.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    f.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 9098,
      ToPort: 9098,
      GroupId: brokers,
      SourceSecurityGroupId: spark,
    });
    f.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
    f.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 9098,
      ToPort: 9098,
      GroupId: spark,
      DestinationSecurityGroupId: brokers,
    });
  });

  test('exposes the IAM bootstrap brokers and the cluster ARN', () => {
    t.hasOutput('KafkaBootstrapBrokersSaslIam', {
      Value: { 'Fn::GetAtt': ['StreamingBootstrapBrokers99E7F653', 'BootstrapBrokerStringSaslIam'] },
    });
    t.hasOutput('KafkaClusterArn', { Value: { 'Fn::GetAtt': ['StreamingE5CA015B', 'Arn'] } });
  });

  test('no slow stack waits for it, and it waits for no slow stack: after Security and Network, before Features only', () => {
    // GIVEN
    const stage = platformStage('prod');
    Template.fromStack(stage.streaming); // synthesizes the stage: references become dependencies
    // WHEN
    const dependents = stage.node.children
      .filter((c: any) => c.dependencies?.includes(stage.streaming))
      .map((c: any) => c.stackName as string);
    // THEN
    expect(dependents).toEqual(['MlPlatform-prod-Features']);
    expect(stage.streaming.dependencies.map((d) => d.stackName).sort()).toEqual(['MlPlatform-prod-Network', 'MlPlatform-prod-Security']);
  });
});

describe('StreamingStack in dev', () => {
  test('dev runs two small brokers, one per AZ, with a short retention, deleted with the stack', () => {
    // GIVEN
    const t = template('dev', 'Streaming');
    // THEN
    t.hasResourceProperties('AWS::MSK::Cluster', {
      NumberOfBrokerNodes: 2,
      BrokerNodeGroupInfo: { InstanceType: 'kafka.t3.small' },
      EnhancedMonitoring: 'DEFAULT',
    });
    t.hasResourceProperties('AWS::MSK::Configuration', {
      ServerProperties: Match.stringLikeRegexp('default\\.replication\\.factor=2\nmin\\.insync\\.replicas=1\n'),
    });
    for (const r of Object.values(t.findResources('AWS::MSK::Cluster'))) expect(r.DeletionPolicy).toBe('Delete');
    expect(platformStage('dev').streaming.terminationProtection).toBe(false);
  });

  test('dev can run MSK Serverless instead, chosen in config', () => {
    // GIVEN
    const config = configWith('dev', (c) => (c.streaming = { mode: 'serverless' }));
    const stages = buildPlatformApp(testApp(), { compliance: false, only: ['dev'], environments: environmentsWith(config) });
    const t = Template.fromStack(stages.dev!.streaming);
    // THEN
    t.resourceCountIs('AWS::MSK::Cluster', 0);
    t.resourceCountIs('AWS::MSK::Configuration', 0);
    t.hasResourceProperties('AWS::MSK::ServerlessCluster', {
      ClusterName: 'mlp-dev-events',
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
    });
  });
});
