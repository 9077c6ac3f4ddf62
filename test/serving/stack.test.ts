import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildPlatformApp } from '../../lib/app';
import { ConfigValidationError, ENVIRONMENTS } from '../../lib/config';
import type { ModelStack } from '../../lib/serving/model-stack';
import { configWith, environmentsWith, platformStage, template, testApp } from '../util';

const ENVS = ['dev', 'staging', 'prod'] as const;
const SAGEMAKER_ENDPOINT_TYPES = [
  'AWS::SageMaker::Model',
  'AWS::SageMaker::EndpointConfig',
  'AWS::SageMaker::Endpoint',
  'AWS::SageMaker::MonitoringSchedule',
  'AWS::SageMaker::DataQualityJobDefinition',
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy',
];

/** A CloudFormation value with every intrinsic replaced by `<token>` (Fn::Join joined). */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v && Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(sep);
  }
  return '<token>';
}

/** Does an IAM resource pattern (with `*` wildcards) match a concrete ARN? */
function iamMatches(pattern: string, arn: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(arn);
}

function modelStack(env: (typeof ENVS)[number], model: string): Template {
  return Template.fromStack(platformStage(env).models[model]);
}

function specOf(t: Template): any {
  // The endpoint's spec (the model's platform handle is the other parameter of the stack).
  const params = Object.values(t.findResources('AWS::SSM::Parameter', { Properties: { Name: Match.stringLikeRegexp('/endpoints/') } }));
  expect(params).toHaveLength(1);
  return JSON.parse(flatten(params[0].Properties.Value));
}

