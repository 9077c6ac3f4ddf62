import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { STATEFUL_TYPES } from '../../lib/compliance/retention';
import { platformStage } from '../util';

/**
 * Logical IDs of stateful resources are a contract: a changed one makes CloudFormation replace
 * (and, where not retained, delete) the resource. This list is the contract; extend it when a
 * stateful resource is added, never edit an existing line.
 */
const PINNED: Record<string, Record<string, string>> = {
  'MlPlatform-prod-Security': {
    KeysLogsKeyD24E82DB: 'AWS::KMS::Key',
    KeysDataKey8F3FE3A4: 'AWS::KMS::Key',
    KeysStreamingKey5AE920F0: 'AWS::KMS::Key',
    KeysComputeKey47AE71BE: 'AWS::KMS::Key',
    KeysServingKey4ED8E288: 'AWS::KMS::Key',
    AuditLogs7B2A6859: 'AWS::S3::Bucket',
  },
  'MlPlatform-prod-Network': {
    NetworkFlowLogs2BEC3212: 'AWS::Logs::LogGroup',
  },
};

describe('stateful logical IDs in prod', () => {
  const stage = platformStage('prod');
  const stacks = new Map(stage.node.children.filter((c): c is Stack => c instanceof Stack).map((s) => [s.stackName, s]));

  test.each(Object.keys(PINNED))('%s keeps its stateful logical IDs, all retained', (stackName) => {
    const resources = Template.fromStack(stacks.get(stackName)!).toJSON().Resources as Record<string, any>;
    for (const [logicalId, type] of Object.entries(PINNED[stackName])) {
      expect({ logicalId, type: resources[logicalId]?.Type }).toEqual({ logicalId, type });
      expect({ logicalId, deletion: resources[logicalId].DeletionPolicy }).toEqual({ logicalId, deletion: 'Retain' });
    }
  });

  test('every stateful resource of a pinned stack is pinned', () => {
    for (const [stackName, pinned] of Object.entries(PINNED)) {
      const resources = Template.fromStack(stacks.get(stackName)!).toJSON().Resources as Record<string, any>;
      const stateful = Object.entries(resources)
        .filter(([, r]) => STATEFUL_TYPES.includes(r.Type))
        .map(([id]) => `${stackName}/${id}`);
      expect(stateful.sort()).toEqual(
        Object.keys(pinned)
          .map((id) => `${stackName}/${id}`)
          .sort(),
      );
    }
  });
});
