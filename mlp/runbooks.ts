/**
 * The on-call runbooks (docs/runbooks/<key>.md), read offline. An alarm names its runbook in its
 * description (`Runbook: docs/runbooks/<key>.md`), and platform alarm names start with
 * `<environment>-<key>`, so a runbook is found from either the key or the alarm name.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's runbooks, next to this CLI. */
export const RUNBOOK_DIR = join(__dirname, '..', 'docs', 'runbooks');

/** Runbook keys: lower-case words joined by '-'. */
const KEY = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Every runbook key in `dir`, sorted. */
export function runbookKeys(dir: string = RUNBOOK_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => f.slice(0, -3))
    .filter((k) => KEY.test(k))
    .sort();
}

/** The path of a runbook relative to the repository, as alarm descriptions link it. */
export function runbookPath(key: string): string {
  return `docs/runbooks/${key}.md`;
}

/**
 * The runbook key for a key or an alarm name: the exact key, else the longest key the alarm name
 * contains as whole '-'-separated words (`prod-endpoint-degraded-prod-credit-scoring` →
 * `endpoint-degraded`). Undefined if none matches.
 */
export function findRunbook(nameOrKey: string, keys: readonly string[]): string | undefined {
  const name = nameOrKey.toLowerCase();
  if (keys.includes(name)) return name;
  const padded = `-${name}-`;
  return [...keys].sort((a, b) => b.length - a.length).find((k) => padded.includes(`-${k}-`));
}

export function readRunbook(key: string, dir: string = RUNBOOK_DIR): string {
  return readFileSync(join(dir, `${key}.md`), 'utf8');
}

/** The sections every runbook has (checked by the tests over docs/runbooks). */
export const RUNBOOK_SECTIONS = ['## What it means', '## First checks', '## Mitigation', '## Escalation'] as const;

/** Sections a runbook text lacks. */
export function missingSections(text: string): string[] {
  return RUNBOOK_SECTIONS.filter((s) => !text.split('\n').some((line) => line.trim() === s));
}
