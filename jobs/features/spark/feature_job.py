"""Shared code of the feature jobs on EMR Serverless: read the bundle the TypeScript side generates
from the feature view (`npm run features -- bundle`: <view>.sql, <view>.view.json, the topic's
JSON Schema), read and validate the archived events, run THE SAME SQL the local DuckDB path runs.

The SQL expects two temporary views:
  events(<event id>, <entity keys>, <fields>, event_time_ms BIGINT, _seq BIGINT)   valid events
  spine(<entity keys>, as_of_ms BIGINT)                                            what to compute
"""

import json

from feature_events import parse

_SPARK_TYPES = {"string": "string", "double": "double", "bigint": "bigint", "boolean": "boolean"}


def read_text(spark, path):
    """A whole small file (S3 or local) as a string: the bundle's SQL, view and schema."""
    return "\n".join(r.value for r in spark.read.text(path, wholetext=True).collect())


def load_bundle(spark, sql_path, view_path, schema_path):
    return read_text(spark, sql_path), json.loads(read_text(spark, view_path)), json.loads(read_text(spark, schema_path))


def events_schema(view):
    from pyspark.sql.types import StructField, StructType, _parse_datatype_string

    cols = [(view["eventIdField"], "string")]
    cols += [(k["name"], k["type"]) for k in view["entityKeys"]]
    cols += [(f, _SPARK_TYPES[t]) for f, t in sorted(view["fields"].items())]
    cols += [("event_time_ms", "bigint"), ("_seq", "bigint")]
    return StructType([StructField(n, _parse_datatype_string(t), True) for n, t in cols])


def read_events(spark, view, schema, events_path, dead_letter_path):
    """Valid events of the archive (JSON lines) as the `events` view; invalid ones, with the reason,
    as JSON lines under dead_letter_path (never counted). _seq orders deliveries: archive file, then line."""
    from pyspark.sql import functions as F

    raw = (
        spark.read.text(events_path)
        .withColumn("_file", F.input_file_name())
        .withColumn("_pos", F.monotonically_increasing_id())
    )
    ordered = raw.orderBy("_file", "_pos").rdd.zipWithIndex()
    view_b = spark.sparkContext.broadcast(view)
    schema_b = spark.sparkContext.broadcast(schema)
    names = [f.name for f in events_schema(view).fields]

    def check(pair):
        row, seq = pair
        event, reason = parse(view_b.value, schema_b.value, row.value)
        if event is None:
            return ("dead", json.dumps({"position": "%s:%d" % (row._file, seq), "reason": reason, "value": row.value}))
        event["_seq"] = seq
        return ("ok", tuple(event.get(n) for n in names))

    checked = ordered.map(check).cache()
    checked.filter(lambda r: r[0] == "dead").map(lambda r: r[1]).saveAsTextFile(dead_letter_path)
    events = spark.createDataFrame(checked.filter(lambda r: r[0] == "ok").map(lambda r: r[1]), events_schema(view))
    events.createOrReplaceTempView("events")
    return events


def run_feature_sql(spark, sql, spine):
    """Registers the spine and runs the view's generated SQL (the same text DuckDB runs locally)."""
    spine.createOrReplaceTempView("spine")
    return spark.sql(sql.strip().rstrip(";"))
