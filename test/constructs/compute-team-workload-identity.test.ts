import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { TeamWorkloadIdentity, type TeamWorkloadIdentityProps } from '../../constructs';
import { newCluster } from './compute-fixture';

const CURATED = 'arn:aws:s3:::dev-curated-123456789012';
const FEATURES = 'arn:aws:s3:::dev-features-123456789012';

function identity(change: Partial<TeamWorkloadIdentityProps> = {}): Template {
  const { stack, cluster } = newCluster();
  const lakeKey = new kms.Key(stack, 'LakeKey');
  new TeamWorkloadIdentity(stack, 'Risk', {
    cluster: cluster.cluster,
    namespace: 'risk',
    serviceAccountName: 'risk-workloads',
    lakeKey,
    lake: [
      { bucketArn: CURATED, readPrefixes: ['credit/'] },
      { bucketArn: FEATURES, readPrefixes: ['shared/'], writePrefixes: ['teams/risk/'] },
    ],
    ...change,
  });
  return Template.fromStack(stack);
}

describe('TeamWorkloadIdentity', () => {
  const template = identity();

  test('binds the role to the team service account through EKS Pod Identity', () => {
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'risk',
      ServiceAccount: 'risk-workloads',
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RiskRole'), 'Arn'] },
    });
  });

  test('lists only the team prefixes, reads them, writes only the write prefixes', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'ListTeamPrefixes1',
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: CURATED,
            Condition: { StringLike: { 's3:prefix': ['credit/*'] } },
          },
          {
            Sid: 'ListTeamPrefixes2',
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: FEATURES,
            Condition: { StringLike: { 's3:prefix': ['shared/*', 'teams/risk/*'] } },
          },
          {
            Sid: 'ReadTeamPrefixes',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Resource: [`${CURATED}/credit/*`, `${FEATURES}/shared/*`, `${FEATURES}/teams/risk/*`],
          },
          {
            Sid: 'WriteTeamPrefixes',
            Effect: 'Allow',
            Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject'],
            Resource: `${FEATURES}/teams/risk/*`,
          },
        ]),
      },
    });
  });

  test('uses the lake key only through S3, without wildcard actions', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'UseLakeKeyThroughS3',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LakeKey'), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
          },
        ]),
      },
    });
  });

  test('a read-only team gets no write statement and no data-key generation', () => {
    const readOnly = identity({ lake: [{ bucketArn: CURATED, readPrefixes: ['credit/'] }] });
    const policy = Object.values(
      readOnly.findResources('AWS::IAM::ManagedPolicy', {
        Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'ReadTeamPrefixes' })]) } },
      }),
    )[0] as any;
    const sids = policy.Properties.PolicyDocument.Statement.map((s: any) => s.Sid);
    expect(sids).not.toContain('WriteTeamPrefixes');
    expect(policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'UseLakeKeyThroughS3').Action).toEqual([
      'kms:Decrypt',
      'kms:DescribeKey',
    ]);
  });

  test('no bucket, no S3 access', () => {
    const none = identity({ lake: [] });
    none.resourcePropertiesCountIs(
      'AWS::IAM::ManagedPolicy',
      { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'ReadTeamPrefixes' })]) } },
      0,
    );
  });

  test.each<[string, Partial<TeamWorkloadIdentityProps>, RegExp]>([
    ['a wildcard prefix', { lake: [{ bucketArn: CURATED, readPrefixes: ['credit/*'] }] }, /lake prefix 'credit\/\*' is not allowed/],
    [
      'a prefix without a trailing slash',
      { lake: [{ bucketArn: FEATURES, writePrefixes: ['teams/risk'] }] },
      /lake prefix 'teams\/risk' is not allowed/,
    ],
    ['a leading slash', { lake: [{ bucketArn: CURATED, readPrefixes: ['/credit/'] }] }, /lake prefix '\/credit\/' is not allowed/],
    ['an invalid namespace', { namespace: 'Risk' }, /namespace must be a DNS-1123 label .* got 'Risk'/],
  ])('rejects %s', (_name, change, message) => {
    expect(() => identity(change)).toThrow(message);
  });
});
