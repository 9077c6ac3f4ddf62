import type { EnvironmentName } from '../config/types';

export interface NetworkConfig {
  /** IPv4 CIDR of the VPC, /16 to /20. Must not overlap another environment's VPC. */
  readonly vpcCidr: string;
  /** NAT gateways: 1 (cheap, single-AZ egress) up to one per AZ (resilient egress). */
  readonly natGateways: number;
  /** Netmask of the private-with-egress subnets (the bulk of addresses: EKS pods, EMR, SageMaker). */
  readonly privateSubnetMask: number;
}

/** The VPC of each environment. */
export const NETWORK: Readonly<Record<EnvironmentName, NetworkConfig>> = {
  dev: { vpcCidr: '10.10.0.0/16', natGateways: 1, privateSubnetMask: 20 },
  staging: { vpcCidr: '10.20.0.0/16', natGateways: 3, privateSubnetMask: 19 },
  prod: { vpcCidr: '10.30.0.0/16', natGateways: 3, privateSubnetMask: 19 },
};
