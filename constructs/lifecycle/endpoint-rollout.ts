import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { auditedStateMachine, executionLog } from './private/audited-state-machine';
import { assertPattern, KEY_PREFIX, KEY_PREFIX_ALLOWED } from './private/checks';
import { ManagedPolicyRole } from './private/managed-policy-role';
import { acknowledgeWildcards, BUCKET_ARN, GRANT_WILDCARDS } from './private/nag';

/** Tags `mlp endpoints rollout` writes (mlp/plan.ts): the same, so `mlp endpoints rollback/status` read them. */
export const ROLLOUT_TAGS = { package: 'mlp:model-package-arn', previousConfig: 'mlp:previous-endpoint-config' } as const;

/** Where the training pipeline leaves a version's Model Monitor baseline, and where the endpoint's schedule reads it. */
export interface RolloutBaseline {
  /** Bucket of both (the lake's models zone). */
  readonly bucket: s3.IBucket;
  /**
   * Prefix under which pipeline runs write baselines (`<prefix>runs/<id>/baseline/`); a version names
   * its own in the `baselineKey` metadata property.
   */
  readonly runsPrefix: string;
  /** The endpoint's baseline prefix, ending in '/' (its schedule reads `statistics.json` and `constraints.json` there). */
  readonly endpointPrefix: string;
}

