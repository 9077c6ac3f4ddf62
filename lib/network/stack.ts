import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { PlatformNetwork } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

export interface NetworkStackProps extends PlatformStackProps {
  /** Key of the flow-log group (the Security stack's logs key). */
  readonly logsKey: kms.IKey;
}

/** The VPC of one environment, its flow logs and its endpoints. */
export class NetworkStack extends PlatformStack {
  readonly network: PlatformNetwork;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.network = new PlatformNetwork(this, 'Network', {
      cidr: config.network.vpcCidr,
      availabilityZones: config.availabilityZones,
      natGateways: config.network.natGateways,
      privateSubnetMask: config.network.privateSubnetMask,
      interfaceEndpoints: config.network.interfaceEndpoints,
      flowLogKey: props.logsKey,
      flowLogRetention: config.logging.retentionDays,
      removalPolicy: this.statefulRemovalPolicy,
    });
  }
}
