import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DataLake, SparkApplication, type SparkApplicationProps, StreamingCluster } from '../../constructs';
import { dataFixture } from './data-fixtures';

function sparkWith(props: Partial<SparkApplicationProps> = {}) {
  const f = dataFixture();
  const spark = new SparkApplication(f.stack, 'Spark', {
    releaseLabel: 'emr-7.9.0',
    vpc: f.vpc,
    maximumCapacity: { cpu: 64, memoryGiB: 256, diskGiB: 1000 },
    logsKey: f.logsKey,
    ...props,
  });
  return { ...f, spark };
}

const APP_ARN = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Spark'), 'Arn'] };

describe('SparkApplication', () => {
  test('an EMR Serverless Spark application in the private subnets with auto-start, auto-stop and capacity bounds', () => {
    // GIVEN / WHEN
    const { stack } = sparkWith({ initialDrivers: 1, initialExecutors: 2, idleTimeout: Duration.minutes(10) });
    // THEN
    const worker = { Cpu: '4vCPU', Memory: '16GB', Disk: '20GB' };
    Template.fromStack(stack).hasResourceProperties('AWS::EMRServerless::Application', {
      Type: 'SPARK',
      ReleaseLabel: 'emr-7.9.0',
      Architecture: 'ARM64',
      AutoStartConfiguration: { Enabled: true },
      AutoStopConfiguration: { Enabled: true, IdleTimeoutMinutes: 10 },
      InitialCapacity: [
        { Key: 'Driver', Value: { WorkerCount: 1, WorkerConfiguration: worker } },
        { Key: 'Executor', Value: { WorkerCount: 2, WorkerConfiguration: worker } },
      ],
      MaximumCapacity: { Cpu: '64vCPU', Memory: '256GB', Disk: '1000GB' },
      NetworkConfiguration: {
        SubnetIds: [
          { Ref: Match.stringLikeRegexp('^VpcPrivateSubnet1') },
          { Ref: Match.stringLikeRegexp('^VpcPrivateSubnet2') },
          { Ref: Match.stringLikeRegexp('^VpcPrivateSubnet3') },
        ],
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SparkSecurityGroup'), 'GroupId'] }],
      },
    });
  });

  test('scale to zero by default: no pre-initialized capacity', () => {
    const { stack } = sparkWith();
    Template.fromStack(stack).hasResourceProperties('AWS::EMRServerless::Application', {
      InitialCapacity: Match.absent(),
      AutoStopConfiguration: { Enabled: true, IdleTimeoutMinutes: 15 },
    });
  });

  test('logs go to a KMS-encrypted log group (retained by default), not to EMR-managed storage', () => {
    // GIVEN / WHEN
    const { stack } = sparkWith();
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::EMRServerless::Application', {
      MonitoringConfiguration: {
        CloudWatchLoggingConfiguration: { Enabled: true, LogGroupName: { Ref: Match.stringLikeRegexp('^SparkJobLogs') } },
        ManagedPersistenceMonitoringConfiguration: { Enabled: false },
      },
    });
    t.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Retain',
      Properties: { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogsKey'), 'Arn'] } },
    });
  });

  test('the log group is deletable with RemovalPolicy.DESTROY (dev)', () => {
    const { stack } = sparkWith({ removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });

  test('the job role can be assumed by EMR Serverless for this application and account only', () => {
    const { stack } = sparkWith();
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'emr-serverless.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: { 'aws:SourceArn': APP_ARN } },
          },
        ],
      },
      ManagedPolicyArns: [{ Ref: Match.stringLikeRegexp('^SparkJobPolicy') }],
    });
  });

  test('the job role writes its logs to its log group only (DescribeLogGroups, which has no resource type, on *) and reads the default Glue database, nothing more', () => {
    const { stack } = sparkWith();
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SparkJobLogs'), 'Arn'] },
          },
          { Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
          {
            Effect: 'Allow',
            Action: 'glue:GetDatabase',
            Resource: ['arn:aws:glue:eu-west-1:123456789012:catalog', 'arn:aws:glue:eu-west-1:123456789012:database/default'],
          },
        ],
      },
    });
  });

  test('egress is HTTPS only until a connection is added', () => {
    const { stack } = sparkWith();
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^EMR Serverless Spark workers'),
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
      SecurityGroupIngress: Match.absent(),
    });
  });
});

