import { Match } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS } from '../../lib/config';
import { platformStage, template } from '../util';

describe('Security stack', () => {
  const dev = template('dev', 'Security');
  const prod = template('prod', 'Security');

  test('one customer-managed key per data domain, rotated, with an alias per environment', () => {
    // THEN
    prod.resourceCountIs('AWS::KMS::Key', 5);
    const keys = Object.values(prod.findResources('AWS::KMS::Key')) as any[];
    for (const key of keys) expect(key.Properties.EnableKeyRotation).toBe(true);
    for (const domain of ['logs', 'data', 'streaming', 'compute', 'serving']) {
      prod.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/mlp/prod/${domain}` });
    }
  });

  test('keys are retained in prod and staging, removed with dev', () => {
    // THEN
    prod.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template('staging', 'Security').hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    dev.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('the logs key admits CloudWatch Logs only for log groups of this account and region', () => {
    // THEN
    prod.hasResourceProperties('AWS::KMS::Key', {
      Description: 'CloudWatch Logs of the ML platform',
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchLogsOfThisAccount',
            Principal: { Service: `logs.${ENVIRONMENTS.prod.region}.amazonaws.com` },
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${ENVIRONMENTS.prod.region}:${ENVIRONMENTS.prod.account}:log-group:*`,
              },
            },
          }),
        ]),
      },
    });
  });

  test('service principals only where needed: CloudWatch Logs on the logs key, CloudWatch alarms (this account) on the serving key', () => {
    // GIVEN
    const keys = Object.values(prod.findResources('AWS::KMS::Key')) as any[];
    const services = Object.fromEntries(
      keys.map((k) => [
        k.Properties.Description,
        (k.Properties.KeyPolicy.Statement as any[]).filter((s) => s.Principal?.Service).map((s) => s.Principal.Service),
      ]),
    );
    // THEN
    expect(services).toEqual({
      'CloudWatch Logs of the ML platform': [`logs.${ENVIRONMENTS.prod.region}.amazonaws.com`],
      'Data lake, Glue catalog and feature stores of the ML platform': [],
      'MSK event streams of the ML platform': [],
      'EKS secrets and node volumes of the ML platform': [],
      'SageMaker models, endpoints and MLflow of the ML platform': ['cloudwatch.amazonaws.com'],
    });
  });

  test('the audit bucket is encrypted, versioned, TLS-only, private and owner-enforced', () => {
    // THEN
    prod.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    prod.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  test('audit objects are archived then expired as configured', () => {
    // GIVEN
    const { transitionToGlacierDays, expirationDays } = ENVIRONMENTS.prod.audit;
    // THEN
    prod.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            ExpirationInDays: expirationDays,
            Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: transitionToGlacierDays }],
          }),
        ],
      },
    });
  });

  test('the audit bucket is retained in prod and removed with dev', () => {
    // THEN
    prod.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    dev.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
  });
});

describe('termination protection', () => {
  test('prod stateful stacks are protected, dev is not', () => {
    // THEN
    expect(platformStage('prod').security.terminationProtection).toBe(true);
    expect(platformStage('dev').security.terminationProtection).toBe(false);
  });
});
