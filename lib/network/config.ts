import type { EnvironmentName } from '../config/types';

export interface NetworkConfig {
  /** IPv4 CIDR of the VPC, /16 to /20. Must not overlap another environment's VPC. */
  readonly vpcCidr: string;
  /** NAT gateways: 1 (cheap, single-AZ egress) up to one per AZ (resilient egress). */
  readonly natGateways: number;
  /** Netmask of the private-with-egress subnets (the bulk of addresses: EKS pods, EMR, SageMaker). */
  readonly privateSubnetMask: number;
  /**
   * Interface VPC endpoints (ECR, STS, CloudWatch Logs and metrics, KMS, Secrets Manager, SageMaker
   * API/runtime/MLflow, EMR Serverless, S3) in every AZ: private paths to every AWS API the pods
   * call, so their NetworkPolicies admit HTTPS to the VPC CIDR only; about $8 a month each per AZ
   * (S3's also $0.01/GB, docs/network.md). Off, those calls leave through the NAT gateway (still TLS
   * and IAM-signed; `cluster.podHttpsEgressCidrs` must then admit them); the S3 and DynamoDB gateway
   * endpoints (free) stay. Staging and prod: on.
   */
  readonly interfaceEndpoints: boolean;
}

/** The VPC of each environment. Dev has no interface endpoints (its idle budget is $500 a month). */
export const NETWORK: Readonly<Record<EnvironmentName, NetworkConfig>> = {
  dev: { vpcCidr: '10.10.0.0/16', natGateways: 1, privateSubnetMask: 20, interfaceEndpoints: false },
  staging: { vpcCidr: '10.20.0.0/16', natGateways: 3, privateSubnetMask: 19, interfaceEndpoints: true },
  prod: { vpcCidr: '10.30.0.0/16', natGateways: 3, privateSubnetMask: 19, interfaceEndpoints: true },
};
