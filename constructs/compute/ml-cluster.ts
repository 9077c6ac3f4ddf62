import { ArnFormat, type CfnResource, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type Cidr, contains, isPrivate, parseCidr } from '../core/patterns';
import { acknowledge, acknowledgeRuleFindings, acknowledgeWildcards, managedPolicyFinding, nagRule, packs } from '../private/acknowledge';
import { MlClusterAddOns, type MlClusterAddOnsOptions } from './cluster-add-ons';
import { Karpenter, type KarpenterProps } from './karpenter';
import { MlNodeGroup, type MlNodeGroupOptions } from './ml-node-group';
import { podIdentityPrincipal } from './team-workload-identity';
import { DEFAULT_KUBERNETES_VERSION, type EksAddonName, kubernetesRelease, SUPPORTED_KUBERNETES_VERSIONS } from './versions';

/** Documentation ranges (RFC 5737): examples in text, never anyone's real address. */
const DOCUMENTATION_RANGES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'];

/** Kubernetes permissions of a namespace-scoped access entry, by EKS access policy. */
export const NAMESPACE_ACCESS_POLICIES = {
  edit: 'AmazonEKSEditPolicy',
  view: 'AmazonEKSViewPolicy',
  /** Also the namespace's Roles and RoleBindings (a team's leads). */
  admin: 'AmazonEKSAdminPolicy',
} as const;

/** A role's access to some namespaces of the cluster (an EKS access entry with a namespace-scoped policy). */
export interface NamespaceAccess {
  /** IAM role ARN (for people: their IAM Identity Center permission set's role). */
  readonly roleArn: string;
  /** `edit` (AmazonEKSEditPolicy), `view` (AmazonEKSViewPolicy) or `admin` (AmazonEKSAdminPolicy), all namespace-scoped. */
  readonly access: keyof typeof NAMESPACE_ACCESS_POLICIES;
  /** The namespaces the policy applies to. */
  readonly namespaces: readonly string[];
}

/** The narrowest prefix a CIDR allowed to reach the public API endpoint may have. */
export const PUBLIC_ACCESS_CIDR_MIN_PREFIX = 16;

/**
 * What is wrong with one CIDR allowed to reach the cluster's public API endpoint (empty when
 * nothing is): the one check that `MlCluster` and the compute config rules both run.
 */
export function publicAccessCidrProblems(text: string): string[] {
  const cidr = parseCidr(text);
  if (!cidr) return ['is not an IPv4 CIDR (a.b.c.d/nn)'];
  const problems: string[] = [];
  const documentation = DOCUMENTATION_RANGES.find((r) => contains(parseCidr(r) as Cidr, cidr));
  if (documentation) {
    problems.push(
      `is a documentation range (TEST-NET, ${documentation}, RFC 5737) that no client has; use your egress range, or keep the endpoint private and use the Session Manager host`,
    );
  }
  if (cidr.prefix < PUBLIC_ACCESS_CIDR_MIN_PREFIX) {
    problems.push(`is too wide; public endpoint CIDRs must be /${PUBLIC_ACCESS_CIDR_MIN_PREFIX} or narrower`);
  }
  if (isPrivate(cidr)) problems.push('is a private (RFC 1918) range; the public endpoint sees public source addresses');
  return problems;
}

