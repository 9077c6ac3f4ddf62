import { Size } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { App as Cdk8sApp } from 'cdk8s';
import { Construct } from 'constructs';
import { MlCluster, type MlNodeGroupOptions, type PlatformKeys, type TeamLakeAccess, TeamWorkloadIdentity } from '../../constructs';
import { teamServiceAccountName } from '../../k8s/charts/team-tenancy';
import { addPlatformCharts } from '../../k8s/platform';
import { type EnvironmentConfig, LAKE_ZONE_NAMES, type LakeZoneName, type TeamConfig } from '../config';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export interface ComputeStackProps extends PlatformStackProps {
  /** The environment's VPC (Network stack). */
  readonly vpc: ec2.IVpc;
  /** The environment's keys (Security stack): compute (secrets, node volumes), logs, data (lake). */
  readonly keys: PlatformKeys;
  /**
   * ARNs of the lake's zone buckets (the Data stack's). A team prefix `<zone>/<key prefix>` from
   * config applies to that zone's bucket.
   */
  readonly lakeBucketArns: Readonly<Record<LakeZoneName, string>>;
}

/** Name of an environment's EKS cluster. */
export function clusterName(config: EnvironmentConfig): string {
  return `${config.name}-ml-platform`;
}

/**
 * A team's lake access per zone bucket: config prefixes are `<zone>/<key prefix>`
 * (`curated/credit/` is `credit/` in the curated bucket).
 */
export function teamLakeAccess(lake: TeamConfig['lake'], bucketArns: Readonly<Record<LakeZoneName, string>>): TeamLakeAccess[] {
  const split = (prefix: string) => {
    const [zone, ...rest] = prefix.split('/');
    return { zone: zone as LakeZoneName, key: `${rest.join('/')}` };
  };
  return LAKE_ZONE_NAMES.map((zone) => ({
    bucketArn: bucketArns[zone],
    readPrefixes: lake.readPrefixes
      .map(split)
      .filter((p) => p.zone === zone)
      .map((p) => p.key),
    writePrefixes: lake.writePrefixes
      .map(split)
      .filter((p) => p.zone === zone)
      .map((p) => p.key),
  })).filter((a) => a.readPrefixes.length + a.writePrefixes.length > 0);
}

/**
 * The EKS cluster of one environment (MlCluster: private endpoint in prod, encrypted secrets,
 * CPU and GPU node groups, pinned add-ons) and what runs on it from day one: the distributed
 * PyTorch training runtime and, per team, the tenancy chart (namespace, quota, limits, network
 * policies, service account) and the IAM role bound to that service account by EKS Pod Identity.
 */
export class ComputeStack extends PlatformStack {
  readonly mlCluster: MlCluster;
  readonly teamIdentities: Record<string, TeamWorkloadIdentity> = {};

  constructor(scope: Construct, id: string, props: ComputeStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config, keys } = props;
    const k = config.cluster;

    const nodeGroups: Record<string, MlNodeGroupOptions> = {};
    for (const g of k.nodeGroups) {
      nodeGroups[g.name] = {
        gpu: g.gpu,
        workload: g.workload,
        instanceTypes: g.instanceTypes,
        capacityType: g.capacityType,
        allowSpotTraining: k.allowSpotTraining,
        minSize: g.minSize,
        desiredSize: g.desiredSize,
        maxSize: g.maxSize,
        diskSize: Size.gibibytes(g.diskSizeGiB),
        volumeEncryptionKey: keys.compute,
      };
    }

    // The compute key encrypts the node volumes that EC2 Auto Scaling launches.
    MlCluster.allowNodeVolumeEncryption(keys.compute);

    this.mlCluster = new MlCluster(this, 'Cluster', {
      clusterName: clusterName(config),
      vpc: props.vpc,
      kubernetesVersion: k.kubernetesVersion,
      publicAccessCidrs: k.endpointAccess === 'publicAndPrivate' ? k.publicAccessCidrs : [],
      secretsEncryptionKey: keys.compute,
      adminRoleArns: k.adminRoleArns,
      logEncryptionKey: keys.logs,
      logRetention: config.logging.retentionDays as logs.RetentionDays,
      removalPolicy: this.statefulRemovalPolicy,
      nodeGroups,
    });
    const cluster = this.mlCluster.cluster;

    // The same charts `npm run synth:k8s` writes to dist/k8s/<env>/platform.
    const charts = addPlatformCharts(new Cdk8sApp(), config);
    const runtimes = cluster.addCdk8sChart('TrainingRuntimes', charts.runtimes);
    runtimes.node.addDependency(this.mlCluster.helmAddOns.charts.kubeflowTrainer!);

    const teams = new Construct(this, 'Teams');
    k.teams.forEach((t, i) => {
      const team = new Construct(teams, t.name);
      cluster.addCdk8sChart(`Tenancy-${t.name}`, charts.tenancy[i]);
      this.teamIdentities[t.name] = new TeamWorkloadIdentity(team, 'Identity', {
        cluster,
        namespace: t.name,
        serviceAccountName: teamServiceAccountName(t.name),
        lakeKey: keys.data,
        lake: teamLakeAccess(t.lake, props.lakeBucketArns),
      });
    });
  }
}
