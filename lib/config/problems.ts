/**
 * Collects configuration problems of one environment as one-line messages that name the
 * environment, the field, the value and what is allowed:
 * `prod.network.natGateways: 1 is not allowed; prod needs one NAT gateway per AZ (3)`.
 */
export class Problems {
  private readonly lines: string[] = [];

  constructor(private readonly env: string) {}

  /** Records a problem: `<env>.<field>: <value> <message>`. */
  add(field: string, value: unknown, message: string): void {
    this.lines.push(`${this.env}.${field}: ${show(value)} ${message}`);
  }

  /** Records a line a construct's own check wrote as `<field>: <value> <message>` (gets the environment). */
  addLine(line: string): void {
    this.lines.push(`${this.env}.${line}`);
  }

  /**
   * Records the problems a construct's own check reported, each `<field>: <value> <message>`
   * (its `where` being the config path of the section), under the environment.
   */
  addAll(lines: readonly string[]): void {
    for (const line of lines) this.lines.push(`${this.env}.${line}`);
  }

  /** Records a problem unless `ok`. Returns `ok`, so checks can be chained. */
  check(ok: boolean, field: string, value: unknown, message: string): boolean {
    if (!ok) this.add(field, value, message);
    return ok;
  }

  /** An integer in [min, max]. */
  integer(field: string, value: number, min: number, max: number): boolean {
    return this.check(
      Number.isInteger(value) && value >= min && value <= max,
      field,
      value,
      `is not allowed; expected a whole number from ${min} to ${max}`,
    );
  }

  /** A number in [min, max]. */
  number(field: string, value: number, min: number, max: number): boolean {
    return this.check(
      typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max,
      field,
      value,
      `is not allowed; expected a number from ${min} to ${max}`,
    );
  }

  /** One of a fixed set of values. */
  oneOf<T>(field: string, value: T, allowed: readonly T[]): boolean {
    return this.check(allowed.includes(value), field, value, `is not allowed; expected one of ${allowed.map(show).join(', ')}`);
  }

  /**
   * A required section of the environment is present: `<env>.<section>: undefined is not allowed;
   * the section is required`. Rules check their section first, so a missing one never crashes them.
   */
  section(name: string, value: unknown): boolean {
    return this.check(value !== undefined && value !== null, name, value, 'is not allowed; the section is required');
  }

  /** A string matching a pattern, described in words for the message. */
  matches(field: string, value: string, pattern: RegExp, description: string): boolean {
    return this.check(typeof value === 'string' && pattern.test(value), field, value, `is not allowed; expected ${description}`);
  }

  get all(): readonly string[] {
    return this.lines;
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}
