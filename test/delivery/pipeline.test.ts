import { Match, Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS } from '../../lib/config';
import { buildDeliveryApp, DELIVERY, type DeliveryConfig, deliveryProblems } from '../../lib/delivery';
import { testApp } from '../util';

// GIVEN the committed delivery config and environments (compliance packs run on `cdk synth` of bin/pipeline.ts)
const stack = buildDeliveryApp(testApp(), { compliance: false, cliVersion: '2.1148.1' });
const t = Template.fromStack(stack);
const pipeline = () => Object.values(t.findResources('AWS::CodePipeline::Pipeline'))[0].Properties;
const stageNames = () => pipeline().Stages.map((s: { Name: string }) => s.Name);
const actions = (stage: string) => pipeline().Stages.find((s: { Name: string }) => s.Name === stage).Actions;

describe('delivery pipeline', () => {
  test('source, synth, self-mutation, assets, then the waves dev -> staging -> prod', () => {
    expect(stageNames()).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'dev', 'staging', 'prod']);
    expect(stack.account).toBe(DELIVERY.tooling.account);
    expect(stack.stackName).toBe('MlPlatform-Delivery');
  });

  test('source comes through the configured CodeConnections connection and branch', () => {
    const [source] = actions('Source');
    expect(source.ActionTypeId).toMatchObject({ Owner: 'AWS', Provider: 'CodeStarSourceConnection' });
    expect(source.Configuration).toMatchObject({
      ConnectionArn: DELIVERY.source.connectionArn,
      FullRepositoryId: DELIVERY.source.repository,
      BranchName: DELIVERY.source.branch,
    });
  });

  test('every role that may use the connection may use it under both IAM prefixes, on that connection only', () => {
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).map((p: any) => p.Properties.PolicyDocument.Statement);
    const using = (prefix: string) =>
      policies.filter((statements) => statements.some((st: any) => [st.Action].flat().includes(`${prefix}:UseConnection`)));
    expect(using('codestar-connections').length).toBeGreaterThan(0);
    expect(using('codeconnections')).toHaveLength(using('codestar-connections').length);
    for (const statements of using('codeconnections')) {
      const st = statements.find((x: any) => [x.Action].flat().includes('codeconnections:UseConnection'));
      expect(st.Resource).toBe(DELIVERY.source.connectionArn);
    }
  });

  test("synth runs the README's install and test commands, then synthesizes the pipeline app", () => {
    const projects = t.findResources('AWS::CodeBuild::Project');
    const synth = Object.values(projects)
      .map((p) => p.Properties.Source.BuildSpec)
      .filter((spec): spec is string => typeof spec === 'string' && spec.startsWith('{'))
      .map((spec) => JSON.parse(spec))
      .find((spec) => JSON.stringify(spec).includes('.ci/run'));
    expect(synth).toBeDefined();
    const commands: string[] = synth.phases.build.commands;
    expect(commands[0]).toBe('bash .ci/run'); // npm install && npm test, on Node 22
    expect(commands[1]).toContain("cdk synth --app 'npx tsx bin/pipeline.ts' --output cdk.pipeline.out");
    expect(synth.artifacts['base-directory']).toBe('cdk.pipeline.out');
  });

  test('prod waits for a manual approval; dev and staging do not', () => {
    const approval = (stage: string) => actions(stage).filter((a: any) => a.ActionTypeId.Category === 'Approval');
    expect(approval('prod')).toHaveLength(1);
    const firstOrder = Math.min(...actions('prod').map((a: any) => a.RunOrder));
    expect(approval('prod')[0].RunOrder).toBe(firstOrder);
    expect(
      actions('prod')
        .filter((a: any) => a.ActionTypeId.Category === 'Deploy')
        .every((a: any) => a.RunOrder > firstOrder),
    ).toBe(true);
    expect(approval('dev')).toHaveLength(0);
    expect(approval('staging')).toHaveLength(0);
  });

  test("each wave deploys its environment's stacks in its own account through the bootstrap deploy roles", () => {
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const deploys = actions(env).filter((a: any) => a.ActionTypeId.Category === 'Deploy');
      expect(deploys.map((a: any) => a.Configuration.StackName)).toContain(`MlPlatform-${env}-Compute`);
      const account = ENVIRONMENTS[env].account;
      for (const d of deploys) {
        expect(JSON.stringify(d.RoleArn)).toContain(`:iam::${account}:role/cdk-hnb659fds-deploy-role-${account}-`);
        if (d.Configuration.ActionMode !== 'CHANGE_SET_REPLACE') continue;
        expect(JSON.stringify(d.Configuration.RoleArn)).toContain(`:iam::${account}:role/cdk-hnb659fds-cfn-exec-role-${account}-`);
      }
    }
  });

  test('artifacts are encrypted with a rotated KMS key the target deploy roles may decrypt', () => {
    t.resourceCountIs('AWS::KMS::Key', 1);
    const key = Object.values(t.findResources('AWS::KMS::Key'))[0].Properties;
    expect(key.EnableKeyRotation).toBe(true);
    const decrypt = key.KeyPolicy.Statement.find((s: any) => JSON.stringify(s.Action).includes('kms:Decrypt'));
    for (const env of ['dev', 'staging', 'prod'] as const) {
      expect(JSON.stringify(decrypt.Principal)).toContain(`:iam::${ENVIRONMENTS[env].account}:role/cdk-hnb659fds-deploy-role-`);
    }
    t.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      ArtifactStore: Match.objectLike({ EncryptionKey: Match.objectLike({ Type: 'KMS' }) }),
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'pipeline-artifacts/' }),
    });
  });
});

describe('delivery config rules', () => {
  const withChange = (change: Partial<DeliveryConfig>): DeliveryConfig => ({ ...DELIVERY, ...change });

  test('the committed config has no problems', () => {
    expect(deliveryProblems(DELIVERY, ENVIRONMENTS)).toEqual([]);
  });

  test('each bad value is one line naming the field, the value and what is allowed', () => {
    expect(deliveryProblems(withChange({ tooling: { account: ENVIRONMENTS.prod.account, region: 'eu-west-1' } }), ENVIRONMENTS)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^delivery\.tooling\.account: '333333333333' is prod's account; the pipeline runs in a tooling account/),
      ]),
    );
    expect(
      deliveryProblems(withChange({ source: { ...DELIVERY.source, connectionArn: 'arn:aws:iam::444444444444:role/x' } }), ENVIRONMENTS),
    ).toEqual([
      expect.stringMatching(
        /^delivery\.source\.connectionArn: 'arn:aws:iam::444444444444:role\/x' is not allowed; expected a CodeConnections connection ARN/,
      ),
    ]);
    expect(deliveryProblems(withChange({ waves: ['dev', 'prod', 'staging'] }), ENVIRONMENTS)).toEqual([
      'delivery.waves: ["dev","prod","staging"] is not allowed; environments are promoted in the order dev -> staging -> prod',
    ]);
    expect(deliveryProblems(withChange({ approvalBefore: [] }), ENVIRONMENTS)).toEqual([
      "delivery.approvalBefore: [] is not allowed; prod deploys only after a manual approval (include 'prod')",
    ]);
  });

  test('a bad delivery config fails the app before anything is built', () => {
    expect(() =>
      buildDeliveryApp(testApp(), { compliance: false, cliVersion: '2.1148.1', delivery: withChange({ approvalBefore: [] }) }),
    ).toThrow(/delivery\.approvalBefore/);
  });
});
