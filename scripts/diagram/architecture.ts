import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { buildPlatformApp } from '../../lib/app';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../lib/config';

/**
 * The architecture picture of each environment (issue 16 item 7): a Mermaid flowchart generated
 * from the synthesized app: one node per stack with its main resources (counted by type), one
 * edge per deploy dependency (what CloudFormation waits for). `npm run diagram` writes
 * docs/architecture/<env>.md; test/diagram fails when a committed picture is stale.
 */

const ROOT = join(__dirname, '..', '..');

/** The resource types the picture names (others are counted as "other resources"), in display order. */
const MAIN_RESOURCES: readonly (readonly [string, string])[] = [
  ['AWS::KMS::Key', 'KMS key'],
  ['AWS::EC2::VPC', 'VPC'],
  ['AWS::EC2::Subnet', 'subnet'],
  ['AWS::EC2::NatGateway', 'NAT gateway'],
  ['AWS::EC2::VPCEndpoint', 'VPC endpoint'],
  ['AWS::S3::Bucket', 'S3 bucket'],
  ['AWS::Glue::Database', 'Glue database'],
  ['AWS::Glue::Table', 'Glue table'],
  ['AWS::Glue::Registry', 'schema registry'],
  ['AWS::EMRServerless::Application', 'EMR Serverless application'],
  ['AWS::MSK::Cluster', 'MSK cluster'],
  ['AWS::MSK::ServerlessCluster', 'MSK Serverless cluster'],
  ['AWS::MSK::Topic', 'Kafka topic'],
  ['AWS::KinesisFirehose::DeliveryStream', 'Firehose stream'],
  ['AWS::ElastiCache::ReplicationGroup', 'ElastiCache replication group'],
  ['AWS::EKS::Cluster', 'EKS cluster'],
  ['AWS::EKS::Nodegroup', 'managed node group'],
  ['AWS::EKS::Addon', 'EKS add-on'],
  ['Custom::AWSCDK-EKS-HelmChart', 'Helm chart'],
  ['Custom::AWSCDK-EKS-KubernetesResource', 'Kubernetes manifest set'],
  ['AWS::EKS::PodIdentityAssociation', 'Pod Identity association'],
  ['AWS::EKS::AccessEntry', 'EKS access entry'],
  ['AWS::FSx::FileSystem', 'FSx for Lustre file system'],
  ['AWS::EC2::Instance', 'EC2 instance'],
  ['AWS::SageMaker::MlflowTrackingServer', 'MLflow tracking server'],
  ['AWS::SageMaker::MlflowApp', 'MLflow app'],
  ['AWS::SageMaker::ModelPackageGroup', 'model package group'],
  ['AWS::SageMaker::Domain', 'SageMaker Studio domain'],
  ['AWS::ECR::Repository', 'ECR repository'],
  ['AWS::SNS::Topic', 'SNS topic'],
  ['AWS::CloudWatch::Alarm', 'CloudWatch alarm'],
  ['AWS::CloudWatch::Dashboard', 'dashboard'],
  ['AWS::StepFunctions::StateMachine', 'state machine'],
  ['AWS::MWAA::Environment', 'MWAA environment'],
  ['AWS::APS::Workspace', 'Prometheus workspace'],
  ['AWS::SSM::Parameter', 'SSM parameter'],
];

/** An app of every environment, synthesized as `cdk synth` does (cdk.json's context), without assets or template validation. */
export function synthesizePlatform(): CloudAssembly {
  const context = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context;
  const app = new App({ context: { ...context, 'aws:cdk:disable-asset-staging': true }, builtinCloudFormationValidation: false });
  buildPlatformApp(app, { compliance: false });
  return app.synth();
}

function plural(n: number, label: string): string {
  if (n === 1) return `1 ${label}`;
  if (label.endsWith('s')) return `${n} ${label}es`;
  if (/[^aeiou]y$/.test(label)) return `${n} ${label.slice(0, -1)}ies`;
  return `${n} ${label}s`;
}

