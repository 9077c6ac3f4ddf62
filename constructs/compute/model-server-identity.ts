import { Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { S3_PREFIX as PREFIX } from '../core/patterns';
import { KMS_DECRYPT_ACTIONS, S3_OBJECT_READ_ACTIONS } from '../core/perms';
import { acknowledgeWildcards, when } from '../private/acknowledge';
import { checkServiceAccountBinding, podIdentityPrincipal } from './team-workload-identity';

/** Reading a model: its objects (any version) and listing its prefix; decrypting them through S3. */
export const MODEL_READ_ACTIONS = {
  list: ['s3:ListBucket'],
  objects: S3_OBJECT_READ_ACTIONS,
  kms: KMS_DECRYPT_ACTIONS,
} as const;

export interface ModelServerIdentityProps {
  /** The cluster whose pods assume the role. */
  readonly cluster: eks.ICluster;
  /** Namespace of the model server. */
  readonly namespace: string;
  /** Service account (in the namespace) of the model server, bound to the role. */
  readonly serviceAccountName: string;
  /**
   * Bucket holding the model (the lake's models bucket). Its key, if any, may decrypt through S3.
   * @default - no bucket: the role reads no model (grant access with `grantPrincipal`)
   */
  readonly modelsBucket?: s3.IBucket;
  /**
   * Key prefix of the model in `modelsBucket`, ending in '/': the only objects the role may read.
   * Required with `modelsBucket`.
   * @default - none
   */
  readonly modelPrefix?: string;
}

/**
 * The AWS identity of one model server: an IAM role that EKS Pod Identity hands to the server's
 * pods, allowed to list and read only its model's prefix of the models bucket (decrypting through
 * S3 only). Grants made to it (`featureStore.grantConnect(identity, 'reader')`) land in its one
 * customer-managed policy, not in an inline policy.
 *
 * @example
 * const identity = new ModelServerIdentity(this, 'RiskServer', {
 *   cluster, namespace: 'credit-risk', serviceAccountName: 'credit-risk-server',
 *   modelsBucket: lake.bucket('models'), modelPrefix: 'credit-risk/1.0.0/',
 * });
 * onlineStore.grantConnect(identity, 'reader');
 */
export class ModelServerIdentity extends Construct implements iam.IGrantable {
  readonly role: iam.Role;
  readonly association: eks.CfnPodIdentityAssociation;
  /** Routes grants into the role's customer-managed policy. */
  readonly grantPrincipal: iam.IPrincipal;
  private policy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ModelServerIdentityProps) {
    super(scope, id);
    const where = `ModelServerIdentity '${props.namespace}/${props.serviceAccountName}'`;
    checkServiceAccountBinding(where, props.namespace, props.serviceAccountName);
    if (props.modelsBucket && props.modelPrefix === undefined) {
      throw new Error(`${where}: modelPrefix is required with modelsBucket (the role reads only the model's prefix)`);
    }
    if (props.modelPrefix !== undefined && !Token.isUnresolved(props.modelPrefix) && !PREFIX.test(props.modelPrefix)) {
      throw new Error(
        `${where}: modelPrefix '${props.modelPrefix}' is not allowed; expected lower-case path segments ending in '/', without wildcards or a leading '/' (e.g. 'credit-risk/1.0.0/')`,
      );
    }

    this.role = new iam.Role(this, 'Role', {
      assumedBy: podIdentityPrincipal(props.cluster),
      description: `Model server ${props.namespace}/${props.serviceAccountName}: reads its model, connects to the feature store`,
    });
    this.grantPrincipal = new ManagedPolicyPrincipal(this.role, () => this.managedPolicy());

    if (props.modelsBucket && props.modelPrefix !== undefined) {
      const bucket = props.modelsBucket;
      const prefix = props.modelPrefix;
      this.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ListModelPrefix',
          actions: [...MODEL_READ_ACTIONS.list],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
        }),
      );
      this.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadModel',
          actions: [...MODEL_READ_ACTIONS.objects],
          resources: [bucket.arnForObjects(`${prefix}*`)],
        }),
      );
      if (bucket.encryptionKey) {
        this.grantPrincipal.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'DecryptModelThroughS3',
            actions: [...MODEL_READ_ACTIONS.kms],
            resources: [bucket.encryptionKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
          }),
        );
      }
    }

    this.association = new eks.CfnPodIdentityAssociation(this, 'Resource', {
      clusterName: props.cluster.clusterName,
      namespace: props.namespace,
      serviceAccount: props.serviceAccountName,
      roleArn: this.role.roleArn,
    });
  }

  /** The role's customer-managed policy, created with its first statement (an empty policy is invalid). */
  private managedPolicy(): iam.ManagedPolicy {
    if (!this.policy) {
      this.policy = new iam.ManagedPolicy(this, 'Policy', { roles: [this.role] });
      acknowledgeWildcards(
        this.policy,
        // Objects under a model prefix (`<models bucket>/<model>/<version>/*`), never the bucket root.
        when(
          /^Resource::.+\/[a-z0-9][a-z0-9._=/-]*\/\*$/,
          "A model server's role may read only the objects under its model's prefix of the models bucket (`serving.modelServers[].modelPath`, validated: lower-case segments ending in '/', no wildcards); S3 object ARNs under a prefix need the trailing wildcard, and ListBucket is limited by an s3:prefix condition.",
        ),
      );
    }
    return this.policy;
  }
}

/**
 * The role as a principal whose added statements go to a customer-managed policy (cdk-nag's
 * NIST/PCI rules reject inline policies; `Grant.addToPrincipal` would add the role's default one).
 */
class ManagedPolicyPrincipal implements iam.IPrincipal {
  readonly grantPrincipal: iam.IPrincipal = this;

  constructor(
    private readonly role: iam.IRole,
    private readonly policy: () => iam.ManagedPolicy,
  ) {}

  get assumeRoleAction(): string {
    return this.role.assumeRoleAction;
  }

  get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  get principalAccount(): string | undefined {
    return this.role.principalAccount;
  }

  addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const policy = this.policy();
    policy.addStatements(statement);
    return { statementAdded: true, policyDependable: policy };
  }
}
