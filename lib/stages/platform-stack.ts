import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';

export interface PlatformStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * Base of every platform stack: pinned env, the `MlPlatform-<env>-<Part>` name, and the
 * configured AZs answered locally so that synth never looks them up.
 */
export abstract class PlatformStack extends Stack {
  readonly config: EnvironmentConfig;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, {
      ...props,
      env: { account: props.config.account, region: props.config.region },
      stackName: props.stackName ?? `MlPlatform-${props.config.name}-${id}`,
    });
    this.config = props.config;
  }

  /** The configured AZs: without this override the getter triggers a context lookup. */
  override get availabilityZones(): string[] {
    return [...this.config.availabilityZones];
  }

  /**
   * For NAMED stateful resources: RetainExceptOnCreate where the environment retains them (kept on
   * update and delete, but removed when the stack's first create fails, so the retry does not
   * collide with a leftover name), DESTROY otherwise.
   */
  protected get namedStatefulRemovalPolicy(): RemovalPolicy {
    return this.config.retainStatefulResources ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
  }

  /** RETAIN where the environment retains stateful resources, DESTROY otherwise (cheap dev). */
  protected get statefulRemovalPolicy(): RemovalPolicy {
    return this.config.retainStatefulResources ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  }
}