/** `MlPlatform-prod-FeatureGroup-applicant-txn-aggregates` -> `FeatureGroup-applicant-txn-aggregates`. */
const part = (stackName: string, env: string): string => stackName.replace(`MlPlatform-${env}-`, '');
const nodeId = (p: string): string => p.replace(/[^A-Za-z0-9]/g, '_');

/** The Markdown page (title, how to regenerate, the Mermaid flowchart, the stack table) of one environment. */
export function architectureMarkdown(assembly: CloudAssembly, env: EnvironmentName): string {
  const artifacts = assembly.getNestedAssembly(`assembly-${env}`).stacks;
  const names = new Set(artifacts.map((s) => s.stackName));
  const waitsFor = new Map(artifacts.map((s) => [s.stackName, deps(s, names)]));
  // Deploy order: by depth (longest chain of stacks before it), then by name.
  const depth = new Map<string, number>();
  const depthOf = (n: string): number => {
    if (!depth.has(n)) depth.set(n, Math.max(0, ...waitsFor.get(n)!.map((d) => depthOf(d) + 1)));
    return depth.get(n)!;
  };
  const stacks = [...artifacts].sort((a, b) => depthOf(a.stackName) - depthOf(b.stackName) || a.stackName.localeCompare(b.stackName));
  const lines: string[] = ['flowchart LR'];
  const rows: string[] = [];
  for (const stack of stacks) {
    const p = part(stack.stackName, env);
    const resources = summary(stack);
    lines.push(`  ${nodeId(p)}["<b>${p}</b><br/>${resources.join('<br/>')}"]`);
    rows.push(
      `| \`${stack.stackName}\` | ${resources.join(', ')} | ${
        waitsFor
          .get(stack.stackName)!
          .map((d) => part(d, env))
          .join(', ') || '—'
      } |`,
    );
  }
  // The picture draws only direct waits: an edge implied by a longer path is left out (the table lists all).
  const reaches = (from: string, to: string): boolean => waitsFor.get(from)!.some((d) => d === to || reaches(d, to));
  for (const stack of stacks) {
    const direct = waitsFor.get(stack.stackName)!;
    for (const d of direct.filter((d) => !direct.some((other) => other !== d && reaches(other, d)))) {
      lines.push(`  ${nodeId(part(d, env))} --> ${nodeId(part(stack.stackName, env))}`);
    }
  }
  return [
    `# Architecture: ${env}`,
    '',
    '<!-- Generated by `npm run diagram` (scripts/diagram) from the synthesized app; test/diagram fails when it is stale. Do not edit. -->',
    '',
    `The stacks of \`${env}\` in deploy order with their main resources. An arrow points from a stack to one`,
    'that waits for it (a cross-stack reference or an explicit order); waits implied by a longer path are not',
    'drawn. The table lists every wait.',
    '',
    '```mermaid',
    ...lines,
    '```',
    '',
    '| stack | main resources | waits for |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function summary(stack: CloudFormationStackArtifact): string[] {
  const counts = new Map<string, number>();
  for (const r of Object.values((stack.template.Resources ?? {}) as Record<string, { Type: string }>))
    counts.set(r.Type, (counts.get(r.Type) ?? 0) + 1);
  const named = MAIN_RESOURCES.filter(([type]) => counts.has(type)).map(([type, label]) => plural(counts.get(type)!, label));
  const known = new Set(MAIN_RESOURCES.map(([type]) => type));
  const others = [...counts].filter(([type]) => !known.has(type)).reduce((n, [, c]) => n + c, 0);
  return others > 0 ? [...named, plural(others, 'other resource')] : named;
}

/** The stacks of the same environment `stack` waits for, sorted. */
function deps(stack: CloudFormationStackArtifact, names: Set<string>): string[] {
  return stack.dependencies
    .map((d) => (d as CloudFormationStackArtifact).stackName)
    .filter((n): n is string => n !== undefined && names.has(n))
    .sort();
}

/** Every environment's page, by file name under docs/architecture. */
export function architecturePages(assembly: CloudAssembly = synthesizePlatform()): Record<string, string> {
  return Object.fromEntries(ENVIRONMENT_NAMES.map((env) => [`${env}.md`, architectureMarkdown(assembly, env)]));
}
