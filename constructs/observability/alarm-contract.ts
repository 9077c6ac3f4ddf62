import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAlarmDescription, SEVERITIES, SEVERITY_TAG } from './alarm-description';

export * from './alarm-description';

// ------------------------------------------------------------------------- the contract check

/** A CloudFormation template as JSON (what `Template.toJSON()` or cdk.out holds). */
export type TemplateJson = { readonly Resources?: Record<string, { Type: string; Properties?: any }> };

export interface AlarmContractCheckOptions {
  /** The folder holding `<runbook>.md` files (the repository's docs/runbooks). */
  readonly runbookDir: string;
}

const ALARM_TYPES = ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm'];

/**
 * Checks every CloudWatch alarm and composite alarm of the given templates (keyed by stack name)
 * against the contract, and returns one line per problem (empty: all alarms comply):
 * - the description carries a severity (page|ticket), an owner and a runbook;
 * - `<runbookDir>/<runbook>.md` exists;
 * - the alarm has an enabled ALARM action, or it is a signal of a composite alarm of the same
 *   template (composites exist so that one failure pages once);
 * - an action on an SNS topic of the same template goes to a topic tagged with the alarm's severity.
 */
export function checkAlarmContract(templates: Readonly<Record<string, TemplateJson>>, options: AlarmContractCheckOptions): string[] {
  const problems: string[] = [];
  for (const [stack, template] of Object.entries(templates)) {
    const resources = template.Resources ?? {};
    const composites = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::CompositeAlarm');
    const compositeRules = composites.map((c) => JSON.stringify(c.Properties?.AlarmRule ?? ''));
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (!ALARM_TYPES.includes(resource.Type)) continue;
      const props = resource.Properties ?? {};
      const where = `${stack}/${logicalId}${typeof props.AlarmName === 'string' ? ` (${props.AlarmName})` : ''}`;
      const description = templateString(props.AlarmDescription);
      const parsed = parseAlarmDescription(description);
      if (!parsed.severity) problems.push(`${where}: no 'Severity:' line in the alarm description (page or ticket)`);
      else if (!(SEVERITIES as readonly string[]).includes(parsed.severity)) {
        problems.push(`${where}: severity '${parsed.severity}' is not allowed (allowed: ${SEVERITIES.join(', ')})`);
      }
      if (!parsed.owner) problems.push(`${where}: no 'Owner:' line in the alarm description`);
      if (!parsed.runbook) problems.push(`${where}: no 'Runbook:' line naming docs/runbooks/<key>.md in the alarm description`);
      else if (!existsSync(join(options.runbookDir, `${parsed.runbook}.md`))) {
        problems.push(`${where}: runbook ${parsed.runbook}.md does not exist in ${options.runbookDir}`);
      }
      const actions: unknown[] = Array.isArray(props.AlarmActions) ? props.AlarmActions : [];
      const enabled = props.ActionsEnabled !== false;
      const signal = compositeRules.some((rule) => rule.includes(`"${logicalId}"`));
      if (actions.length === 0 || !enabled) {
        if (!signal) problems.push(`${where}: no enabled ALARM action (and not part of a composite alarm)`);
        continue;
      }
      for (const action of actions) {
        const ref = (action as { Ref?: string })?.Ref;
        const topic = ref ? resources[ref] : undefined;
        if (topic === undefined) continue;
        if (topic.Type !== 'AWS::SNS::Topic') continue;
        const tag = (topic.Properties?.Tags ?? []).find((t: { Key: string }) => t.Key === SEVERITY_TAG)?.Value;
        if (tag !== parsed.severity) {
          problems.push(`${where}: severity '${parsed.severity ?? '?'}' but it notifies topic ${ref} (${SEVERITY_TAG}: ${tag ?? 'none'})`);
        }
      }
    }
  }
  return problems;
}

/**
 * A template string value as text: a literal as is, an `Fn::Join` (a description naming a
 * resource of another stack) with its literal parts and `{…}` for each reference.
 */
function templateString(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) return join[1].map((part) => (typeof part === 'string' ? part : '{…}')).join(join[0]);
  return value === undefined ? '' : JSON.stringify(value);
}

/**
 * The contract check over a synthesized cloud assembly (`app.synth()`), every stack of every stage.
 * @example expect(checkCloudAssembly(app.synth(), { runbookDir: 'docs/runbooks' })).toEqual([]);
 */
export function checkCloudAssembly(
  assembly: { readonly stacksRecursively: readonly { readonly stackName: string; readonly template: TemplateJson }[] },
  options: AlarmContractCheckOptions,
): string[] {
  return checkAlarmContract(Object.fromEntries(assembly.stacksRecursively.map((s) => [s.stackName, s.template])), options);
}
