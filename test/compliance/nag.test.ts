import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildPlatformApp } from '../../lib/app';
import { ACKNOWLEDGEMENTS, acknowledgeFindings } from '../../lib/compliance/acknowledgements';
import { RetainStatefulResources } from '../../lib/compliance/retention';
import { testApp } from '../util';

describe('compliance gates', () => {
  test('all environments synthesize with no unacknowledged AwsSolutions, PCI DSS or NIST finding', () => {
    // GIVEN the committed configuration with the three packs
    const app = testApp();
    buildPlatformApp(app, { compliance: true });
    // THEN synth (which throws with the report on any unacknowledged error) succeeds
    expect(() => app.synth()).not.toThrow();
  });

  test('an unacknowledged finding fails synth and names the rule', () => {
    // GIVEN a stack with an unlogged bucket
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Bad', { env: { account: '123456789012', region: 'eu-west-1' } });
    new s3.Bucket(stack, 'Unlogged', { enforceSSL: true });
    // THEN
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  test('every acknowledgement has a reason of substance', () => {
    for (const ack of ACKNOWLEDGEMENTS) {
      expect(ack.reason.length).toBeGreaterThan(40);
      expect(ack.id).toMatch(/^((AwsSolutions|PCI\.DSS\.321|NIST\.800\.53\.R5)-\w+|CloudFormation-Validate::W\d+)/);
    }
  });

  test('every acknowledgement matches at least one construct (no stale entries)', () => {
    const app = testApp();
    const stages = buildPlatformApp(app, { compliance: false });
    const paths = Object.values(stages).flatMap((stage) =>
      stage!.node.findAll().map((c) => c.node.path.slice(stage!.node.path.length + 1)),
    );
    const unused = ACKNOWLEDGEMENTS.filter((ack) => !paths.some((p) => ack.path.test(p)));
    expect(unused.map((a) => `${a.id} ${a.path}`)).toEqual([]);
  });

  test('acknowledgements apply only where their path matches', () => {
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Elsewhere', { env: { account: '123456789012', region: 'eu-west-1' } });
    new s3.Bucket(stack, 'NotTheAuditBucket', { enforceSSL: true });
    acknowledgeFindings(stack);
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});

describe('retention guard', () => {
  test('a stateful resource that would be deleted fails synth in a retaining environment', () => {
    const app = testApp();
    const stack = new Stack(app, 'Retaining', { env: { account: '123456789012', region: 'eu-west-1' } });
    new s3.Bucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY });
    RetainStatefulResources.check(stack, true);
    expect(() => app.synth()).toThrow(
      /AWS::S3::Bucket Retaining\/Data\/Resource has DeletionPolicy Delete; stateful resources must be retained/,
    );
  });

  test('dev (not retaining) may delete stateful resources', () => {
    const app = testApp();
    const stack = new Stack(app, 'Cheap', { env: { account: '123456789012', region: 'eu-west-1' } });
    new s3.Bucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY });
    RetainStatefulResources.check(stack, false);
    expect(() => app.synth()).not.toThrow();
  });
});

describe('environment-scoped acknowledgements', () => {
  test('apply only in the environments they name', () => {
    // GIVEN two stacks standing in for two environments' stages, each with an unlogged bucket
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const acks = [
      { id: 'AwsSolutions-S1', path: /^Data$/, reason: 'test acknowledgement that applies to dev only', environments: ['dev'] },
    ];
    for (const env of ['dev', 'prod']) {
      const stack = new Stack(app, env, { env: { account: '123456789012', region: 'eu-west-1' } });
      new s3.Bucket(stack, 'Data', { enforceSSL: true });
      acknowledgeFindings(stack, acks);
    }
    // THEN only prod's bucket is reported
    expect(() => app.synth()).toThrow(/prod\/Data/);
    expect(() => app.synth()).not.toThrow(/dev\/Data/);
  });
});
