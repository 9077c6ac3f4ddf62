import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A role whose own statements and every grant to it land in one customer-managed policy attached
 * to it (id `Policy`), never in an inline default policy: PCI DSS and NIST 800-53 ask for managed
 * policies only. Works for roles handed to L2s (a state machine, a SageMaker task) too.
 */
export class ManagedPolicyRole extends iam.Role {
  private managed?: iam.ManagedPolicy;

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.managed ??= new iam.ManagedPolicy(this, 'Policy', { roles: [this] });
    this.managed.addStatements(statement);
    return { statementAdded: true, policyDependable: this.managed };
  }
}
