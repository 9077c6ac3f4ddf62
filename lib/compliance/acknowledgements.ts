import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';
import { ENVIRONMENTS, type EnvironmentConfig } from '../config';

/**
 * THE one place where cdk-nag findings are acknowledged. Each entry names the rule, where it
 * applies (a pattern over construct paths relative to the environment's stage) and why it is
 * acceptable. Everything else must be fixed.
 */
export interface Acknowledgement {
  /** Rule id, optionally with a finding id: `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  /** Construct paths (relative to the stage, e.g. `Network/Network/Vpc`) the acknowledgement covers. */
  readonly path: RegExp;
  readonly reason: string;
  /**
   * Environments (stage ids) the acknowledgement applies to, e.g. `['dev']` for a finding that
   * only dev's cheaper sizing causes.
   * @default - every environment
   */
  readonly environments?: readonly string[];
  /**
   * For IAM wildcard rules, whose finding ids embed the resource (`AwsSolutions-IAM5[Resource::arn:…/teams/x/*]`):
   * acknowledge each wildcard finding of the policy at `path` whose finding id (`Resource::…` or
   * `Action::…`, computed as cdk-nag computes it) matches this pattern.
   */
  readonly findings?: RegExp;
}

const AUDIT_BUCKET = /^Security\/AuditLogs\/Resource$/;
// Compute (EKS): the cluster's CDK-generated parts.
const EKS_CLUSTER_ROLE = /^Compute\/Cluster\/Resource\/Role\/Resource$/;
const NODE_ROLE = /^Compute\/Cluster\/NodeGroup-[a-z0-9-]+\/Resource\/NodeGroupRole\/Resource$/;
const KUBECTL_HANDLER = /^Compute\/Cluster\/Resource\/KubectlProvider\/Handler\/Resource$/;
const KUBECTL_ROLES = /^Compute\/Cluster\/Resource\/KubectlProvider\/(Handler|Provider\/framework-onEvent)\/ServiceRole\/Resource$/;
const KUBECTL_POLICIES =
  /^Compute\/Cluster\/Resource\/KubectlProvider\/(Handler|Provider\/framework-onEvent)\/ServiceRole\/DefaultPolicy\/Resource$/;
const KUBECTL_FUNCTIONS = /^Compute\/Cluster\/Resource\/KubectlProvider\/(Handler|Provider\/framework-onEvent)\/Resource$/;
const FRAMEWORK_POLICY = /^Compute\/Cluster\/Resource\/KubectlProvider\/Provider\/framework-onEvent\/ServiceRole\/DefaultPolicy\/Resource$/;
const EBS_CSI_ROLE = /^Compute\/Cluster\/EbsCsiDriverRole\/Resource$/;
const AUTOSCALER_POLICY = /^Compute\/Cluster\/AddOns\/ClusterAutoscalerPolicy\/Resource$/;
const TEAM_LAKE_POLICY = /^Compute\/Teams\/[a-z0-9-]+\/Identity\/LakeAccess\/Resource$/;
const MODEL_SERVER_POLICY = /^Compute\/ModelServers\/[a-z0-9-]+\/Identity\/Policy\/Resource$/;

const iam4 = (policy: string): string => `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`;
const PUBLIC_SUBNET = /^Network\/Network\/Vpc\/PublicSubnet\d+$/;
const LAKE_BUCKET = /^Data\/Lake\/(Raw|Curated|Features|Models)Bucket\/Resource$/;
/** The singleton Lambda of AwsCustomResource (the MSK bootstrap-broker lookup). */
const AWS_CUSTOM_RESOURCE_FUNCTION = /^Data\/AWS679f53fac002430cb0da5b7982bd2287\/Resource$/;
const SPARK_JOB_POLICY = /^Data\/Spark\/JobPolicy\/Resource$/;

/**
 * The wildcard resources of the Spark job policy, as cdk-nag names them: objects of a zone bucket,
 * tables of a zone database, and the configured topic and group patterns of the environment's MSK
 * cluster (its name, then its UUID).
 */
const SPARK_WILDCARDS =
  /^Resource::(<Lake(Raw|Curated|Features)Bucket[0-9A-F]{8}\.Arn>\/\*|arn:aws:glue:[a-z0-9-]+:\d{12}:table\/<Lake(Raw|Curated|Features)Database[0-9A-F]{8}>\/\*|arn:aws:kafka:[a-z0-9-]+:\d{12}:(topic|group)\/mlp-[a-z]+-events\/.+)$/;

