/**
 * Typical minutes CloudFormation takes to CREATE a resource of each type, for the cold-deploy
 * critical path. Sources: the service documentation's stated creation times where it gives one,
 * otherwise the typical durations AWS and the community report (named per row). Types not listed
 * take DEFAULT_MINUTES (IAM, security groups, parameters: seconds).
 */
export const DEFAULT_MINUTES = 0.25;

export interface CreationTime {
  readonly minutes: number;
  readonly source: string;
}

export const CREATION_MINUTES: Readonly<Record<string, CreationTime>> = {
  'AWS::MSK::Cluster': {
    minutes: 35,
    source:
      'Amazon MSK Developer Guide, "Create a cluster": provisioned clusters take 15-30+ minutes; 3+ AZ clusters with large storage take longer',
  },
  'AWS::MSK::ServerlessCluster': { minutes: 10, source: 'Amazon MSK Serverless getting started: several minutes' },
  'AWS::EKS::Cluster': { minutes: 12, source: 'Amazon EKS User Guide, "Create a cluster": 10-15 minutes' },
  'AWS::EKS::Nodegroup': { minutes: 5, source: 'Amazon EKS managed node groups: a few minutes per group' },
  'AWS::EKS::Addon': { minutes: 2, source: 'Amazon EKS add-ons: 1-3 minutes' },
  'Custom::AWSCDK-EKS-HelmChart': {
    minutes: 4,
    source: 'aws-eks-v2 Helm release with wait: chart install time; provider timeout 15 minutes',
  },
  'Custom::AWSCDK-EKS-KubernetesResource': { minutes: 1, source: 'kubectl apply through the aws-eks-v2 provider Lambda' },
  'AWS::ElastiCache::ReplicationGroup': { minutes: 15, source: 'Amazon ElastiCache: cluster-mode replication groups take 10-20 minutes' },
  'AWS::SageMaker::Endpoint': { minutes: 10, source: 'Amazon SageMaker AI: endpoint creation typically 5-15 minutes' },
  'AWS::SageMaker::MlflowTrackingServer': {
    minutes: 25,
    source: 'SageMaker managed MLflow: "can take up to 25 minutes" to create a tracking server',
  },
  'AWS::SageMaker::MlflowApp': {
    minutes: 5,
    source: 'estimate, not measured: serverless MLflow has no server to provision (check on the first dev deploy)',
  },
  // Added 2026-12-07 (issue 14): estimates, not measured here (no AWS account); check on the first deploy.
  'AWS::APS::Workspace': {
    minutes: 1,
    source: 'estimate, not measured: Amazon Managed Service for Prometheus workspaces become active in about a minute',
  },
  'AWS::APS::Scraper': {
    minutes: 15,
    source:
      'estimate, not measured: an AWS managed collector creates network interfaces in the cluster VPC and its EKS access entry; reported as taking several to ~20 minutes',
  },
  'AWS::ECR::Repository': { minutes: 0.25, source: 'Amazon ECR CreateRepository: seconds' },
  'AWS::SageMaker::Domain': {
    minutes: 5,
    source: 'estimate, not measured (2026-12-07): a Studio domain creates its home EFS and network interfaces in a few minutes',
  },
  'AWS::SSM::Parameter': { minutes: 0.25, source: 'Systems Manager PutParameter: seconds' },
  'AWS::MWAA::Environment': { minutes: 30, source: 'Amazon MWAA User Guide: creating an environment takes 20-30 minutes' },
  'AWS::EC2::NatGateway': { minutes: 2, source: 'Amazon VPC: NAT gateways become available within minutes' },
  'AWS::EC2::VPCEndpoint': { minutes: 2, source: 'AWS PrivateLink: interface endpoints take 1-2 minutes' },
  'AWS::KMS::Key': { minutes: 0.5, source: 'AWS KMS CreateKey: seconds' },
  'AWS::Lambda::Function': { minutes: 0.5, source: 'AWS Lambda: seconds (VPC functions longer)' },
  'AWS::EMRServerless::Application': { minutes: 1, source: 'EMR Serverless CreateApplication: about a minute' },
  'AWS::KinesisFirehose::DeliveryStream': { minutes: 3, source: 'Amazon Data Firehose: delivery streams become active in minutes' },
  'AWS::StepFunctions::StateMachine': { minutes: 0.25, source: 'Step Functions CreateStateMachine: seconds' },
  'AWS::S3::Bucket': { minutes: 0.5, source: 'Amazon S3 CreateBucket: seconds' },
  'AWS::Logs::LogGroup': { minutes: 0.25, source: 'CloudWatch Logs: seconds' },
};

export function creationMinutes(type: string): number {
  return CREATION_MINUTES[type]?.minutes ?? DEFAULT_MINUTES;
}
