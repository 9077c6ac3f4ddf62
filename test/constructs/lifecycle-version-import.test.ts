import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { VersionImport, type VersionImportProps } from '../../constructs';
import { lifecycleStack } from './lifecycle-fixtures';

const ROLE = 'arn:aws:iam::222222222222:role/staging-credit-risk-version-import';

describe('VersionImport.grantImportRead (the previous account side)', () => {
  test('the bucket admits the named import role on the model prefix, the key lets it decrypt through S3 only', () => {
    // GIVEN the models bucket and its key WHEN the next account's import role is granted
    const f = lifecycleStack();
    VersionImport.grantImportRead(f.models, 'credit-risk/', f.key, ROLE);
    const t = Template.fromStack(f.stack);
    // THEN both policies carry a statement for that account, conditioned on exactly that role
    const principal = { AWS: 'arn:aws:iam::222222222222:root' };
    const condition = { ArnEquals: { 'aws:PrincipalArn': ROLE } };
    const bucket = Object.values(t.findResources('AWS::S3::BucketPolicy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const s = bucket.find((x: any) => x.Principal?.AWS === principal.AWS);
    expect(s).toMatchObject({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Condition: condition,
      Sid: 'PromotedVersionsTo222222222222CreditRisk',
    });
    expect(JSON.stringify(s.Resource)).toMatch(/Models.*"\/credit-risk\/\*"/);
    const key = Object.values(t.findResources('AWS::KMS::Key')).flatMap((k: any) => k.Properties.KeyPolicy.Statement);
    expect(key.find((x: any) => x.Principal?.AWS === principal.AWS)).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: { ...condition, StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    });
  });

  test.each([
    [
      'not a role ARN',
      (f: ReturnType<typeof lifecycleStack>) => VersionImport.grantImportRead(f.models, 'credit-risk/', f.key, '222222222222'),
      /importRoleArn must be a role ARN, got '222222222222'/,
    ],
    [
      'a prefix without a slash',
      (f: ReturnType<typeof lifecycleStack>) => VersionImport.grantImportRead(f.models, 'credit-risk', f.key, ROLE),
      /prefix must be a key prefix ending in '\/', got 'credit-risk'/,
    ],
    [
      'an imported bucket (no policy to extend)',
      (f: ReturnType<typeof lifecycleStack>) =>
        VersionImport.grantImportRead(
          s3.Bucket.fromBucketName(f.stack, 'Other', 'other'),
          'credit-risk/',
          kms.Key.fromKeyArn(f.stack, 'K', 'arn:aws:kms:eu-west-1:123456789012:key/x'),
          ROLE,
        ),
      /needs the bucket and the key of this app/,
    ],
  ])('refuses %s with one clear error', (_n, call, message) => {
    expect(() => call(lifecycleStack())).toThrow(message);
  });
});

describe('VersionImport props', () => {
  const props = (f: ReturnType<typeof lifecycleStack>, change: Partial<VersionImportProps> = {}): VersionImportProps => ({
    sourceAccount: '111111111111',
    sourceModelPackageGroupName: 'dev-credit-risk',
    environment: 'staging',
    modelPackageGroupName: 'staging-credit-risk',
    importAs: 'Approved',
    artifacts: { bucket: f.models, prefix: 'credit-risk/', encryptionKey: f.key },
    roleName: 'staging-credit-risk-version-import',
    encryptionKey: f.key,
    ...change,
  });

  test('the role has the name the previous account admits', () => {
    const f = lifecycleStack();
    new VersionImport(f.stack, 'Import', props(f));
    Template.fromStack(f.stack).hasResourceProperties('AWS::IAM::Role', { RoleName: 'staging-credit-risk-version-import' });
  });

  test('an artifacts prefix that is not a model prefix is one clear error', () => {
    const f = lifecycleStack();
    expect(
      () => new VersionImport(f.stack, 'Import', props(f, { artifacts: { bucket: f.models, prefix: '/', encryptionKey: f.key } })),
    ).toThrow(/artifacts.prefix/);
  });
});
