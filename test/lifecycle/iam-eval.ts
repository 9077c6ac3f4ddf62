/**
 * A small IAM identity-policy evaluator for tests: explicit Deny wins, then any Allow, else an
 * implicit deny (the order of the IAM policy evaluation logic for one account's identity policies).
 * Supports what the platform's policies use: Action/Resource with `*` and `?` wildcards (actions
 * case-insensitive) and the condition operators StringEquals, StringNotEquals, StringLike,
 * StringNotLike, ArnEquals, ArnLike (a negated operator matches when the key is absent, as in IAM).
 */
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function wildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    ignoreCase ? 'i' : '',
  );
  return re.test(value);
}

function conditionHolds(condition: Statement['Condition'], context: Record<string, string>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      const values = list(expected);
      const negated = operator.startsWith('StringNot') || operator.startsWith('ArnNot');
      if (actual === undefined) {
        if (!negated) return false;
        continue;
      }
      const like = operator.includes('Like');
      const any = values.some((v) => (like ? wildcard(v, actual) : v === actual));
      if (!['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'ArnEquals', 'ArnLike'].includes(operator)) {
        throw new Error(`iam-eval: condition operator ${operator} is not supported`);
      }
      if (negated ? any : !any) return false;
    }
  }
  return true;
}

function matches(s: Statement, r: Request): boolean {
  const actionMatch = s.NotAction
    ? !list(s.NotAction).some((a) => wildcard(a, r.action, true))
    : list(s.Action).some((a) => wildcard(a, r.action, true));
  return actionMatch && list(s.Resource).some((p) => wildcard(p, r.resource)) && conditionHolds(s.Condition, r.context ?? {});
}

/** The decision of a set of identity-policy statements on one request. */
export function evaluate(statements: readonly Statement[], request: Request): Decision {
  if (statements.some((s) => s.Effect === 'Deny' && matches(s, request))) return 'ExplicitlyDenied';
  if (statements.some((s) => s.Effect === 'Allow' && matches(s, request))) return 'Allowed';
  return 'ImplicitlyDenied';
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * A synthesized policy value with its intrinsics replaced: pseudo parameters by the stack's values,
 * `Ref X` by `<X>`, `GetAtt X.A` by `<X.A>`, cross-stack reads by `<output:…>`.
 */
export function resolveValue(value: unknown, pseudo: Record<string, string>): any {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, pseudo));
  const v = value as Record<string, any>;
  if (v.Ref !== undefined) return { ...PSEUDO, ...pseudo }[v.Ref] ?? `<${v.Ref}>`;
  if (v['Fn::GetAtt']) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map((x) => resolveValue(x, pseudo)).join(v['Fn::Join'][0]);
  if (v['Fn::GetStackOutput']) return `<output:${v['Fn::GetStackOutput'].OutputName}>`;
  if (v['Fn::ImportValue']) return `<import:${JSON.stringify(v['Fn::ImportValue'])}>`;
  if (v['Fn::Select']) {
    const [i, arr] = v['Fn::Select'];
    const resolved = resolveValue(arr, pseudo);
    return Array.isArray(resolved) ? resolved[Number(i)] : `<select:${i}:${resolved}>`;
  }
  if (v['Fn::Split']) {
    const [sep, s] = v['Fn::Split'];
    return String(resolveValue(s, pseudo)).split(sep);
  }
  if (v['Fn::Sub']) return String(v['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_m, n: string) => ({ ...PSEUDO, ...pseudo })[n] ?? `<${n}>`);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveValue(x, pseudo)]));
}

/** Every statement of every identity policy a role of a template has: inline, attached managed (by Ref), and managed policies listing it. */
export function roleStatements(template: { Resources: Record<string, any> }, roleId: string, pseudo: Record<string, string>): Statement[] {
  const resources = template.Resources;
  const refersTo = (x: unknown) => JSON.stringify(x).includes(`"Ref":"${roleId}"`);
  const statements: Statement[] = [];
  const role = resources[roleId];
  if (!role) throw new Error(`no role ${roleId}`);
  for (const p of role.Properties.Policies ?? []) statements.push(...p.PolicyDocument.Statement);
  const attached = new Set((role.Properties.ManagedPolicyArns ?? []).flatMap((a: any) => (a.Ref ? [a.Ref] : [])));
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Policy' && refersTo(r.Properties.Roles)) statements.push(...r.Properties.PolicyDocument.Statement);
    if (r.Type === 'AWS::IAM::ManagedPolicy' && (attached.has(id) || refersTo(r.Properties.Roles))) {
      statements.push(...r.Properties.PolicyDocument.Statement);
    }
  }
  return statements.map((s) => resolveValue(s, pseudo));
}