// Serving: the policies of the SageMaker roles (endpoint execution, Model Monitor job, MLflow).
const SERVING_ENDPOINT_POLICY = /^Serving\/(?!Mlflow\/)(?![A-Za-z0-9]+DataQuality\/)[A-Za-z0-9]+\/Policy\/Resource$/;
const SERVING_MONITOR_POLICY = /^Serving\/[A-Za-z0-9]+DataQuality\/Policy\/Resource$/;
const SERVING_MLFLOW_POLICY = /^Serving\/Mlflow\/Policy\/Resource$/;
const SERVING_ROLE_POLICY = /^Serving\/[A-Za-z0-9]+\/Policy\/Resource$/;
/**
 * How cdk-nag prints the ARN of the lake's models bucket (Data stack) in the Serving stack's finding
 * ids: a weak cross-stack reference. It names the bucket's logical ID, which is pinned.
 */
const modelsBucketArn = (c: EnvironmentConfig): string =>
  `{"Fn::GetStackOutput":{"StackName":"MlPlatform-${c.name}-Data","Region":"${c.region}","OutputName":"PublishOutputFnGetAttLakeModelsBucketAB4E6A9EArn1B650DE1"}}`;
/** The S3 prefixes of one endpoint that its roles read or write (object ARNs end in `/*`). */
const SERVING_PREFIXES = Object.values(ENVIRONMENTS).flatMap((c) =>
  c.serving.endpoints.map((e) => {
    const name = `${c.name}-${e.name}`;
    const MODELS_BUCKET_ARN = modelsBucketArn(c);
    return {
      capture: `AwsSolutions-IAM5[Resource::${MODELS_BUCKET_ARN}/data-capture/${name}/*]`,
      baseline: `AwsSolutions-IAM5[Resource::${MODELS_BUCKET_ARN}/monitoring/${name}/baseline/*]`,
      reports: `AwsSolutions-IAM5[Resource::${MODELS_BUCKET_ARN}/monitoring/${name}/reports/*]`,
    };
  }),
);
const ONLINE_STORE = /^FeatureStore\/OnlineStore\/Resource$/;
const FEATURE_JOB_POLICY = /^FeatureGroups\/[A-Za-z0-9]+\/(Backfill|Materialize)RolePolicy\/Resource$/;

