import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { assertSageMakerName } from './names';

/** A model the registry tracks: one model package group. */
export interface RegisteredModel {
  /** Model name; the group is `<namePrefix>-<name>`. Also the construct id: never rename a released model. */
  readonly name: string;
  /**
   * What the model does, shown in the registry.
   * @default - no description
   */
  readonly description?: string;
}

export interface ModelRegistryProps {
  /** Prefix of every group name, usually the environment: groups are `<namePrefix>-<model>`. */
  readonly namePrefix: string;
  /** The models to register. Names must be unique. */
  readonly models: readonly RegisteredModel[];
  /**
   * What happens to the groups (and their versions' registry entries) when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Actions a training pipeline needs to register versions of a model. */
export const REGISTER_ACTIONS = [
  'sagemaker:CreateModelPackage',
  'sagemaker:DescribeModelPackage',
  'sagemaker:DescribeModelPackageGroup',
  'sagemaker:ListModelPackages',
  'sagemaker:AddTags',
];
/** Actions a deployer needs to read versions and approve or reject them. */
const APPROVE_ACTIONS = [
  'sagemaker:DescribeModelPackage',
  'sagemaker:DescribeModelPackageGroup',
  'sagemaker:ListModelPackages',
  'sagemaker:UpdateModelPackage',
];

/**
 * The SageMaker model registry of an environment: one model package group per model, named
 * `<namePrefix>-<model>` (the name teams, pipelines and the model-ops CLI use). Groups hold the
 * version history and approval status of every model, so they are retained by default.
 *
 * @example
 * const registry = new ModelRegistry(this, 'Registry', {
 *   namePrefix: 'prod',
 *   models: [{ name: 'credit-risk', description: 'Probability of default' }],
 * });
 * registry.grantRegister(trainingRole, 'credit-risk');
 */
export class ModelRegistry extends Construct {
  /** The groups, by model name. */
  readonly groups: Readonly<Record<string, sagemaker.CfnModelPackageGroup>>;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: ModelRegistryProps) {
    super(scope, id);
    if (props.models.length === 0) throw new Error('ModelRegistry models must list at least one model, got none');
    const groups: Record<string, sagemaker.CfnModelPackageGroup> = {};
    for (const model of props.models) {
      assertSageMakerName('ModelRegistry', 'model name', model.name);
      const groupName = `${props.namePrefix}-${model.name}`;
      assertSageMakerName('ModelRegistry', `model package group name (namePrefix-name)`, groupName);
      if (groups[model.name]) throw new Error(`ModelRegistry models must have unique names, got '${model.name}' twice`);
      if (model.description !== undefined && model.description.length > 1024) {
        throw new Error(`ModelRegistry description of '${model.name}' must have at most 1024 characters, got ${model.description.length}`);
      }
      // The construct id is the model name: stable as long as the model exists (its group's name
      // derives from it anyway, so a rename is a new group).
      const group = new sagemaker.CfnModelPackageGroup(this, model.name, {
        modelPackageGroupName: groupName,
        modelPackageGroupDescription: model.description,
      });
      group.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
      groups[model.name] = group;
    }
    this.groups = groups;
    this.prefix = props.namePrefix;
  }

  /** Name of the group of a model, e.g. `prod-credit-risk`. */
  groupName(model: string): string {
    return this.group(model).modelPackageGroupName;
  }

  /** ARN of the group of a model. */
  groupArn(model: string): string {
    return this.group(model).attrModelPackageGroupArn;
  }

  /** Lets a training pipeline register new versions of a model (or of every model). */
  grantRegister(grantee: iam.IGrantable, model?: string): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: REGISTER_ACTIONS, resourceArns: this.arnsOf(model) });
  }

  /** Lets a deployer read versions of a model (or of every model) and approve or reject them. */
  grantApprove(grantee: iam.IGrantable, model?: string): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: APPROVE_ACTIONS, resourceArns: this.arnsOf(model) });
  }

  private group(model: string): sagemaker.CfnModelPackageGroup {
    const group = this.groups[model];
    if (!group) throw new Error(`ModelRegistry has no model '${model}'; registered: ${Object.keys(this.groups).join(', ')}`);
    return group;
  }

  /** The group ARNs and their versions' ARNs (`model-package/<group>/<version>`). */
  private arnsOf(model?: string): string[] {
    const stack = Stack.of(this);
    const names = model === undefined ? Object.keys(this.groups) : [model];
    return names.flatMap((name) => {
      const groupName = `${this.prefix}-${name}`;
      this.group(name);
      return [
        stack.formatArn({
          service: 'sagemaker',
          resource: 'model-package-group',
          resourceName: groupName,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
        stack.formatArn({
          service: 'sagemaker',
          resource: 'model-package',
          resourceName: `${groupName}/*`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ];
    });
  }
}
