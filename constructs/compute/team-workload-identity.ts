import { Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DNS_LABEL, S3_PREFIX as PREFIX } from '../core/patterns';
import { KMS_READ_ACTIONS, S3_OBJECT_READ_ACTIONS, S3_OBJECT_WRITE_ACTIONS } from '../core/perms';
import { acknowledgeWildcards, when } from '../private/acknowledge';

/**
 * The principal that EKS Pod Identity assumes roles as, limited to associations of one cluster in
 * this account (confused-deputy protection). `sts:TagSession` is included, as Pod Identity needs it.
 */
export function podIdentityPrincipal(cluster: eks.ICluster): iam.IPrincipal {
  const stack = Stack.of(cluster);
  return new iam.SessionTagsPrincipal(
    new iam.ServicePrincipal('pods.eks.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnEquals: { 'aws:SourceArn': cluster.clusterArn },
    }),
  );
}

/**
 * Checks the namespace and service account a Pod Identity association binds (DNS-1123 labels;
 * tokens are skipped). `where` names the construct in the message.
 */
export function checkServiceAccountBinding(where: string, namespace: string, serviceAccountName: string): void {
  for (const [field, value] of [
    ['namespace', namespace],
    ['serviceAccountName', serviceAccountName],
  ] as const) {
    if (!Token.isUnresolved(value) && !DNS_LABEL.test(value)) {
      throw new Error(`${where}: ${field} must be a DNS-1123 label (lower-case a-z, 0-9, '-', at most 63), got '${value}'`);
    }
  }
}

/** SSE-KMS through S3: reads decrypt (KMS_READ_ACTIONS); writes (and multipart uploads) also generate data keys. */
const KEY_WRITE_ACTIONS = ['kms:GenerateDataKey'];

/** A team's access to one lake bucket. */
export interface TeamLakeAccess {
  /** ARN of the bucket (`arn:aws:s3:::name`). */
  readonly bucketArn: string;
  /** @default - none */
  readonly readPrefixes?: readonly string[];
  /** @default - none */
  readonly writePrefixes?: readonly string[];
}

export interface TeamWorkloadIdentityProps {
  /** The cluster whose pods assume the role. */
  readonly cluster: eks.ICluster;
  /** Namespace of the team. */
  readonly namespace: string;
  /** Service account (in the namespace) bound to the role. */
  readonly serviceAccountName: string;
  /**
   * What the team may read and write in the lake, per bucket: each bucket with the key prefixes
   * (ending in `/`) the team may read, and those it may write (and read).
   * @default - no S3 access
   */
  readonly lake?: readonly TeamLakeAccess[];
  /**
   * Key of the lake buckets (SSE-KMS); decrypt for reads, encrypt for writes, only via S3.
   * @default - no KMS permission (SSE-S3 buckets)
   */
  readonly lakeKey?: kms.IKey;
}

/**
 * The AWS identity of a team's pods: an IAM role that EKS Pod Identity hands to pods running as
 * the team's service account, allowed to list, read and write only the team's prefixes of the
 * lake buckets (and use the lake key through S3 only).
 *
 * @example
 * new TeamWorkloadIdentity(this, 'RiskIdentity', {
 *   cluster, namespace: 'risk', serviceAccountName: 'risk-workloads',
 *   lakeKey: keys.data,
 *   lake: [
 *     { bucketArn: lake.bucket('curated').bucketArn, readPrefixes: ['credit/'] },
 *     { bucketArn: lake.bucket('features').bucketArn, writePrefixes: ['teams/risk/'] },
 *   ],
 * });
 */
export class TeamWorkloadIdentity extends Construct {
  readonly role: iam.Role;
  readonly association: eks.CfnPodIdentityAssociation;

  constructor(scope: Construct, id: string, props: TeamWorkloadIdentityProps) {
    super(scope, id);
    const where = `TeamWorkloadIdentity '${props.namespace}'`;
    checkServiceAccountBinding(where, props.namespace, props.serviceAccountName);
    const lake = props.lake ?? [];
    for (const prefix of lake.flatMap((l) => [...(l.readPrefixes ?? []), ...(l.writePrefixes ?? [])])) {
      if (!PREFIX.test(prefix)) {
        throw new Error(
          `${where}: lake prefix '${prefix}' is not allowed; expected lower-case path segments ending in '/', without wildcards or a leading '/' (e.g. 'teams/risk/')`,
        );
      }
    }

    this.role = new iam.Role(this, 'Role', {
      assumedBy: podIdentityPrincipal(props.cluster),
      description: `Workloads of team namespace ${props.namespace}: its lake prefixes only`,
    });

    const statements: iam.PolicyStatement[] = [];
    const prefixesOf = (l: TeamLakeAccess) => [...new Set([...(l.readPrefixes ?? []), ...(l.writePrefixes ?? [])])];
    const used = lake.filter((l) => prefixesOf(l).length > 0);
    if (used.length > 0) {
      statements.push(
        ...used.map(
          (l, i) =>
            new iam.PolicyStatement({
              sid: `ListTeamPrefixes${i + 1}`,
              actions: ['s3:ListBucket'],
              resources: [l.bucketArn],
              conditions: { StringLike: { 's3:prefix': prefixesOf(l).map((p) => `${p}*`) } },
            }),
        ),
        new iam.PolicyStatement({
          sid: 'ReadTeamPrefixes',
          actions: [...S3_OBJECT_READ_ACTIONS],
          resources: used.flatMap((l) => prefixesOf(l).map((p) => `${l.bucketArn}/${p}*`)),
        }),
      );
      const writes = used.flatMap((l) => (l.writePrefixes ?? []).map((p) => `${l.bucketArn}/${p}*`));
      if (writes.length > 0) {
        statements.push(new iam.PolicyStatement({ sid: 'WriteTeamPrefixes', actions: [...S3_OBJECT_WRITE_ACTIONS], resources: writes }));
      }
      if (props.lakeKey) {
        statements.push(
          new iam.PolicyStatement({
            sid: 'UseLakeKeyThroughS3',
            actions: writes.length > 0 ? [...KMS_READ_ACTIONS, ...KEY_WRITE_ACTIONS] : [...KMS_READ_ACTIONS],
            resources: [props.lakeKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
          }),
        );
      }
    }
    if (statements.length > 0) {
      const lakeAccess = new iam.ManagedPolicy(this, 'LakeAccess', { statements });
      this.role.addManagedPolicy(lakeAccess);
      acknowledgeWildcards(
        lakeAccess,
        when(
          /^Resource::.+\/\*$/,
          'A team role may read and write objects only under its configured lake prefixes (`<bucket>/<prefix>*`); S3 object ARNs under a prefix need the trailing wildcard, and ListBucket is limited by an s3:prefix condition.',
        ),
      );
    }

    this.association = new eks.CfnPodIdentityAssociation(this, 'Resource', {
      clusterName: props.cluster.clusterName,
      namespace: props.namespace,
      serviceAccount: props.serviceAccountName,
      roleArn: this.role.roleArn,
    });
  }
}
