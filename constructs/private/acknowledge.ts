import { CfnResource, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { optionalPeer } from './optional-peer';

/**
 * Acknowledges compliance findings (cdk-nag rule ids, or CloudFormation validation warnings) on a
 * construct the caller created or owns, and on its children. Constructs call it for findings that
 * follow from their own design, on their own children, by reference: never by path or logical ID.
 */
export function acknowledge(scope: IConstruct, reason: string, ...ids: readonly string[]): void {
  Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason })));
}

/** The three packs' ids of one rule: `['AwsSolutions-S1', 'PCI.DSS.321-…', 'NIST.800.53.R5-…']` as asked for. */
export const packs = {
  pci: (rule: string): string => `PCI.DSS.321-${rule}`,
  nist: (rule: string): string => `NIST.800.53.R5-${rule}`,
  /** The PCI DSS and NIST ids of a rule both packs share. */
  both: (rule: string): string[] => [`PCI.DSS.321-${rule}`, `NIST.800.53.R5-${rule}`],
} as const;

/** The finding id cdk-nag's IAM4 rule gives an AWS-managed policy attached to a role. */
export const managedPolicyFinding = (policy: string): string => `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`;

/** A cdk-nag rule as its packs run it: a function of one L1 resource (public `rules.*` exports). */
export type NagRule = (node: CfnResource) => unknown;

/** The cdk-nag rules whose finding ids constructs compute (cdk-nag's public `rules.iam.*`). */
export type NagRuleName = 'IAMNoManagedPolicies' | 'IAMNoWildcardPermissions';

/**
 * One cdk-nag rule, or `undefined` when the app has not installed cdk-nag (an optional peer of the
 * published library): without cdk-nag no pack runs, so there is no finding to acknowledge.
 */
export function nagRule(name: NagRuleName): NagRule | undefined {
  return optionalPeer<{ rules: { iam: Record<NagRuleName, NagRule> } }>('cdk-nag')?.rules.iam[name];
}

/**
 * Acknowledges the findings of one rule on the L1 resources under `scope` for which `reasonFor`
 * gives a reason. Finding ids (`Resource::…`, `Action::…`, `Policy::…`) are computed at validation
 * time by cdk-nag's own public rule, after cross-stack references take their final form; a finding
 * `reasonFor` does not recognise stays a finding. Without cdk-nag (`rule` undefined) it does nothing.
 *
 * @param ruleId the pack's rule id, e.g. `AwsSolutions-IAM5`
 */
export function acknowledgeRuleFindings(
  scope: IConstruct,
  ruleId: string,
  rule: NagRule | undefined,
  reasonFor: (finding: string, resource: CfnResource) => string | undefined,
): void {
  if (!rule) return;
  scope.node.addValidation({
    validate: () => {
      for (const resource of scope.node.findAll()) {
        if (!CfnResource.isCfnResource(resource)) continue;
        const result = rule(resource);
        for (const finding of Array.isArray(result) ? (result as string[]) : []) {
          const reason = reasonFor(finding, resource);
          if (reason) Validations.of(resource).acknowledge({ id: `${ruleId}[${finding}]`, reason });
        }
      }
      return [];
    },
  });
}

/**
 * Acknowledges the IAM5 (wildcard) findings of the IAM policies under `scope` (an `iam.Policy`,
 * `iam.ManagedPolicy` or the construct holding them) for which `reasonFor` gives a reason.
 */
export function acknowledgeWildcards(scope: IConstruct, reasonFor: (finding: string) => string | undefined): void {
  acknowledgeRuleFindings(scope, 'AwsSolutions-IAM5', nagRule('IAMNoWildcardPermissions'), reasonFor);
}

/** `reasonFor` of one pattern: the reason for findings that match it. */
export const when =
  (pattern: RegExp, reason: string) =>
  (finding: string): string | undefined =>
    pattern.test(finding) ? reason : undefined;
