import type { Construct } from 'constructs';
import { AuditBucket, PlatformKeys } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

/** Customer-managed keys per data domain and the access-log/audit bucket of one environment. */
export class SecurityStack extends PlatformStack {
  readonly keys: PlatformKeys;
  readonly audit: AuditBucket;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config } = props;
    this.keys = new PlatformKeys(this, 'Keys', {
      aliasPrefix: `mlp/${config.name}`,
      removalPolicy: this.statefulRemovalPolicy,
    });
    this.audit = new AuditBucket(this, 'AuditLogs', {
      transitionToGlacierDays: config.audit.transitionToGlacierDays,
      expirationDays: config.audit.expirationDays,
      removalPolicy: this.statefulRemovalPolicy,
    });
  }
}
