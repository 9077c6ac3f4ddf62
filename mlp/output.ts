/**
 * Where the CLI writes. The result of a command goes to stdout: a human rendering, or with --json
 * one JSON document. Steps, progress and errors go to stderr, so `mlp … --json | jq` always gets
 * clean JSON on stdout.
 */

export interface Stream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export class Output {
  constructor(
    readonly stdout: Stream,
    readonly stderr: Stream,
    readonly json: boolean,
  ) {}

  /** The command's result: `data` as JSON, or `human()` as text. */
  result(data: unknown, human: () => string): void {
    if (this.json) {
      this.stdout.write(`${JSON.stringify(data, jsonDates, 2)}\n`);
    } else {
      const text = human();
      if (text.length > 0) this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  /** A step of a longer command ("Creating model …"), on stderr. */
  step(message: string): void {
    this.stderr.write(`${this.json ? '' : '• '}${message}\n`);
  }

  error(message: string, hint?: string): void {
    this.stderr.write(`mlp: ${message}\n`);
    if (hint) this.stderr.write(`${hint}\n`);
  }
}

function jsonDates(_key: string, value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

export function isoDate(date: Date | undefined): string {
  return date ? date.toISOString().replace(/\.\d+Z$/, 'Z') : '-';
}

/** A plain text table: a header row and left-aligned columns, two spaces apart. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
