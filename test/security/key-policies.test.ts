import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENT_NAMES } from '../../lib/config';
import { platformStage } from '../util';

/** Every principal ARN (string or token) a policy statement names in its Principal element. */
function principalsOf(statement: any): string[] {
  const principal = statement.Principal ?? {};
  if (typeof principal === 'string') return [principal];
  return Object.values(principal)
    .flat()
    .map((value) => JSON.stringify(value));
}

describe('key policies of every environment', () => {
  test.each([...ENVIRONMENT_NAMES])(
    '%s: no key policy names a service-linked role as a principal (KMS rejects principals that do not exist yet)',
    (env) => {
      // GIVEN: the committed environment
      const stage = platformStage(env);
      // WHEN: every key policy of every stack is read
      const named: string[] = [];
      let statements = 0;
      for (const stack of stage.node.children.filter((c): c is Stack => 'templateOptions' in c)) {
        for (const [id, key] of Object.entries(Template.fromStack(stack).findResources('AWS::KMS::Key'))) {
          for (const statement of (key as any).Properties.KeyPolicy.Statement) {
            statements += 1;
            for (const p of principalsOf(statement)) if (p.includes('aws-service-role/')) named.push(`${stack.stackName}/${id}: ${p}`);
          }
        }
      }
      // THEN
      expect(statements).toBeGreaterThan(0);
      expect(named).toEqual([]);
    },
  );
});
