import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENT_NAMES } from '../../lib/config';
import { platformStage } from '../util';

/**
 * One snapshot per environment of every synthesized template (asset hashes stripped by
 * test/serializers/asset-hash.ts). Fine-grained assertions live in test/stacks; this catches
 * everything else that changes. Read the diff before `jest -u`: a changed logical ID of a stateful
 * resource is a data-loss bug.
 */
describe.each(ENVIRONMENT_NAMES)('%s', (env) => {
  test('templates match the snapshot', () => {
    const stage = platformStage(env);
    const templates: Record<string, unknown> = {};
    for (const child of stage.node.children) {
      if (child instanceof Stack) templates[child.stackName] = Template.fromStack(child).toJSON();
    }
    expect(templates).toMatchSnapshot();
  });
});
