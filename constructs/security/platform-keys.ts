import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The data domains that get a customer-managed key each. */
export const KEY_DOMAINS = ['logs', 'data', 'streaming', 'compute', 'serving'] as const;
export type KeyDomain = (typeof KEY_DOMAINS)[number];

export interface PlatformKeysProps {
  /**
   * Prefix of the key aliases: keys are `alias/<aliasPrefix>/<domain>`.
   * @example 'mlp/prod'
   */
  readonly aliasPrefix: string;
  /**
   * What happens to the keys when they leave the stack. Keys encrypt retained data, so RETAIN
   * wherever data is retained.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Waiting period before a removed key is deleted, in days (7 to 30).
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;
}

/**
 * One customer-managed KMS key per data domain, with yearly rotation:
 * - `logs`: CloudWatch Logs (VPC flow logs, EKS, MSK broker logs, ...); its policy lets the
 *   regional CloudWatch Logs service use it for this account's log groups only.
 * - `data`: the lake buckets, the Glue catalog, the online and offline feature store.
 * - `streaming`: MSK at rest.
 * - `compute`: EKS secrets envelope encryption and node volumes.
 * - `serving`: SageMaker endpoints, model artifacts in flight, MLflow.
 *
 * Separate keys bound the blast radius of a grant: a role that may decrypt the lake cannot read
 * Kubernetes secrets, and each key can be disabled or audited on its own.
 *
 * @example
 * const keys = new PlatformKeys(this, 'Keys', { aliasPrefix: 'mlp/dev', removalPolicy: RemovalPolicy.DESTROY });
 * new s3.Bucket(this, 'Bucket', { encryptionKey: keys.data });
 */
export class PlatformKeys extends Construct {
  readonly logs: kms.Key;
  readonly data: kms.Key;
  readonly streaming: kms.Key;
  readonly compute: kms.Key;
  readonly serving: kms.Key;

  constructor(scope: Construct, id: string, props: PlatformKeysProps) {
    super(scope, id);
    const pendingWindow = props.pendingWindow ?? Duration.days(30);
    const make = (domain: KeyDomain, constructId: string, description: string): kms.Key =>
      new kms.Key(this, constructId, {
        alias: `alias/${props.aliasPrefix}/${domain}`,
        description,
        enableKeyRotation: true,
        pendingWindow,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });

    this.logs = make('logs', 'LogsKey', 'CloudWatch Logs of the ML platform');
    this.data = make('data', 'DataKey', 'Data lake, Glue catalog and feature stores of the ML platform');
    this.streaming = make('streaming', 'StreamingKey', 'MSK event streams of the ML platform');
    this.compute = make('compute', 'ComputeKey', 'EKS secrets and node volumes of the ML platform');
    this.serving = make('serving', 'ServingKey', 'SageMaker models, endpoints and MLflow of the ML platform');

    const stack = Stack.of(this);
    this.logs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }

  /** All keys, by domain. */
  get byDomain(): Record<KeyDomain, kms.Key> {
    return { logs: this.logs, data: this.data, streaming: this.streaming, compute: this.compute, serving: this.serving };
  }
}
