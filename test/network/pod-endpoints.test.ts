import { Stack } from 'aws-cdk-lib';
import { Template as AssertionTemplate } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS, type EnvironmentName } from '../../lib/config';
import { platformStage } from '../util';

/**
 * In staging and prod the pods' NetworkPolicies admit HTTPS to the VPC CIDR only (issue 11 item
 * 7): every AWS API a pod's IAM role may call must then have an interface endpoint with private
 * DNS in the VPC. These tests derive the services from the synthesized Pod Identity roles, so
 * granting a pod a new AWS service without adding its endpoint fails here.
 */

/** Namespaces of the cluster add-ons (node-level identities, no platform NetworkPolicy): not team or platform workloads. */
const ADD_ON_NAMESPACES = new Set(['kube-system', 'keda', 'amazon-cloudwatch']);

/** Actions that make no call to an AWS endpoint, with the reason. */
const NO_NETWORK_CALL: ReadonlyArray<[RegExp, string]> = [
  [/^elasticache:Connect$/, 'the IAM auth token is presigned locally (SigV4); the cache is in the VPC on its own port'],
  [/^kafka-cluster:/, 'MSK IAM SASL signs locally; the brokers are in the VPC on 9098'],
  [/^iam:PassRole$/, 'an authorization the receiving service checks (EMR Serverless StartJobRun); no IAM API call'],
];

/** Endpoint services (the part after the region) an IAM service prefix's calls need, where it is not the prefix itself. */
const ENDPOINTS_OF: Readonly<Record<string, readonly string[]>> = {
  ecr: ['ecr.api', 'ecr.dkr', 's3'], // image layers come from S3
  sagemaker: ['sagemaker.api'],
  'sagemaker-mlflow': ['experiments'], // aws.sagemaker.<region>.experiments: the MLflow tracking servers
  cloudwatch: ['monitoring'],
};

type Template = { Resources?: Record<string, { Type: string; Properties?: any }> };

/** Actions of every Pod Identity role of workload namespaces, by `<stack>/<namespace>/<service account>`. */
function podRoleActions(env: EnvironmentName): Record<string, string[]> {
  const stage = platformStage(env);
  const templates = stage.node.children.filter((c): c is Stack => c instanceof Stack).map((s) => [s.stackName, toTemplate(s)] as const);
  const out: Record<string, string[]> = {};
  for (const [stackName, t] of templates) {
    const resources = t.Resources ?? {};
    for (const a of Object.values(resources).filter((r) => r.Type === 'AWS::EKS::PodIdentityAssociation')) {
      const { Namespace: namespace, ServiceAccount: serviceAccount, RoleArn: roleArn } = a.Properties;
      if (ADD_ON_NAMESPACES.has(namespace)) continue;
      const roleId = roleArn?.['Fn::GetAtt']?.[0];
      if (!roleId || resources[roleId]?.Type !== 'AWS::IAM::Role')
        throw new Error(`${stackName}: association ${namespace}/${serviceAccount} names no role of its stack`);
      out[`${stackName}/${namespace}/${serviceAccount}`] = roleActions(resources, roleId);
    }
  }
  return out;
}

function toTemplate(stack: Stack): Template {
  return AssertionTemplate.fromStack(stack).toJSON() as Template;
}

