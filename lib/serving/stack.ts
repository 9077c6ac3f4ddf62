import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { DataQualityMonitor, MlflowTrackingServer, ModelEndpoint, ModelRegistry, ModelSource } from '../../constructs';
import type { ServingEndpointConfig } from '../config';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

export interface ServingStackProps extends PlatformStackProps {
  /** The environment's VPC: endpoints and monitoring jobs run in its private subnets. */
  readonly vpc: ec2.IVpc;
  /** The Security stack's serving key: endpoint volumes, captured data, monitoring reports, the alarm topic. */
  readonly servingKey: kms.IKey;
  /** The Security stack's logs key (admits CloudWatch Logs): the endpoints' log groups. */
  readonly logsKey: kms.IKey;
  /**
   * The lake's models zone: model artifacts, the MLflow artifact store, captured data, monitoring
   * baselines and reports (under the prefixes `<model>/`, `mlflow/`, `data-capture/`, `monitoring/`).
   */
  readonly modelsBucket: s3.IBucket;
}

/**
 * Model lifecycle and serving of one environment: the model registry (a model package group per
 * model), the MLflow tracking server, and the SageMaker endpoints with autoscaling, guarded
 * blue/green rollout, drift monitoring and their alarms. Stateful (the registry and MLflow hold
 * history), hence termination protection from config.
 */
export class ServingStack extends PlatformStack {
  readonly modelsBucket: s3.IBucket;
  readonly registry: ModelRegistry;
  readonly mlflow: MlflowTrackingServer;
  readonly alarmTopic: sns.Topic;
  /** Endpoints by their config name. */
  readonly endpoints: Readonly<Record<string, ModelEndpoint>>;
  readonly monitors: Readonly<Record<string, DataQualityMonitor>>;

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config } = props;
    const serving = config.serving;

    this.modelsBucket = props.modelsBucket;

    this.registry = new ModelRegistry(this, 'Registry', {
      namePrefix: config.name,
      models: serving.models,
      removalPolicy: this.statefulRemovalPolicy,
    });

    this.mlflow = new MlflowTrackingServer(this, 'Mlflow', {
      trackingServerName: `${config.name}-mlflow`,
      artifactBucket: this.modelsBucket,
      artifactPrefix: 'mlflow',
      size: serving.mlflow.size,
      weeklyMaintenanceWindowStart: serving.mlflow.weeklyMaintenanceWindowStart,
      removalPolicy: this.statefulRemovalPolicy,
    });

    // Serving alarms (latency, errors, drift) notify this topic; it is encrypted with the serving
    // key, whose policy lets CloudWatch (of this account) publish encrypted messages.
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `ML platform ${config.name}: serving alarms`,
      masterKey: props.servingKey,
      enforceSSL: true,
    });
    props.servingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': config.account } },
      }),
    );
    // Who is paged (config `oncall.page`): e-mail addresses and HTTPS pager endpoints.
    for (const email of config.oncall.page.emails ?? []) this.alarmTopic.addSubscription(new subs.EmailSubscription(email));
    for (const url of config.oncall.page.httpsEndpoints ?? []) {
      this.alarmTopic.addSubscription(new subs.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
    const alarmAction = new cwActions.SnsAction(this.alarmTopic);

    const endpoints: Record<string, ModelEndpoint> = {};
    const monitors: Record<string, DataQualityMonitor> = {};
    for (const e of serving.endpoints) {
      const endpointName = `${config.name}-${e.name}`;
      const constructId = pascal(e.name);
      const endpoint = new ModelEndpoint(this, constructId, {
        endpointName,
        model: ModelSource.fromImage({ imageUri: e.imageUri, modelDataBucket: this.modelsBucket, modelDataKey: e.modelDataKey }),
        encryptionKey: props.servingKey,
        logEncryptionKey: props.logsKey,
        logRetention: config.logging.retentionDays,
        logRemovalPolicy: this.statefulRemovalPolicy,
        alarmThresholds: { latencyP99: Duration.millis(e.alarms.latencyP99Ms), errors5xxPerMinute: e.alarms.errors5xxPerMinute },
        alarmAction,
        ...capacity(e, props.vpc, endpointName, this.modelsBucket),
      });
      endpoints[e.name] = endpoint;

      if (!e.serverless) {
        monitors[e.name] = new DataQualityMonitor(this, `${constructId}DataQuality`, {
          endpoint,
          baseline: { bucket: this.modelsBucket, prefix: `monitoring/${endpointName}/baseline` },
          reports: { bucket: this.modelsBucket, prefix: `monitoring/${endpointName}/reports` },
          encryptionKey: props.servingKey,
          driftFeatures: e.monitoring.driftFeatures,
          driftThreshold: e.monitoring.driftThreshold,
          frequency: e.monitoring.schedule,
          instanceType: e.monitoring.instanceType,
          alarmAction,
        });
      }

      // What the model-ops CLI needs to roll a new version onto the endpoint.
      new CfnOutput(this, `${constructId}EndpointName`, {
        value: endpoint.endpointName,
        description: `SageMaker endpoint of ${e.name}`,
      });
      new CfnOutput(this, `${constructId}VariantName`, {
        value: endpoint.variantName,
        description: `Production variant of ${endpointName}; a rollout keeps this name`,
      });
      new CfnOutput(this, `${constructId}ExecutionRoleArn`, {
        value: endpoint.role.roleArn,
        description: `Execution role of the models of ${endpointName}`,
      });
    }
    this.endpoints = endpoints;
    this.monitors = monitors;

    new CfnOutput(this, 'MlflowTrackingServerArn', { value: this.mlflow.trackingServerArn, description: 'SageMaker managed MLflow' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'Serving alarms' });
  }
}

/** Capacity, network, capture and rollout props of one configured endpoint. */
function capacity(e: ServingEndpointConfig, vpc: ec2.IVpc, endpointName: string, bucket: s3.IBucket) {
  if (e.serverless) {
    // Serverless (dev only): no VPC, data capture, autoscaling or guardrails (SageMaker offers none).
    return { serverless: { memorySizeMb: e.serverless.memorySizeMb, maxConcurrency: e.serverless.maxConcurrency } };
  }
  return {
    vpc,
    instanceType: e.instanceType,
    initialInstanceCount: e.initialInstanceCount,
    autoScaling: { minCapacity: e.minInstances, maxCapacity: e.maxInstances, targetInvocationsPerInstance: e.targetInvocationsPerInstance },
    dataCapture: { bucket, prefix: `data-capture/${endpointName}`, samplingPercentage: e.dataCaptureSamplingPercent },
    deploymentGuardrails: e.rollout.guardrails
      ? {
          canaryPercent: e.rollout.canaryPercent,
          canaryWait: Duration.minutes(e.rollout.canaryWaitMinutes),
          terminationWait: Duration.minutes(e.rollout.terminationWaitMinutes),
        }
      : undefined,
  };
}

/** `credit-risk` -> `CreditRisk`. */
function pascal(name: string): string {
  return name
    .split('-')
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}
