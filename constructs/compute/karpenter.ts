import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IDependable } from 'constructs';
import { acknowledge, acknowledgeWildcards, managedPolicyFinding } from '../private/acknowledge';
import { NODE_LABELS } from './ml-node-group';
import { podIdentityPrincipal } from './team-workload-identity';
import type { HelmChartPin } from './versions';

/**
 * Karpenter's charts, pinned: the CRDs in their own chart (Helm installs a chart's `crds/` only
 * once and never upgrades them), then the controller. 1.14.1 matches the committed CRD imports
 * (k8s/imports/karpenter.sh.ts, karpenter.k8s.aws.ts).
 */
export const KARPENTER_CHARTS = {
  crds: { chart: 'karpenter-crd', repository: 'oci://public.ecr.aws/karpenter/karpenter-crd', version: '1.14.1', namespace: 'kube-system' },
  controller: { chart: 'karpenter', repository: 'oci://public.ecr.aws/karpenter/karpenter', version: '1.14.1', namespace: 'kube-system' },
} as const satisfies Record<string, HelmChartPin>;

/** Service account of the Karpenter controller (bound to its IAM role by EKS Pod Identity). */
export const KARPENTER_SERVICE_ACCOUNT = 'karpenter';

/**
 * The EventBridge events Karpenter acts on before EC2 takes a node away: it cordons and drains the
 * node and launches its replacement (Karpenter v1 interruption handling).
 */
export const KARPENTER_INTERRUPTION_EVENTS: Readonly<Record<string, events.EventPattern>> = {
  ScheduledChange: {
    source: ['aws.health'],
    detailType: ['AWS Health Event'],
    detail: { service: ['EC2'], eventTypeCategory: ['scheduledChange'] },
  },
  SpotInterruption: { source: ['aws.ec2'], detailType: ['EC2 Spot Instance Interruption Warning'] },
  Rebalance: { source: ['aws.ec2'], detailType: ['EC2 Instance Rebalance Recommendation'] },
  InstanceStateChange: { source: ['aws.ec2'], detailType: ['EC2 Instance State-change Notification'] },
};

export interface KarpenterProps {
  /** The cluster whose workload nodes Karpenter launches. */
  readonly cluster: eks.ICluster;
  /** The cluster's name as a literal (it is part of IAM condition keys and of the Helm values). */
  readonly clusterName: string;
  /**
   * Name of the nodes' instance profile, which EC2NodeClasses name (`spec.instanceProfile`). A
   * fixed name lets the NodeClass manifests name it; Karpenter then needs no IAM write permission.
   * @default `${clusterName}-karpenter-nodes`
   */
  readonly instanceProfileName?: string;
  /**
   * Key of the nodes' EBS volumes (EC2NodeClass `kmsKeyID`): the controller may use it through EC2
   * to launch encrypted volumes.
   * @default - volumes with the account's EBS default key; no KMS permission
   */
  readonly volumeEncryptionKey?: kms.IKey;
  /**
   * Chart pins to override.
   * @default KARPENTER_CHARTS
   */
  readonly charts?: Partial<Record<keyof typeof KARPENTER_CHARTS, HelmChartPin>>;
  /**
   * Extra Helm values of the controller chart, merged over the platform's.
   * @default - none
   */
  readonly values?: Record<string, unknown>;
  /**
   * Node labels of the managed (system) nodes Karpenter itself runs on: it must never run on
   * nodes it manages.
   * @default { 'platform/workload': 'system' }
   */
  readonly systemNodeSelector?: Readonly<Record<string, string>>;
  /**
   * Resources the charts wait for (system nodes, CoreDNS, the Pod Identity agent).
   * @default - none
   */
  readonly after?: readonly IDependable[];
}

/**
 * Karpenter v1 for an EKS cluster, replacing the Cluster Autoscaler for workload nodes:
 * - the node role (worker, CNI and ECR pull policies), its instance profile and an EKS access entry
 *   of type EC2_LINUX so that its nodes join;
 * - the controller's IAM role, bound by EKS Pod Identity, scoped to this cluster's tagged launch
 *   templates, instances, volumes and network interfaces (the v1 reference policy, without the
 *   instance-profile management the fixed instance profile makes unnecessary);
 * - the interruption queue (SQS, TLS only, SSE) fed by four EventBridge rules (scheduled
 *   maintenance, Spot interruption, rebalance recommendation, instance state change);
 * - the CRD chart and the controller chart at pinned versions, two replicas on the system nodes.
 *
 * NodePools and EC2NodeClasses are Kubernetes objects (k8s/charts/karpenter-node-pools.ts).
 *
 * @example
 * const karpenter = new Karpenter(this, 'Karpenter', { cluster, clusterName: 'prod-ml-platform', volumeEncryptionKey: keys.compute });
 */
