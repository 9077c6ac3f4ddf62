import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fsx from 'aws-cdk-lib/aws-fsx';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** One link between a directory of the file system and an S3 prefix (a data repository association). */
export interface TrainingDataLink {
  /** Directory in the file system, e.g. `/features`. */
  readonly fileSystemPath: string;
  /** The S3 prefix, `s3://<bucket>/<prefix>/`. */
  readonly s3Uri: string;
  /**
   * Import only (data: new and changed objects appear in the file system), or import and export
   * (checkpoints written to the file system are copied to S3).
   */
  readonly direction: 'import' | 'importAndExport';
}

export interface TrainingFileSystemProps {
  readonly vpc: ec2.IVpc;
  /** The subnet (one AZ: the zone of the training nodes and their placement group). */
  readonly subnet: ec2.ISubnet;
  /** Security group of the clients (the cluster security group of the training nodes). */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  /** Key of the file system's data at rest. */
  readonly encryptionKey: kms.IKey;
  /**
   * Storage in GiB: 1200, 2400 or a multiple of 2400 (PERSISTENT_2 SSD).
   * @default 1200
   */
  readonly storageCapacityGiB?: number;
  /**
   * Throughput per TiB of storage (MB/s): 125, 250, 500 or 1000.
   * @default 250
   */
  readonly throughputPerTiB?: number;
  /** S3 prefixes linked to directories. */
  readonly links: readonly TrainingDataLink[];
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const STORAGE = (gib: number) => gib === 1200 || (gib >= 2400 && gib % 2400 === 0);
const THROUGHPUTS = [125, 250, 500, 1000];
const FS_PATH = /^\/[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;
const S3_PREFIX = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([a-z0-9._=-]+\/)+$/;

/** Problems of the props (empty when valid), one line each, prefixed by `where`. */
export function trainingFileSystemProblems(
  where: string,
  p: Pick<TrainingFileSystemProps, 'storageCapacityGiB' | 'throughputPerTiB' | 'links'>,
): string[] {
  const problems: string[] = [];
  const gib = p.storageCapacityGiB ?? 1200;
  if (!Number.isInteger(gib) || !STORAGE(gib))
    problems.push(`${where}.storageCapacityGiB: ${gib} is not allowed; 1200, 2400 or a multiple of 2400`);
  const tput = p.throughputPerTiB ?? 250;
  if (!THROUGHPUTS.includes(tput)) problems.push(`${where}.throughputPerTiB: ${tput} is not allowed; one of ${THROUGHPUTS.join(', ')}`);
  if (p.links.length === 0) problems.push(`${where}.links: none given; link at least one S3 prefix`);
  const paths = new Set<string>();
  for (const l of p.links) {
    if (!FS_PATH.test(l.fileSystemPath))
      problems.push(`${where}.links: fileSystemPath '${l.fileSystemPath}' is not an absolute path like '/features'`);
    if ([...paths].some((q) => l.fileSystemPath.startsWith(`${q}/`) || q.startsWith(`${l.fileSystemPath}/`) || q === l.fileSystemPath)) {
      problems.push(`${where}.links: fileSystemPath '${l.fileSystemPath}' overlaps another link; links need disjoint directories`);
    }
    paths.add(l.fileSystemPath);
    if (!Token.isUnresolved(l.s3Uri) && !S3_PREFIX.test(l.s3Uri)) {
      problems.push(`${where}.links: s3Uri '${l.s3Uri}' is not an S3 prefix like 's3://bucket/teams/risk/'`);
    }
  }
  return problems;
}

/**
 * Fast shared storage for distributed training: FSx for Lustre (PERSISTENT_2, SSD, LZ4, KMS) in
 * the training nodes' zone, with data repository associations to S3 prefixes: training data
 * imported from the features bucket as it changes; checkpoints written under an export link go to
 * the models bucket. The file system and its clients admit each other on Lustre's ports (988,
 * 1018-1023) only. The FSx CSI driver mounts it into pods (a static PersistentVolume).
 *
 * @example
 * const subnet = vpc.privateSubnets[0];
 * const clientSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'Nodes', cluster.clusterSecurityGroupId);
 * new TrainingFileSystem(this, 'TrainingStorage', { vpc, subnet, clientSecurityGroup, encryptionKey: keys.compute,
 *   links: [{ fileSystemPath: '/features', s3Uri: 's3://features/teams/risk/', direction: 'import' }] });
 */
export class TrainingFileSystem extends Construct {
  readonly fileSystem: fsx.LustreFileSystem;
  readonly securityGroup: ec2.SecurityGroup;
  readonly associations: fsx.CfnDataRepositoryAssociation[] = [];

  constructor(scope: Construct, id: string, props: TrainingFileSystemProps) {
    super(scope, id);
    const problems = trainingFileSystemProblems('TrainingFileSystem', props);
    if (problems.length > 0) throw new Error(problems[0]);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'FSx for Lustre training storage: Lustre from the training nodes and between file servers',
      allowAllOutbound: false,
    });
    const lustre = [ec2.Port.tcp(988), ec2.Port.tcpRange(1018, 1023)];
    for (const port of lustre) {
      this.securityGroup.addIngressRule(this.securityGroup, port, 'Lustre between file servers');
      this.securityGroup.addIngressRule(props.clientSecurityGroup, port, 'Lustre from training nodes');
      this.securityGroup.addEgressRule(this.securityGroup, port, 'Lustre between file servers');
      this.securityGroup.addEgressRule(props.clientSecurityGroup, port, 'Lustre to training nodes');
      // Lustre servers also connect back to their clients (FSx for Lustre's documented client rules).
      props.clientSecurityGroup.addIngressRule(this.securityGroup, port, 'Lustre from the training file system');
    }

    this.fileSystem = new fsx.LustreFileSystem(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnet: props.subnet,
      securityGroup: this.securityGroup,
      kmsKey: props.encryptionKey,
      storageCapacityGiB: props.storageCapacityGiB ?? 1200,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lustreConfiguration: {
        deploymentType: fsx.LustreDeploymentType.PERSISTENT_2,
        perUnitStorageThroughput: props.throughputPerTiB ?? 250,
        dataCompressionType: fsx.LustreDataCompressionType.LZ4,
        automaticBackupRetention: Duration.days(7),
        copyTagsToBackups: true,
      },
    });