export interface MlClusterProps {
  /** Name of the EKS cluster (also names its control-plane log group). */
  readonly clusterName: string;
  /** The VPC; the control plane ENIs and the nodes go into its private subnets with egress. */
  readonly vpc: ec2.IVpc;
  /**
   * Kubernetes version, `major.minor`: a row of KUBERNETES_RELEASES; the kubectl layer and the
   * managed add-on versions follow it.
   * @default DEFAULT_KUBERNETES_VERSION
   */
  readonly kubernetesVersion?: string;
  /**
   * Layer with kubectl and helm for the kubectl provider; must match `kubernetesVersion`.
   * @default - the layer of `kubernetesVersion` in KUBERNETES_RELEASES
   */
  readonly kubectlLayer?: lambda.ILayerVersion;
  /**
   * CIDRs allowed to reach a public API endpoint. Empty: the endpoint is private only (reachable
   * from the VPC). Non-empty: public and private, the public side restricted to these CIDRs.
   * @default - private endpoint only
   */
  readonly publicAccessCidrs?: readonly string[];
  /** Customer-managed key that envelope-encrypts Kubernetes secrets. */
  readonly secretsEncryptionKey: kms.IKey;
  /**
   * IAM role ARNs that get cluster-admin through EKS access entries (authentication mode API; no aws-auth).
   * @default - none
   */
  readonly adminRoleArns?: readonly string[];
  /**
   * Roles with namespace-scoped access (edit or view) through EKS access entries. A role that is
   * also an admin keeps one access entry with both policies.
   * @default - none
   */
  readonly namespaceAccess?: readonly NamespaceAccess[];
  /**
   * Key of the control-plane log group (its key policy must admit CloudWatch Logs).
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Retention of the control-plane log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the control-plane log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Managed node groups by name: at least one CPU group (cluster add-ons run there).
   */
  readonly nodeGroups: Record<string, MlNodeGroupOptions>;
  /**
   * Versions of the EKS managed add-ons (overrides of single add-ons).
   * @default - the add-on versions of `kubernetesVersion` in KUBERNETES_RELEASES
   */
  readonly addonVersions?: Partial<Record<EksAddonName, string>>;
  /**
   * Helm add-ons (NVIDIA device plugin, KubeRay, Kubeflow Trainer, metrics-server).
   * @default - all, at the versions pinned in HELM_CHARTS
   */
  readonly addOns?: MlClusterAddOnsOptions;
  /**
   * Karpenter, which launches the workload nodes (the managed node groups run the add-ons and
   * Karpenter itself): the key of its nodes' volumes, chart pins, extra values.
   * @default - Karpenter at KARPENTER_CHARTS, volumes with the account's default EBS key
   */
  readonly karpenter?: MlClusterKarpenterOptions;
}

/** What MlCluster passes through to its Karpenter (the cluster, its name and the ordering are its own). */
export type MlClusterKarpenterOptions = Omit<KarpenterProps, 'cluster' | 'clusterName' | 'after'>;

/** CloudWatch Logs retention values are checked by aws-logs; CIDRs here. */

/**
 * An EKS cluster for ML training and Ray workloads:
 * - native `AWS::EKS::Cluster` (aws-eks-v2), authentication mode API with access entries for the
 *   admin roles, the deployer not bootstrapped as admin;
 * - API endpoint private, or public+private restricted to CIDRs;
 * - secrets envelope-encrypted with a customer-managed key, all control-plane log types to a
 *   pre-created, retained, encrypted log group;
 * - managed add-ons vpc-cni (with network policy enforcement), kube-proxy, eks-pod-identity-agent,
 *   coredns and aws-ebs-csi-driver at pinned versions;
 * - managed node groups (the CPU system group) and Helm add-ons (see MlClusterAddOns);
 * - Karpenter, which launches the workload nodes (CPU and GPU NodePools, see Karpenter).
 *
 * @example
 * const cluster = new MlCluster(this, 'Cluster', {
 *   clusterName: 'dev-ml',
 *   vpc,
 *   secretsEncryptionKey: keys.compute,
 *   adminRoleArns: ['arn:aws:iam::111111111111:role/PlatformAdmin'],
 *   nodeGroups: {
 *     system: { gpu: false, instanceTypes: ['m7i.xlarge'], minSize: 2, maxSize: 4 },
 *     'gpu-g6': { gpu: true, instanceTypes: ['g6.2xlarge'], minSize: 0, maxSize: 4 },
 *   },
 * });
 */
export class MlCluster extends Construct {
  readonly cluster: eks.Cluster;
  readonly logGroup: logs.LogGroup;
  readonly nodeGroups: Record<string, MlNodeGroup> = {};
  readonly addons: Partial<Record<EksAddonName, eks.Addon>> = {};
  readonly helmAddOns: MlClusterAddOns;
  readonly karpenter: Karpenter;
  readonly kubernetesVersion: string;

