import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as aps from 'aws-cdk-lib/aws-aps';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type AlarmOwnership, checkOwnership, runbookLink } from './alarm-contract';
import type { IOnCallTopics } from './on-call-topics';

/** The EKS cluster the managed scraper collects from. */
export interface ScrapedCluster {
  readonly clusterArn: string;
  /** Subnets of the scraper's ENIs (the cluster's private subnets, 2 AZs or more). */
  readonly subnetIds: readonly string[];
  /** Security groups of the scraper's ENIs; the nodes must admit them on the metric ports (9400 DCGM, 8080 kube-state-metrics, 10250 kubelet). */
  readonly securityGroupIds: readonly string[];
}

/** One Prometheus alerting rule under the alarm contract (labels carry severity, owner, runbook). */
export interface PrometheusAlertRule extends AlarmOwnership {
  /** Alert name, e.g. `GpuXidErrors`. */
  readonly alert: string;
  /** PromQL expression. */
  readonly expr: string;
  /** How long the expression must hold. */
  readonly for: Duration;
  readonly summary: string;
}

export interface PrometheusMonitoringProps {
  /** The environment, e.g. `prod`: aliases and rule labels. */
  readonly environment: string;
  /** Key of the workspace's metrics at rest. */
  readonly encryptionKey: kms.IKey;
  /** Key of the workspace's rule and alert-manager log group. */
  readonly logEncryptionKey: kms.IKey;
  /**
   * Retention of that log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /** Alerts notify the topic of their severity through the workspace's alert manager. */
  readonly topics: IOnCallTopics;
  /**
   * The cluster to scrape with an AWS managed collector.
   * @default - no scraper (e.g. ADOT writes to the workspace instead)
   */
  readonly cluster?: ScrapedCluster;
  /**
   * Owner of the GPU alerts.
   * @default 'ml-platform'
   */
  readonly owner?: string;
  /**
   * How long a GPU may sit below 5% utilization before it tickets (cost).
   * @default Duration.hours(3)
   */
  readonly gpuIdleFor?: Duration;
  /**
   * Severity of GPU XID errors.
   * @default 'page'
   */
  readonly xidSeverity?: 'page' | 'ticket';
  /**
   * Removal policy of the workspace (it holds the metrics).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Scrape jobs of the managed collector: kubelet/cAdvisor, the DCGM exporter and kube-state-metrics. */
export function scrapeConfiguration(interval = '30s'): string {
  const job = (name: string, namespace: string, service: string) => `  - job_name: ${name}
    kubernetes_sd_configs:
      - role: endpoints
        namespaces:
          names: [${namespace}]
    relabel_configs:
      - source_labels: [__meta_kubernetes_service_name]
        regex: ${service}
        action: keep
      - source_labels: [__meta_kubernetes_pod_node_name]
        target_label: node`;
  return `global:
  scrape_interval: ${interval}
scrape_configs:
${job('dcgm-exporter', 'gpu-monitoring', 'dcgm-exporter')}
${job('kube-state-metrics', 'gpu-monitoring', 'kube-state-metrics')}
  - job_name: kubelet
    scheme: https
    bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token
    tls_config:
      ca_file: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
      insecure_skip_verify: false
    kubernetes_sd_configs:
      - role: node
    relabel_configs:
      - action: labelmap
        regex: __meta_kubernetes_node_label_(node_kubernetes_io_instance_type|karpenter_sh_nodepool)
`;
}

/**
 * Kubernetes and GPU metrics in Amazon Managed Service for Prometheus: a KMS-encrypted workspace
 * with logging, an AWS managed collector (scraper) for the EKS cluster, alerting rules for GPU XID
 * errors (page) and GPU nodes idle for hours (ticket), and an alert manager that sends each alert
 * to the SNS topic of its severity (topics and key admit aps.amazonaws.com of this account).
 *
 * The scraper's role (`scraperRoleArn`) needs an EKS access entry mapped to the RBAC of the
 * gpu-observability chart (user `aps-collector-user`); the DCGM exporter and kube-state-metrics
 * come from that chart's Helm releases.
 */
export class PrometheusMonitoring extends Construct {
  readonly workspace: aps.CfnWorkspace;
  readonly rules: aps.CfnRuleGroupsNamespace;
  readonly scraper?: aps.CfnScraper;
  readonly logGroup: logs.LogGroup;
  /** The alert rules, as deployed. */
  readonly alertRules: readonly PrometheusAlertRule[];

