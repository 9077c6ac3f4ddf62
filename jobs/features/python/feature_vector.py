"""Feature vectors from the online store's layout, in Python (model code): the same computation as
the TypeScript read client (jobs/features/online/compute.ts), checked equal by the repository's
tests. Pure Python; online_reader.py adds the redis-py connection.

Layout (docs/features.md): per view and entity, a sorted set
    fs:<view>:v2:{<entity key values joined by |>}:ev
with score = event time (epoch ms) and member = JSON [event_id, <stored fields in sorted order>].
A read as of T fetches ZRANGEBYSCORE key (T-span T WITHSCORES, span = the longest window, and
computes every feature: window W covers T - W < event_time <= T.

    python3 feature_vector.py --view V.view.json --as-of-ms T < replies.json
reads {"<entity>": [member, score, member, score, ...], ...} and prints {"<entity>": {feature: value}}.
"""

import argparse
import json
import math
import sys

_UNIT_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000}
DOUBLE_DECIMALS = 6


def window_ms(spec):
    return int(spec[:-1]) * _UNIT_MS[spec[-1]]


def read_span_ms(view):
    return max(window_ms(f["window"]) for f in view["features"])


def stored_fields(view):
    used = set()
    for f in view["features"]:
        if f["aggregation"] == "ratio":
            used.add(f["numerator"]["field"])
            if f.get("denominator"):
                used.add(f["denominator"]["field"])
        else:
            if f.get("field"):
                used.add(f["field"])
            if f.get("filter"):
                used.add(f["filter"]["field"])
    return sorted(used)


def online_key(view, entity_values):
    """The sorted-set key of an entity: entity_values in the view's entityKeys order."""
    return "fs:%s:v2:{%s}:ev" % (view["name"], "|".join(str(v) for v in entity_values))


def round_double(x):
    """Half away from zero at 6 decimals, like both computations."""
    y = abs(x) * 10**DOUBLE_DECIMALS
    f = math.floor(y)
    r = f + 1 if y - f >= 0.5 else f
    return (r / 10**DOUBLE_DECIMALS) * (1 if x >= 0 else -1)


def value_type(view, f):
    agg = f["aggregation"]
    if agg in ("count", "distinct_count"):
        return "bigint"
    if agg in ("avg", "ratio"):
        return "double"
    return view["fields"].get(f.get("field", ""), "double")


def matches(flt, attrs):
    if not flt:
        return True
    v = attrs.get(flt["field"])
    if flt["op"] == "==":
        return v == flt["value"]
    if flt["op"] == "!=":
        return v is not None and v != flt["value"]
    return v in flt["values"]


def decode(view, flat):
    """[member, score, ...] (ZRANGEBYSCORE WITHSCORES) -> [(event_id, time_ms, attrs)]."""
    fields = stored_fields(view)
    out = []
    for i in range(0, len(flat), 2):
        m = json.loads(flat[i])
        out.append((str(m[0]), int(float(flat[i + 1])), dict(zip(fields, m[1:]))))
    return out


def compute_vector(view, events, as_of_ms):
    """Every feature of the view as of as_of_ms from an entity's decoded events."""
    out = {}
    for f in view["features"]:
        lo = as_of_ms - window_ms(f["window"])
        in_window = [e for e in events if lo < e[1] <= as_of_ms]
        dbl = value_type(view, f) == "double"

        def num(x):
            return None if x is None else (round_double(x) if dbl else x)

        agg = f["aggregation"]
        if agg == "ratio":
            den = [e for e in in_window if matches(f.get("denominator"), e[2])]
            n = [e for e in den if matches(f["numerator"], e[2])]
            out[f["name"]] = None if not den else round_double(len(n) / len(den))
            continue
        sel = [e for e in in_window if matches(f.get("filter"), e[2])]
        if agg == "count":
            out[f["name"]] = len(sel)
            continue
        field = f["field"]
        with_value = [e for e in sel if e[2].get(field) is not None]
        values = [e[2][field] for e in with_value]
        if agg == "sum":
            total = 0
            for v in values:
                total += v
            out[f["name"]] = num(total)
        elif agg == "avg":
            total = 0
            for v in values:
                total += v
            out[f["name"]] = num(total / len(values)) if values else None
        elif agg == "min":
            out[f["name"]] = num(min(values)) if values else None
        elif agg == "max":
            out[f["name"]] = num(max(values)) if values else None
        elif agg == "distinct_count":
            out[f["name"]] = len(set(values))
        elif agg == "last":
            best = max(with_value, key=lambda e: (e[1], e[0]), default=None)
            v = best[2][field] if best else None
            out[f["name"]] = num(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
    return out


def main(argv):
    ap = argparse.ArgumentParser(description="Feature vectors from ZRANGEBYSCORE replies (stdin)")
    ap.add_argument("--view", required=True)
    ap.add_argument("--as-of-ms", type=int, required=True)
    a = ap.parse_args(argv)
    with open(a.view, encoding="utf-8") as f:
        view = json.load(f)
    replies = json.load(sys.stdin)
    print(json.dumps({k: compute_vector(view, decode(view, v), a.as_of_ms) for k, v in replies.items()}))


if __name__ == "__main__":
    main(sys.argv[1:])