  constructor(scope: Construct, id: string, props: MlClusterProps) {
    super(scope, id);
    validateCluster(props);
    this.kubernetesVersion = props.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
    const release = kubernetesRelease(this.kubernetesVersion);
    const publicCidrs = [...(props.publicAccessCidrs ?? [])];
    const privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    // EKS writes control-plane logs to this group; creating it first gives it a key and retention.
    this.logGroup = new logs.LogGroup(this, 'ControlPlaneLogs', {
      logGroupName: `/aws/eks/${props.clusterName}/cluster`,
      encryptionKey: props.logEncryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.cluster = new eks.Cluster(this, 'Resource', {
      clusterName: props.clusterName,
      version: eks.KubernetesVersion.of(this.kubernetesVersion),
      vpc: props.vpc,
      vpcSubnets: [privateSubnets],
      endpointAccess: publicCidrs.length > 0 ? eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...publicCidrs) : eks.EndpointAccess.PRIVATE,
      secretsEncryptionKey: props.secretsEncryptionKey,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      // Node groups come from props; no default capacity, no Auto Mode.
      defaultCapacity: 0,
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      // The managed add-ons below replace the self-managed networking add-ons.
      bootstrapSelfManagedAddons: false,
      // The deploying principal is not made a permanent cluster admin; the admin roles are.
      bootstrapClusterCreatorAdminPermissions: false,
      kubectlProviderOptions: {
        kubectlLayer: props.kubectlLayer ?? release.kubectlLayer(this, 'KubectlLayer'),
      },
      outputConfigCommand: false,
    });
    this.cluster.node.addDependency(this.logGroup);
    this.secureProviderLogGroups(props);
    this.acknowledgeGeneratedParts();

    (props.adminRoleArns ?? []).forEach((arn) => {
      this.cluster.grantClusterAdmin(`Admin${adminId(arn)}`, arn);
    });
    for (const grant of props.namespaceAccess ?? []) {
      this.cluster.grantAccess(`Access${adminId(grant.roleArn)}`, grant.roleArn, [
        eks.AccessPolicy.fromAccessPolicyName(NAMESPACE_ACCESS_POLICIES[grant.access], {
          accessScopeType: eks.AccessScopeType.NAMESPACE,
          namespaces: [...grant.namespaces],
        }),
      ]);
    }

    // Networking add-ons and the pod identity agent come before nodes (nodes need a CNI to be Ready).
    const versions = { ...release.addons, ...props.addonVersions };
    const addon = (name: EksAddonName, constructId: string, configurationValues?: Record<string, unknown>): eks.Addon => {
      const created = new eks.Addon(this, constructId, {
        cluster: this.cluster,
        addonName: name,
        addonVersion: versions[name],
        configurationValues,
        preserveOnDelete: false,
      });
      (created.node.defaultChild as eks.CfnAddon).resolveConflicts = 'OVERWRITE';
      this.addons[name] = created;
      return created;
    };
    const vpcCni = addon('vpc-cni', 'VpcCni', { enableNetworkPolicy: 'true' });
    const kubeProxy = addon('kube-proxy', 'KubeProxy');
    const podIdentityAgent = addon('eks-pod-identity-agent', 'PodIdentityAgent');

    for (const [name, options] of Object.entries(props.nodeGroups)) {
      this.addNodeGroup(name, options);
    }
    const nodeGroups = Object.values(this.nodeGroups);
    for (const group of nodeGroups) group.node.addDependency(vpcCni, kubeProxy, podIdentityAgent);

    // Add-ons that run pods wait for the nodes.
    const coreDns = addon('coredns', 'CoreDns');
    const ebsCsi = addon('aws-ebs-csi-driver', 'EbsCsiDriver');
    const ebsCsiRole = new iam.Role(this, 'EbsCsiDriverRole', {
      assumedBy: podIdentityPrincipal(this.cluster),
      description: 'EBS CSI controller (EKS Pod Identity): creates and attaches EBS volumes',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEBSCSIDriverPolicy')],
    });
    acknowledge(
      ebsCsiRole,
      'The EBS CSI driver add-on role uses the AWS-managed AmazonEBSCSIDriverPolicy, which AWS keeps in step with the driver; it is bound by EKS Pod Identity to the ebs-csi-controller-sa service account of this cluster only.',
      managedPolicyFinding('service-role/AmazonEBSCSIDriverPolicy'),
    );
    (ebsCsi.node.defaultChild as eks.CfnAddon).podIdentityAssociations = [
      { serviceAccount: 'ebs-csi-controller-sa', roleArn: ebsCsiRole.roleArn },
    ];
    for (const a of [coreDns, ebsCsi]) {
      a.node.addDependency(podIdentityAgent);
      for (const group of nodeGroups) a.node.addDependency(group);
    }

    this.helmAddOns = new MlClusterAddOns(this, 'AddOns', {
      ...props.addOns,
      cluster: this.cluster,
      after: [coreDns, podIdentityAgent, ...nodeGroups],
    });

    // Workload nodes: Karpenter, running on the managed (system) nodes it never manages.
    this.karpenter = new Karpenter(this, 'Karpenter', {
      ...props.karpenter,
      cluster: this.cluster,
      clusterName: props.clusterName,
      after: [coreDns, podIdentityAgent, ...nodeGroups],
    });
  }

  /**
   * The kubectl provider's Lambda log groups (created by aws-eks-v2) get the same key, retention
   * and removal policy as the control-plane logs.
   */
  private secureProviderLogGroups(props: MlClusterProps): void {
    for (const child of this.cluster.node.findAll()) {
      if (!(child instanceof logs.CfnLogGroup)) continue;
      if (props.logEncryptionKey) child.kmsKeyId = props.logEncryptionKey.keyArn;
      child.retentionInDays = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
      child.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    }
  }

  /**
   * Findings that follow from aws-eks-v2's design of the cluster role and the kubectl provider
   * (CDK-generated, not configurable), acknowledged on those children.
   */
  private acknowledgeGeneratedParts(): void {
    acknowledge(
      this.cluster.role,
      'The EKS cluster service role needs the AWS-managed AmazonEKSClusterPolicy; AWS maintains it with the permissions the control plane needs.',
      managedPolicyFinding('AmazonEKSClusterPolicy'),
    );
    const cfnCluster = this.cluster.node.defaultChild;
    if (cfnCluster) {
      acknowledge(
        cfnCluster,
        "aws-eks-v2 renders EncryptionConfig[].Resources: ['secrets'], which the CloudFormation schema marks deprecated (a warning); it still states exactly what the compute key encrypts and EKS accepts it.",
        'CloudFormation-Validate::W9009',
      );
    }
    const provider = this.cluster.kubectlProvider;
    if (!provider) return;
    const functions = provider.node.findAll().filter((c): c is lambda.Function => c instanceof lambda.Function);
    for (const policy of [
      'service-role/AWSLambdaBasicExecutionRole',
      'service-role/AWSLambdaVPCAccessExecutionRole',
      'AmazonEC2ContainerRegistryReadOnly',
    ]) {
      acknowledge(
        provider,
        `The kubectl provider (aws-eks-v2, CDK-generated, runs in the private subnets) attaches ${policy} to its Lambda roles to log, attach to the VPC and pull OCI Helm charts; not configurable.`,
        managedPolicyFinding(policy),
      );
    }
    // In the aws partition the provider also attaches the public-ECR policy under a condition.
    acknowledgeRuleFindings(provider, 'AwsSolutions-IAM4', nagRule('IAMNoManagedPolicies'), (finding) =>
      finding.startsWith('Policy::{"Fn::If"') && finding.includes(':iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"')
        ? 'The kubectl provider (aws-eks-v2, CDK-generated) conditionally attaches AmazonElasticContainerRegistryPublicReadOnly in the aws partition to pull Helm charts from public ECR; not configurable.'
        : undefined,
    );
    // The custom-resource framework may invoke any version of the provider's own functions.
    acknowledgeWildcards(provider, (finding) => {
      const own = functions.map((f) => `Resource::<${Stack.of(f).getLogicalId(f.node.defaultChild as CfnResource)}.Arn>:*`);
      return own.includes(finding)
        ? 'The custom-resource framework (CDK-generated) may invoke any version of its own kubectl handler function; the wildcard covers only version qualifiers of that one function.'
        : undefined;
    });
    acknowledge(
      provider,
      'Inline default policies of the kubectl provider roles are generated by aws-eks-v2 (eks:DescribeCluster on this cluster, invoke of its own handler); the construct offers no managed-policy option.',
      ...packs.both('IAMNoInlinePolicy'),
    );
    for (const fn of functions) {
      acknowledge(
        fn,
        'CloudFormation invokes the kubectl custom-resource functions synchronously during deployments only: a DLQ never receives anything (failures fail the deployment) and reserved concurrency would throttle parallel Helm/manifest resources.',
        packs.nist('LambdaConcurrency'),
        packs.nist('LambdaDLQ'),
      );
    }
    const handler = provider.node.tryFindChild('Handler');
    if (handler) {
      acknowledge(
        handler,
        'aws-eks-v2 picks the kubectl handler runtime (determineLatestPythonRuntime) it is tested with; overriding it could break the bundled kubectl/helm handler.',
        'AwsSolutions-L1',
      );
    }
  }

  /** Adds a managed node group (validated; see MlNodeGroup). */
  addNodeGroup(name: string, options: MlNodeGroupOptions): MlNodeGroup {
    if (this.nodeGroups[name]) throw new Error(`MlCluster: node group '${name}' is defined twice`);
    const group = new MlNodeGroup(this, `NodeGroup-${name}`, { ...options, cluster: this.cluster, name });
    this.nodeGroups[name] = group;
    return group;
  }

  /**
   * The key-policy statements that let EC2 Auto Scaling (which launches the managed node groups)
   * use a customer-managed key for the nodes' root volumes, as AWS documents for encrypted EBS
   * volumes launched by Auto Scaling. Add them to the key that encrypts the volumes.
   *
   * The Auto Scaling service-linked role exists only after an account's first Auto Scaling group,
   * and KMS rejects a key policy whose Principal does not exist; so the principal is `*`, narrowed
   * by conditions KMS does not resolve at policy time: the caller's ARN is that role's
   * (`aws:PrincipalArn`) and the caller is in this account (`kms:CallerAccount`). Once the role
   * exists (AWS creates it with the first node group's Auto Scaling group), it gets exactly what
   * the named principal got. (No `kms:ViaService`: AWS documents these statements without it, and
   * a wrong service would stop nodes from launching, which only a real account would show.)
   */
  static allowNodeVolumeEncryption(key: kms.Key): void {
    const stack = Stack.of(key);
    const autoscalingRoleArn = stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: AUTOSCALING_SERVICE_LINKED_ROLE,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const onlyAutoScaling = {
      ArnEquals: { 'aws:PrincipalArn': autoscalingRoleArn },
      StringEquals: { 'kms:CallerAccount': stack.account },
    };
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAutoScalingToUseTheKeyForNodeVolumes',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: onlyAutoScaling,
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAutoScalingToGrantTheKeyToEbs',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { ...onlyAutoScaling, Bool: { 'kms:GrantIsForAWSResource': true } },
      }),
    );
  }
}