export const ACKNOWLEDGEMENTS: readonly Acknowledgement[] = [
  // The audit bucket is the destination of every other bucket's server access logs.
  ...['AwsSolutions-S1', 'PCI.DSS.321-S3BucketLoggingEnabled', 'NIST.800.53.R5-S3BucketLoggingEnabled'].map((id) => ({
    id,
    path: AUDIT_BUCKET,
    reason:
      'This is the server-access-log destination bucket; logging it into itself would loop. Access to it is recorded by CloudTrail data events at the account level.',
  })),
  ...['PCI.DSS.321-S3DefaultEncryptionKMS', 'NIST.800.53.R5-S3DefaultEncryptionKMS'].map((id) => ({
    id,
    path: AUDIT_BUCKET,
    reason:
      'S3 server access log delivery supports only SSE-S3 on the destination bucket, not SSE-KMS; the bucket is encrypted with SSE-S3, TLS-only and blocks public access.',
  })),
  ...['PCI.DSS.321-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled'].map((id) => ({
    id,
    path: AUDIT_BUCKET,
    reason:
      'The platform is single-region; the audit bucket is versioned and retained. Cross-region replication is an account-level DR decision outside this repository.',
  })),
  // Public subnets exist only for the NAT gateways (no instance gets a public IP).
  ...['PCI.DSS.321-VPCNoUnrestrictedRouteToIGW', 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW'].map((id) => ({
    id,
    path: PUBLIC_SUBNET,
    reason:
      'The default route to the internet gateway is what lets the NAT gateways in the public subnets give private subnets egress; public subnets host only NAT gateways and do not auto-assign public IPs.',
  })),

  // Serving: object-level S3 wildcards are the prefixes each role owns; nothing broader.
  ...SERVING_PREFIXES.map((p) => ({
    id: p.capture,
    path: SERVING_ROLE_POLICY,
    reason:
      "The endpoint's execution role writes, and its Model Monitor job reads, captured requests under the endpoint's own data-capture/<endpoint>/ prefix; S3 object ARNs for a prefix need the trailing wildcard.",
  })),
  ...SERVING_PREFIXES.flatMap((p) => [p.baseline, p.reports]).map((id) => ({
    id,
    path: SERVING_MONITOR_POLICY,
    reason:
      "The Model Monitor job reads the endpoint's baseline and writes its reports under monitoring/<endpoint>/; S3 object ARNs for a prefix need the trailing wildcard.",
  })),
  ...Object.values(ENVIRONMENTS).map((c) => ({
    id: `AwsSolutions-IAM5[Resource::${modelsBucketArn(c)}/mlflow/*]`,
    path: SERVING_MLFLOW_POLICY,
    reason:
      "The MLflow tracking server's artifact store is the mlflow/ prefix of the models bucket; its role reads and writes only objects under it.",
  })),
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    path: SERVING_ENDPOINT_POLICY,
    reason:
      'Only actions without resource-level permissions use *: ecr:GetAuthorizationToken and the ec2:Describe* calls SageMaker makes to place the model in the VPC. Image pulls, artifact reads and ENI creation are scoped.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    path: SERVING_MONITOR_POLICY,
    reason:
      'Only actions without resource-level permissions use *: cloudwatch:PutMetricData (bounded by a condition to the aws/sagemaker/Endpoints/data-metrics namespace) and the ec2:Describe* calls of VPC placement.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:aws:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
    path: SERVING_ROLE_POLICY,
    reason:
      'SageMaker creates and deletes the network interfaces of endpoints and monitoring jobs in the VPC; their ids are not known in advance. Creation is also bounded to the configured subnets and security groups.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:aws:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/ProcessingJobs:*]',
    path: SERVING_MONITOR_POLICY,
    reason:
      'Model Monitor jobs log to the account-wide /aws/sagemaker/ProcessingJobs group with a stream per job (names generated by SageMaker); the role may write streams of that one group only.',
  },
  // Data lake buckets (the Data stack).
  ...['PCI.DSS.321-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled'].map((id) => ({
    id,
    path: LAKE_BUCKET,
    reason:
      'The platform is single-region; lake buckets are versioned, KMS-encrypted and retained in staging and prod. Cross-region replication (a second region, its keys and buckets) is an account-level DR decision outside this repository.',
  })),
  // The AwsCustomResource Lambda that reads the MSK bootstrap brokers once per deployment.
  ...['PCI.DSS.321-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC'].map((id) => ({
    id,
    path: AWS_CUSTOM_RESOURCE_FUNCTION,
    reason:
      'Deploy-time custom resource that only calls the regional MSK control-plane API (kafka:GetBootstrapBrokers on one cluster ARN); it touches no data and no VPC resource, and placing it in the VPC would add ENI permissions on * to its role.',
  })),
  {
    id: 'NIST.800.53.R5-LambdaConcurrency',
    path: AWS_CUSTOM_RESOURCE_FUNCTION,
    reason:
      'Invoked only by CloudFormation during deployments of this stack. Reserved concurrency would take from the account pool and fails deployment in new accounts whose unreserved concurrency is at the minimum.',
  },
  {
    id: 'NIST.800.53.R5-LambdaDLQ',
    path: AWS_CUSTOM_RESOURCE_FUNCTION,
    reason:
      'Invoked only by CloudFormation, which receives the result (or the failure) through the custom-resource response and rolls back; a dead-letter queue would hold nothing actionable.',
  },
  // Wildcards that scope the Spark job role to one bucket, one database or one topic/group pattern.
  {
    id: 'AwsSolutions-IAM5',
    findings: SPARK_WILDCARDS,
    path: SPARK_JOB_POLICY,
    reason:
      'The wildcard is inside one resource: the objects of one lake zone bucket, the tables of one zone database, or the configured topic/consumer-group pattern of one MSK cluster (by UUID). Spark jobs create objects, tables and partitions whose names are not known at deploy time.',
  },
  // ---- Compute (EKS) ----
  {
    id: iam4('AmazonEKSClusterPolicy'),
    path: EKS_CLUSTER_ROLE,
    reason:
      'The EKS cluster service role needs the AWS-managed AmazonEKSClusterPolicy; AWS maintains it with the permissions the control plane needs.',
  },
  ...['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonEKS_CNI_Policy'].map((policy) => ({
    id: iam4(policy),
    path: NODE_ROLE,
    reason: `Managed node groups need ${policy} on the node role (join the cluster, pull images, assign pod IPs through the VPC CNI); AWS maintains these policies as the documented minimum. Pods do not inherit it: IMDSv2 with hop limit 1 keeps node credentials from pods, which use EKS Pod Identity.`,
  })),
  ...['service-role/AWSLambdaBasicExecutionRole', 'service-role/AWSLambdaVPCAccessExecutionRole', 'AmazonEC2ContainerRegistryReadOnly'].map(
    (policy) => ({
      id: iam4(policy),
      path: KUBECTL_ROLES,
      reason: `The kubectl provider (aws-eks-v2, CDK-generated, runs in the private subnets) attaches ${policy} to its Lambda roles to log, attach to the VPC and pull OCI Helm charts; not configurable.`,
    }),
  ),
  {
    id: 'AwsSolutions-IAM4[Policy::{"Fn::If":["ClusterKubectlProviderHandlerHasEcrPublic78825EA1",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]',
    path: KUBECTL_ROLES,
    reason:
      'The kubectl provider (aws-eks-v2, CDK-generated) conditionally attaches AmazonElasticContainerRegistryPublicReadOnly in the aws partition to pull Helm charts from public ECR; not configurable.',
  },
  {
    id: iam4('service-role/AmazonEBSCSIDriverPolicy'),
    path: EBS_CSI_ROLE,
    reason:
      'The EBS CSI driver add-on role uses the AWS-managed AmazonEBSCSIDriverPolicy, which AWS keeps in step with the driver; it is bound by EKS Pod Identity to the ebs-csi-controller-sa service account of this cluster only.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<ClusterKubectlProviderHandler27822AE4.Arn>:*]',
    path: FRAMEWORK_POLICY,
    reason:
      'The custom-resource framework (CDK-generated) may invoke any version of its own kubectl handler function; the wildcard covers only version qualifiers of that one function.',
  },
  {
    id: 'CloudFormation-Validate::W9009',
    path: /^Compute\/Cluster\/Resource\/Resource$/,
    reason:
      "aws-eks-v2 renders EncryptionConfig[].Resources: ['secrets'], which the CloudFormation schema marks deprecated (a warning); it still states exactly what the compute key encrypts and EKS accepts it.",
  },
  ...['NIST.800.53.R5-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy'].map((id) => ({
    id,
    path: KUBECTL_POLICIES,
    reason:
      'Inline default policies of the kubectl provider roles are generated by aws-eks-v2 (eks:DescribeCluster on this cluster, invoke of its own handler); the construct offers no managed-policy option.',
  })),
  {
    id: 'AwsSolutions-L1',
    path: KUBECTL_HANDLER,
    reason:
      'aws-eks-v2 picks the kubectl handler runtime (determineLatestPythonRuntime) it is tested with; overriding it could break the bundled kubectl/helm handler.',
  },
  ...['NIST.800.53.R5-LambdaConcurrency', 'NIST.800.53.R5-LambdaDLQ'].map((id) => ({
    id,
    path: KUBECTL_FUNCTIONS,
    reason:
      'CloudFormation invokes the kubectl custom-resource functions synchronously during deployments only: a DLQ never receives anything (failures fail the deployment) and reserved concurrency would throttle parallel Helm/manifest resources.',
  })),
  {
    id: 'AwsSolutions-IAM5',
    findings: /^Resource::\*$/,
    path: AUTOSCALER_POLICY,
    reason:
      "Cluster Autoscaler: Auto Scaling and EC2 Describe calls support no resource-level permissions; SetDesiredCapacity/TerminateInstanceInAutoScalingGroup are limited by the condition aws:ResourceTag/k8s.io/cluster-autoscaler/<cluster> = owned to this cluster's node groups.",
  },
  {
    id: 'AwsSolutions-IAM5',
    findings: /^Resource::arn:[^:]+:eks:[^:]*:[^:]*:nodegroup\/[A-Za-z0-9_-]+\/\*$/,
    path: AUTOSCALER_POLICY,
    reason:
      'Cluster Autoscaler reads labels and taints of the node groups of its own cluster (nodegroup/<cluster>/*) to scale GPU groups from zero; node group names are generated.',
  },
  {
    id: 'AwsSolutions-IAM5',
    findings: /^Resource::.+\/\*$/,
    path: TEAM_LAKE_POLICY,
    reason:
      'A team role may read and write objects only under its configured lake prefixes (`<bucket>/<prefix>*`); S3 object ARNs under a prefix need the trailing wildcard, and ListBucket is limited by an s3:prefix condition.',
  },
  {
    id: 'AwsSolutions-IAM5',
    // Objects under a model prefix (`<models bucket>/<model>/<version>/*`), never the bucket root.
    findings: /^Resource::.+\/[a-z0-9][a-z0-9._=/-]*\/\*$/,
    path: MODEL_SERVER_POLICY,
    reason:
      "A model server's role may read only the objects under its model's prefix of the models bucket (`serving.modelServers[].modelPath`, validated: lower-case segments ending in '/', no wildcards); S3 object ARNs under a prefix need the trailing wildcard, and ListBucket is limited by an s3:prefix condition.",
  },
  // Feature-group jobs: object ARNs under their own prefixes, and their own consumer group.
  {
    id: 'AwsSolutions-IAM5',
    findings: /^Resource::(.+\/\*|arn:aws:kafka:.+\/feature-group-[a-z0-9_]+\*)$/,
    path: FEATURE_JOB_POLICY,
    reason:
      "A feature group's job role reads and writes objects only under its group's prefix of the features zone (and its source table's prefix, its code and log prefixes); S3 object ARNs under a prefix need the trailing wildcard. The streaming job consumes in consumer groups named after its feature group only.",
  },
  // The online feature store authenticates with RBAC + IAM instead of an AUTH token.
  {
    id: 'AwsSolutions-AEC6',
    path: ONLINE_STORE,
    reason:
      'The replication group uses an RBAC user group whose users authenticate with IAM (short-lived SigV4 tokens, elasticache:Connect per user); the default user is disabled. This is stronger than a shared AUTH token, which the rule looks for.',
  },
  // Dev's online store is one node to be cheap; staging and prod are Multi-AZ with 15+ days of
  // snapshots (enforced by lib/config/rules/feature-store.ts).
  {
    id: 'AwsSolutions-AEC4',
    path: ONLINE_STORE,
    environments: ['dev'],
    reason:
      'Dev runs a single-node online store to keep cost down; its data is recomputable from the lake. Staging and prod are Multi-AZ with automatic failover (config validation enforces it).',
  },
  {
    id: 'NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup',
    path: ONLINE_STORE,
    environments: ['dev'],
    reason:
      'Dev keeps 1 day of snapshots to keep cost down; its features are recomputable from the lake. Staging and prod keep at least 15 days (config validation enforces it).',
  },
];

