/**
 * Monthly prices the report multiplies by what the templates provision. Hourly prices are
 * on-demand list prices; a month is 730 hours. Every entry names its public price page. Values are
 * the published list prices as of the date below, typed in by hand (this machine has no network):
 * check them against the AWS Price List API (`aws pricing get-products`) before quoting a budget.
 */
export const PRICES_AS_OF = '2026-11-29';
export const HOURS_PER_MONTH = 730;

export interface Price {
  /** USD per unit in each region the platform is configured for. */
  readonly usd: Readonly<Record<string, number>>;
  readonly unit: string;
  readonly source: string;
}

const EC2 = 'https://aws.amazon.com/ec2/pricing/on-demand/';
const VPC = 'https://aws.amazon.com/vpc/pricing/';
const PRIVATELINK = 'https://aws.amazon.com/privatelink/pricing/';
const EKS = 'https://aws.amazon.com/eks/pricing/';
const MSK = 'https://aws.amazon.com/msk/pricing/';
const ELASTICACHE = 'https://aws.amazon.com/elasticache/pricing/';
const SAGEMAKER = 'https://aws.amazon.com/sagemaker/ai/pricing/';
const KMS = 'https://aws.amazon.com/kms/pricing/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';
const EMR_SERVERLESS = 'https://aws.amazon.com/emr/pricing/';
const SECRETS = 'https://aws.amazon.com/secrets-manager/pricing/';
const MWAA = 'https://aws.amazon.com/managed-workflows-for-apache-airflow/pricing/';
const PROMETHEUS = 'https://aws.amazon.com/prometheus/pricing/';

const p = (useast1: number, euwest1: number, unit: string, source: string): Price => ({
  usd: { 'us-east-1': useast1, 'eu-west-1': euwest1 },
  unit,
  source,
});

/** Hourly, per instance/node/broker. */
export const HOURLY: Readonly<Record<string, Price>> = {
  'nat-gateway': p(0.045, 0.048, 'NAT gateway-hour', VPC),
  'interface-endpoint-az': p(0.01, 0.011, 'interface endpoint ENI-hour (per AZ)', PRIVATELINK),
  'eks-cluster': p(0.1, 0.1, 'cluster-hour (standard support)', EKS),
  'ec2:m7i.large': p(0.1008, 0.1112, 'instance-hour', EC2),
  'ec2:m7i.xlarge': p(0.2016, 0.2224, 'instance-hour', EC2),
  'ec2:m7i.2xlarge': p(0.4032, 0.4448, 'instance-hour', EC2),
  'ec2:g5.2xlarge': p(1.212, 1.356, 'instance-hour', EC2),
  'ec2:g6.2xlarge': p(0.9776, 1.0728, 'instance-hour', EC2),
  'ec2:g6.4xlarge': p(1.3232, 1.4519, 'instance-hour', EC2),
  'ec2:g6e.4xlarge': p(3.0042, 3.2991, 'instance-hour', EC2),
  'ec2:g6e.12xlarge': p(10.4926, 11.5224, 'instance-hour', EC2),
  'ec2:p5.48xlarge': p(55.04, 60.44, 'instance-hour', EC2),
  'msk:kafka.t3.small': p(0.0456, 0.0499, 'broker-hour', MSK),
  'msk:kafka.m7g.large': p(0.204, 0.224, 'broker-hour', MSK),
  'cache:cache.t4g.small': p(0.0256, 0.0272, 'node-hour (Valkey)', ELASTICACHE),
  'cache:cache.r7g.large': p(0.1752, 0.1952, 'node-hour (Valkey)', ELASTICACHE),
  'cache:cache.r7g.xlarge': p(0.3504, 0.3904, 'node-hour (Valkey)', ELASTICACHE),
  'sagemaker:ml.m5.large': p(0.115, 0.128, 'instance-hour (real-time inference)', SAGEMAKER),
  'sagemaker:ml.m5.xlarge': p(0.23, 0.256, 'instance-hour (real-time inference)', SAGEMAKER),
  'sagemaker:ml.c5.2xlarge': p(0.408, 0.459, 'instance-hour (real-time inference)', SAGEMAKER),
  'mlflow:Small': p(0.6, 0.67, 'tracking-server-hour', SAGEMAKER),
  'mlflow:Medium': p(1.4, 1.56, 'tracking-server-hour', SAGEMAKER),
  'mlflow:Large': p(2.8, 3.12, 'tracking-server-hour', SAGEMAKER),
  'emr-serverless:vcpu-arm': p(0.042094, 0.046829, 'vCPU-hour (ARM64)', EMR_SERVERLESS),
  'emr-serverless:gb-arm': p(0.004628, 0.005149, 'GB-hour (ARM64)', EMR_SERVERLESS),
  'mwaa:mw1.small': p(0.49, 0.53, 'environment-hour', MWAA),
  'mwaa:mw1.medium': p(0.74, 0.8, 'environment-hour', MWAA),
  'mwaa:mw1.large': p(0.99, 1.07, 'environment-hour', MWAA),
  // Added 2026-12-07 (issue 14), typed in from memory on this offline machine, not checked
  // against the page: an AWS managed collector (AWS::APS::Scraper) is billed per collector-hour,
  // plus its samples (usage, not idle: metric ingestion is billed per sample ingested).
  'aps-collector': p(0.04, 0.04, 'collector-hour (AWS managed collector; samples billed as ingestion)', PROMETHEUS),
};

/** Monthly, per unit. */
export const MONTHLY: Readonly<Record<string, Price>> = {
  'kms-key': p(1, 1, 'key-month', KMS),
  'cloudwatch-alarm': p(0.1, 0.1, 'standard-resolution alarm metric-month', CLOUDWATCH),
  'cloudwatch-dashboard': p(3, 3, 'dashboard-month (beyond the free 3)', CLOUDWATCH),
  // Added 2026-12-07 (issue 14), from the CloudWatch pricing page as remembered (not checked
  // online on this machine): a composite alarm is $0.50 a month.
  'cloudwatch-composite-alarm': p(0.5, 0.5, 'composite alarm-month', CLOUDWATCH),
  'msk-storage-gb': p(0.1, 0.11, 'GB-month of broker storage', MSK),
  'ebs-gp3-gb': p(0.08, 0.088, 'GB-month', EC2),
  secret: p(0.4, 0.4, 'secret-month', SECRETS),
  // Serverless MLflow apps (AWS::SageMaker::MlflowApp) carry no charge of their own; artifacts are
  // billed as S3 storage. Source: the SageMaker AI pricing page (MLflow section) and the serverless
  // MLflow launch announcement, "at no additional cost"; typed in from memory on this offline
  // machine: confirm on the page before quoting a budget.
  'mlflow-app': p(0, 0, 'app-month (serverless MLflow: no additional charge)', SAGEMAKER),
};

/** Spot instances: the report assumes this share of the on-demand price (a typical GPU discount). */
export const SPOT_SHARE_OF_ON_DEMAND = 0.4;

/** A price in a region, or undefined if the table lacks the item or the region. */
export function priceIn(table: Readonly<Record<string, Price>>, key: string, region: string): number | undefined {
  return table[key]?.usd[region];
}
