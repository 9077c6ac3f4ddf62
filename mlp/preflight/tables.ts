/**
 * Committed tables the preflight checks against, each with its source. Re-check them when AWS adds
 * instance families or the CDK CLI is upgraded (test/mlp/preflight.test.ts pins the bootstrap number
 * to the installed CLI's template).
 */

/**
 * CDK bootstrap. This app's cloud assembly requires bootstrap stack version 6 for deploys and 8 for
 * its lookup role (`requiresBootstrapStackVersion` in cdk.out/assembly-<env>/manifest.json), so a
 * version below 8 fails the deploy. The template of the pinned CLI (aws-cdk 2.1148.1,
 * node_modules/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml, `CdkBootstrapVersion`) is 33: an
 * older bootstrap still deploys, but re-bootstrapping picks up its fixes.
 */
export const BOOTSTRAP = {
  stackName: 'CDKToolkit',
  versionParameter: '/cdk-bootstrap/hnb659fds/version',
  requiredVersion: 8,
  cliTemplateVersion: 33,
} as const;

/**
 * EC2 On-Demand and Spot vCPU quotas by instance family (Service Quotas, service code `ec2`).
 * Source: https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html and the
 * Service Quotas console (quota names "Running On-Demand … instances", "All … Spot Instance Requests"),
 * checked 2026-11-29.
 */
export const EC2_VCPU_QUOTAS: readonly {
  readonly families: RegExp;
  readonly onDemand: { readonly code: string; readonly name: string };
  readonly spot: { readonly code: string; readonly name: string };
}[] = [
  {
    families: /^(p\d+[a-z]*)$/,
    onDemand: { code: 'L-417A185B', name: 'Running On-Demand P instances' },
    spot: { code: 'L-7212CCBC', name: 'All P Spot Instance Requests' },
  },
  {
    families: /^(g\d+[a-z]*|vt\d+[a-z]*)$/,
    onDemand: { code: 'L-DB2E81BA', name: 'Running On-Demand G and VT instances' },
    spot: { code: 'L-3819A6DF', name: 'All G and VT Spot Instance Requests' },
  },
  {
    families: /^([acdhimrtz]\d+[a-z-]*)$/,
    onDemand: { code: 'L-1216C47A', name: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances' },
    spot: { code: 'L-34B43A08', name: 'All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests' },
  },
];

/**
 * vCPUs per EC2 instance type the platform's node groups use. Source: EC2 instance type pages
 * (https://aws.amazon.com/ec2/instance-types/), checked 2026-11-29. Unknown types are reported.
 */
export const EC2_VCPUS: Readonly<Record<string, number>> = {
  'm7i.large': 2,
  'm7i.xlarge': 4,
  'm7i.2xlarge': 8,
  'm7i.4xlarge': 16,
  'm6i.xlarge': 4,
  'm6i.2xlarge': 8,
  'c7i.xlarge': 4,
  'c7i.2xlarge': 8,
  'r7i.xlarge': 4,
  'r7i.2xlarge': 8,
  'g5.xlarge': 4,
  'g5.2xlarge': 8,
  'g5.4xlarge': 16,
  'g5.12xlarge': 48,
  'g6.xlarge': 4,
  'g6.2xlarge': 8,
  'g6.4xlarge': 16,
  'g6.12xlarge': 48,
  'g6e.xlarge': 4,
  'g6e.2xlarge': 8,
  'g6e.4xlarge': 16,
  'g6e.12xlarge': 48,
  'p4d.24xlarge': 96,
  'p5.48xlarge': 192,
  'p5e.48xlarge': 192,
  'p5en.48xlarge': 192,
};

/**
 * Quotas found by name (Service Quotas ListServiceQuotas), since their codes differ per instance type.
 * SageMaker: "<instance type> for endpoint usage" (https://docs.aws.amazon.com/sagemaker/latest/dg/regions-quotas.html);
 * MSK: "Number of brokers per account", default 90 (https://docs.aws.amazon.com/msk/latest/developerguide/limits.html).
 * Checked 2026-11-29.
 */
export const NAMED_QUOTAS = {
  sagemakerEndpoint: (instanceType: string) => ({ serviceCode: 'sagemaker', name: `${instanceType} for endpoint usage` }),
  mskBrokers: { serviceCode: 'kafka', name: 'Number of brokers per account' },
} as const;

/**
 * Service-linked roles the platform's services need. Most services create theirs on first use;
 * checking them first shows what a fresh account will create on its first deploy. Source: each
 * service's "Using service-linked roles" page.
 */
export const SERVICE_LINKED_ROLES: readonly { readonly role: string; readonly service: string; readonly why: string }[] = [
  { role: 'AWSServiceRoleForAmazonEKS', service: 'eks.amazonaws.com', why: 'EKS clusters' },
  { role: 'AWSServiceRoleForAmazonEKSNodegroup', service: 'eks-nodegroup.amazonaws.com', why: 'EKS managed node groups' },
  {
    role: 'AWSServiceRoleForAutoScaling',
    service: 'autoscaling.amazonaws.com',
    why: 'the Auto Scaling groups of EKS node groups (the compute key admits it by an aws:PrincipalArn condition, so its absence no longer fails the Security stack)',
  },
  { role: 'AWSServiceRoleForElastiCache', service: 'elasticache.amazonaws.com', why: 'the online feature store' },
  { role: 'AWSServiceRoleForKafka', service: 'kafka.amazonaws.com', why: 'MSK' },
  { role: 'AWSServiceRoleForAmazonEMRServerless', service: 'ops.emr-serverless.amazonaws.com', why: 'EMR Serverless Spark' },
  {
    role: 'AWSServiceRoleForApplicationAutoScaling_SageMakerEndpointVariant',
    service: 'sagemaker.application-autoscaling.amazonaws.com',
    why: 'SageMaker endpoint autoscaling',
  },
];

/** Needed only when a node group uses Spot capacity. */
export const SPOT_SERVICE_LINKED_ROLE = {
  role: 'AWSServiceRoleForEC2Spot',
  service: 'spot.amazonaws.com',
  why: 'Spot node groups',
} as const;
