import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { LOG_GROUP_DISCOVERY_ACTIONS, LOG_GROUP_DISCOVERY_REASON, LOG_STREAM_WRITE_ACTIONS } from '../core/perms';
import { acknowledge, acknowledgeWildcards, managedPolicyFinding, when } from '../private/acknowledge';

/** The AWS-managed policy that lets the SSM agent register the instance and carry sessions. */
const SSM_CORE_POLICY = 'AmazonSSMManagedInstanceCore';

export interface ClusterAccessHostProps {
  /** The cluster whose private API endpoint operators reach through the host. */
  readonly cluster: eks.ICluster;
  /** The cluster's VPC; the host goes into its private subnets with egress. */
  readonly vpc: ec2.IVpc;
  /**
   * Instance type (the host only relays TCP; the smallest Graviton size is enough).
   * @default m7g.medium
   */
  readonly instanceType?: ec2.InstanceType;
  /** Customer-managed key of the host's root volume. */
  readonly volumeEncryptionKey: kms.IKey;
  /**
   * Key of the session log group (its key policy must admit CloudWatch Logs).
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Retention of the session log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the session log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The audited way into a cluster whose API endpoint is private: a Session Manager host.
 * - An SSM-managed Amazon Linux 2023 instance in a private subnet: no public IP, no key pair, no
 *   inbound rule (Session Manager needs none), IMDSv2 only, KMS-encrypted root volume, HTTPS egress
 *   only (the SSM channels and the cluster API).
 * - The cluster's security group admits the host on 443 (the private API endpoint).
 * - A Session document (`sessionDocumentName`) for shell sessions, logged to a KMS-encrypted,
 *   retained CloudWatch log group; operators' permission sets should allow `ssm:StartSession`
 *   with this document (and `AWS-StartPortForwardingSessionToRemoteHost`) only.
 *
 * Operators forward a local port to the API endpoint through the host
 * (`aws ssm start-session --document-name AWS-StartPortForwardingSessionToRemoteHost`) and run
 * kubectl with their own SSO role, which an EKS access entry maps to Kubernetes permissions: the
 * host holds no credentials for the cluster, CloudTrail records StartSession, EKS audit logs record
 * what each role did. See docs/compute.md ("kubectl access").
 *
 * @example
 * const host = new ClusterAccessHost(this, 'AccessHost', {
 *   cluster, vpc, volumeEncryptionKey: keys.compute, logEncryptionKey: keys.logs,
 * });
 */
export class ClusterAccessHost extends Construct {
  readonly instance: ec2.Instance;
  readonly securityGroup: ec2.SecurityGroup;
  readonly sessionLogGroup: logs.LogGroup;
  /** Name of the Session document whose shell sessions are logged. */
  readonly sessionDocumentName: string;

  constructor(scope: Construct, id: string, props: ClusterAccessHostProps) {
    super(scope, id);

    this.sessionLogGroup = new logs.LogGroup(this, 'SessionLogs', {
      encryptionKey: props.logEncryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Session Manager host: no inbound; HTTPS to SSM and to the cluster API',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS: SSM channels (endpoints or NAT) and the private cluster API',
    );
    new ec2.CfnSecurityGroupIngress(this, 'ClusterApiFromHost', {
      groupId: props.cluster.clusterSecurityGroupId,
      sourceSecurityGroupId: this.securityGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'Operators (Session Manager port forwarding) to the private API endpoint',
    });

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Session Manager host: SSM agent and session logging only (no cluster access)',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(SSM_CORE_POLICY)],
    });
    const logPolicy = new iam.ManagedPolicy(this, 'SessionLogPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: [...LOG_STREAM_WRITE_ACTIONS], resources: [this.sessionLogGroup.logGroupArn] }),
        new iam.PolicyStatement({ actions: [...LOG_GROUP_DISCOVERY_ACTIONS], resources: ['*'] }),
      ],
    });
    acknowledgeWildcards(logPolicy, when(/^Resource::\*$/, LOG_GROUP_DISCOVERY_REASON));
    acknowledge(
      role,
      `The SSM agent needs ${SSM_CORE_POLICY} (AWS-managed, kept in step with the agent) to register the instance and carry sessions; the role has no other grant than writing its session logs.`,
      managedPolicyFinding(SSM_CORE_POLICY),
    );

    this.instance = new ec2.Instance(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      instanceType: props.instanceType ?? new ec2.InstanceType('m7g.medium'),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      role,
      securityGroup: this.securityGroup,
      // IMDSv2 only, on the instance itself (no launch template), one hop: containers cannot reach it.
      httpTokens: ec2.HttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
      detailedMonitoring: true,
      ebsOptimized: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(20, {
            encrypted: true,
            kmsKey: props.volumeEncryptionKey,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    acknowledge(
      this.instance,
      "The root volume is encrypted with the customer-managed key (BlockDeviceMappings Ebs.Encrypted with KmsKeyId, asserted by the construct's test); cdk-nag's EC26 reads an instance's launch template and misjudges an instance that has none.",
      'AwsSolutions-EC26',
    );
    acknowledge(
      this.instance,
      'The host keeps no state (no keys, no credentials, logs go to CloudWatch): replacing it is the recovery, so it is neither termination-protected nor in an Auto Scaling group.',
      'AwsSolutions-EC29',
    );

    const document = new ssm.CfnDocument(this, 'ShellSessions', {
      documentType: 'Session',
      content: {
        schemaVersion: '1.0',
        description: `Shell sessions on the access host of ${props.cluster.clusterName}, logged to CloudWatch Logs (encrypted)`,
        sessionType: 'Standard_Stream',
        inputs: {
          cloudWatchLogGroupName: this.sessionLogGroup.logGroupName,
          cloudWatchEncryptionEnabled: true,
          cloudWatchStreamingEnabled: true,
          s3BucketName: '',
          s3EncryptionEnabled: true,
          runAsEnabled: false,
          idleSessionTimeout: '20',
          maxSessionDuration: '60',
        },
      },
    });
    this.sessionDocumentName = document.ref;

    new CfnOutput(this, 'InstanceId', {
      value: this.instance.instanceId,
      description: `Session Manager host of ${Stack.of(this).stackName}: target of kubectl port forwarding`,
    });
    new CfnOutput(this, 'SessionDocument', {
      value: this.sessionDocumentName,
      description: 'Session document for logged shell sessions on the host (aws ssm start-session --document-name)',
    });
  }
}
