import { Match } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS } from '../../lib/config';
import { template } from '../util';

describe('Network stack', () => {
  const dev = template('dev', 'Network');
  const prod = template('prod', 'Network');

  test('the VPC has the configured CIDR', () => {
    // THEN
    dev.hasResourceProperties('AWS::EC2::VPC', {
      CidrBlock: ENVIRONMENTS.dev.network.vpcCidr,
      EnableDnsSupport: true,
      EnableDnsHostnames: true,
    });
    prod.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: ENVIRONMENTS.prod.network.vpcCidr });
  });

  test('public, private-with-egress and isolated subnets in each configured AZ', () => {
    // THEN
    for (const [t, env] of [
      [dev, ENVIRONMENTS.dev],
      [prod, ENVIRONMENTS.prod],
    ] as const) {
      const subnets = Object.values(t.findResources('AWS::EC2::Subnet')) as any[];
      expect(subnets).toHaveLength(3 * env.availabilityZones.length);
      const azs = new Set(subnets.map((s) => s.Properties.AvailabilityZone));
      expect([...azs].sort()).toEqual([...env.availabilityZones].sort());
      const types = subnets.map((s) => s.Properties.Tags.find((tag: any) => tag.Key === 'aws-cdk:subnet-type').Value);
      for (const type of ['Public', 'Private', 'Isolated']) {
        expect(types.filter((x) => x === type)).toHaveLength(env.availabilityZones.length);
      }
    }
  });

  test('no subnet auto-assigns public IPs', () => {
    // GIVEN
    const subnets = Object.values(prod.findResources('AWS::EC2::Subnet')) as any[];
    // THEN
    for (const s of subnets) expect(s.Properties.MapPublicIpOnLaunch ?? false).toBe(false);
  });

  test('NAT gateways: one in dev, one per AZ in prod', () => {
    // THEN
    dev.resourceCountIs('AWS::EC2::NatGateway', 1);
    prod.resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  test('flow logs capture all traffic into a KMS-encrypted log group with the configured retention', () => {
    // THEN
    prod.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    prod.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: Match.anyValue(),
      RetentionInDays: ENVIRONMENTS.prod.logging.retentionDays,
    });
    prod.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    dev.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });

  test('the flow-log role trusts only VPC Flow Logs of this account and has no inline policy', () => {
    // THEN
    prod.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': ENVIRONMENTS.prod.account } },
          },
        ],
      },
    });
    prod.resourceCountIs('AWS::IAM::Policy', 0);
    prod.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkFlowLogs'), 'Arn'] },
          },
        ],
      },
    });
  });

  test('S3 and DynamoDB gateway endpoints', () => {
    // GIVEN
    const endpoints = Object.values(prod.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } })) as any[];
    const services = endpoints.map((e) => JSON.stringify(e.Properties.ServiceName));
    // THEN
    expect(services.some((s) => s.includes('.s3'))).toBe(true);
    expect(services.some((s) => s.includes('.dynamodb'))).toBe(true);
    expect(endpoints).toHaveLength(2);
  });

  test.each([
    'ecr.api',
    'ecr.dkr',
    'sts',
    'logs',
    'kms',
    'secretsmanager',
    'sagemaker.api',
    'sagemaker.runtime',
    'monitoring',
    'emr-serverless',
  ])('interface endpoint for %s with private DNS', (service) => {
    prod.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: `com.amazonaws.${ENVIRONMENTS.prod.region}.${service}`,
      PrivateDnsEnabled: true,
    });
  });

  test('interface endpoint for the SageMaker MLflow tracking servers (aws.sagemaker.<region>.experiments) with private DNS', () => {
    prod.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: `aws.sagemaker.${ENVIRONMENTS.prod.region}.experiments`,
      PrivateDnsEnabled: true,
    });
  });

  test('S3 over PrivateLink beside the gateway: private DNS for all resolvers, so in-VPC clients resolve S3 into the VPC', () => {
    // THEN
    prod.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: `com.amazonaws.${ENVIRONMENTS.prod.region}.s3`,
      PrivateDnsEnabled: true,
      DnsOptions: { PrivateDnsOnlyForInboundResolverEndpoint: 'AllResolvers' },
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkEndpointSecurityGroup'), 'GroupId'] }],
    });
    prod.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
    });
  });

  test('every interface endpoint: one ENI per AZ in the private subnets, the endpoint security group, private DNS', () => {
    // GIVEN
    const endpoints = Object.values(prod.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })) as any[];
    // THEN: the 8 of before, CloudWatch metrics, EMR Serverless, MLflow and S3
    expect(endpoints).toHaveLength(12);
    for (const e of endpoints) {
      expect(e.Properties.SubnetIds).toHaveLength(ENVIRONMENTS.prod.availabilityZones.length);
      expect(e.Properties.SecurityGroupIds).toHaveLength(1);
      expect(e.Properties.PrivateDnsEnabled).toBe(true);
    }
  });

  test('dev: no interface endpoints (config), only the free S3 and DynamoDB gateway endpoints; egress through its NAT', () => {
    // THEN
    expect(ENVIRONMENTS.dev.network.interfaceEndpoints).toBe(false);
    dev.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    expect(Object.keys(dev.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))).toEqual([]);
    expect(JSON.stringify(dev.findResources('AWS::EC2::SecurityGroup'))).not.toContain('Interface VPC endpoints');
  });

  test('interface endpoints admit only HTTPS from inside the VPC', () => {
    // THEN
    prod.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Interface VPC endpoints: HTTPS from inside the VPC',
      SecurityGroupIngress: [{ CidrIp: ENVIRONMENTS.prod.network.vpcCidr, FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }],
    });
  });

  test('the default security group is stripped of its rules', () => {
    // THEN
    prod.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('every resource carries the platform tags', () => {
    // GIVEN
    const vpc = Object.values(prod.findResources('AWS::EC2::VPC'))[0] as any;
    // THEN
    expect(vpc.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'platform', Value: 'ml-platform' },
        { Key: 'environment', Value: 'prod' },
        { Key: 'cost-center', Value: ENVIRONMENTS.prod.tags.costCenter },
        { Key: 'owner', Value: ENVIRONMENTS.prod.tags.owner },
      ]),
    );
  });
});