export class Karpenter extends Construct {
  readonly nodeRole: iam.Role;
  readonly instanceProfile: iam.InstanceProfile;
  readonly controllerRole: iam.Role;
  readonly controllerPolicy: iam.ManagedPolicy;
  readonly interruptionQueue: sqs.Queue;
  readonly crdChart: eks.HelmChart;
  readonly chart: eks.HelmChart;
  readonly instanceProfileName: string;

  constructor(scope: Construct, id: string, props: KarpenterProps) {
    super(scope, id);
    const { cluster, clusterName } = props;
    checkKarpenterProps(props);
    const stack = Stack.of(this);
    const pins = { ...KARPENTER_CHARTS, ...props.charts };
    this.instanceProfileName = props.instanceProfileName ?? `${clusterName}-karpenter-nodes`;

    this.nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Nodes Karpenter launches for EKS cluster ${clusterName}`,
      managedPolicies: ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly'].map((p) =>
        iam.ManagedPolicy.fromAwsManagedPolicyName(p),
      ),
    });
    acknowledge(
      this.nodeRole,
      "Karpenter's nodes need the AWS-managed EKS worker, CNI and ECR pull policies (as managed node groups have); AWS keeps them in step with EKS. Pods get AWS access through EKS Pod Identity, not this role (IMDSv2 hop limit 1).",
      ...['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly'].map(managedPolicyFinding),
    );
    this.instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', {
      role: this.nodeRole,
      instanceProfileName: this.instanceProfileName,
    });
    new eks.AccessEntry(this, 'NodeAccess', {
      cluster,
      principal: this.nodeRole.roleArn,
      accessEntryType: eks.AccessEntryType.EC2_LINUX,
      accessPolicies: [],
    });

    this.interruptionQueue = new sqs.Queue(this, 'InterruptionQueue', {
      // Interruption notices are stale after minutes; Karpenter deletes what it handles.
      retentionPeriod: Duration.minutes(5),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    acknowledge(
      this.interruptionQueue,
      'Interruption notices are acted on once, within minutes, and expire after 5 minutes; a dead-letter queue would keep notices nobody can act on (Karpenter reconciles nodes from EC2 state anyway).',
      'AwsSolutions-SQS3',
    );
    for (const [name, eventPattern] of Object.entries(KARPENTER_INTERRUPTION_EVENTS)) {
      new events.Rule(this, `${name}Rule`, {
        description: `Karpenter interruption handling (${clusterName}): ${eventPattern.detailType?.[0]}`,
        eventPattern,
        targets: [new targets.SqsQueue(this.interruptionQueue)],
      });
    }

    this.controllerRole = new iam.Role(this, 'ControllerRole', {
      assumedBy: podIdentityPrincipal(cluster),
      description: `Karpenter controller (EKS Pod Identity): launches and terminates the nodes of ${clusterName}`,
    });
    this.controllerPolicy = new iam.ManagedPolicy(this, 'ControllerPolicy', {
      statements: karpenterControllerStatements({
        stack,
        clusterName,
        clusterArn: cluster.clusterArn,
        nodeRoleArn: this.nodeRole.roleArn,
        instanceProfileArn: this.instanceProfile.instanceProfileArn,
        queueArn: this.interruptionQueue.queueArn,
        volumeKeyArn: props.volumeEncryptionKey?.keyArn,
      }),
    });
    this.controllerRole.addManagedPolicy(this.controllerPolicy);
    acknowledgeWildcards(this.controllerPolicy, (finding) => {
      if (finding === 'Resource::*') {
        return 'Karpenter: EC2 Describe* (limited to the cluster region by aws:RequestedRegion) and pricing:GetProducts support no resource-level permissions.';
      }
      if (finding === 'Action::kms:ReEncrypt*') {
        return 'EBS re-encrypts node volumes with the compute key only through EC2 (kms:ViaService), on that one key.';
      }
      if (/^Resource::arn:[^:]+:(ec2:[^:]*::(image|snapshot)|ssm:[^:]*::parameter\/aws\/service)\/\*$/.test(finding)) {
        return 'Public EKS optimized AMIs, their snapshots and their SSM parameters (account-less AWS resources) that Karpenter resolves and launches from.';
      }
      if (
        /^Resource::arn:[^:]+:ec2:[^:]*:[^:]*:(fleet|instance|volume|network-interface|launch-template|spot-instances-request|security-group|subnet|capacity-reservation|placement-group)\/\*$/.test(
          finding,
        )
      ) {
        return "Karpenter launches, tags and terminates resources whose ids do not exist before it creates them; every statement on them requires this cluster's ownership tag (kubernetes.io/cluster/<name>=owned) and a karpenter.sh/nodepool tag, or is launch-only use of the subnets, security groups, reservations and placement groups its NodeClasses select.";
      }
      return undefined;
    });
    const association = new eks.CfnPodIdentityAssociation(this, 'ControllerIdentity', {
      clusterName: cluster.clusterName,
      namespace: pins.controller.namespace,
      serviceAccount: KARPENTER_SERVICE_ACCOUNT,
      roleArn: this.controllerRole.roleArn,
    });

    const helm = (chartId: string, pin: HelmChartPin, values: Record<string, unknown>, skipCrds: boolean): eks.HelmChart => {
      const chart = new eks.HelmChart(this, chartId, {
        cluster,
        chart: pin.chart,
        repository: pin.repository,
        version: pin.version,
        namespace: pin.namespace,
        release: pin.chart,
        createNamespace: true,
        skipCrds,
        values,
        wait: true,
        timeout: Duration.minutes(10),
      });
      for (const dep of props.after ?? []) chart.node.addDependency(dep);
      return chart;
    };
    this.crdChart = helm('CrdChart', pins.crds, {}, false);
    this.chart = helm(
      'Chart',
      pins.controller,
      {
        replicas: 2,
        nodeSelector: { ...(props.systemNodeSelector ?? { [NODE_LABELS.workload]: 'system' }) },
        serviceAccount: { create: true, name: KARPENTER_SERVICE_ACCOUNT },
        podDisruptionBudget: { name: 'karpenter', maxUnavailable: 1 },
        settings: {
          clusterName,
          interruptionQueue: this.interruptionQueue.queueName,
          featureGates: { reservedCapacity: true },
        },
        controller: {
          resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
        },
        ...props.values,
      },
      true,
    );
    this.chart.node.addDependency(this.crdChart, association);
  }
}

/**
 * The key-policy statements that let EC2's Fleet and Spot service-linked roles (which launch the
 * instances of Karpenter's fleet requests) use a customer-managed key for the nodes' volumes,
 * through EC2 only. The roles appear only after their first use, and KMS rejects key policies
 * that name principals that do not exist: they are matched by ARN pattern in this account.
 */
export function allowKarpenterNodeVolumeEncryption(key: kms.Key): void {
  const stack = Stack.of(key);
  const slr = (service: string, name: string) =>
    stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: `aws-service-role/${service}/${name}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  const conditions = {
    StringEquals: { 'aws:PrincipalAccount': stack.account, 'kms:ViaService': `ec2.${stack.region}.amazonaws.com` },
    ArnLike: {
      'aws:PrincipalArn': [
        slr('ec2fleet.amazonaws.com', 'AWSServiceRoleForEC2Fleet'),
        slr('spot.amazonaws.com', 'AWSServiceRoleForEC2Spot'),
      ],
    },
  };
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowEc2FleetAndSpotToUseTheKeyForNodeVolumes',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'],
      resources: ['*'],
      conditions,
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowEc2FleetAndSpotToGrantTheKeyToEbs',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { ...conditions, Bool: { 'kms:GrantIsForAWSResource': true } },
    }),
  );
}

