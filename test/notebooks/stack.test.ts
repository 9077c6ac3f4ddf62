import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { NotebookDomain } from '../../constructs/notebooks';
import { buildPlatformApp } from '../../lib/app';
import { ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith, platformStage, testApp, testStack } from '../util';

describe('Notebooks stack', () => {
  test('dev and staging have a Studio domain; prod has none unless config turns it on', () => {
    expect(platformStage('dev').notebooks).toBeDefined();
    expect(platformStage('staging').notebooks).toBeDefined();
    expect(platformStage('prod').notebooks).toBeUndefined();
    const prod = configWith('prod', (c) => (c.notebooks = { enabled: true, idleTimeoutMinutes: 60 }));
    const stage = buildPlatformApp(testApp(), { environments: environmentsWith(prod), only: ['prod'], compliance: false }).prod!;
    expect(stage.notebooks?.stackName).toBe('MlPlatform-prod-Notebooks');
    expect(stage.notebooks?.terminationProtection).toBe(true);
  });

  test.each(['dev', 'staging'] as const)(
    '%s: VPC only, IAM auth, the data key, idle apps shut down after the configured minutes',
    (env) => {
      const t = Template.fromStack(platformStage(env).notebooks!);
      const minutes = ENVIRONMENTS[env].notebooks!.idleTimeoutMinutes;
      const idle = {
        LifecycleManagement: 'ENABLED',
        IdleTimeoutInMinutes: minutes,
        MinIdleTimeoutInMinutes: 60,
        MaxIdleTimeoutInMinutes: minutes,
      };
      t.hasResourceProperties('AWS::SageMaker::Domain', {
        AppNetworkAccessType: 'VpcOnly',
        AuthMode: 'IAM',
        KmsKeyId: Match.objectLike({ 'Fn::GetStackOutput': Match.objectLike({ StackName: `MlPlatform-${env}-Security` }) }),
        DefaultUserSettings: Match.objectLike({
          JupyterLabAppSettings: { AppLifecycleManagement: { IdleSettings: idle } },
          CodeEditorAppSettings: { AppLifecycleManagement: { IdleSettings: idle } },
        }),
      });
      // Apps: HTTPS and NFS out; in and out between the domain's apps only (8192-65535, the group itself).
      t.hasResourceProperties('AWS::EC2::SecurityGroup', {
        SecurityGroupEgress: [
          Match.objectLike({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
          Match.objectLike({ IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049 }),
        ],
      });
      const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r: any) => r.Properties);
      expect(ingress).toHaveLength(1);
      expect(ingress[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 8192, ToPort: 65535 });
      expect(ingress[0].SourceSecurityGroupId).toEqual(ingress[0].GroupId);
    },
  );

  test("one user profile per team member group, in the team's stack, running as the team's role", () => {
    const stage = platformStage('dev');
    for (const team of ENVIRONMENTS.dev.cluster.teams) {
      const t = Template.fromStack(stage.teams[team.name]);
      const profiles = Object.values(t.findResources('AWS::SageMaker::UserProfile')).map((p: any) => p.Properties);
      expect(profiles.map((p) => p.UserProfileName).sort()).toEqual((team.members ?? []).map((m) => `${team.name}-${m.name}`).sort());
      for (const p of profiles) {
        expect(p.UserSettings.ExecutionRole).toEqual({
          'Fn::GetAtt': [stage.teams[team.name].getLogicalId(stage.teams[team.name].identity.role.node.defaultChild as any), 'Arn'],
        });
        expect(JSON.stringify(p.DomainId)).toContain('MlPlatform-dev-Notebooks');
      }
    }
    // The domain needs only Network and Security: it deploys beside the slow stacks, not after the teams.
    expect(stage.notebooks!.dependencies.map((s) => s.stackName).sort()).toEqual(['MlPlatform-dev-Network', 'MlPlatform-dev-Security']);
    // The team's role trusts SageMaker (confused deputy: this account only) besides EKS Pod Identity.
    const trust = Template.fromStack(stage.teams.fraud).findResources('AWS::IAM::Role', {
      Properties: { Description: Match.stringLikeRegexp('^Workloads of team namespace fraud') },
    });
    const statements = (Object.values(trust)[0] as any).Properties.AssumeRolePolicyDocument.Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'sagemaker.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': ENVIRONMENTS.dev.account } },
      }),
    );
  });

  test("prod's team roles do not trust SageMaker (no notebooks there)", () => {
    const trust = Template.fromStack(platformStage('prod').teams.fraud).findResources('AWS::IAM::Role', {
      Properties: { Description: Match.stringLikeRegexp('^Workloads of team namespace fraud') },
    });
    expect(JSON.stringify(trust)).not.toContain('sagemaker.amazonaws.com');
  });

  test('a bad idle timeout is one line naming the field, the value and what is allowed', () => {
    const dev = configWith('dev', (c) => (c.notebooks.idleTimeoutMinutes = 15));
    expect(validate(environmentsWith(dev))).toEqual([
      'dev.notebooks.idleTimeoutMinutes: 15 is not allowed; expected a whole number from 60 to 525600',
    ]);
  });
});

describe('NotebookDomain', () => {
  const parts = () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const key = new kms.Key(stack, 'Key');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    return { stack, vpc, key, role };
  };

  test("each user's role may manage only its own profile's spaces and apps", () => {
    const { stack, vpc, key, role } = parts();
    new NotebookDomain(stack, 'Notebooks', {
      domainName: 'test-notebooks',
      vpc,
      encryptionKey: key,
      users: [{ name: 'a-devs', executionRole: role }],
    });
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))[0] as any;
    const [manage] = policy.Properties.PolicyDocument.Statement;
    expect(manage.Action).toContain('sagemaker:CreateApp');
    expect(Object.keys(manage.Condition.StringEquals)).toEqual(['sagemaker:OwnerUserProfileArn']);
    expect(policy.Properties.Roles).toHaveLength(1);
  });

  test('rejects an idle timeout under an hour and duplicate or invalid user names', () => {
    const { stack, vpc, key, role } = parts();
    expect(() => new NotebookDomain(stack, 'A', { domainName: 'a', vpc, encryptionKey: key, idleTimeout: Duration.minutes(30) })).toThrow(
      /idleTimeout must be whole minutes from 60 to 525600, got 30 minutes/,
    );
    expect(
      () =>
        new NotebookDomain(stack, 'B', {
          domainName: 'b',
          vpc,
          encryptionKey: key,
          users: [
            { name: 'x', executionRole: role },
            { name: 'x', executionRole: role },
          ],
        }),
    ).toThrow(/unique, got 'x' twice/);
    expect(
      () => new NotebookDomain(stack, 'C', { domainName: 'c', vpc, encryptionKey: key, users: [{ name: 'a_b', executionRole: role }] }),
    ).toThrow(/letters, digits and hyphens/);
  });
});