/** Every action of a role's policies (inline, attached policies, customer-managed policies); an AWS managed policy fails. */
function roleActions(resources: NonNullable<Template['Resources']>, roleId: string): string[] {
  const role = resources[roleId].Properties;
  const docs: any[] = (role.Policies ?? []).map((p: any) => p.PolicyDocument);
  const refersToRole = (roles: unknown) => JSON.stringify(roles ?? []).includes(`{"Ref":"${roleId}"}`);
  for (const r of Object.values(resources)) {
    if ((r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') && refersToRole(r.Properties?.Roles)) {
      docs.push(r.Properties.PolicyDocument);
    }
  }
  for (const arn of role.ManagedPolicyArns ?? []) {
    if (arn?.Ref && resources[arn.Ref]?.Type === 'AWS::IAM::ManagedPolicy') docs.push(resources[arn.Ref].Properties?.PolicyDocument);
    else throw new Error(`role ${roleId} has a managed policy whose actions this test cannot read: ${JSON.stringify(arn)}`);
  }
  return [
    ...new Set(docs.flatMap((d) => (d?.Statement ?? []).filter((s: any) => s.Effect === 'Allow').flatMap((s: any) => [s.Action].flat()))),
  ];
}

/** Interface endpoints of the environment that private DNS makes the in-VPC answer for their service (the name after the region). */
function privateEndpointServices(env: EnvironmentName): Set<string> {
  const network = platformStage(env).node.findChild('Network') as Stack;
  const resources = toTemplate(network).Resources ?? {};
  const region = ENVIRONMENTS[env].region;
  const services = new Set<string>();
  for (const r of Object.values(resources)) {
    const p = r.Properties ?? {};
    if (r.Type !== 'AWS::EC2::VPCEndpoint' || p.VpcEndpointType !== 'Interface' || p.PrivateDnsEnabled !== true) continue;
    // Where a gateway endpoint exists too (S3), in-VPC clients resolve to the interface endpoint only with AllResolvers.
    if (p.DnsOptions?.PrivateDnsOnlyForInboundResolverEndpoint === 'OnlyInboundResolver') continue;
    const name = String(p.ServiceName);
    services.add(name.slice(name.indexOf(`.${region}.`) + region.length + 2));
  }
  return services;
}

/** Services (IAM prefixes) whose actions a set of pod roles holds with no endpoint, each with the endpoints it would need. */
function uncovered(actionsByRole: Record<string, string[]>, endpoints: Set<string>): string[] {
  const missing = new Set<string>();
  for (const [role, actions] of Object.entries(actionsByRole)) {
    for (const action of actions) {
      if (typeof action !== 'string' || !action.includes(':'))
        throw new Error(`${role}: action ${JSON.stringify(action)} names no service`);
      if (NO_NETWORK_CALL.some(([pattern]) => pattern.test(action))) continue;
      const service = action.split(':')[0];
      const needed = ENDPOINTS_OF[service] ?? [service];
      const absent = needed.filter((e) => !endpoints.has(e));
      if (absent.length > 0) missing.add(`${service} (${role}: ${action}; endpoints ${absent.join(', ')})`);
    }
  }
  return [...missing].sort();
}

describe.each(['staging', 'prod'] as const)('%s: every AWS API a pod may call has an interface endpoint in the VPC', (env) => {
  const actions = podRoleActions(env);
  const endpoints = privateEndpointServices(env);

  test('the pod roles found: each team workload role and model server role, and the feature-stream consumers', () => {
    // THEN
    const keys = Object.keys(actions);
    for (const team of ENVIRONMENTS[env].cluster.teams) {
      expect(keys).toContainEqual(expect.stringMatching(new RegExp(`-Team-${team.name}/${team.name}/${team.name}-workloads$`)));
    }
    for (const server of ENVIRONMENTS[env].serving.modelServers) {
      expect(keys).toContainEqual(expect.stringMatching(new RegExp(`/${server.team}/${server.name}$`)));
    }
    expect(keys).toContainEqual(expect.stringMatching(/-Features\/features\//));
    expect(Object.values(actions).every((a) => a.length > 0)).toBe(true);
  });

  test("no pod role's service lacks an endpoint (with private DNS for all resolvers)", () => {
    // THEN
    expect(uncovered(actions, endpoints)).toEqual([]);
  });

  test('the services the pods use today, and their endpoints', () => {
    // GIVEN
    const services = new Set(
      Object.values(actions)
        .flat()
        .filter((a) => !NO_NETWORK_CALL.some(([p]) => p.test(a)))
        .map((a) => a.split(':')[0]),
    );
    // THEN: a change here is a review point for the endpoint list, not a failure to paper over
    expect([...services].sort()).toEqual(['cloudwatch', 'ecr', 'emr-serverless', 'kms', 's3', 'sagemaker', 'sagemaker-mlflow']);
    for (const e of ['s3', 'kms', 'ecr.api', 'ecr.dkr', 'sagemaker.api', 'experiments', 'emr-serverless', 'monitoring', 'sts']) {
      expect({ endpoint: e, present: endpoints.has(e) }).toEqual({ endpoint: e, present: true });
    }
  });
});

test('a pod granted a service without an endpoint is reported (the check can fail)', () => {
  // GIVEN
  const endpoints = privateEndpointServices('prod');
  // WHEN
  const missing = uncovered(
    { 'Team-x/x/x-workloads': ['s3:GetObject', 'glue:GetTable', 'athena:StartQueryExecution', 'kafka-cluster:Connect'] },
    endpoints,
  );
  // THEN
  expect(missing).toEqual([
    'athena (Team-x/x/x-workloads: athena:StartQueryExecution; endpoints athena)',
    'glue (Team-x/x/x-workloads: glue:GetTable; endpoints glue)',
  ]);
});

test('dev has no interface endpoints: nothing is private, its pods go through NAT (cluster.podHttpsEgressCidrs)', () => {
  // THEN
  expect(privateEndpointServices('dev').size).toBe(0);
  expect(ENVIRONMENTS.dev.cluster.podHttpsEgressCidrs).toEqual(['0.0.0.0/0']);
});
