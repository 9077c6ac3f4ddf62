import { Match } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS } from '../../lib/config';
import { platformStage, template } from '../util';

describe('Security stack', () => {
  const dev = template('dev', 'Security');
  const prod = template('prod', 'Security');

  test('one customer-managed key per data domain and one for on-call notifications, rotated, with an alias per environment', () => {
    // THEN
    prod.resourceCountIs('AWS::KMS::Key', 6);
    const keys = Object.values(prod.findResources('AWS::KMS::Key')) as any[];
    for (const key of keys) expect(key.Properties.EnableKeyRotation).toBe(true);
    for (const domain of ['logs', 'data', 'streaming', 'compute', 'serving', 'oncall']) {
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

  test('service principals only where needed: CloudWatch Logs on the logs key, the notifying services on the on-call key', () => {
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
      // MWAA (Airflow stack, staging and prod) encrypts its CloudWatch log groups with the data key.
      'Data lake, Glue catalog and feature stores of the ML platform': [
        `logs.${ENVIRONMENTS.prod.region}.amazonaws.com`,
        'delivery.logs.amazonaws.com',
      ],
      'MSK event streams of the ML platform': [],
      'EKS secrets and node volumes of the ML platform': [],
      'SageMaker models, endpoints and MLflow of the ML platform': [],
      'On-call notifications (page and ticket topics) of the ML platform': [
        'cloudwatch.amazonaws.com',
        'aps.amazonaws.com',
        'budgets.amazonaws.com',
        'costalerts.amazonaws.com',
      ],
    });
  });

  test.each(['dev', 'staging', 'prod'] as const)(
    '%s: a page and a ticket topic, KMS-encrypted with the on-call key, delivering to the subscriptions of config only',
    (env) => {
      // GIVEN
      const t = template(env, 'Security');
      const topics = t.findResources('AWS::SNS::Topic');
      const severityOf = (logicalId: string) =>
        (topics[logicalId].Properties.Tags as any[]).find((tag) => tag.Key === 'mlp:severity')?.Value as string;
      // WHEN
      const subscriptions = Object.values(t.findResources('AWS::SNS::Subscription')).map((r: any) => ({
        severity: severityOf(r.Properties.TopicArn.Ref),
        Protocol: r.Properties.Protocol,
        Endpoint: r.Properties.Endpoint,
      }));
      // THEN
      expect(Object.keys(topics)).toHaveLength(2);
      for (const topic of Object.values(topics) as any[]) {
        expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^OnCallKey/), 'Arn'] });
      }
      const expected = (['page', 'ticket'] as const).flatMap((severity) => [
        ...(ENVIRONMENTS[env].oncall[severity].emails ?? []).map((e) => ({ severity, Protocol: 'email', Endpoint: e })),
        ...(ENVIRONMENTS[env].oncall[severity].httpsEndpoints ?? []).map((u) => ({ severity, Protocol: 'https', Endpoint: u })),
      ]);
      expect(subscriptions).toEqual(expected);
      expect(subscriptions.filter((s) => s.severity === 'page').length).toBeGreaterThan(0);
    },
  );

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
