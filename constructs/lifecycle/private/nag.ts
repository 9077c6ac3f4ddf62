import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { optionalPeer } from '../../private/optional-peer';

/** cdk-nag's own flattening of a reference into a finding id (cdk-nag is an optional peer of the library). */
type FlattenCfnReference = (reference: unknown) => string;

/** A family of wildcard findings (`Action::…` / `Resource::…`, as cdk-nag names them) and why it is by design. */
export interface WildcardReason {
  readonly finding: RegExp;
  readonly reason: string;
}

/** The wildcard findings of an IAM policy resource, computed as cdk-nag computes them. */
function wildcardFindings(policy: IConstruct, flattenCfnReference: FlattenCfnReference): string[] {
  if (!(policy instanceof iam.CfnPolicy || policy instanceof iam.CfnManagedPolicy)) return [];
  const document = Stack.of(policy).resolve(policy.policyDocument);
  const findings = new Set<string>();
  for (const statement of document?.Statement ?? []) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of [statement.Action].flat()) if (String(action).includes('*')) findings.add(`Action::${action}`);
    for (const resource of [statement.Resource].flat()) {
      const flat = flattenCfnReference(resource);
      if (flat.includes('*')) findings.add(`Resource::${flat}`);
    }
  }
  return [...findings];
}

/**
 * Acknowledges, on every IAM policy under `scope`, the AwsSolutions-IAM5 findings that match one of
 * `reasons` (at validation time, when references are resolved). Any other wildcard stays a finding.
 */
export function acknowledgeWildcards(scope: IConstruct, reasons: readonly WildcardReason[]): void {
  // Without cdk-nag no pack runs, so there is no finding to acknowledge.
  const flatten = optionalPeer<{ flattenCfnReference: FlattenCfnReference }>(
    'cdk-nag/lib/utils/flatten-cfn-reference',
  )?.flattenCfnReference;
  if (!flatten) return;
  scope.node.addValidation({
    validate: () => {
      for (const construct of scope.node.findAll()) {
        if (!CfnResource.isCfnResource(construct)) continue;
        for (const finding of wildcardFindings(construct, flatten)) {
          const match = reasons.find((r) => r.finding.test(finding));
          if (match) Validations.of(construct).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: match.reason });
        }
      }
      return [];
    },
  });
}

/**
 * A bucket ARN as cdk-nag flattens it: `<Logical.Arn>` in the bucket's stack, or the weak
 * cross-stack reference (`{"Fn::GetStackOutput":{…}}`) when the bucket is another stack's.
 */
export const BUCKET_ARN = String.raw`(<[A-Za-z0-9]+\.Arn>|\{"Fn::GetStackOutput":\{[^{}]*\}\})`;

/** Wildcards every lifecycle construct causes through aws-cdk-lib's bucket and key grants. */
export const GRANT_WILDCARDS: readonly WildcardReason[] = [
  {
    finding: /^Action::(s3:(GetBucket|GetObject|List|Abort|DeleteObject|PutObject)\*|kms:(GenerateDataKey|ReEncrypt)\*)$/,
    reason: "aws-cdk-lib's grantRead/grantReadWrite/grantEncryptDecrypt action families, on resources scoped to one prefix and one key",
  },
];