export interface EndpointRolloutProps {
  /** The endpoint (created by the first `mlp endpoints rollout`). */
  readonly endpointName: string;
  /** The endpoint's spec parameter (`/mlp/<env>/endpoints/<name>/spec`, EndpointSpec's). */
  readonly specParameter: ssm.IStringParameter;
  /** The group whose approved versions the endpoint serves. */
  readonly modelPackageGroupName: string;
  /** The endpoint's execution role (the spec's `executionRoleArn`), passed to CreateModel. */
  readonly executionRole: iam.IRole;
  /** Key of the endpoint's volumes and captured data (the spec's `kmsKeyArn`). */
  readonly endpointKey: kms.IKey;
  /** The spec's shape, known at synth: serverless (no VPC, no capture) or instances with data capture. */
  readonly serverless: boolean;
  /** Blue/green canary with the spec's rollback alarms (staging, prod); otherwise all at once. */
  readonly guardrails: boolean;
  /**
   * Copy the version's Model Monitor baseline to the endpoint's schedule once the version serves.
   * @default - no copy (unmonitored endpoint)
   */
  readonly baseline?: RolloutBaseline;
  /** Key of the state machine and its log. */
  readonly encryptionKey: kms.IKey;
  /**
   * Key of the execution log, when it is not `encryptionKey`: a key whose policy already lets
   * CloudWatch Logs use it for log groups (the platform's logs key). Without it, `encryptionKey`
   * encrypts the log too and gets a key-policy statement for CloudWatch Logs.
   * @default - encryptionKey
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * How often the update is polled.
   * @default Duration.minutes(1)
   */
  readonly pollInterval?: Duration;
  /**
   * What happens to the log when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export const ROLLOUT_STATES = {
  readSpec: 'ReadSpec',
  describeVersion: 'DescribeVersion',
  describeEndpoint: 'DescribeEndpoint',
  createModel: 'CreateModel',
  createConfig: 'CreateEndpointConfig',
  update: 'UpdateEndpoint',
  poll: 'PollEndpoint',
  copyStatistics: 'CopyBaselineStatistics',
  copyConstraints: 'CopyBaselineConstraints',
  refused: 'VersionRefused',
  notReady: 'EndpointNotReady',
  failed: 'RolloutFailed',
  rolledBack: 'PromotionRolledBack',
} as const;

/**
 * `mlp endpoints rollout` as a state machine, for promotions: the same steps on an existing
 * endpoint, from the same spec in SSM, writing the same tags, so the endpoint keeps one owner
 * (the rollout procedure) whichever starts it. Input `{ "modelPackageArn": "…" }`:
 *
 * read the spec → describe the version (Approved, of the spec's group) → the endpoint must be
 * InService (its first version is created by `mlp endpoints rollout`) → CreateModel and
 * CreateEndpointConfig from the spec (role, VPC, isolation, instances, KMS, data capture; tagged
 * with the package and the previous config) → UpdateEndpoint with the spec's blue/green canary and
 * rollback alarms → poll until InService on the new config (then copy the version's monitor
 * baseline to the endpoint's schedule) or back on the previous one: `PromotionRolledBack`, the
 * previous version still serving.
 *
 * @example
 * declare const spec: EndpointSpec;
 * new EndpointRollout(this, 'CreditRiskRollout', {
 *   endpointName: spec.endpointName,
 *   specParameter: spec.parameter,
 *   modelPackageGroupName: 'prod-credit-risk',
 *   executionRole: spec.role,
 *   endpointKey: keys.serving,
 *   serverless: false,
 *   guardrails: true,
 *   encryptionKey: keys.data,
 * });
 */
export class EndpointRollout extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: EndpointRolloutProps) {
    super(scope, id);
    const C = 'EndpointRollout';
    assertPattern(
      C,
      'endpointName',
      props.endpointName,
      /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$/,
      'a SageMaker endpoint name of at most 40 characters',
    );
    if (props.baseline) {
      assertPattern(C, 'baseline.runsPrefix', props.baseline.runsPrefix, KEY_PREFIX, KEY_PREFIX_ALLOWED);
      assertPattern(C, 'baseline.endpointPrefix', props.baseline.endpointPrefix, KEY_PREFIX, KEY_PREFIX_ALLOWED);
    }
    const stack = Stack.of(this);
    const S = ROLLOUT_STATES;
    const spec = '$.spec.doc';
    const arn = (resource: string, name: string) =>
      stack.formatArn({ service: 'sagemaker', resource, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const endpointArn = arn('endpoint', props.endpointName.toLowerCase());
    const failed = new sfn.Fail(this, S.failed, { error: 'RolloutFailed', causePath: '$.error.Cause' });
    const catchAll = (t: sfn.TaskStateBase) => t.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    const readSpec = new tasks.CallAwsService(this, S.readSpec, {
      service: 'ssm',
      action: 'getParameter',
      iamResources: [props.specParameter.parameterArn],
      parameters: { Name: props.specParameter.parameterName },
      resultSelector: { 'doc.$': 'States.StringToJson($.Parameter.Value)' },
      resultPath: '$.spec',
    });
    catchAll(readSpec);
    const describeVersion = new tasks.CallAwsService(this, S.describeVersion, {
      service: 'sagemaker',
      action: 'describeModelPackage',
      iamResources: [arn('model-package', `${props.modelPackageGroupName}/*`)],
      parameters: { 'ModelPackageName.$': '$.modelPackageArn' },
      resultPath: '$.version',
    });
    catchAll(describeVersion);
    const refused = new sfn.Fail(this, S.refused, {
      error: 'VersionRefused',
      cause: `only Approved versions of ${props.modelPackageGroupName} (the spec's group) are rolled out; nothing was changed`,
    });
    const versionOk = sfn.Condition.and(
      sfn.Condition.stringEquals('$.version.ModelApprovalStatus', 'Approved'),
      sfn.Condition.stringEqualsJsonPath('$.version.ModelPackageGroupName', `${spec}.modelPackageGroupName`),
    );

    const describeEndpoint = (id: string) =>
      new tasks.CallAwsService(this, id, {
        service: 'sagemaker',
        action: 'describeEndpoint',
        iamResources: [endpointArn],
        parameters: { EndpointName: props.endpointName },
        resultSelector: { 'status.$': '$.EndpointStatus', 'config.$': '$.EndpointConfigName' },
        resultPath: '$.endpoint',
      });
    const current = describeEndpoint(S.describeEndpoint);
    const notReady = new sfn.Fail(this, S.notReady, {
      error: 'EndpointNotReady',
      cause: `${props.endpointName} must exist and be InService; its first version is created by 'mlp endpoints rollout'. Nothing was changed`,
    });
    current.addCatch(notReady, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const remember = new sfn.Pass(this, 'RememberPrevious', {
      resultPath: '$.previous',
      parameters: { 'config.$': '$.endpoint.config' },
    });
    const names = new sfn.Pass(this, 'Names', {
      resultPath: '$.names',
      parameters: {
        'name.$': `States.Format('${props.endpointName}-v{}-{}', $.version.ModelPackageVersion, States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 0))`,
      },
    });
    const tags = [
      { Key: ROLLOUT_TAGS.package, 'Value.$': '$.version.ModelPackageArn' },
      { Key: 'mlp:promoted-by', 'Value.$': '$$.Execution.Id' },
    ];
    const createModel = new tasks.CallAwsService(this, S.createModel, {
      service: 'sagemaker',
      action: 'createModel',
      iamResources: [arn('model', `${props.endpointName.toLowerCase()}-v*`)],
      additionalIamStatements: [
        new iam.PolicyStatement({ actions: ['sagemaker:AddTags'], resources: [arn('model', `${props.endpointName.toLowerCase()}-v*`)] }),
      ],
      parameters: {
        'ModelName.$': '$.names.name',
        'ExecutionRoleArn.$': `${spec}.executionRoleArn`,
        PrimaryContainer: {
          'Image.$': '$.version.InferenceSpecification.Containers[0].Image',
          'ModelDataUrl.$': '$.version.InferenceSpecification.Containers[0].ModelDataUrl',
        },
        ...(props.serverless ? {} : { VpcConfig: { 'Subnets.$': `${spec}.subnets`, 'SecurityGroupIds.$': `${spec}.securityGroupIds` } }),
        'EnableNetworkIsolation.$': `${spec}.networkIsolation`,
        Tags: tags,
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    catchAll(createModel);
    const variant = props.serverless
      ? {
          'VariantName.$': `${spec}.variantName`,
          'ModelName.$': '$.names.name',
          ServerlessConfig: {
            'MemorySizeInMB.$': `${spec}.serverless.memorySizeMb`,
            'MaxConcurrency.$': `${spec}.serverless.maxConcurrency`,
          },
        }
      : {
          'VariantName.$': `${spec}.variantName`,
          'ModelName.$': '$.names.name',
          'InstanceType.$': `${spec}.instances.instanceType`,
          'InitialInstanceCount.$': `${spec}.instances.initialInstanceCount`,
          InitialVariantWeight: 1,
        };
    const createConfig = new tasks.CallAwsService(this, S.createConfig, {
      service: 'sagemaker',
      action: 'createEndpointConfig',
      iamResources: [arn('endpoint-config', `${props.endpointName.toLowerCase()}-v*`)],
      additionalIamStatements: [
        new iam.PolicyStatement({
          actions: ['sagemaker:AddTags'],
          resources: [arn('endpoint-config', `${props.endpointName.toLowerCase()}-v*`)],
        }),
      ],
      parameters: {
        'EndpointConfigName.$': '$.names.name',
        ProductionVariants: [variant],
        ...(props.serverless
          ? {}
          : {
              'KmsKeyId.$': `${spec}.kmsKeyArn`,
              DataCaptureConfig: {
                EnableCapture: true,
                'InitialSamplingPercentage.$': `${spec}.dataCapture.samplingPercentage`,
                'DestinationS3Uri.$': `${spec}.dataCapture.destinationS3Uri`,
                'KmsKeyId.$': `${spec}.kmsKeyArn`,
                CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
                CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'], JsonContentTypes: ['application/json'] },
              },
            }),
        Tags: [...tags, { Key: ROLLOUT_TAGS.previousConfig, 'Value.$': '$.previous.config' }],
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    catchAll(createConfig);

    // The rollback alarms as UpdateEndpoint wants them ([{ AlarmName }]): the spec lists names.
    const alarms = new sfn.Map(this, 'RollbackAlarms', {
      itemsPath: `${spec}.guardrails.rollbackAlarmNames`,
      itemSelector: { 'AlarmName.$': '$$.Map.Item.Value' },
      resultPath: '$.alarms',
    });
    alarms.itemProcessor(new sfn.Pass(this, 'Alarm'));
    const g = `${spec}.guardrails`;
    const update = new tasks.CallAwsService(this, S.update, {
      service: 'sagemaker',
      action: 'updateEndpoint',
      iamResources: [endpointArn, arn('endpoint-config', `${props.endpointName.toLowerCase()}-v*`)],
      parameters: {
        EndpointName: props.endpointName,
        'EndpointConfigName.$': '$.names.name',
        ...(props.guardrails
          ? {
              DeploymentConfig: {
                BlueGreenUpdatePolicy: {
                  TrafficRoutingConfiguration: {
                    Type: 'CANARY',
                    CanarySize: { Type: 'CAPACITY_PERCENT', 'Value.$': `${g}.canaryPercent` },
                    'WaitIntervalInSeconds.$': `${g}.canaryWaitSeconds`,
                  },
                  'TerminationWaitInSeconds.$': `${g}.terminationWaitSeconds`,
                  'MaximumExecutionTimeoutInSeconds.$': `${g}.maximumExecutionTimeoutSeconds`,
                },
                AutoRollbackConfiguration: { 'Alarms.$': '$.alarms' },
              },
            }
          : {}),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    catchAll(update);

    const wait = new sfn.Wait(this, 'WaitForUpdate', { time: sfn.WaitTime.duration(props.pollInterval ?? Duration.minutes(1)) });
    const poll = describeEndpoint(S.poll);
    poll.addRetry({ errors: [sfn.Errors.ALL], maxAttempts: 5, interval: Duration.seconds(10), backoffRate: 2 });
    poll.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const rolledBack = new sfn.Fail(this, S.rolledBack, {
      error: 'PromotionRolledBack',
      cause: `the update of ${props.endpointName} did not finish on the new config (a rollback alarm or a failed deployment): SageMaker keeps the previous config serving`,
    });
    const served = new sfn.Succeed(this, 'Serving');
    let afterSuccess: sfn.IChainable = served;
    if (props.baseline) {
      const b = props.baseline;
      const copy = (id: string, file: string) => {
        const t = new tasks.CallAwsService(this, id, {
          service: 's3',
          action: 'copyObject',
          iamResources: [b.bucket.arnForObjects(`${b.runsPrefix}*`), b.bucket.arnForObjects(`${b.endpointPrefix}*`)],
          iamAction: 's3:GetObject',
          additionalIamStatements: [
            new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [b.bucket.arnForObjects(`${b.endpointPrefix}*`)] }),
          ],
          parameters: {
            Bucket: b.bucket.bucketName,
            Key: `${b.endpointPrefix}${file}`,
            'CopySource.$': `States.Format('${b.bucket.bucketName}/{}${file}', $.version.CustomerMetadataProperties.baselineKey)`,
          },
          resultPath: sfn.JsonPath.DISCARD,
        });
        catchAll(t);
        return t;
      };
      const hasBaseline = new sfn.Choice(this, 'HasBaseline')
        .when(
          sfn.Condition.isPresent('$.version.CustomerMetadataProperties.baselineKey'),
          copy(S.copyStatistics, 'statistics.json').next(copy(S.copyConstraints, 'constraints.json')).next(served),
        )
        .otherwise(served);
      afterSuccess = hasBaseline;
    }
    const outcome = new sfn.Choice(this, 'UpdateOutcome')
      .when(
        sfn.Condition.or(
          ...['Updating', 'SystemUpdating', 'RollingBack', 'Creating'].map((s) => sfn.Condition.stringEquals('$.endpoint.status', s)),
        ),
        wait,
      )
      .when(
        sfn.Condition.and(
          sfn.Condition.stringEquals('$.endpoint.status', 'InService'),
          sfn.Condition.stringEqualsJsonPath('$.endpoint.config', '$.names.name'),
        ),
        afterSuccess,
      )
      .otherwise(rolledBack);
    wait.next(poll).next(outcome);

    const guarded = props.guardrails ? alarms.next(update) : update;
    const inService = new sfn.Choice(this, 'EndpointInService')
      .when(
        sfn.Condition.stringEquals('$.endpoint.status', 'InService'),
        remember.next(names).next(createModel).next(createConfig).next(guarded),
      )
      .otherwise(notReady);
    update.next(wait);
    const definition = readSpec
      .next(describeVersion)
      .next(new sfn.Choice(this, 'VersionApproved').when(versionOk, current.next(inService)).otherwise(refused));

    const logGroup = executionLog(this, {
      encryptionKey: props.encryptionKey,
      logEncryptionKey: props.logEncryptionKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Rolls approved versions onto ${props.endpointName} (the mlp endpoints rollout procedure)`,
    });
    this.stateMachine = auditedStateMachine(this, {
      role,
      definition: definition,
      comment: `Rollout of an approved version onto ${props.endpointName} from its spec (blue/green, rollback alarms)`,
      timeout: Duration.hours(6),
      logGroup,
      encryptionKey: props.encryptionKey,
    });
    props.encryptionKey.grantEncryptDecrypt(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PassEndpointRole',
        actions: ['iam:PassRole'],
        resources: [props.executionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    // CreateEndpointConfig with a customer key: SageMaker creates grants for the instances' volumes.
    props.endpointKey.grant(role, 'kms:CreateGrant', 'kms:DescribeKey');
    if (props.guardrails) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadRollbackAlarms',
          actions: ['cloudwatch:DescribeAlarms'],
          resources: [
            stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          ],
        }),
      );
    }

    acknowledgeWildcards(this, [
      ...GRANT_WILDCARDS,
      {
        finding: /^Resource::\*$/,
        reason: 'X-Ray and log delivery actions have no resource type (aws-cdk-lib StateMachine); KMS key policy statements',
      },
      {
        finding:
          /^Resource::arn:[^:]+:(sagemaker:[^:]*:[^:]*:(model|endpoint-config|model-package)\/[a-z0-9-]+(-v)?\/?\*|cloudwatch:[^:]*:[^:]*:alarm:\*)$/,
        reason:
          "Models and endpoint configs this rollout names <endpoint>-v<version>-<id>; versions of the endpoint's group; the spec's rollback alarms (DescribeAlarms has no narrower resource)",
      },
      {
        finding: new RegExp(String.raw`^Resource::${BUCKET_ARN}/[A-Za-z0-9_.=/-]+\*$`),
        reason: "The version's baseline under the pipeline's runs prefix and the endpoint's baseline prefix",
      },
    ]);
  }
}
