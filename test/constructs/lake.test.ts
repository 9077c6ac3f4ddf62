import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DataLake, type DataLakeProps, LAKE_ZONES } from '../../constructs';
import { dataFixture } from './data-fixtures';

function lakeWith(props: Partial<DataLakeProps> = {}) {
  const f = dataFixture();
  const lake = new DataLake(f.stack, 'Lake', { encryptionKey: f.dataKey, accessLogsBucket: f.logBucket, ...props });
  return { ...f, lake };
}

const BUCKET_ARN = (zone: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^Lake${zone}Bucket`), 'Arn'] });
const OBJECTS_ARN = (zone: string) => ({ 'Fn::Join': ['', [BUCKET_ARN(zone), '/*']] });
const DATA_KEY_ARN = { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] };
const GLUE_ARNS = (zone: string) => [
  'arn:aws:glue:eu-west-1:123456789012:catalog',
  { 'Fn::Join': ['', ['arn:aws:glue:eu-west-1:123456789012:database/', { Ref: Match.stringLikeRegexp(`^Lake${zone}Database`) }]] },
  { 'Fn::Join': ['', ['arn:aws:glue:eu-west-1:123456789012:table/', { Ref: Match.stringLikeRegexp(`^Lake${zone}Database`) }, '/*']] },
];

describe('DataLake buckets', () => {
  test('one bucket per zone: SSE-KMS with the data key, versioned, public access blocked, owner-enforced, access-logged, retained', () => {
    // GIVEN / WHEN
    const { stack } = lakeWith();
    // THEN
    const t = Template.fromStack(stack);
    const buckets = t.findResources('AWS::S3::Bucket', { Properties: { BucketEncryption: Match.anyValue() } });
    const lakeBuckets = Object.keys(buckets).filter((id) => id.startsWith('Lake'));
    expect(lakeBuckets).toHaveLength(4);
    for (const zone of LAKE_ZONES) {
      t.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: DATA_KEY_ARN } },
            ],
          },
          VersioningConfiguration: { Status: 'Enabled' },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogs') }, LogFilePrefix: `lake/${zone}/` },
        },
      });
    }
  });

  test('every zone bucket denies requests without TLS 1.2', () => {
    // GIVEN / WHEN
    const { stack } = lakeWith();
    // THEN
    const t = Template.fromStack(stack);
    for (const zone of ['Raw', 'Curated', 'Features', 'Models']) {
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: Match.stringLikeRegexp(`^Lake${zone}Bucket`) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        },
      });
    }
  });

  test('lifecycle rules come from props; noncurrent versions expire after 90 days by default', () => {
    // GIVEN / WHEN
    const { stack } = lakeWith({
      lifecycle: {
        raw: {
          infrequentAccessAfter: Duration.days(30),
          archiveAfter: Duration.days(90),
          expireAfter: Duration.days(365),
          noncurrentVersionExpiration: Duration.days(30),
        },
      },
    });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { LogFilePrefix: 'lake/raw/' },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'raw-lifecycle',
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
            ],
            ExpirationInDays: 365,
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      },
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { LogFilePrefix: 'lake/models/' },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'models-lifecycle',
            Status: 'Enabled',
            Transitions: Match.absent(),
            ExpirationInDays: Match.absent(),
            NoncurrentVersionExpiration: { NoncurrentDays: 90 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      },
    });
  });

  test('RemovalPolicy.DESTROY makes buckets and databases deletable (dev)', () => {
    // GIVEN / WHEN
    const { stack } = lakeWith({ removalPolicy: RemovalPolicy.DESTROY });
    // THEN
    const t = Template.fromStack(stack);
    for (const type of ['AWS::S3::Bucket', 'AWS::Glue::Database']) {
      const lakeResources = Object.entries(t.findResources(type)).filter(([id]) => id.startsWith('Lake'));
      expect(lakeResources).toHaveLength(4);
      for (const [, r] of lakeResources) expect(r.DeletionPolicy).toBe('Delete');
    }
  });
});

describe('DataLake Glue catalog', () => {
  test('one Glue database per zone, named <prefix>_<zone>, located at its bucket, retained', () => {
    // GIVEN / WHEN
    const { stack } = lakeWith({ databaseNamePrefix: 'mlp_test' });
    // THEN
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Glue::Database', 4);
    for (const zone of LAKE_ZONES) {
      const id = zone[0].toUpperCase() + zone.slice(1);
      t.hasResource('AWS::Glue::Database', {
        DeletionPolicy: 'Retain',
        Properties: {
          CatalogId: '123456789012',
          DatabaseInput: {
            Name: `mlp_test_${zone}`,
            LocationUri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp(`^Lake${id}Bucket`) }]] },
          },
        },
      });
    }
  });

  test('the Data Catalog is encrypted with the data key only when asked (account-wide setting)', () => {
    // GIVEN / WHEN
    const plain = Template.fromStack(lakeWith().stack);
    const encrypted = Template.fromStack(lakeWith({ encryptCatalog: true }).stack);
    // THEN
    plain.resourceCountIs('AWS::Glue::DataCatalogEncryptionSettings', 0);
    encrypted.hasResourceProperties('AWS::Glue::DataCatalogEncryptionSettings', {
      CatalogId: '123456789012',
      DataCatalogEncryptionSettings: { EncryptionAtRest: { CatalogEncryptionMode: 'SSE-KMS', SseAwsKmsKeyId: DATA_KEY_ARN } },
    });
  });
});

describe('DataLake grants', () => {
  test('grantRead: list and get one zone, read its Glue tables, kms:Decrypt through S3 only', () => {
    // GIVEN
    const { stack, lake, role } = lakeWith();
    // WHEN
    const grant = lake.grantRead(role, 'raw');
    // THEN
    expect(grant.success).toBe(true);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket'], Resource: BUCKET_ARN('Raw') },
          { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: OBJECTS_ARN('Raw') },
          {
            Effect: 'Allow',
            Action: [
              'glue:BatchGetPartition',
              'glue:GetDatabase',
              'glue:GetPartition',
              'glue:GetPartitions',
              'glue:GetTable',
              'glue:GetTables',
            ],
            Resource: GLUE_ARNS('Raw'),
          },
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: DATA_KEY_ARN,
            Condition: { StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com'] } },
          },
        ],
      },
    });
  });

  test('grantWrite: put/delete objects and multipart uploads of one zone, write Glue tables, GenerateDataKey+Decrypt through S3, no object reads', () => {
    // GIVEN
    const { stack, lake, role } = lakeWith();
    // WHEN
    lake.grantWrite(role, 'features');
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
            Resource: BUCKET_ARN('Features'),
          },
          {
            Effect: 'Allow',
            Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
            Resource: OBJECTS_ARN('Features'),
          },
          {
            Effect: 'Allow',
            Action: [
              'glue:BatchCreatePartition',
              'glue:BatchDeletePartition',
              'glue:BatchGetPartition',
              'glue:BatchUpdatePartition',
              'glue:CreatePartition',
              'glue:CreateTable',
              'glue:DeletePartition',
              'glue:GetDatabase',
              'glue:GetPartition',
              'glue:GetPartitions',
              'glue:GetTable',
              'glue:GetTables',
              'glue:UpdatePartition',
              'glue:UpdateTable',
            ],
            Resource: GLUE_ARNS('Features'),
          },
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: DATA_KEY_ARN,
            Condition: { StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com'] } },
          },
        ],
      },
    });
  });

  test('with an encrypted catalog, the KMS grant also works through Glue, and writers may Encrypt', () => {
    // GIVEN
    const { stack, lake, role } = lakeWith({ encryptCatalog: true });
    // WHEN
    lake.grantWrite(role, 'curated');
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
            Resource: DATA_KEY_ARN,
            Condition: { StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 'glue.eu-west-1.amazonaws.com'] } },
          },
        ]),
      },
    });
  });

  test('a grant on one zone touches no other zone bucket', () => {
    // GIVEN
    const { stack, lake, role } = lakeWith();
    // WHEN
    lake.grantReadWrite(role, 'curated');
    // THEN
    const policies = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policies).toContain('LakeCuratedBucket');
    for (const other of ['LakeRawBucket', 'LakeFeaturesBucket', 'LakeModelsBucket']) expect(policies).not.toContain(other);
  });
});

describe('DataLake rejects bad props', () => {
  const cases: Array<[string, Partial<DataLakeProps>, RegExp]> = [
    [
      'IA before 30 days',
      { lifecycle: { raw: { infrequentAccessAfter: Duration.days(10) } } },
      /DataLake lifecycle\.raw\.infrequentAccessAfter must be a whole number of days of at least 30, got 10/,
    ],
    [
      'archive too soon after IA',
      { lifecycle: { curated: { infrequentAccessAfter: Duration.days(60), archiveAfter: Duration.days(70) } } },
      /DataLake lifecycle\.curated\.archiveAfter must be at least 30 days after infrequentAccessAfter \(60\), got 70/,
    ],
    [
      'expiry before the last transition',
      { lifecycle: { raw: { infrequentAccessAfter: Duration.days(30), archiveAfter: Duration.days(90), expireAfter: Duration.days(60) } } },
      /DataLake lifecycle\.raw\.expireAfter must be later than the last transition \(day 90\), got 60/,
    ],
    ['unknown zone', { lifecycle: { bronze: {} } as any }, /DataLake lifecycle has an unknown zone 'bronze'/],
    [
      'upper-case database prefix',
      { databaseNamePrefix: 'MLP-dev' },
      /DataLake databaseNamePrefix must start with a lower-case letter.*got 'MLP-dev'/,
    ],
    [
      'access log prefix without slash',
      { accessLogsPrefix: 'lake' },
      /DataLake accessLogsPrefix must be empty or end with '\/'.*got 'lake'/,
    ],
  ];
  test.each(cases)('%s', (_title, props, message) => {
    expect(() => lakeWith(props)).toThrow(message);
  });

  test('a lake rejected for its last zone leaves nothing half-created', () => {
    const f = dataFixture();
    expect(
      () =>
        new DataLake(f.stack, 'Lake', {
          encryptionKey: f.dataKey,
          accessLogsBucket: f.logBucket,
          lifecycle: { models: { infrequentAccessAfter: Duration.days(1) } },
        }),
    ).toThrow(/lifecycle\.models\.infrequentAccessAfter/);
    expect(f.stack.node.findChild('Lake').node.children).toHaveLength(0);
  });
});
