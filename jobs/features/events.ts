import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import type { FeatureView } from './definition';

/** Repository root (jobs/features/ is two levels down). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A valid event, normalized: what both computations aggregate. */
export interface FeatureEvent {
  readonly id: string;
  /** Entity key values joined by `|` (the online key's hash tag). */
  readonly entity: string;
  readonly entityValues: Readonly<Record<string, string | number>>;
  readonly timeMs: number;
  /** The view's fields (attributes features read). */
  readonly attrs: Readonly<Record<string, string | number | boolean | null>>;
}

export type ParseResult = { readonly ok: true; readonly event: FeatureEvent } | { readonly ok: false; readonly reason: string };

/** Path of the JSON Schema of a stream view's topic. */
export function schemaPath(view: FeatureView): string {
  if (view.source.kind !== 'stream') throw new Error(`feature view '${view.name}': source is a lake table, not a topic; no event schema`);
  return path.join(REPO_ROOT, 'schemas', 'topics', `${view.source.topic}.schema.json`);
}

function describe(e: ErrorObject): string {
  const where = e.instancePath ? `field '${e.instancePath.slice(1).replace(/\//g, '.')}'` : 'event';
  switch (e.keyword) {
    case 'required':
      return `field '${(e.params as { missingProperty: string }).missingProperty}' is missing`;
    case 'additionalProperties':
      return `field '${(e.params as { additionalProperty: string }).additionalProperty}' is not allowed by the schema`;
    case 'enum':
      return `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}, got ${JSON.stringify(e.data)}`;
    default:
      return `${where} ${e.message}, got ${JSON.stringify(e.data)}`;
  }
}

/**
 * Parses and validates raw records of one view's source against the topic's JSON Schema (the same
 * file the Glue Schema Registry gets). Invalid records come back with a one-line reason.
 */
export class EventParser {
  private readonly validate;
  /** @param schema the topic's JSON Schema (default: read from schemas/topics/ in the repository) */
  constructor(
    private readonly view: FeatureView,
    schema?: object,
  ) {
    const ajv = new Ajv({ allErrors: false, verbose: true, strict: true });
    this.validate = ajv.compile(schema ?? JSON.parse(readFileSync(schemaPath(view), 'utf8')));
  }

  parse(raw: string): ParseResult {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, reason: 'not valid JSON' };
    }
    if (!this.validate(value)) return { ok: false, reason: describe(this.validate.errors![0]) };
    const v = value as Record<string, unknown>;
    const time = v[this.view.eventTimeField];
    const timeMs = typeof time === 'string' ? Date.parse(time) : Number.NaN;
    // The schema checks the shape; this checks the calendar (no 2026-02-30) by a round trip.
    if (!Number.isFinite(timeMs) || new Date(timeMs).toISOString().slice(0, 19) !== String(time).slice(0, 19))
      return { ok: false, reason: `field '${this.view.eventTimeField}' is not a real UTC time, got ${JSON.stringify(time)}` };
    const entityValues: Record<string, string | number> = {};
    for (const k of this.view.entityKeys) entityValues[k.name] = v[k.name] as string | number;
    const attrs: Record<string, string | number | boolean | null> = {};
    for (const f of Object.keys(this.view.fields)) attrs[f] = (v[f] ?? null) as string | number | boolean | null;
    return {
      ok: true,
      event: {
        id: String(v[this.view.eventIdField]),
        entity: this.view.entityKeys.map((k) => String(v[k.name])).join('|'),
        entityValues,
        timeMs,
        attrs,
      },
    };
  }
}
