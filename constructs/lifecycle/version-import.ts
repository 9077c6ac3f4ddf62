import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { auditedStateMachine, executionLog, stateMachineTarget } from './private/audited-state-machine';
import { assertPattern } from './private/checks';
import { ManagedPolicyRole } from './private/managed-policy-role';
import { acknowledgeWildcards, BUCKET_ARN, GRANT_WILDCARDS } from './private/nag';

/** The event a ModelPromotion's `PromotionTarget.eventBus` hand-over puts on the next environment's bus. */
export const PROMOTION_EVENT = { source: 'ml-platform.lifecycle', detailType: 'Model Promotion Requested' } as const;

/** Where the import copies a promoted version's artifact: this environment's models bucket. */
export interface VersionImportArtifacts {
  /** This environment's models bucket (the endpoint role of the model reads `<prefix>*` in it). */
  readonly bucket: s3.IBucket;
  /**
   * The model's prefix, ending in '/', e.g. `credit-risk/`: the source artifact must be under it in
   * the source bucket (the previous environment grants exactly that), and the copy goes to
   * `<prefix><sourceEnvironment>-<source version number>/model.tar.gz`.
   */
  readonly prefix: string;
  /** Key of the bucket (the copy is encrypted by the bucket's default encryption with it). */
  readonly encryptionKey: kms.IKey;
}

