import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildPlatformApp } from '../../lib/app';
import { namespaceAccessOf } from '../../lib/compute/access';
import type { TeamConfig } from '../../lib/compute/config';
import { validate } from '../../lib/config';
import { configuredRoleArns } from '../../mlp/commands/preflight';
import { configWith, environmentsWith, testApp } from '../util';

const DEVELOPERS = 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_MlPayments_0123456789abcdef';
const LEADS = 'arn:aws:iam::111111111111:role/MlPlatformLead-payments';

/** A team as a platform engineer adds it: nothing but its entry in `cluster.teams`. */
const payments: TeamConfig = {
  name: 'payments',
  quota: { cpu: 16, memoryGiB: 64, gpus: 0 },
  queue: { gpus: {}, borrowGpus: {} },
  lake: { readPrefixes: ['curated/transactions/'], writePrefixes: ['features/teams/payments/', 'models/teams/payments/'] },
  members: [
    { name: 'developers', roleArn: DEVELOPERS, access: 'edit' },
    { name: 'leads', roleArn: LEADS, access: 'admin' },
  ],
  services: {
    models: ['fraud'],
    sparkJobs: true,
    topics: { produce: ['card-transactions'], consume: ['card-transactions'] },
    repositories: ['training', 'serving/scorer'],
  },
};

// GIVEN dev with one more team in config
const dev = configWith('dev', (c) => c.cluster.teams.push(structuredClone(payments)));
const stage = buildPlatformApp(testApp(), { environments: environmentsWith(dev), only: ['dev'], compliance: false }).dev!;
const compute = Template.fromStack(stage.compute);
const team = Template.fromStack(stage.teams.payments);

/** The team's platform policy document statements. */
const statements = (): any[] =>
  Object.values(team.findResources('AWS::IAM::ManagedPolicy')).find((p: any) => /model package groups/.test(p.Properties.Description))!
    .Properties.PolicyDocument.Statement;
const statementWith = (action: string) => statements().find((s) => [s.Action].flat().includes(action));

