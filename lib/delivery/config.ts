import type { EnvironmentName } from '../config/types';

/** Where the pipeline runs and what it builds: the tooling account, the source, the promotion order. */
export interface DeliveryConfig {
  /**
   * The tooling account and region of the pipeline (CodePipeline, CodeBuild, the artifact bucket
   * and its KMS key). Bootstrapped itself, and trusted by every target account
   * (`cdk bootstrap --trust <tooling account>`).
   */
  readonly tooling: { readonly account: string; readonly region: string };
  /** The repository the pipeline builds, through an AWS CodeConnections connection. */
  readonly source: {
    /**
     * ARN of the connection (created in the tooling account and confirmed once in the console:
     * `arn:aws:codeconnections:<region>:<account>:connection/<uuid>`; the older
     * `arn:aws:codestar-connections:…` form works too).
     */
    readonly connectionArn: string;
    /** `owner/name` of the repository (GitHub, GitLab, Bitbucket). */
    readonly repository: string;
    /** The branch whose pushes start the pipeline. */
    readonly branch: string;
  };
  /** Environments in promotion order: one wave each. */
  readonly waves: readonly EnvironmentName[];
  /** Environments that wait for a manual approval in the pipeline before they deploy (prod). */
  readonly approvalBefore: readonly EnvironmentName[];
}

/**
 * THE delivery configuration. The account and the connection are placeholders, like the
 * environments' accounts (lib/config/accounts.ts): replace them before the first `cdk deploy` of
 * the pipeline. Synth never contacts AWS.
 */
export const DELIVERY: DeliveryConfig = {
  tooling: { account: '444444444444', region: 'eu-west-1' },
  source: {
    connectionArn: 'arn:aws:codeconnections:eu-west-1:444444444444:connection/00000000-0000-0000-0000-000000000000',
    repository: 'example-lender/ml-platform',
    branch: 'main',
  },
  waves: ['dev', 'staging', 'prod'],
  approvalBefore: ['prod'],
};
