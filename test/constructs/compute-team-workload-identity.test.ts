import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { TeamWorkloadIdentity, type TeamWorkloadIdentityProps } from '../../constructs';
import { newCluster } from './compute-fixture';

const BUCKET = 'arn:aws:s3:::dev-ml-lake-123456789012';

function identity(change: Partial<TeamWorkloadIdentityProps> = {}): Template {
  const { stack, cluster } = newCluster();
  const lakeKey = new kms.Key(stack, 'LakeKey');
  new TeamWorkloadIdentity(stack, 'Risk', {
    cluster: cluster.cluster,
    namespace: 'risk',
    serviceAccountName: 'risk-workloads',
    lakeBucketArns: [BUCKET],
    lakeKey,
    readPrefixes: ['curated/credit/'],
    writePrefixes: ['teams/risk/'],
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
            Sid: 'ListTeamPrefixes',
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: BUCKET,
            Condition: { StringLike: { 's3:prefix': ['curated/credit/*', 'teams/risk/*'] } },
          },
          {
            Sid: 'ReadTeamPrefixes',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Resource: [`${BUCKET}/curated/credit/*`, `${BUCKET}/teams/risk/*`],
          },
          {
            Sid: 'WriteTeamPrefixes',
            Effect: 'Allow',
            Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject'],
            Resource: `${BUCKET}/teams/risk/*`,
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
    const readOnly = identity({ writePrefixes: [] });
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
    const none = identity({ lakeBucketArns: [] });
    none.resourcePropertiesCountIs(
      'AWS::IAM::ManagedPolicy',
      { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'ReadTeamPrefixes' })]) } },
      0,
    );
  });

  test.each<[string, Partial<TeamWorkloadIdentityProps>, RegExp]>([
    ['a wildcard prefix', { readPrefixes: ['curated/*'] }, /lake prefix 'curated\/\*' is not allowed/],
    ['a prefix without a trailing slash', { writePrefixes: ['teams/risk'] }, /lake prefix 'teams\/risk' is not allowed/],
    ['a leading slash', { readPrefixes: ['/curated/'] }, /lake prefix '\/curated\/' is not allowed/],
    ['an invalid namespace', { namespace: 'Risk' }, /namespace must be a DNS-1123 label .* got 'Risk'/],
  ])('rejects %s', (_name, change, message) => {
    expect(() => identity(change)).toThrow(message);
  });
});
