import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, packs } from '../private/acknowledge';

/**
 * Interface endpoints every platform VPC gets, by construct id (ids are logical IDs: never rename
 * one). With these and the S3 interface endpoint (S3_INTERFACE_ENDPOINT_ID), every AWS API the
 * platform's pods call has a private address in the VPC, so their NetworkPolicies admit HTTPS to
 * the VPC CIDR only.
 */
export const INTERFACE_ENDPOINTS: Readonly<Record<string, ec2.InterfaceVpcEndpointAwsService>> = {
  EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
  Sts: ec2.InterfaceVpcEndpointAwsService.STS,
  CloudWatchLogs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  SageMakerApi: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API,
  SageMakerRuntime: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
  // CloudWatch metrics (PutMetricData: the feature-stream consumers).
  CloudWatchMonitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
  // EMR Serverless (teams start, watch and cancel Spark job runs).
  EmrServerless: ec2.InterfaceVpcEndpointAwsService.EMR_SERVERLESS,
  // SageMaker MLflow tracking servers (`aws.sagemaker.<region>.experiments`: the sagemaker-mlflow API).
  SageMakerExperiments: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_EXPERIMENTS,
};

/**
 * Construct id of the S3 interface endpoint (PrivateLink). It sits beside the S3 gateway endpoint
 * (construct id `S3`, kept for what does not resolve through the VPC's resolver) with private DNS
 * for all resolvers, so in-VPC clients resolve S3's regional names (`s3.<region>.amazonaws.com`,
 * `<bucket>.s3.<region>.amazonaws.com`, ECR's layer bucket) to the endpoint's addresses in the
 * VPC: pods reach S3 inside the VPC CIDR, which a NetworkPolicy can name (the gateway's prefix list
 * it cannot). The price: $0.01 per GB processed, where the gateway endpoint is free.
 */
export const S3_INTERFACE_ENDPOINT_ID = 'S3Interface';

export interface PlatformNetworkProps {
  /** IPv4 CIDR of the VPC. */
  readonly cidr: string;
  /** Explicit availability zones; no lookup happens at synth. */
  readonly availabilityZones: readonly string[];
  /**
   * NAT gateways, 1 to one per AZ.
   * @default - one per AZ
   */
  readonly natGateways?: number;
  /**
   * Netmask of the private-with-egress subnets.
   * @default 19
   */
  readonly privateSubnetMask?: number;
  /** Customer-managed key of the flow-log group (its policy must admit CloudWatch Logs). */
  readonly flowLogKey: kms.IKey;
  /**
   * Retention of the flow-log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * Interface endpoints (INTERFACE_ENDPOINTS and the S3 interface endpoint) in the private subnets.
   * Off, private workloads reach those AWS APIs through the NAT gateways (TLS, IAM-signed); the S3
   * and DynamoDB gateway endpoints stay. Each interface endpoint costs an hourly fee per AZ (and
   * $0.01 per GB processed).
   * @default true
   */
  readonly interfaceEndpoints?: boolean;
  /**
   * What happens to the flow-log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The VPC of one environment: public subnets (NAT gateways only, no auto-assigned public IPs),
 * private subnets with egress (EKS nodes, EMR, SageMaker), isolated subnets (caches, brokers),
 * all flow logs to a KMS-encrypted log group, S3 and DynamoDB gateway endpoints and (unless
 * `interfaceEndpoints: false`) interface endpoints for ECR, STS, CloudWatch Logs and metrics, KMS,
 * Secrets Manager, SageMaker (API, runtime, MLflow), EMR Serverless and S3 (private DNS for all
 * resolvers), so that private workloads reach AWS APIs without the internet and inside the VPC
 * CIDR. The default security group is closed.
 *
 * @example
 * const net = new PlatformNetwork(this, 'Network', {
 *   cidr: '10.10.0.0/16',
 *   availabilityZones: ['eu-west-1a', 'eu-west-1b'],
 *   natGateways: 1,
 *   flowLogKey: keys.logs,
 * });
 */
export class PlatformNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  readonly flowLogGroup: logs.LogGroup;
  /** Security group of the interface endpoints (HTTPS from the VPC CIDR); none without interface endpoints. */
  readonly endpointSecurityGroup?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: PlatformNetworkProps) {
    super(scope, id);
    const azCount = props.availabilityZones.length;
    const natGateways = props.natGateways ?? azCount;
    if (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > azCount) {
      throw new Error(`PlatformNetwork natGateways must be a whole number from 1 to ${azCount} (the AZ count), got ${natGateways}`);
    }

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: props.flowLogKey,
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    // The flow-log role: trusted by VPC Flow Logs of this account only, its permissions in a
    // customer-managed policy scoped to the one log group (no inline policy is added to it).
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      }),
      description: 'Delivers VPC flow logs to the flow-log group',
    });
    flowLogRole.addManagedPolicy(
      new iam.ManagedPolicy(this, 'FlowLogPolicy', {
        statements: [
          new iam.PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
            // The log group ARN attribute ends in `:*`, which covers its streams.
            resources: [this.flowLogGroup.logGroupArn],
          }),
        ],
      }),
    );

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      availabilityZones: [...props.availabilityZones],
      natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: props.privateSubnetMask ?? 19 },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        All: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, flowLogRole.withoutPolicyUpdates()),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    // Public subnets exist only for the NAT gateways (no instance gets a public IP).
    for (const subnet of this.vpc.publicSubnets) {
      acknowledge(
        subnet,
        'The default route to the internet gateway is what lets the NAT gateways in the public subnets give private subnets egress; public subnets host only NAT gateways and do not auto-assign public IPs.',
        ...packs.both('VPCNoUnrestrictedRouteToIGW'),
      );
    }

    if (props.interfaceEndpoints === false) return;
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface VPC endpoints: HTTPS from inside the VPC',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(props.cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');

    for (const [endpointId, service] of Object.entries(INTERFACE_ENDPOINTS)) {
      this.vpc.addInterfaceEndpoint(endpointId, {
        service,
        privateDnsEnabled: true,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [this.endpointSecurityGroup!],
        open: false,
      });
    }
    // S3 over PrivateLink as well as the gateway: in-VPC clients resolve S3 to this endpoint.
    this.vpc.addInterfaceEndpoint(S3_INTERFACE_ENDPOINT_ID, {
      service: ec2.InterfaceVpcEndpointAwsService.S3,
      privateDnsEnabled: true,
      privateDnsOnlyForInboundResolverEndpoint: ec2.VpcEndpointPrivateDnsOnlyForInboundResolverEndpoint.ALL_RESOLVERS,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.endpointSecurityGroup],
      open: false,
    });
  }
}
