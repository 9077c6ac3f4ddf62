import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';

/**
 * Acknowledges AwsSolutions-IAM5 for the wildcard resources of the named statements (by `Sid`) of a
 * policy this construct owns, and nothing else: a wildcard added to any other statement still
 * fails. Finding ids embed resolved ARNs (cross-stack references take their final form only at
 * synth), so they are computed when validation runs.
 */
export function acknowledgeWildcardResources(policy: iam.ManagedPolicy, sids: readonly string[], reason: string): void {
  policy.node.addValidation({
    validate: () => {
      const cfn = policy.node.defaultChild as iam.CfnManagedPolicy;
      const document = Stack.of(policy).resolve(cfn.policyDocument) as { Statement?: Array<{ Sid?: string; Resource?: unknown }> };
      for (const statement of document.Statement ?? []) {
        if (!statement.Sid || !sids.includes(statement.Sid)) continue;
        for (const resource of [statement.Resource].flat()) {
          const flat = flattenCfnReference(resource);
          if (flat.includes('*')) Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
        }
      }
      return [];
    },
  });
}
