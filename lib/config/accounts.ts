import type { EnvironmentName } from './types';

/**
 * THE place to set where each environment is deployed. The accounts are placeholders: replace them
 * with your AWS account ids (12 digits, as strings) before `cdk deploy`. Synth never contacts AWS,
 * so placeholders are enough to synthesize and test.
 */
export const ACCOUNTS: Record<EnvironmentName, { readonly account: string; readonly region: string }> = {
  dev: { account: '111111111111', region: 'eu-west-1' },
  staging: { account: '222222222222', region: 'eu-west-1' },
  prod: { account: '333333333333', region: 'eu-west-1' },
};
