/* Pure functions (no aws-cdk-lib, no file system): the mlp CLI reads alarm descriptions with them. */
/**
 * The alarm contract: every alarm the platform creates says how urgent it is, who owns it and
 * where its runbook is, and notifies the topic of its severity.
 *
 * - `page`: a person is woken up now (customer-facing harm or an SLO burning fast).
 * - `ticket`: someone looks within a working day (slow burn, capacity, cost).
 *
 * The metadata lives in the alarm description (the one field every alarm type has, shown in the
 * console, in the SNS notification and by `mlp oncall status`), as three trailing lines:
 *
 * ```
 * Scoring endpoint p99 latency above 250 ms for 5 minutes.
 *
 * Severity: page
 * Owner: ml-serving
 * Runbook: docs/runbooks/scoring-endpoint-degraded.md
 * ```
 */
export const SEVERITIES = ['page', 'ticket'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Tag put on each on-call topic; the contract check matches it against the alarm's severity. */
export const SEVERITY_TAG = 'mlp:severity';

/** Runbook keys are file names under docs/runbooks/ without `.md`: lower-case words joined by `-`. */
export const RUNBOOK_KEY_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Where runbook links point unless a construct is given another base. */
export const DEFAULT_RUNBOOK_BASE = 'docs/runbooks/';

/** CloudWatch limits alarm descriptions to 1024 characters. */
export const MAX_ALARM_DESCRIPTION = 1024;

/** Who answers an alarm and how. */
export interface AlarmOwnership {
  /** How urgent: `page` (now) or `ticket` (within a working day). */
  readonly severity: Severity;
  /**
   * The team that answers it, e.g. `ml-serving`.
   */
  readonly owner: string;
  /** The runbook key: `docs/runbooks/<runbook>.md` must exist. */
  readonly runbook: string;
}

/** What can be read back from an alarm description. */
export interface ParsedAlarmDescription {
  readonly summary: string;
  readonly severity?: string;
  readonly owner?: string;
  /** The Runbook line as written (a path or a URL). */
  readonly runbookLink?: string;
  /** The runbook key taken from the link (`…/<key>.md`). */
  readonly runbook?: string;
}

/** Problems with ownership metadata, one line each, naming `where` (e.g. `prod.alarms.scoring`). */
export function ownershipProblems(where: string, o: AlarmOwnership): string[] {
  const problems: string[] = [];
  if (!(SEVERITIES as readonly string[]).includes(o.severity)) {
    problems.push(`${where}.severity: '${o.severity}' is not allowed (allowed: ${SEVERITIES.join(', ')})`);
  }
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(o.owner ?? '')) {
    problems.push(`${where}.owner: '${o.owner}' is not a team name (lower-case letters, digits and '-', 2 to 63 characters)`);
  }
  if (!RUNBOOK_KEY_PATTERN.test(o.runbook ?? '')) {
    problems.push(
      `${where}.runbook: '${o.runbook}' is not a runbook key (lower-case words joined by '-', the file docs/runbooks/<key>.md)`,
    );
  }
  return problems;
}

/** Throws one error listing every problem with the ownership of an alarm. */
export function checkOwnership(where: string, o: AlarmOwnership): void {
  const problems = ownershipProblems(where, o);
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/** The link to a runbook: `<base><key>.md`. */
export function runbookLink(runbook: string, base: string = DEFAULT_RUNBOOK_BASE): string {
  return `${base}${runbook}.md`;
}

/**
 * The description of an alarm under the contract: the summary, a blank line and the three
 * metadata lines. The summary is shortened (with `…`) so the whole fits CloudWatch's 1024 characters.
 */
export function describeAlarm(summary: string, o: AlarmOwnership, base: string = DEFAULT_RUNBOOK_BASE): string {
  checkOwnership('alarm', o);
  const meta = `\n\nSeverity: ${o.severity}\nOwner: ${o.owner}\nRunbook: ${runbookLink(o.runbook, base)}`;
  const room = MAX_ALARM_DESCRIPTION - meta.length;
  if (room < 20) throw new Error(`alarm: runbook base '${base}' is too long for a 1024-character alarm description`);
  const text = summary.trim();
  return `${text.length > room ? `${text.slice(0, room - 1)}…` : text}${meta}`;
}

/** Reads the contract lines back from a description (any alarm: ours, the library's, hand-written). */
export function parseAlarmDescription(description: string | undefined): ParsedAlarmDescription {
  const text = description ?? '';
  const line = (name: string): string | undefined => new RegExp(`^${name}:[ \\t]*(\\S.*?)\\s*$`, 'mi').exec(text)?.[1];
  const link = line('Runbook');
  const key = link ? /([a-z0-9]+(?:-[a-z0-9]+)*)\.md(?:[#?].*)?$/.exec(link)?.[1] : undefined;
  const summary = text.split(/\n\s*\n(?=(?:Severity|Owner|Runbook):)/)[0].trim();
  return { summary, severity: line('Severity'), owner: line('Owner'), runbookLink: link, runbook: key };
}

/** Marks the summary of an alarm that only feeds a composite alarm (it has no action of its own). */
export const SIGNAL_MARK = '(Signal of a composite alarm; notifies through it.)';
