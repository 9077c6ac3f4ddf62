import type * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A principal that is `role` for everything except where its grants land: statements go into a
 * customer-managed policy attached to the role, not into the role's inline default policy
 * (PCI DSS and NIST 800-53 ask for managed policies only).
 */
export class ManagedPolicyPrincipal implements iam.IPrincipal {
  readonly grantPrincipal: iam.IPrincipal = this;

  constructor(
    private readonly role: iam.IRole,
    private readonly policy: iam.ManagedPolicy,
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

  addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}