  constructor(scope: Construct, id: string, props: PrometheusMonitoringProps) {
    super(scope, id);
    const env = props.environment;
    const owner = props.owner ?? 'ml-platform';
    const idle = props.gpuIdleFor ?? Duration.hours(3);
    if (idle.toMinutes() < 30)
      throw new Error(`${env}.observability.prometheus.gpuIdleFor: ${idle.toHumanString()} is shorter than 30 minutes`);
    if (props.cluster && props.cluster.subnetIds.length < 2) {
      throw new Error(
        `${env}.observability.prometheus.cluster.subnetIds: ${props.cluster.subnetIds.length} subnet(s); the managed collector needs at least 2 (in 2 AZs)`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.logEncryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    for (const severity of ['page', 'ticket'] as const) props.topics.allowServiceToPublish(severity, 'aps.amazonaws.com');
    const region = Stack.of(this).region;
    const receiver = (severity: 'page' | 'ticket') => `    - name: ${severity}
      sns_configs:
        - topic_arn: ${props.topics.topic(severity).topicArn}
          sigv4:
            region: ${region}
          attributes:
            severity: ${severity}
          subject: '[${env}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})'
          message: '{{ range .Alerts }}{{ .Annotations.summary }} Runbook: {{ .Annotations.runbook_url }} {{ end }}'`;
    const alertManagerDefinition = `alertmanager_config: |
  route:
    receiver: ticket
    group_by: [alertname, node]
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 4h
    routes:
      - matchers: ['severity="page"']
        receiver: page
  receivers:
${receiver('page')}
${receiver('ticket')}
`;

    this.workspace = new aps.CfnWorkspace(this, 'Resource', {
      alias: `${env}-ml-platform`,
      kmsKeyArn: props.encryptionKey.keyArn,
      loggingConfiguration: { logGroupArn: `${this.logGroup.logGroupArn}` },
      alertManagerDefinition,
    });
    this.workspace.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);

    this.alertRules = [
      {
        alert: 'GpuXidErrors',
        // The exporter's gauge holds the last XID error code of the GPU; any non-zero value is a fault.
        expr: 'max by (node, gpu, modelName) (DCGM_FI_DEV_XID_ERRORS) > 0',
        for: Duration.minutes(1),
        severity: props.xidSeverity ?? 'page',
        owner,
        runbook: 'gpu-xid-errors',
        summary: 'GPU {{ $labels.gpu }} on {{ $labels.node }} reports XID error {{ $value }}.',
      },
      {
        alert: 'GpuNodeIdle',
        expr: 'avg by (node) (DCGM_FI_DEV_GPU_UTIL) < 5',
        for: idle,
        severity: 'ticket',
        owner,
        runbook: 'gpu-nodes-idle',
        summary: `GPU node {{ $labels.node }} below 5% GPU utilization for ${idle.toHumanString()}.`,
      },
    ];
    this.rules = new aps.CfnRuleGroupsNamespace(this, 'GpuRules', {
      workspace: this.workspace.attrArn,
      name: 'gpu',
      data: ruleGroupsYaml('gpu', this.alertRules, env),
    });

    if (props.cluster) {
      this.scraper = new aps.CfnScraper(this, 'Scraper', {
        alias: `${env}-eks`,
        source: {
          eksConfiguration: {
            clusterArn: props.cluster.clusterArn,
            subnetIds: [...props.cluster.subnetIds],
            securityGroupIds: [...props.cluster.securityGroupIds],
          },
        },
        destination: { ampConfiguration: { workspaceArn: this.workspace.attrArn } },
        scrapeConfiguration: { configurationBlob: scrapeConfiguration() },
      });
    }
  }

  /** The managed collector's role, for the EKS access entry (undefined without a cluster). */
  get scraperRoleArn(): string | undefined {
    return this.scraper?.attrRoleArn;
  }
}

/** A Prometheus rule file with one group; each rule carries the contract's labels and runbook link. */
export function ruleGroupsYaml(group: string, rules: readonly PrometheusAlertRule[], environment: string): string {
  const lines = ['groups:', `  - name: ${group}`, '    rules:'];
  for (const r of rules) {
    checkOwnership(`${environment}.observability.prometheus.${r.alert}`, r);
    lines.push(
      `      - alert: ${r.alert}`,
      `        expr: ${r.expr}`,
      `        for: ${Math.round(r.for.toSeconds() / 60)}m`,
      '        labels:',
      `          severity: ${r.severity}`,
      `          owner: ${r.owner}`,
      `          runbook: ${r.runbook}`,
      `          environment: ${environment}`,
      '        annotations:',
      `          summary: ${JSON.stringify(r.summary)}`,
      `          runbook_url: ${runbookLink(r.runbook)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