export interface VersionImportProps {
  /** Account of the previous environment, whose promotions are accepted. */
  readonly sourceAccount: string;
  /** The previous environment's group of the model (the event's `modelPackageGroupName`). */
  readonly sourceModelPackageGroupName: string;
  /** This environment (the event's `targetEnvironment`). */
  readonly environment: string;
  /** This environment's group the version is registered into. */
  readonly modelPackageGroupName: string;
  /**
   * The status the version gets here: `Approved` carries the previous environment's human approval
   * over (this environment's promotion then rolls it out); `PendingManualApproval` waits for a human
   * approval here (the second approval before prod).
   */
  readonly importAs: 'Approved' | 'PendingManualApproval';
  /**
   * The artifact is copied here before the version is registered, so the version points at this
   * environment's bucket (which its endpoint role reads), never at the previous account's.
   */
  readonly artifacts: VersionImportArtifacts;
  /**
   * Physical name of the import's role: the previous environment's bucket and key policies admit
   * this role ARN (`aws:PrincipalArn`), so it must be known before this account deploys.
   * @default - generated
   */
  readonly roleName?: string;
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
   * What happens to the log when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Receives a version promoted from the previous environment (an EventBridge rule on this account's
 * default bus, for events from that account only), copies its artifact from the previous account's
 * bucket (under the model's prefix, `ExpectedSourceBucketOwner` = that account) into this
 * environment's models bucket, and registers it in this environment's group with the copy as its
 * `ModelDataUrl`, its source recorded (`sourceModelPackageArn`, `sourceEnvironment`,
 * `sourceModelDataUrl`), as `importAs`. The image is registered as the source names it (the
 * previous environment's repository policy admits this account). The bus policy that admits the
 * previous account is `allowPromotionsFrom` (once per environment); what the previous account must
 * grant is `grantImportRead` (its side).
 *
 * @example
 * VersionImport.allowPromotionsFrom(this, 'PromotionsFromStaging', '222222222222');
 * new VersionImport(this, 'CreditRiskImport', {
 *   sourceAccount: '222222222222',
 *   sourceModelPackageGroupName: 'staging-credit-risk',
 *   environment: 'prod',
 *   modelPackageGroupName: 'prod-credit-risk',
 *   importAs: 'PendingManualApproval',
 *   artifacts: { bucket: lake.bucket('models'), prefix: 'credit-risk/', encryptionKey: keys.data },
 *   roleName: 'prod-credit-risk-version-import',
 *   encryptionKey: keys.data,
 * });
 */
export class VersionImport extends Construct {
  /** Lets the previous environment's account put promotion events on this account's default bus (once per stack). */
  static allowPromotionsFrom(scope: Construct, id: string, sourceAccount: string): events.CfnEventBusPolicy {
    return new events.CfnEventBusPolicy(scope, id, {
      statementId: `promotions-from-${sourceAccount}`,
      eventBusName: 'default',
      statement: {
        Sid: `PromotionsFrom${sourceAccount}`,
        Effect: 'Allow',
        Principal: { AWS: `arn:${Stack.of(scope).partition}:iam::${sourceAccount}:root` },
        Action: 'events:PutEvents',
        Resource: Stack.of(scope).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
        Condition: { StringEquals: { 'events:source': PROMOTION_EVENT.source, 'events:detail-type': PROMOTION_EVENT.detailType } },
      },
    });
  }

  /**
   * The previous environment's side (in its account): its models bucket lets the next account's
   * import role (`importRoleArn`, by `aws:PrincipalArn`) get objects under `prefix`, and its key lets
   * that role decrypt through S3 only. Principals are the next account's root with the role ARN as
   * a condition, so the policies deploy before the next account's role exists. The statements land
   * in the stacks that own the bucket and the key (nothing here references them).
   */
  static grantImportRead(bucket: s3.IBucket, prefix: string, key: kms.IKey, importRoleArn: string): void {
    const m = /^arn:[^:]+:iam::(\d{12}):role\/(.+)$/.exec(importRoleArn);
    if (!m) throw new Error(`VersionImport.grantImportRead importRoleArn must be a role ARN, got '${importRoleArn}'`);
    if (!/^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]*\/$/.test(prefix))
      throw new Error(`VersionImport.grantImportRead prefix must be a key prefix ending in '/', got '${prefix}'`);
    const partition = importRoleArn.split(':')[1];
    const principal = new iam.ArnPrincipal(`arn:${partition}:iam::${m[1]}:root`);
    const added = bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `PromotedVersionsTo${m[1]}${pascalOf(prefix)}`,
        principals: [principal],
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
        conditions: { ArnEquals: { 'aws:PrincipalArn': importRoleArn } },
      }),
    );
    const keyAdded = key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `PromotedVersionsTo${m[1]}${pascalOf(prefix)}`,
        principals: [principal],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          ArnEquals: { 'aws:PrincipalArn': importRoleArn },
          StringEquals: { 'kms:ViaService': `s3.${Stack.of(bucket).region}.amazonaws.com` },
        },
      }),
    );
    if (!added.statementAdded || !keyAdded.statementAdded)
      throw new Error('VersionImport.grantImportRead needs the bucket and the key of this app (an imported one has no policy to extend)');
  }

  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  /** The role the state machine runs as (it reads the previous account's artifact). */
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: VersionImportProps) {
    super(scope, id);
    const C = 'VersionImport';
    assertPattern(C, 'sourceAccount', props.sourceAccount, /^\d{12}$/, 'a 12-digit account id');
    if (props.importAs !== 'Approved' && props.importAs !== 'PendingManualApproval') {
      throw new Error(`${C} importAs must be 'Approved' or 'PendingManualApproval', got '${props.importAs}'`);
    }
    const a = props.artifacts;
    assertPattern(C, 'artifacts.prefix', a.prefix, /^[a-z0-9][a-z0-9-]*\/$/, "a model prefix such as 'credit-risk/'");
    const stack = Stack.of(this);
    const group = props.modelPackageGroupName;
    const groupArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'model-package-group',
      resourceName: group,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const packagesArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'model-package',
      resourceName: `${group}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    // Where the artifact comes from and goes (JSONata: ASL's JSONPath cannot cut a string). Only an
    // s3:// URL under the model's prefix is accepted; the copy is `<prefix><source env>-<n>/model.tar.gz`.
    const escaped = a.prefix.replace(/[-/]/g, (c) => `\\${c}`);
    const locate = sfn.Pass.jsonata(this, 'LocateArtifact', {
      outputs: {
        detail: '{% $states.input.detail %}',
        // One line ('{% … %}'): asl-validator's JSONata pattern does not span lines.
        artifact: [
          '{% (',
          `$d := $states.input.detail;`,
          `$m := $match($d.modelDataUrl, /^s3:\\/\\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\\/(${escaped}[^\\s]+)$/);`,
          `$n := $split($d.modelPackageArn, '/')[-1];`,
          `$version := $d.sourceEnvironment & '-' & $n;`,
          `($m and $match($n, /^[0-9]+$/) and $match($d.sourceEnvironment, /^[a-z][a-z0-9-]*$/)) ? {`,
          `'copySource': $m.groups[0] & '/' & $m.groups[1],`,
          `'key': '${a.prefix}' & $version & '/model.tar.gz',`,
          `'url': 's3://${a.bucket.bucketName}/${a.prefix}' & $version & '/model.tar.gz'`,
          `} : { 'refused': $string($d.modelDataUrl) }`,
          ') %}',
        ].join(' '),
      },
    });
    const refused = new sfn.Fail(this, 'ImportRefused', {
      error: 'ImportRefused',
      cause: `the promoted version's artifact is not an s3:// URL under '${a.prefix}' of the source bucket; nothing copied or registered`,
    });
    const importFailed = new sfn.Fail(this, 'ImportFailed', { error: 'ImportFailed', causePath: '$.error.Cause' });
    const sourceObjects = `arn:${stack.partition}:s3:::*/${a.prefix}*`;
    const copy = new tasks.CallAwsService(this, 'CopyArtifact', {
      service: 's3',
      action: 'copyObject',
      iamAction: 's3:PutObject',
      iamResources: [a.bucket.arnForObjects(`${a.prefix}*/model.tar.gz`)],
      additionalIamStatements: [
        // The source bucket's name is the previous account's (not known here): any bucket of that
        // account, the model's prefix only; its bucket policy admits this role on that prefix only.
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [sourceObjects],
          conditions: { StringEquals: { 's3:ResourceAccount': props.sourceAccount } },
        }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [stack.formatArn({ service: 'kms', account: props.sourceAccount, resource: 'key', resourceName: '*' })],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      ],
      parameters: {
        Bucket: a.bucket.bucketName,
        'Key.$': '$.artifact.key',
        'CopySource.$': '$.artifact.copySource',
        ExpectedSourceBucketOwner: props.sourceAccount,
        TaggingDirective: 'REPLACE',
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    copy.addCatch(importFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    const register = new tasks.CallAwsService(this, 'RegisterPromotedVersion', {
      service: 'sagemaker',
      action: 'createModelPackage',
      iamResources: [groupArn, packagesArn],
      parameters: {
        ModelPackageGroupName: group,
        ModelApprovalStatus: props.importAs,
        'ModelPackageDescription.$': "States.Format('promoted from {}: {}', $.detail.sourceEnvironment, $.detail.modelPackageArn)",
        InferenceSpecification: {
          Containers: [{ 'Image.$': '$.detail.image', 'ModelDataUrl.$': '$.artifact.url' }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['text/csv'],
        },
        MetadataProperties: { 'GeneratedBy.$': '$$.Execution.Id' },
        CustomerMetadataProperties: {
          'sourceModelPackageArn.$': '$.detail.modelPackageArn',
          'sourceEnvironment.$': '$.detail.sourceEnvironment',
          'sourceModelDataUrl.$': '$.detail.modelDataUrl',
          importedAs: props.importAs,
        },
      },
      resultSelector: { 'modelPackageArn.$': '$.ModelPackageArn' },
      resultPath: '$.registered',
    });
    register.addCatch(importFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    const logGroup = executionLog(this, {
      encryptionKey: props.encryptionKey,
      logEncryptionKey: props.logEncryptionKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role = new ManagedPolicyRole(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Registers versions promoted from ${props.sourceModelPackageGroupName} into ${group} as ${props.importAs}`,
    });
    // Only the configured status: an import can never approve what the configuration says a human approves here.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OnlyConfiguredStatus',
        effect: iam.Effect.DENY,
        actions: ['sagemaker:CreateModelPackage'],
        resources: [groupArn, packagesArn],
        conditions: { StringNotEquals: { 'sagemaker:ModelApprovalStatus': props.importAs } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NeverUpdatePackages',
        effect: iam.Effect.DENY,
        actions: ['sagemaker:UpdateModelPackage'],
        resources: ['*'],
      }),
    );
    this.stateMachine = auditedStateMachine(this, {
      role,
      definition: locate.next(
        new sfn.Choice(this, 'ArtifactUnderModelPrefix?')
          .when(sfn.Condition.isPresent('$.artifact.copySource'), copy.next(register).next(new sfn.Succeed(this, 'Imported')))
          .otherwise(refused),
      ),
      comment: `Versions promoted from ${props.sourceModelPackageGroupName} registered into ${group} as ${props.importAs}`,
      timeout: Duration.minutes(5),
      logGroup,
      encryptionKey: props.encryptionKey,
    });
    props.encryptionKey.grantEncryptDecrypt(role);
    // The copy is written with this bucket's key (its default encryption), through S3 only.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [a.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    );
    this.role = role;
    this.rule = new events.Rule(this, 'OnPromotion', {
      description: `Versions of ${props.sourceModelPackageGroupName} promoted to ${props.environment}`,
      eventPattern: {
        source: [PROMOTION_EVENT.source],
        detailType: [PROMOTION_EVENT.detailType],
        account: [props.sourceAccount],
        detail: { modelPackageGroupName: [props.sourceModelPackageGroupName], targetEnvironment: [props.environment] },
      },
      targets: [stateMachineTarget(this, this.stateMachine)],
    });
    acknowledgeWildcards(this, [
      ...GRANT_WILDCARDS,
      {
        finding: /^Resource::\*$/,
        reason: 'X-Ray and log delivery actions have no resource type (aws-cdk-lib StateMachine); the Deny of UpdateModelPackage',
      },
      {
        finding: /^Resource::arn:[^:]+:s3:::\*\/[a-z0-9-]+\/\*$/,
        reason:
          "The previous account's models bucket (its name is not known here), the model's prefix only, that account only (s3:ResourceAccount); its bucket policy admits this role on that prefix",
      },
      {
        finding: /^Resource::arn:[^:]+:kms:[^:]*:\d{12}:key\/\*$/,
        reason: "The previous account's bucket key (not known here), decrypt through S3 only; its key policy admits this role",
      },
      {
        finding: new RegExp(`^Resource::${BUCKET_ARN}/${a.prefix}\\*/model\\.tar\\.gz$`),
        reason: "The copies of promoted versions: this environment's models bucket, the model's prefix only",
      },
      {
        finding: /^Resource::arn:[^:]+:sagemaker:[^:]*:[^:]*:model-package\/[A-Za-z0-9-]+\/\*$/,
        reason: "Versions of this environment's group of the model (numbered as they are registered)",
      },
    ]);
  }
}

/** `credit-risk/` → `CreditRisk` (statement ids). */
function pascalOf(prefix: string): string {
  return prefix
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}
