/**
 * The compliance section of the report: per environment and cdk-nag pack (AwsSolutions, PCI DSS
 * 3.2.1, NIST 800-53 r5), the findings the synth left (unacknowledged: `cdk synth` fails on them,
 * so a committed synth has none) and the acknowledgements constructs and environment policies made,
 * by rule, with a reason. Read from a cloud assembly: findings from `validation-report.json`,
 * acknowledgements from each stack's metadata (`aws:cdk:acknowledged-rules`, one entry per
 * construct and rule, as `Validations.of(scope).acknowledge` records them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PACKS = ['AwsSolutions', 'PCI DSS 3.2.1', 'NIST 800-53 r5'] as const;
export type Pack = (typeof PACKS)[number];

export interface RuleAcknowledgements {
  /** The rule, without the plugin namespace and the finding suffix (`AwsSolutions-IAM5`). */
  readonly rule: string;
  /** Constructs (or findings) acknowledged under the rule. */
  readonly count: number;
  /** The reason given most often. */
  readonly reason: string;
}

export interface PackCompliance {
  readonly pack: Pack;
  /** Unacknowledged findings (violating constructs). */
  readonly findings: number;
  readonly findingRules: readonly string[];
  /** Acknowledgements (construct x rule or finding). */
  readonly acknowledgements: number;
  readonly rules: readonly RuleAcknowledgements[];
}

/** The pack of a rule id, e.g. `Annotation::PCI.DSS.321-VPCNoUnrestrictedRouteToIGW[...]`; undefined for other plugins. */
export function packOf(ruleId: string): Pack | undefined {
  if (/(^|::)AwsSolutions-/.test(ruleId)) return 'AwsSolutions';
  if (/(^|::)PCI\.DSS\.321-/.test(ruleId)) return 'PCI DSS 3.2.1';
  if (/(^|::)NIST\.800\.53\.R5-/.test(ruleId)) return 'NIST 800-53 r5';
  return undefined;
}

/** `Annotation::AwsSolutions-IAM5[Resource::*]` -> `AwsSolutions-IAM5`. */
export function ruleOf(ruleId: string): string {
  return ruleId.replace(/^.*::(?=[A-Za-z]+[-.])/, '').replace(/\[.*$/, '');
}

interface Manifest {
  readonly artifacts?: Record<
    string,
    {
      readonly type: string;
      readonly additionalMetadataFile?: string;
      readonly metadata?: Record<string, Array<{ type: string; data?: unknown }>>;
      readonly properties?: { readonly directoryName?: string };
    }
  >;
}

interface ValidationReport {
  readonly pluginReports?: Array<{
    readonly violations?: Array<{ readonly ruleName?: string; readonly violatingConstructs?: Array<{ readonly constructPath?: string }> }>;
  }>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Environment (stage) name -> its compliance per pack, from a cloud assembly directory. */
export function readCompliance(dir: string): Record<string, PackCompliance[]> {
  const root = readJson<Manifest>(join(dir, 'manifest.json'));
  const acknowledged: Record<string, Array<{ id: string; reason: string }>> = {};
  for (const [id, artifact] of Object.entries(root.artifacts ?? {})) {
    if (artifact.type !== 'cdk:cloud-assembly' || !artifact.properties?.directoryName) continue;
    const env = id.replace(/^assembly-/, '');
    const stageDir = join(dir, artifact.properties.directoryName);
    const stage = readJson<Manifest>(join(stageDir, 'manifest.json'));
    const list: Array<{ id: string; reason: string }> = [];
    for (const a of Object.values(stage.artifacts ?? {})) {
      if (a.type !== 'aws:cloudformation:stack') continue;
      const metadata = {
        ...(a.metadata ?? {}),
        ...(a.additionalMetadataFile && existsSync(join(stageDir, a.additionalMetadataFile))
          ? readJson<Record<string, Array<{ type: string; data?: unknown }>>>(join(stageDir, a.additionalMetadataFile))
          : {}),
      };
      for (const entries of Object.values(metadata)) {
        for (const e of entries) {
          if (e.type !== 'aws:cdk:acknowledged-rules' || typeof e.data !== 'object' || e.data === null) continue;
          for (const [ruleId, reason] of Object.entries(e.data as Record<string, unknown>))
            list.push({ id: ruleId, reason: String(reason) });
        }
      }
    }
    acknowledged[env] = list;
  }

  const findings: Record<string, Array<{ rule: string }>> = {};
  const reportFile = join(dir, 'validation-report.json');
  if (existsSync(reportFile)) {
    for (const plugin of readJson<ValidationReport>(reportFile).pluginReports ?? []) {
      for (const v of plugin.violations ?? []) {
        for (const c of v.violatingConstructs ?? []) {
          const env = (c.constructPath ?? '').replace(/^\//, '').split('/')[0] ?? '';
          findings[env] = [...(findings[env] ?? []), { rule: v.ruleName ?? '' }];
        }
      }
    }
  }

  const out: Record<string, PackCompliance[]> = {};
  for (const env of Object.keys(acknowledged)) out[env] = summarize(acknowledged[env] ?? [], findings[env] ?? []);
  return out;
}

/** Per pack: findings and acknowledgements grouped by rule (most acknowledged first). */
export function summarize(
  acknowledgements: ReadonlyArray<{ id: string; reason: string }>,
  findings: ReadonlyArray<{ rule: string }>,
): PackCompliance[] {
  return PACKS.map((pack) => {
    const byRule = new Map<string, Map<string, number>>();
    let count = 0;
    for (const a of acknowledgements) {
      if (packOf(a.id) !== pack) continue;
      count++;
      const reasons = byRule.get(ruleOf(a.id)) ?? new Map<string, number>();
      reasons.set(a.reason, (reasons.get(a.reason) ?? 0) + 1);
      byRule.set(ruleOf(a.id), reasons);
    }
    const rules = [...byRule.entries()]
      .map(([rule, reasons]) => ({
        rule,
        count: [...reasons.values()].reduce((x, y) => x + y, 0),
        reason: [...reasons.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]?.[0] ?? '',
      }))
      .sort((x, y) => y.count - x.count || x.rule.localeCompare(y.rule));
    const packFindings = findings.filter((f) => packOf(f.rule) === pack);
    return {
      pack,
      findings: packFindings.length,
      findingRules: [...new Set(packFindings.map((f) => ruleOf(f.rule)))].sort(),
      acknowledgements: count,
      rules,
    };
  });
}
