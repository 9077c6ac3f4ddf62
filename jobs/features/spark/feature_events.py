"""Event validation for the Spark feature jobs: the subset of JSON Schema the topic schemas use
(schemas/topics/*.schema.json: type, required, additionalProperties, enum, minimum, maximum,
minLength, maxLength, pattern), plus the calendar check of the event time, with the same one-line
reasons as the TypeScript processor. Pure Python (no pyspark import): the jobs ship it with
--py-files, and the repository's tests run it with plain python3 against the TypeScript validator.

    python3 feature_events.py --schema S.json --view V.json --events FILE.jsonl
prints one JSON line per input line: {"ok": true, "event": {...}} or {"ok": false, "reason": "..."}.
"""

import argparse
import datetime
import json
import re
import sys

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def _js(v):
    """A value as JSON.stringify writes it (for reasons identical to the TypeScript ones)."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def schema_problem(schema, value, path=""):
    """The first problem of value against schema, as a one-line reason, or None."""
    where = "field '%s'" % path if path else "event"
    t = schema.get("type")
    if t is not None and not _TYPES[t](value):
        return "%s must be %s, got %s" % (where, t, _js(value))
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                return "field '%s' is missing" % name
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            for name in value:
                if name not in props:
                    return "field '%s' is not allowed by the schema" % name
        for name, sub in props.items():
            if name in value:
                p = schema_problem(sub, value[name], (path + "." if path else "") + name)
                if p:
                    return p
        return None
    if "enum" in schema and value not in schema["enum"]:
        return "%s must be one of %s, got %s" % (where, ", ".join(str(x) for x in schema["enum"]), _js(value))
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            return "%s must NOT have fewer than %d characters, got %s" % (where, schema["minLength"], _js(value))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return "%s must NOT have more than %d characters, got %s" % (where, schema["maxLength"], _js(value))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return '%s must match pattern "%s", got %s' % (where, schema["pattern"], _js(value))
    if _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            return "%s must be >= %s, got %s" % (where, _js(schema["minimum"]), _js(value))
        if "maximum" in schema and value > schema["maximum"]:
            return "%s must be <= %s, got %s" % (where, _js(schema["maximum"]), _js(value))
    return None


def epoch_ms(iso):
    """Epoch milliseconds of an ISO-8601 UTC time (YYYY-MM-DDTHH:MM:SS[.fff]Z), or None if not a real time."""
    try:
        base, _, frac = iso[:-1].partition(".")
        dt = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    return int(dt.timestamp()) * 1000 + (int(frac.ljust(3, "0")) if frac else 0)


def parse(view, schema, raw):
    """(event, None) for a valid record, (None, reason) otherwise; event has the columns the SQL expects."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None, "not valid JSON"
    problem = schema_problem(schema, value)
    if problem:
        return None, problem
    time_field = view["eventTimeField"]
    t = epoch_ms(value[time_field])
    if t is None:
        return None, "field '%s' is not a real UTC time, got %s" % (time_field, _js(value[time_field]))
    event = {view["eventIdField"]: str(value[view["eventIdField"]]), "event_time_ms": t}
    for k in view["entityKeys"]:
        event[k["name"]] = value[k["name"]]
    for f in view["fields"]:
        event[f] = value.get(f)
    return event, None


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schema", required=True)
    ap.add_argument("--view", required=True)
    ap.add_argument("--events", required=True)
    a = ap.parse_args(argv)
    with open(a.schema, encoding="utf-8") as f:
        schema = json.load(f)
    with open(a.view, encoding="utf-8") as f:
        view = json.load(f)
    with open(a.events, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            event, reason = parse(view, schema, line.rstrip("\n"))
            print(json.dumps({"ok": True, "event": event} if event else {"ok": False, "reason": reason}))


if __name__ == "__main__":
    main(sys.argv[1:])
