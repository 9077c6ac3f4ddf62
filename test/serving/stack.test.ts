import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { buildPlatformApp } from '../../lib/app';
import { ConfigValidationError, ENVIRONMENTS } from '../../lib/config';
import { ServingStack } from '../../lib/serving/stack';
import { configWith, environmentsWith, platformStage, template, testApp } from '../util';

const ENVS = ['dev', 'staging', 'prod'] as const;

describe('ServingStack', () => {
  test.each(ENVS)('%s: a model package group per configured model, named <env>-<model>', (env) => {
    // GIVEN
    const t = template(env, 'Serving');
    // THEN
    t.resourceCountIs('AWS::SageMaker::ModelPackageGroup', ENVIRONMENTS[env].serving.models.length);
    for (const model of ENVIRONMENTS[env].serving.models) {
      t.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupName: `${env}-${model.name}` });
    }
  });

  test.each(ENVS)('%s: an MLflow tracking server sized from config, artifacts in the lake models zone', (env) => {
    template(env, 'Serving').hasResourceProperties('AWS::SageMaker::MlflowTrackingServer', {
      TrackingServerName: `${env}-mlflow`,
      TrackingServerSize: ENVIRONMENTS[env].serving.mlflow.size,
      ArtifactStoreUri: {
        'Fn::Join': [
          '',
          [
            's3://',
            {
              'Fn::GetStackOutput': Match.objectLike({
                StackName: `MlPlatform-${env}-Data`,
                OutputName: Match.stringLikeRegexp('LakeModelsBucket'),
              }),
            },
            '/mlflow',
          ],
        ],
      },
    });
  });

  test.each(ENVS)('%s: the example endpoint with data capture, the serving key, autoscaling and a monitoring schedule', (env) => {
    // GIVEN
    const t = template(env, 'Serving');
    const e = ENVIRONMENTS[env].serving.endpoints[0];
    const servingKey = { 'Fn::GetStackOutput': Match.objectLike({ StackName: `MlPlatform-${env}-Security` }) };
    // THEN
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      KmsKeyId: servingKey,
      ProductionVariants: [Match.objectLike({ InstanceType: e.instanceType, InitialInstanceCount: e.initialInstanceCount })],
      DataCaptureConfig: Match.objectLike({
        EnableCapture: true,
        InitialSamplingPercentage: e.dataCaptureSamplingPercent,
        KmsKeyId: servingKey,
      }),
    });
    t.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: `${env}-credit-risk` });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ResourceId: `endpoint/${env}-credit-risk/variant/AllTraffic`,
      MinCapacity: e.minInstances,
      MaxCapacity: e.maxInstances,
    });
    t.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', { MonitoringScheduleName: `${env}-credit-risk-data-quality` });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('^MAX\\(') })]),
      Threshold: e.monitoring.driftThreshold,
    });
    // The model-ops CLI finds the endpoint by this output.
    t.hasOutput('CreditRiskEndpointName', { Value: `${env}-credit-risk` });
  });

  test.each(['staging', 'prod'] as const)('%s: blue/green with canary and automatic rollback on the latency and 5xx alarms', (env) => {
    // GIVEN
    const rollout = ENVIRONMENTS[env].serving.endpoints[0].rollout;
    const t = template(env, 'Serving');
    // THEN
    t.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: {
        BlueGreenUpdatePolicy: Match.objectLike({
          TrafficRoutingConfiguration: {
            Type: 'CANARY',
            CanarySize: { Type: 'CAPACITY_PERCENT', Value: rollout.canaryPercent },
            WaitIntervalInSeconds: rollout.canaryWaitMinutes * 60,
          },
          TerminationWaitInSeconds: rollout.terminationWaitMinutes * 60,
        }),
        AutoRollbackConfiguration: {
          Alarms: [
            { AlarmName: { Ref: Match.stringLikeRegexp('^CreditRiskLatencyAlarm') } },
            { AlarmName: { Ref: Match.stringLikeRegexp('^CreditRiskErrorsAlarm') } },
          ],
        },
      },
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', ExtendedStatistic: 'p99' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Invocation5XXErrors' });
  });

  test.each(ENVS)('%s: the alarm topic delivers to every page subscription of config (e-mail and HTTPS), and to nothing else', (env) => {
    // GIVEN
    const t = template(env, 'Serving');
    const page = ENVIRONMENTS[env].oncall.page;
    // WHEN
    const subscriptions = Object.values(t.findResources('AWS::SNS::Subscription')).map((r: any) => r.Properties);
    // THEN
    const expected = [
      ...(page.emails ?? []).map((e) => ({ Protocol: 'email', Endpoint: e })),
      ...(page.httpsEndpoints ?? []).map((u) => ({ Protocol: 'https', Endpoint: u })),
    ];
    expect(expected.length).toBeGreaterThan(0);
    expect(subscriptions.map((s) => ({ Protocol: s.Protocol, Endpoint: s.Endpoint }))).toEqual(expected);
    for (const s of subscriptions) expect(s.TopicArn).toEqual({ Ref: expect.stringMatching(/^AlarmTopic/) });
  });

  test('dev: no deployment guardrails (all-at-once updates)', () => {
    template('dev', 'Serving').hasResourceProperties('AWS::SageMaker::Endpoint', {
      EndpointName: 'dev-credit-risk',
      DeploymentConfig: Match.absent(),
    });
  });

  test('every serving alarm notifies the KMS-encrypted alarm topic, which CloudWatch may use the serving key for', () => {
    // GIVEN
    const t = template('prod', 'Serving');
    const alarms = t.findResources('AWS::CloudWatch::Alarm');
    // THEN
    expect(Object.keys(alarms)).toHaveLength(3);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
    }
    t.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'MlPlatform-prod-Security' }) },
    });
    template('prod', 'Security').hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('SageMaker'),
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': ENVIRONMENTS.prod.account } },
          }),
        ]),
      },
    });
  });

  test.each(['staging', 'prod'] as const)(
    '%s: the registry, MLflow and the log group are retained (models live in the retained lake)',
    (env) => {
      const t = template(env, 'Serving');
      for (const type of ['AWS::SageMaker::ModelPackageGroup', 'AWS::SageMaker::MlflowTrackingServer', 'AWS::Logs::LogGroup']) {
        const found = Object.values(t.findResources(type));
        expect(found.length).toBeGreaterThan(0);
        for (const r of found) expect(r).toEqual(expect.objectContaining({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }));
      }
    },
  );

  test('dev: the registry is deleted with the stack (cheap, disposable)', () => {
    template('dev', 'Serving').hasResource('AWS::SageMaker::ModelPackageGroup', { DeletionPolicy: 'Delete' });
  });

  test('prod: termination protection (the registry is stateful); dev: none', () => {
    // THEN
    expect(platformStage('prod').serving.terminationProtection).toBe(true);
    expect(platformStage('dev').serving.terminationProtection).toBe(false);
    expect(platformStage('prod').serving.stackName).toBe('MlPlatform-prod-Serving');
  });

  test('prod: the logical IDs of the stateful resources never change', () => {
    // GIVEN
    const t = template('prod', 'Serving');
    const idsOf = (type: string) => Object.keys(t.findResources(type)).sort();
    // THEN
    expect(idsOf('AWS::SageMaker::ModelPackageGroup')).toEqual(['Registrycreditrisk38AE3A34', 'Registryfraud76454BAF']);
    expect(idsOf('AWS::SageMaker::MlflowTrackingServer')).toEqual(['MlflowE97BC70F']);
    expect(idsOf('AWS::Logs::LogGroup')).toEqual(['CreditRiskLogsE2CAF3E0']);
    // Models live in the lake's models zone (Data stack): no bucket of its own.
    expect(idsOf('AWS::S3::Bucket')).toEqual([]);
  });

  test('the models bucket passed in is used; the stack has no bucket of its own', () => {
    // GIVEN
    const app = testApp();
    const deps = new Stack(app, 'Deps', { env: { account: ENVIRONMENTS.dev.account, region: ENVIRONMENTS.dev.region } });
    const vpc = new ec2.Vpc(deps, 'Vpc', { availabilityZones: [...ENVIRONMENTS.dev.availabilityZones], natGateways: 1 });
    const key = new kms.Key(deps, 'Key');
    const models = new s3.Bucket(deps, 'LakeModels', { encryptionKey: key });
    // WHEN
    const stack = new ServingStack(app, 'Serving', {
      config: ENVIRONMENTS.dev,
      vpc,
      servingKey: key,
      logsKey: key,
      modelsBucket: models,
    });
    // THEN
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    t.hasResourceProperties('AWS::SageMaker::MlflowTrackingServer', {
      ArtifactStoreUri: { 'Fn::Join': ['', ['s3://', Match.objectLike({ 'Fn::GetStackOutput': Match.anyValue() }), '/mlflow']] },
    });
  });

  test('dev with a serverless endpoint: a serverless variant, no autoscaling, no monitoring', () => {
    // GIVEN
    const dev = configWith('dev', (c) => {
      c.serving.endpoints[0].serverless = { memorySizeMb: 2048, maxConcurrency: 5 };
    });
    // WHEN
    const stage = buildPlatformApp(testApp(), { compliance: false, environments: environmentsWith(dev), only: ['dev'] }).dev!;
    // THEN
    const t = Template.fromStack(stage.serving);
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } })],
      DataCaptureConfig: Match.absent(),
    });
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    t.resourceCountIs('AWS::SageMaker::MonitoringSchedule', 0);
  });

  test('a bad serving config fails before anything is built, naming env, field, value and what is allowed', () => {
    // GIVEN
    const prod = configWith('prod', (c) => {
      c.serving.endpoints[0].rollout.canaryPercent = 80;
      c.serving.endpoints[0].serverless = { memorySizeMb: 2048, maxConcurrency: 5 };
    });
    const app = new App();
    // THEN
    expect(() => buildPlatformApp(app, { compliance: false, environments: environmentsWith(prod) })).toThrow(ConfigValidationError);
    expect(() => buildPlatformApp(new App(), { compliance: false, environments: environmentsWith(prod) })).toThrow(
      /prod\.serving\.endpoints\[0\]\.rollout\.canaryPercent: 80 is not allowed; expected a whole number from 1 to 50/,
    );
    expect(app.node.children).toHaveLength(0);
  });
});
