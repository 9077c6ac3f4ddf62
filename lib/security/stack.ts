import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { AuditBucket, OnCallTopics, PlatformKeys } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

/**
 * Customer-managed keys per data domain, the access-log/audit bucket and the on-call topics of
 * one environment. The topics live here because every stack that makes alarms already depends on
 * this one: a producer never depends on its consumers, so no alarm-making stack can form a cycle.
 */
export class SecurityStack extends PlatformStack {
  readonly keys: PlatformKeys;
  readonly audit: AuditBucket;
  /** The `page` and `ticket` SNS topics (subscriptions from config `oncall`) every alarm notifies. */
  readonly oncall: OnCallTopics;

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
    // The notifications' own key: its policy admits the services that publish alarms, budgets,
    // cost anomalies and Prometheus alerts, which no data key should admit.
    const oncallKey = new kms.Key(this, 'OnCallKey', {
      alias: `alias/mlp/${config.name}/oncall`,
      description: 'On-call notifications (page and ticket topics) of the ML platform',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: this.statefulRemovalPolicy,
    });
    this.oncall = new OnCallTopics(this, 'OnCall', {
      environment: config.name,
      encryptionKey: oncallKey,
      page: config.oncall.page,
      ticket: config.oncall.ticket,
    });
  }
}
