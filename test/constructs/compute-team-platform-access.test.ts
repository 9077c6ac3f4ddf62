import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { TeamPlatformAccess } from '../../constructs/compute';
import { NotebookDomain } from '../../constructs/notebooks';
import { SparkApplication } from '../../constructs/spark';
import { StreamingCluster } from '../../constructs/streaming';
import { dataFixture } from './data-fixtures';

/** Findings of the three packs on `construct` and below (the fixture's own parts are not counted). */
function unacknowledgedFindings(stack: Stack, construct: IConstruct): string[] {
  for (const c of stack.node.findAll()) c.node.validate();
  const under = (path?: string) => path !== undefined && (path === construct.node.path || path.startsWith(`${construct.node.path}/`));
  return [new AwsSolutionsChecks(), new PCIDSS321Checks(), new NIST80053R5Checks()].flatMap((pack) =>
    pack
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.filter((r) => under(r.constructPath)).map((r) => `${r.constructPath} ${v.ruleName}`)),
  );
}

function fixture() {
  const { stack, vpc, dataKey } = dataFixture();
  const role = new iam.Role(stack, 'TeamRole', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
  const spark = SparkApplication.fromSparkApplicationAttributes(stack, 'Spark', {
    applicationId: '00abcdefghijklmn',
    jobRoleArn: 'arn:aws:iam::123456789012:role/spark-job',
    securityGroupId: 'sg-0123456789abcdef0',
  });
  const events = StreamingCluster.fromStreamingClusterAttributes(stack, 'Events', {
    clusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/test-events/11111111-2222-3333-4444-555555555555-2',
    clusterName: 'test-events',
    bootstrapBrokersSaslIam: 'b-1.test:9098',
    securityGroupId: 'sg-0fedcba9876543210',
  });
  const repository = new ecr.Repository(stack, 'Images', { repositoryName: 'test/teams/risk/training' });
  return { stack, vpc, dataKey, role, spark, events, repository };
}

describe('TeamPlatformAccess', () => {
  test('one managed policy on the role: its groups, job runs, exact topics, its own groups, its repositories', () => {
    // GIVEN
    const { stack, role, spark, events, repository } = fixture();
    // WHEN
    new TeamPlatformAccess(stack, 'Access', {
      role,
      modelPackageGroups: ['test-risk'],
      spark,
      streams: { cluster: events, produce: ['scores'], consume: ['card-transactions'], consumerGroupPrefix: 'risk' },
      repositories: [repository],
    });
    // THEN
    const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
    const [[policyId, policy]] = Object.entries(policies) as [string, any][];
    const roles = Template.fromStack(stack).findResources('AWS::IAM::Role') as Record<string, any>;
    expect(roles[stack.getLogicalId(role.node.defaultChild as iam.CfnRole)].Properties.ManagedPolicyArns).toEqual([{ Ref: policyId }]);
    const text = JSON.stringify(policy.Properties.PolicyDocument);
    expect(text).toContain('model-package-group/test-risk');
    expect(text).toContain('model-package/test-risk/*');
    expect(text).not.toContain('sagemaker:UpdateModelPackage');
    expect(text).toContain('emr-serverless:StartJobRun');
    expect(text).toContain('topic/test-events/11111111-2222-3333-4444-555555555555-2/scores');
    expect(text).toContain('topic/test-events/11111111-2222-3333-4444-555555555555-2/card-transactions');
    expect(text).toContain('group/test-events/11111111-2222-3333-4444-555555555555-2/risk-*');
    expect(text).toContain('ecr:PutImage');
    // Nothing lands in the role's inline default policy.
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('passes the three compliance packs on its own', () => {
    const { stack, role, spark, events, repository } = fixture();
    const access = new TeamPlatformAccess(stack, 'Access', {
      role,
      modelPackageGroups: ['test-risk'],
      spark,
      streams: { cluster: events, consume: ['card-transactions'], consumerGroupPrefix: 'risk' },
      repositories: [repository],
    });
    expect(unacknowledgedFindings(stack, access)).toEqual([]);
  });

  test('rejects wildcards and bad names', () => {
    const { stack, role, events } = fixture();
    expect(() => new TeamPlatformAccess(stack, 'A', { role, modelPackageGroups: ['bad_name'] })).toThrow(
      /'bad_name' is not a SageMaker name/,
    );
    expect(
      () => new TeamPlatformAccess(stack, 'B', { role, streams: { cluster: events, consume: ['loans-*'], consumerGroupPrefix: 'risk' } }),
    ).toThrow(/'loans-\*' is not a Kafka topic or group name/);
  });
});

describe('NotebookDomain', () => {
  test('passes the three compliance packs on its own', () => {
    const { stack, vpc, dataKey } = fixture();
    const role = new iam.Role(stack, 'StudioRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const domain = new NotebookDomain(stack, 'Notebooks', {
      domainName: 'test-notebooks',
      vpc,
      encryptionKey: dataKey,
      users: [{ name: 'risk-developers', executionRole: role }],
    });
    expect(unacknowledgedFindings(stack, domain)).toEqual([]);
  });
});