describe('ServingStack: MLflow only', () => {
  test('dev: the serverless MLflow app (no idle charge), retained only where the environment retains', () => {
    // GIVEN / WHEN
    const t = template('dev', 'Serving');
    // THEN
    t.resourceCountIs('AWS::SageMaker::MlflowTrackingServer', 0);
    t.hasResource('AWS::SageMaker::MlflowApp', {
      Properties: Match.objectLike({ Name: 'dev-mlflow', ModelRegistrationMode: 'AutoModelRegistrationDisabled' }),
      DeletionPolicy: 'Delete',
    });
    t.hasOutput('MlflowAppArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MlflowApp'), 'Arn'] } });
  });

  test.each(['staging', 'prod'] as const)('%s: a tracking server sized from config, RetainExceptOnCreate', (env) => {
    // GIVEN / WHEN
    const t = template(env, 'Serving');
    // THEN
    t.resourceCountIs('AWS::SageMaker::MlflowApp', 0);
    t.hasResource('AWS::SageMaker::MlflowTrackingServer', {
      Properties: Match.objectLike({ TrackingServerName: `${env}-mlflow`, TrackingServerSize: ENVIRONMENTS[env].serving.mlflow.size }),
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test.each(ENVS)('%s: nothing per model (no registry group, repository, endpoint, role or alarm)', (env) => {
    // GIVEN / WHEN
    const t = template(env, 'Serving');
    // THEN
    for (const type of [
      'AWS::SageMaker::ModelPackageGroup',
      'AWS::ECR::Repository',
      'AWS::CloudWatch::Alarm',
      ...SAGEMAKER_ENDPOINT_TYPES,
    ]) {
      expect({ type, count: Object.keys(t.findResources(type)).length }).toEqual({ type, count: 0 });
    }
    // Its parameters are platform handles only (MLflow's ARN), no endpoint spec.
    const names = Object.values<any>(t.findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name as string);
    for (const name of names) expect(name).toMatch(new RegExp(`^/mlp/${env}/platform/serving/`));
  });

  test('adding models adds model stacks and leaves every other stack unchanged (nothing grows per model)', () => {
    // GIVEN prod, and prod with 20 more models and an endpoint each
    const more = configWith('prod', (c) => {
      const endpoint = c.serving.endpoints[0];
      for (let i = 0; i < 20; i++) {
        c.serving.models.push({ name: `model-${i}`, description: `Model ${i}` });
        c.serving.endpoints.push({ ...structuredClone(endpoint), name: `model-${i}`, model: `model-${i}` });
      }
    });
    // WHEN
    const base = platformStage('prod');
    const grown = buildPlatformApp(testApp(), { compliance: false, environments: environmentsWith(more), only: ['prod'] }).prod!;
    // THEN Serving, Security, Network, Data, ... are the same templates
    const shared = (stage: typeof base) =>
      stage.node.children
        // The Observability stack watches every endpoint (one dashboard section each): it grows by design.
        .filter(
          (c): c is Stack =>
            (c as Stack).templateOptions !== undefined &&
            !(c as Stack).stackName.includes('-Model-') &&
            !(c as Stack).stackName.endsWith('-Observability'),
        )
        .map((st) => [st.stackName, Template.fromStack(st).toJSON()] as const);
    const before = shared(base);
    expect(before.map(([name]) => name)).toContain('MlPlatform-prod-Serving');
    expect(shared(grown)).toEqual(before);
    expect(Object.keys(grown.models)).toHaveLength(22);
    expect(grown.models['model-7'].stackName).toBe('MlPlatform-prod-Model-model-7');
  });
});

describe('ModelStack: one per model, no endpoint in CloudFormation', () => {
  test.each(ENVS)('%s: a stack per configured model named MlPlatform-<env>-Model-<name>', (env) => {
    // GIVEN / WHEN
    const stage = platformStage(env);
    // THEN
    expect(Object.values(stage.models).map((s) => s.stackName)).toEqual(
      ENVIRONMENTS[env].serving.models.map((m) => `MlPlatform-${env}-Model-${m.name}`),
    );
  });

  test.each(ENVS)('%s: no SageMaker Model, EndpointConfig, Endpoint, scaling or monitoring schedule anywhere', (env) => {
    // GIVEN every stack of the environment
    const stacks = platformStage(env).node.children.filter((c): c is Stack => (c as Stack).templateOptions !== undefined);
    // THEN the rollout tooling owns them all
    for (const stack of stacks) {
      const t = Template.fromStack(stack);
      for (const type of SAGEMAKER_ENDPOINT_TYPES) {
        expect({ stack: stack.stackName, type, count: Object.keys(t.findResources(type)).length }).toEqual({
          stack: stack.stackName,
          type,
          count: 0,
        });
      }
    }
  });

  test.each(ENVS)('%s: the model package group <env>-<model> and its image repository', (env) => {
    // GIVEN / WHEN
    const t = modelStack(env, 'fraud');
    // THEN
    t.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupName: `${env}-fraud` });
    t.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: `${env}/fraud`,
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
      EncryptionConfiguration: {
        EncryptionType: 'KMS',
        KmsKey: {
          'Fn::GetStackOutput': Match.objectLike({
            StackName: `MlPlatform-${env}-Security`,
            OutputName: Match.stringLikeRegexp('ServingKey'),
          }),
        },
      },
      LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('"tagStatus":"untagged"') },
    });
    // a model without an endpoint has no endpoint resources: its one parameter is the platform handle
    // of its group name (Platform.fromEnvironment), no endpoint spec
    t.resourceCountIs('AWS::IAM::Role', 0);
    expect(Object.values<any>(t.findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name)).toEqual([
      `/mlp/${env}/platform/serving/models/fraud/model-package-group-name`,
    ]);
  });

  test.each(['staging', 'prod'] as const)(
    '%s: every named stateful resource is RetainExceptOnCreate (a failed first create leaves nothing named)',
    (env) => {
      // GIVEN the Serving stack and every model stack
      const stage = platformStage(env);
      const stacks = [stage.serving, ...Object.values(stage.models)];
      const NAME_PROPS = [
        'Name',
        'ModelPackageGroupName',
        'RepositoryName',
        'LogGroupName',
        'TrackingServerName',
        'BucketName',
        'TableName',
      ];
      let named = 0;
      // THEN each resource that carries a physical name and is kept is removed on a failed create
      for (const stack of stacks) {
        for (const [id, r] of Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, any>)) {
          const hasName = NAME_PROPS.some((p) => r.Properties?.[p] !== undefined);
          const retained = r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate';
          if (hasName && retained) {
            named++;
            expect({ stack: stack.stackName, id, policy: r.DeletionPolicy }).toEqual({
              stack: stack.stackName,
              id,
              policy: 'RetainExceptOnCreate',
            });
          }
        }
      }
      // (MLflow, two groups, two repositories, the endpoint's log group)
      expect(named).toBe(6);
    },
  );

  test.each(ENVS)('%s: the endpoint spec in SSM carries what rollout needs to create the endpoint', (env) => {
    // GIVEN
    const e = ENVIRONMENTS[env].serving.endpoints[0];
    const t = modelStack(env, 'credit-risk');
    // WHEN
    const spec = specOf(t);
    // THEN
    t.hasResourceProperties('AWS::SSM::Parameter', { Name: `/mlp/${env}/endpoints/credit-risk/spec`, Type: 'String' });
    expect(spec).toEqual(
      expect.objectContaining({
        version: 1,
        endpointName: `${env}-credit-risk`,
        variantName: 'AllTraffic',
        modelPackageGroupName: `${env}-credit-risk`,
        executionRoleArn: '<token>',
        kmsKeyArn: '<token>',
        networkIsolation: true,
        instances: { instanceType: e.instanceType, initialInstanceCount: e.initialInstanceCount },
        serverless: null,
        autoScaling: expect.objectContaining({
          minInstances: e.minInstances,
          maxInstances: e.maxInstances,
          targetInvocationsPerInstance: e.targetInvocationsPerInstance,
        }),
        dataCapture: { destinationS3Uri: `s3://<token>/data-capture/${env}-credit-risk`, samplingPercentage: e.dataCaptureSamplingPercent },
      }),
    );
    expect(spec.subnets).toHaveLength(ENVIRONMENTS[env].availabilityZones.length);
    expect(spec.securityGroupIds).toEqual(['<token>']);
    expect(spec.monitoring).toEqual(
      expect.objectContaining({
        scheduleName: `${env}-credit-risk-data-quality`,
        instanceType: e.monitoring.instanceType,
        roleArn: '<token>',
        driftFeatures: e.monitoring.driftFeatures,
        baselineS3Uri: `s3://<token>/monitoring/${env}-credit-risk/baseline`,
      }),
    );
    if (e.rollout.guardrails) {
      expect(spec.guardrails).toEqual(
        expect.objectContaining({
          canaryPercent: e.rollout.canaryPercent,
          canaryWaitSeconds: e.rollout.canaryWaitMinutes * 60,
          terminationWaitSeconds: e.rollout.terminationWaitMinutes * 60,
          rollbackAlarmNames: ['<token>', '<token>'],
        }),
      );
    } else {
      expect(spec.guardrails).toBeNull();
    }
  });

  test('the rollback alarm names in the spec are the latency and 5xx alarms of the endpoint', () => {
    // GIVEN
    const t = modelStack('prod', 'credit-risk');
    const value = Object.values(t.findResources('AWS::SSM::Parameter'))[0].Properties.Value['Fn::Join'][1] as unknown[];
    // THEN
    const refs = value.filter((v): v is { Ref: string } => typeof v === 'object' && v !== null && 'Ref' in v).map((v) => v.Ref);
    expect(refs).toEqual(
      expect.arrayContaining([expect.stringMatching(/^CreditRiskLatencyAlarm/), expect.stringMatching(/^CreditRiskErrorsAlarm/)]),
    );
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ModelLatency',
      ExtendedStatistic: 'p99',
      TreatMissingData: 'notBreaching',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocation5XXErrors',
      Dimensions: Match.arrayWith([{ Name: 'EndpointName', Value: 'prod-credit-risk' }]),
    });
  });

  test('the execution role may read every version under the model prefix: rolling out credit-risk/1.1.0/ is permitted', () => {
    // GIVEN the execution role's policy
    const t = modelStack('prod', 'credit-risk');
    const policies = t.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Description: Match.stringLikeRegexp('Execution role of the models') },
    });
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement as any[]);
    const getObject = statements.filter((s) => [s.Action].flat().includes('s3:GetObject')).flatMap((s) => [s.Resource].flat().map(flatten));
    // WHEN a new version's artifact is checked against it
    const allowed = (key: string) =>
      getObject.some((r) => iamMatches(r.replace('<token>', 'arn:aws:s3:::models-bucket'), `arn:aws:s3:::models-bucket/${key}`));
    // THEN new versions of this model are readable, other models are not
    expect(getObject).toEqual(['<token>/credit-risk/*']);
    expect(allowed('credit-risk/1.1.0/model.tar.gz')).toBe(true);
    expect(allowed('credit-risk/2.0.0/model.tar.gz')).toBe(true);
    expect(allowed('fraud/1.0.0/model.tar.gz')).toBe(false);
    // and images come from this model's repository only
    const pull = statements.find((s) => [s.Action].flat().includes('ecr:BatchGetImage'));
    expect(pull.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Images/), 'Arn'] });
  });

  test.each([
    ['prod', 'ticket'],
    ['dev', 'page'],
  ] as const)(
    '%s: latency and 5XX alarms feed one endpoint-degraded composite (%s: the SLOs page where they exist); drift tickets',
    (env, severity) => {
      // GIVEN
      const t = modelStack(env, 'credit-risk');
      const alarms = t.findResources('AWS::CloudWatch::Alarm');
      const composites = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm')) as any[];
      const byName = Object.fromEntries(Object.entries(alarms).map(([id, a]: [string, any]) => [a.Properties.AlarmName, { id, ...a }]));
      const topic = (s: string) => ({
        'Fn::GetStackOutput': expect.objectContaining({ StackName: `MlPlatform-${env}-Security`, OutputName: expect.stringContaining(s) }),
      });
      // THEN the signals have no action and are the composite's rule
      expect(Object.keys(byName).sort()).toEqual([
        `${env}-endpoint-degraded-credit-risk-errors`,
        `${env}-endpoint-degraded-credit-risk-latency`,
        `${env}-model-data-drift-credit-risk`,
      ]);
      for (const what of ['latency', 'errors']) {
        const signal = byName[`${env}-endpoint-degraded-credit-risk-${what}`];
        expect(signal.Properties.AlarmActions).toBeUndefined();
        expect(signal.Properties.OKActions).toBeUndefined();
        expect(JSON.stringify(composites[0].Properties.AlarmRule)).toContain(`"${signal.id}"`);
      }
      expect(composites).toHaveLength(1);
      expect(composites[0].Properties.AlarmName).toBe(`${env}-endpoint-degraded-credit-risk`);
      expect(composites[0].Properties.AlarmDescription).toContain(
        `Severity: ${severity}\nOwner: ml-serving\nRunbook: docs/runbooks/endpoint-degraded.md`,
      );
      expect(composites[0].Properties.AlarmActions).toEqual([topic(severity === 'page' ? 'Page' : 'Ticket')]);
      const drift = byName[`${env}-model-data-drift-credit-risk`];
      expect(drift.Properties.AlarmDescription).toContain(
        'Severity: ticket\nOwner: ml-serving\nRunbook: docs/runbooks/model-data-drift.md',
      );
      expect(drift.Properties.AlarmActions).toEqual([topic('Ticket')]);
    },
  );

  test('dev with a serverless endpoint: the spec has serverless capacity and no VPC, capture or monitoring', () => {
    // GIVEN
    const dev = configWith('dev', (c) => {
      c.serving.endpoints[0].serverless = { memorySizeMb: 2048, maxConcurrency: 5 };
    });
    // WHEN
    const stage = buildPlatformApp(testApp(), { compliance: false, environments: environmentsWith(dev), only: ['dev'] }).dev!;
    const t = Template.fromStack(stage.models['credit-risk']);
    const spec = specOf(t);
    // THEN
    expect(spec).toEqual(
      expect.objectContaining({
        serverless: { memorySizeMb: 2048, maxConcurrency: 5 },
        instances: null,
        networkIsolation: false,
        subnets: [],
        monitoring: null,
        dataCapture: null,
      }),
    );
    t.resourceCountIs('AWS::EC2::SecurityGroup', 0);
  });

  test('a model stack is small: under 20 resources and 64 KB for a monitored endpoint with guardrails', () => {
    // GIVEN / WHEN
    const stack: ModelStack = platformStage('prod').models['credit-risk'];
    const json = Template.fromStack(stack).toJSON();
    // THEN (CloudFormation's limits are 500 resources and 1 MB per stack)
    expect(Object.keys(json.Resources).length).toBeLessThan(20);
    expect(JSON.stringify(json).length).toBeLessThan(64 * 1024);
  });

  test('prod: model stacks have termination protection; dev: none', () => {
    expect(platformStage('prod').models['credit-risk'].terminationProtection).toBe(true);
    expect(platformStage('dev').models['credit-risk'].terminationProtection).toBe(false);
  });

  test('a bad serving config fails before anything is built, naming env, field, value and what is allowed', () => {
    // GIVEN
    const prod = configWith('prod', (c) => {
      c.serving.mlflow.kind = 'lambda';
    });
    const app = new App();
    // THEN
    expect(() => buildPlatformApp(app, { compliance: false, environments: environmentsWith(prod) })).toThrow(ConfigValidationError);
    expect(() => buildPlatformApp(new App(), { compliance: false, environments: environmentsWith(prod) })).toThrow(
      /prod\.serving\.mlflow\.kind: 'lambda' is not allowed/,
    );
    expect(app.node.children).toHaveLength(0);
  });
});