describe('a team added in config', () => {
  test("gets its member groups' access entries, scoped to its namespace", () => {
    const entry = (role: string) =>
      Object.values(compute.findResources('AWS::EKS::AccessEntry')).find((e: any) => e.Properties.PrincipalArn === role)!.Properties;
    for (const [role, policy] of [
      [DEVELOPERS, 'AmazonEKSEditPolicy'],
      [LEADS, 'AmazonEKSAdminPolicy'],
    ]) {
      const [access] = entry(role).AccessPolicies;
      expect(access.AccessScope).toEqual({ Type: 'namespace', Namespaces: ['payments'] });
      expect(JSON.stringify(access.PolicyArn)).toContain(`:cluster-access-policy/${policy}"`);
      expect(entry(role).AccessPolicies).toHaveLength(1);
    }
  });

  test('the teams that were there keep their access entries (same roles, same logical IDs)', () => {
    const before = Template.fromStack(buildPlatformApp(testApp(), { only: ['dev'], compliance: false }).dev!.compute);
    const entries = (t: Template) => t.findResources('AWS::EKS::AccessEntry');
    for (const [id, entry] of Object.entries(entries(before))) expect(entries(compute)[id]).toEqual(entry);
    expect(Object.keys(entries(compute))).toHaveLength(Object.keys(entries(before)).length + 2);
  });

  test('gets its ECR repositories: scan on push, immutable tags, the serving key', () => {
    for (const name of ['dev/teams/payments/training', 'dev/teams/payments/serving/scorer']) {
      team.hasResourceProperties('AWS::ECR::Repository', {
        RepositoryName: name,
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: Match.anyValue() },
      });
    }
  });

  test('its workload role may register versions in its model package groups, and nothing else of the registry', () => {
    const s = statementWith('sagemaker:CreateModelPackage');
    expect(s.Resource).toEqual([
      'arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/dev-fraud',
      'arn:aws:sagemaker:eu-west-1:111111111111:model-package/dev-fraud/*',
    ]);
    expect(statements().some((x) => [x.Action].flat().includes('sagemaker:UpdateModelPackage'))).toBe(false);
  });

  test('submits job runs to the Spark application as its job role', () => {
    expect(statementWith('emr-serverless:StartJobRun')).toBeDefined();
    expect(statementWith('iam:PassRole').Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } });
  });

  test('produces and consumes its declared topics, with consumer groups under its own prefix', () => {
    const text = JSON.stringify(statements());
    expect(statementWith('kafka-cluster:WriteData')).toBeDefined();
    expect(statementWith('kafka-cluster:ReadData')).toBeDefined();
    expect(text).toContain('/card-transactions');
    expect(text).toContain('/payments-*');
    // The team's stack waits for the brokers only because it declared topics.
    expect(stage.teams.payments.dependencies.map((s) => s.stackName)).toContain('MlPlatform-dev-Streaming');
    expect(stage.teams.fraud.dependencies.map((s) => s.stackName)).not.toContain('MlPlatform-dev-Streaming');
  });

  test('pushes and pulls its own repositories only', () => {
    const push = statementWith('ecr:PutImage');
    expect(JSON.stringify(push.Resource)).toMatch(/Repositories/);
    expect(statementWith('ecr:GetAuthorizationToken').Resource).toBe('*');
  });

  test('mlp preflight checks its member roles exist', () => {
    expect(configuredRoleArns(dev).map((r) => r.arn)).toEqual(expect.arrayContaining([DEVELOPERS, LEADS]));
    expect(configuredRoleArns(dev).find((r) => r.arn === LEADS)!.field).toBe('cluster.teams[2].members[1].roleArn');
  });

  test('namespace access lists team members first, then cluster.access', () => {
    const access = namespaceAccessOf(dev);
    expect(access.at(-1)).toEqual(dev.cluster.access.namespaces.at(-1));
    expect(access).toContainEqual({ roleArn: LEADS, access: 'admin', namespaces: ['payments'] });
  });

  test('needs no new compliance acknowledgement', () => {
    const app = testApp();
    buildPlatformApp(app, { environments: environmentsWith(dev), only: ['dev'], compliance: true });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('team self-service rules', () => {
  const problems = (change: (t: any) => void) =>
    validate(
      environmentsWith(
        configWith('dev', (c) => {
          const t = structuredClone(payments) as any;
          change(t);
          c.cluster.teams.push(t);
        }),
      ),
    );

  test.each([
    [
      (t: any) => (t.services.models = ['churn']),
      "dev.cluster.teams[2].services.models[0]: 'churn' is not a registered model; expected one of credit-risk, fraud",
    ],
    [
      (t: any) => (t.services.topics.consume = ['loans']),
      "dev.cluster.teams[2].services.topics.consume[0]: 'loans' is not a declared topic (features.topics); expected one of card-transactions",
    ],
    [
      (t: any) => (t.services.repositories = ['Training']),
      "dev.cluster.teams[2].services.repositories[0]: 'Training' is not allowed; expected lower-case path segments like 'training' or 'serving/scorer'",
    ],
    [
      (t: any) => (t.members[0].roleArn = 'arn:aws:iam::999999999999:role/x'),
      "dev.cluster.teams[2].members[0].roleArn: 'arn:aws:iam::999999999999:role/x' is in account 999999999999; EKS access entries name roles of the cluster's account (111111111111)",
    ],
    [
      (t: any) => (t.members[1].access = 'owner'),
      "dev.cluster.teams[2].members[1].access: 'owner' is not allowed; expected one of 'admin', 'edit', 'view'",
    ],
    [
      (t: any) => (t.members[1].name = 'developers'),
      "dev.cluster.teams[2].members[1].name: 'developers' is used by another member group of team payments",
    ],
  ])('%#: one line naming the field, value and what is allowed', (change, line) => {
    expect(problems(change)).toEqual([line]);
  });

  test('the committed teams and the added one are valid', () => {
    expect(validate(environmentsWith(dev))).toEqual([]);
  });
});
