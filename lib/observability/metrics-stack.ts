import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { type IOnCallTopics, type PlatformKeys, PrometheusMonitoring } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

export interface MetricsStackProps extends PlatformStackProps {
  readonly keys: PlatformKeys;
  /** The Security stack's on-call topics (the workspace's alert manager notifies them). */
  readonly oncall: IOnCallTopics;
}

/** SSM parameter holding the environment's Prometheus query URL (KEDA's serverAddress). */
export function prometheusQueryUrlParameterName(env: string): string {
  return `/mlp/${env}/prometheus/query-url`;
}

/**
 * Amazon Managed Service for Prometheus of one environment (where `observability.prometheus` is
 * enabled): the KMS-encrypted workspace, its log group, the GPU alert rules (XID errors page, idle
 * GPU nodes ticket) and the alert manager routing to the on-call topics. In a small stack of its own
 * after Security and before Compute, so that Compute's KEDA operator can be scoped to this
 * workspace (a reference from Compute to the workspace; the collector that scrapes the cluster
 * lives in the Observability stack, after Compute: no cycle). Retained where the environment
 * retains (the workspace holds the metrics).
 */
export class MetricsStack extends PlatformStack {
  readonly prometheus: PrometheusMonitoring;
  /** The workspace's query endpoint: `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>`. */
  readonly queryUrl: string;

  constructor(scope: Construct, id: string, props: MetricsStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config } = props;
    const o = config.observability;
    this.prometheus = new PrometheusMonitoring(this, 'Prometheus', {
      environment: config.name,
      encryptionKey: props.keys.compute,
      logEncryptionKey: props.keys.logs,
      logRetention: config.logging.retentionDays as logs.RetentionDays,
      topics: props.oncall,
      owner: o.owners.kubernetes,
      gpuIdleFor: Duration.hours(o.prometheus.gpuIdleHours),
      removalPolicy: this.statefulRemovalPolicy,
    });
    this.queryUrl = `https://aps-workspaces.${config.region}.amazonaws.com/workspaces/${this.prometheus.workspace.attrWorkspaceId}`;
    new ssm.StringParameter(this, 'QueryUrl', {
      parameterName: prometheusQueryUrlParameterName(config.name),
      stringValue: this.queryUrl,
      description: 'Query URL of the Prometheus workspace (KEDA prometheus trigger serverAddress)',
    });
    new CfnOutput(this, 'PrometheusQueryUrl', { value: this.queryUrl, description: 'Prometheus workspace query URL (KEDA)' });
    new CfnOutput(this, 'PrometheusWorkspaceArn', { value: this.prometheus.workspace.attrArn });
  }
}