/** The wildcard findings cdk-nag's IAM5 rule reports for an IAM policy (`Action::…`, `Resource::…`). */
function wildcardFindings(construct: IConstruct): string[] {
  if (!(construct instanceof iam.CfnManagedPolicy || construct instanceof iam.CfnPolicy)) return [];
  const document = Stack.of(construct).resolve(construct.policyDocument);
  const findings = new Set<string>();
  for (const statement of document?.Statement ?? []) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of [statement.Action].flat()) if (String(action).includes('*')) findings.add(`Action::${action}`);
    for (const resource of [statement.Resource].flat()) {
      const flat = flattenCfnReference(resource);
      if (flat.includes('*')) findings.add(`Resource::${flat}`);
    }
  }
  return [...findings];
}

/** Applies every acknowledgement to the constructs of one stage whose path matches. */
export function acknowledgeFindings(stage: IConstruct, acknowledgements: readonly Acknowledgement[] = ACKNOWLEDGEMENTS): void {
  const prefix = `${stage.node.path}/`;
  const applicable = acknowledgements.filter((ack) => !ack.environments || ack.environments.includes(stage.node.id));
  for (const construct of stage.node.findAll()) {
    const path = construct.node.path.startsWith(prefix) ? construct.node.path.slice(prefix.length) : construct.node.path;
    for (const ack of applicable) {
      if (!ack.path.test(path)) continue;
      if (!ack.findings) {
        Validations.of(construct).acknowledge({ id: ack.id, reason: ack.reason });
        continue;
      }
      // Finding ids embed resolved resources; cross-stack references only take their final form
      // (Fn::GetStackOutput) after references are resolved, so compute them at validation time.
      const pattern = ack.findings;
      construct.node.addValidation({
        validate: () => {
          const policy = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
          for (const finding of policy ? wildcardFindings(policy) : []) {
            if (pattern.test(finding)) Validations.of(construct).acknowledge({ id: `${ack.id}[${finding}]`, reason: ack.reason });
          }
          return [];
        },
      });
    }
  }
}