/** Path and name of EC2 Auto Scaling's service-linked role (created by AWS on first use). */
const AUTOSCALING_SERVICE_LINKED_ROLE = 'aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';

/** A stable construct-id suffix from a role ARN: its name, alphanumerics only. */
function adminId(arn: string): string {
  const name = arn.split('/').pop() ?? arn;
  return name.replace(/[^A-Za-z0-9]/g, '');
}

function validateCluster(props: MlClusterProps): void {
  const version = props.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
  if (!SUPPORTED_KUBERNETES_VERSIONS.includes(version)) {
    throw new Error(
      `MlCluster: kubernetesVersion '${version}' is not supported; expected one of ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')} (a matching kubectl layer must be installed)`,
    );
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(props.clusterName)) {
    throw new Error(
      `MlCluster: clusterName must be 1 to 100 letters, digits, '-' or '_' starting with a letter or digit, got '${props.clusterName}'`,
    );
  }
  for (const cidr of props.publicAccessCidrs ?? []) {
    if (Token.isUnresolved(cidr)) continue;
    const [problem] = publicAccessCidrProblems(cidr);
    if (problem) throw new Error(`MlCluster: publicAccessCidrs entry '${cidr}' ${problem}`);
  }
  for (const arn of props.adminRoleArns ?? []) {
    if (Token.isUnresolved(arn)) continue;
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(arn)) {
      throw new Error(`MlCluster: adminRoleArns entry '${arn}' is not an IAM role ARN like arn:aws:iam::111111111111:role/PlatformAdmin`);
    }
  }
  for (const grant of props.namespaceAccess ?? []) {
    if (!Token.isUnresolved(grant.roleArn) && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(grant.roleArn)) {
      throw new Error(
        `MlCluster: namespaceAccess roleArn '${grant.roleArn}' is not an IAM role ARN like arn:aws:iam::111111111111:role/Developer`,
      );
    }
    if (!Object.hasOwn(NAMESPACE_ACCESS_POLICIES, grant.access)) {
      throw new Error(
        `MlCluster: namespaceAccess access '${grant.access}' is not one of ${Object.keys(NAMESPACE_ACCESS_POLICIES).join(', ')}`,
      );
    }
    if (grant.namespaces.length === 0) {
      throw new Error(`MlCluster: namespaceAccess for '${grant.roleArn}' names no namespace; list the namespaces it may ${grant.access}`);
    }
  }
  const groups = Object.entries(props.nodeGroups);
  if (!groups.some(([, g]) => !g.gpu)) {
    throw new Error(
      `MlCluster: nodeGroups must include a CPU group for the cluster add-ons, got ${groups.map(([n]) => n).join(', ') || 'none'}`,
    );
  }
}
