import { ArnFormat, Aws, type Stack } from 'aws-cdk-lib';

/**
 * ARN of an EC2 resource (`network-interface`, `subnet`, `security-group`, `vpc`) in the stack's
 * account and region. Pseudo-parameters rather than the stack's account and region: the same
 * policy text (and the same compliance finding id) in every environment.
 */
export function ec2Arn(stack: Stack, resource: string, resourceName: string): string {
  return stack.formatArn({
    service: 'ec2',
    account: Aws.ACCOUNT_ID,
    region: Aws.REGION,
    resource,
    resourceName,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