describe('SparkApplication grants', () => {
  test('grants to the application land in the job role managed policy, not an inline policy', () => {
    // GIVEN
    const { stack, spark, dataKey, logBucket, vpc, streamingKey, logsKey } = sparkWith();
    const lake = new DataLake(stack, 'Lake', { encryptionKey: dataKey, accessLogsBucket: logBucket });
    const streams = new StreamingCluster(stack, 'Streaming', { clusterName: 'test-events', vpc, encryptionKey: streamingKey, logsKey });
    // WHEN
    lake.grantRead(spark, 'raw');
    streams.grantConsume(spark, 'events.*', 'spark-*');
    // THEN
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Description: 'Grants of the EMR Serverless Spark jobs',
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['s3:GetObject', 's3:GetObjectVersion'] }),
          Match.objectLike({ Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'] }),
        ]),
      },
    });
  });

  test('grantStartJobRun: start and watch jobs of this application, pass the job role to EMR Serverless only', () => {
    // GIVEN
    const { stack, spark, role } = sparkWith();
    // WHEN
    spark.grantStartJobRun(role);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['emr-serverless:GetApplication', 'emr-serverless:StartJobRun'], Resource: APP_ARN },
          {
            Effect: 'Allow',
            Action: ['emr-serverless:CancelJobRun', 'emr-serverless:GetDashboardForJobRun', 'emr-serverless:GetJobRun'],
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:aws:emr-serverless:eu-west-1:123456789012:/applications/',
                  { 'Fn::GetAtt': [Match.stringLikeRegexp('^Spark'), 'ApplicationId'] },
                  '/jobruns/*',
                ],
              ],
            },
          },
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SparkJobRole'), 'Arn'] },
            Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
          },
        ],
      },
    });
  });
});

describe('SparkApplication rejects bad props', () => {
  const cases: Array<[string, Partial<SparkApplicationProps>, RegExp]> = [
    ['release label not emr-x.y.z', { releaseLabel: 'spark-3.5' }, /releaseLabel must look like emr-7\.5\.0, got 'spark-3\.5'/],
    ['release label without patch', { releaseLabel: 'emr-7.9' }, /got 'emr-7\.9'/],
    [
      'worker vCPUs EMR does not offer',
      { workerSize: { cpu: 3, memoryGiB: 12 } },
      /workerSize\.cpu must be one of 1, 2, 4, 8, 16 vCPUs, got 3/,
    ],
    [
      'worker memory out of range',
      { workerSize: { cpu: 4, memoryGiB: 64 } },
      /workerSize\.memoryGiB must be a whole number from 8 to 30 for 4 vCPUs, got 64/,
    ],
    [
      'worker disk too small',
      { workerSize: { cpu: 4, memoryGiB: 16, diskGiB: 10 } },
      /workerSize\.diskGiB must be a whole number from 20 to 200, got 10/,
    ],
    ['executors without a driver', { initialExecutors: 2 }, /initialExecutors \(2\) need at least one initial driver/],
    [
      'maximum below the initial capacity',
      { initialDrivers: 1, initialExecutors: 20 },
      /maximumCapacity\.cpu must be a whole number of at least 84 \(21 worker\(s\) x 4\), got 64/,
    ],
    ['idle timeout of zero', { idleTimeout: Duration.seconds(0) }, /idleTimeout must be 1 to 10080 whole minutes, got 0/],
  ];
  test.each(cases)('%s', (_title, props, message) => {
    expect(() => sparkWith(props)).toThrow(message);
  });
});
