import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { parameterPrefixProblems } from './handles';

export interface PlatformParametersProps {
  /** Where the parameters live, e.g. `/mlp/prod/platform` (`platformParameterPrefix(environment)`). */
  readonly parameterPrefix: string;
  /**
   * The handles this stack owns: name under the prefix (`PLATFORM_HANDLES`) to value (usually a
   * token of a resource of the same stack); a list becomes a StringList parameter.
   */
  readonly handles: Readonly<Record<string, string | readonly string[]>>;
}

/**
 * Publishes handles of a platform stack as SSM String (or StringList) parameters (standard tier: no cost) under
 * the environment's prefix, for teams to import with `Platform.fromEnvironment`. Each stack
 * publishes only what it owns; a parameter's construct id is its handle name, so adding a handle
 * never changes another's logical ID.
 *
 * @example
 * new PlatformParameters(this, 'Handles', {
 *   parameterPrefix: platformParameterPrefix('prod'),
 *   handles: { [PLATFORM_HANDLES.vpcId]: vpc.vpcId },
 * });
 */
export class PlatformParameters extends Construct {
  /** The parameters, by handle name. */
  readonly parameters: Readonly<Record<string, ssm.StringParameter | ssm.StringListParameter>>;

  constructor(scope: Construct, id: string, props: PlatformParametersProps) {
    super(scope, id);
    const problems = parameterPrefixProblems('PlatformParameters', props.parameterPrefix);
    for (const name of Object.keys(props.handles)) {
      if (!/^[a-z0-9-]+(\/[a-z0-9-]+)*$/.test(name)) {
        problems.push(`PlatformParameters: handle '${name}' is not allowed; expected lower-case '/'-separated segments (PLATFORM_HANDLES)`);
      }
    }
    if (problems.length > 0) throw new Error(problems.join('\n'));
    const parameters: Record<string, ssm.StringParameter | ssm.StringListParameter> = {};
    for (const [name, value] of Object.entries(props.handles)) {
      const id = name.replace(/\//g, '.');
      const common = {
        parameterName: `${props.parameterPrefix}/${name}`,
        description: `ML platform handle ${name} (read by Platform.fromEnvironment)`,
      };
      parameters[name] =
        typeof value === 'string'
          ? new ssm.StringParameter(this, id, { ...common, stringValue: value })
          : new ssm.StringListParameter(this, id, { ...common, stringListValue: [...value] });
    }
    this.parameters = parameters;
  }
}