    props.links.forEach((l, i) => {
      const events = ['NEW', 'CHANGED', 'DELETED'];
      this.associations.push(
        new fsx.CfnDataRepositoryAssociation(this, `Link${i}`, {
          fileSystemId: this.fileSystem.fileSystemId,
          fileSystemPath: l.fileSystemPath,
          dataRepositoryPath: l.s3Uri,
          batchImportMetaDataOnCreate: true,
          s3: {
            autoImportPolicy: { events },
            ...(l.direction === 'importAndExport' ? { autoExportPolicy: { events } } : {}),
          },
        }),
      );
    });
  }

  /**
   * The key-policy statement that lets FSx's per-file-system service-linked roles
   * (`AWSServiceRoleForFSxS3Access_<fs-id>`, created with the file system) read and write the linked
   * SSE-KMS buckets with `bucketKey`, through S3 only. The roles do not exist before the file system,
   * so they are matched by ARN pattern rather than named as principals (KMS rejects principals
   * that do not exist).
   */
  static allowDataRepositoryAccess(bucketKey: kms.Key): void {
    const stack = Stack.of(bucketKey);
    bucketKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowFsxDataRepositoriesThroughS3',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:PrincipalAccount': stack.account, 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
          ArnLike: {
            'aws:PrincipalArn': stack.formatArn({
              service: 'iam',
              region: '',
              resource: 'role',
              resourceName: 'aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/AWSServiceRoleForFSxS3Access_*',
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }
}