/** What the controller policy is scoped to. */
export interface KarpenterPolicyScope {
  readonly stack: Stack;
  /** Literal cluster name (in condition keys). */
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly nodeRoleArn: string;
  readonly instanceProfileArn: string;
  readonly queueArn: string;
  /** @default - no KMS statement */
  readonly volumeKeyArn?: string;
}

/**
 * The Karpenter v1 controller policy for one cluster (after the project's reference
 * CloudFormation, getting-started/cloudformation.yaml): launches only from launch templates
 * and into resources tagged for this cluster and a NodePool; tags and terminates only those;
 * reads what has no resource-level permissions in its region only; passes only the node role to
 * EC2; reads only this cluster and its interruption queue.
 */
export function karpenterControllerStatements(s: KarpenterPolicyScope): iam.PolicyStatement[] {
  const ec2 = (resource: string) =>
    s.stack.formatArn({ service: 'ec2', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  const region = s.stack.region;
  const owned = `kubernetes.io/cluster/${s.clusterName}`;
  const created = ['fleet', 'instance', 'volume', 'network-interface', 'launch-template', 'spot-instances-request'].map(ec2);
  const statements = [
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2InstanceAccessActions',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
      resources: [
        s.stack.formatArn({ service: 'ec2', account: '', resource: 'image', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
        s.stack.formatArn({
          service: 'ec2',
          account: '',
          resource: 'snapshot',
          resourceName: '*',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
        ...['security-group', 'subnet', 'capacity-reservation', 'placement-group'].map(ec2),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2LaunchTemplateAccessActions',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
      resources: [ec2('launch-template')],
      conditions: {
        StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2InstanceActionsWithTags',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
      resources: created,
      conditions: {
        StringEquals: { [`aws:RequestTag/${owned}`]: 'owned', 'aws:RequestTag/eks:eks-cluster-name': s.clusterName },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedResourceCreationTagging',
      actions: ['ec2:CreateTags'],
      resources: created,
      conditions: {
        StringEquals: {
          [`aws:RequestTag/${owned}`]: 'owned',
          'aws:RequestTag/eks:eks-cluster-name': s.clusterName,
          'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
        },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedResourceTagging',
      actions: ['ec2:CreateTags'],
      resources: [ec2('instance')],
      conditions: {
        StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
        StringEqualsIfExists: { 'aws:RequestTag/eks:eks-cluster-name': s.clusterName },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedDeletion',
      actions: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
      resources: [ec2('instance'), ec2('launch-template')],
      conditions: {
        StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowRegionalReadActions',
      // EC2 Describe calls support no resource-level permissions; limited to the cluster's region.
      actions: [
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeCapacityReservations',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'ec2:DescribeInstanceTypeOfferings',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplates',
        'ec2:DescribePlacementGroups',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSpotPriceHistory',
        'ec2:DescribeSubnets',
      ],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestedRegion': region } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowSSMReadActions',
      // The EKS optimized AMI ids (AL2023 and its NVIDIA variant) are public SSM parameters.
      actions: ['ssm:GetParameter'],
      resources: [s.stack.formatArn({ service: 'ssm', account: '', resource: 'parameter', resourceName: 'aws/service/*' })],
    }),
    new iam.PolicyStatement({
      sid: 'AllowPricingReadActions',
      // The Price List API supports no resource-level permissions.
      actions: ['pricing:GetProducts'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'AllowInterruptionQueueActions',
      actions: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      resources: [s.queueArn],
    }),
    new iam.PolicyStatement({
      sid: 'AllowPassingInstanceRole',
      actions: ['iam:PassRole'],
      resources: [s.nodeRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowInstanceProfileReadActions',
      actions: ['iam:GetInstanceProfile'],
      resources: [s.instanceProfileArn],
    }),
    new iam.PolicyStatement({
      sid: 'AllowAPIServerEndpointDiscovery',
      actions: ['eks:DescribeCluster'],
      resources: [s.clusterArn],
    }),
  ];
  if (s.volumeKeyArn) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'AllowEncryptedNodeVolumes',
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*', 'kms:CreateGrant'],
        resources: [s.volumeKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `ec2.${region}.amazonaws.com` } },
      }),
    );
  }
  return statements;
}

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const PROFILE_NAME = /^[\w+=,.@-]{1,128}$/;

/** Throws on the first invalid prop, saying what was got and what is allowed. */
export function checkKarpenterProps(props: KarpenterProps): void {
  if (Token.isUnresolved(props.clusterName) || !CLUSTER_NAME.test(props.clusterName)) {
    throw new Error(
      `Karpenter: clusterName must be a literal EKS cluster name (letters, digits, '-', '_'; it is part of IAM condition keys), got '${props.clusterName}'`,
    );
  }
  const profile = props.instanceProfileName;
  if (profile !== undefined && !Token.isUnresolved(profile) && !PROFILE_NAME.test(profile)) {
    throw new Error(`Karpenter: instanceProfileName must be 1 to 128 of letters, digits and '+=,.@_-', got '${profile}'`);
  }
}
