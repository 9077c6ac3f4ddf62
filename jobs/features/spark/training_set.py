"""Training set of a feature view (EMR Serverless, PySpark): every label joined with the view's
features as of the label's own timestamp (window T − W < event_time ≤ T, so nothing from after the
label leaks in), computed by the view's generated SQL from the archived events — the same SQL the
backfill and the local DuckDB path run. Writes a versioned, immutable training set:

  <output>/<view>/version=<version>/part-*.parquet     labels' columns + features
  <output>/<view>/version=<version>/_manifest/         one JSON line: view, version, label source,
                                                        SQL sha256, row count, created_at

Labels: Parquet with the view's entity keys, --label-time-column (timestamp or ISO-8601 UTC string)
and any label columns. An existing version is never overwritten (the job fails instead).
"""

import argparse
import datetime
import hashlib
import sys

from feature_job import load_bundle, read_events, run_feature_sql


def main(argv):
    ap = argparse.ArgumentParser(description="Join labels with features as of each label's timestamp")
    for name in ("sql", "view", "schema", "events", "labels", "output", "dead-letter"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("--label-time-column", default="label_time")
    ap.add_argument("--version", default=None, help="default: UTC time of the run, YYYYMMDDTHHMMSSZ")
    a = ap.parse_args(argv)
    version = a.version or datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.appName("feature-training-set").getOrCreate()
    sql, view, schema = load_bundle(spark, a.sql, a.view, a.schema)
    keys = [k["name"] for k in view["entityKeys"]]
    read_events(spark, view, schema, a.events, a.dead_letter)

    labels = spark.read.parquet(a.labels)
    missing = [c for c in keys + [a.label_time_column] if c not in labels.columns]
    if missing:
        sys.exit("training-set: labels lack column(s) %s; they need the entity keys and %s" % (", ".join(missing), a.label_time_column))
    t = F.col(a.label_time_column)
    labels = labels.withColumn("_as_of_ms", F.unix_millis(F.to_timestamp(t) if dict(labels.dtypes)[a.label_time_column] == "string" else t))
    spine = labels.select(*keys, F.col("_as_of_ms").alias("as_of_ms")).distinct()
    features = run_feature_sql(spark, sql, spine)
    joined = labels.join(features.withColumnRenamed("as_of_ms", "_as_of_ms"), on=keys + ["_as_of_ms"], how="left").drop("_as_of_ms")

    target = "%s/%s/version=%s" % (a.output.rstrip("/"), view["name"], version)
    joined.write.mode("errorifexists").parquet(target)
    rows = spark.read.parquet(target).count()
    manifest = {
        "view": view["name"],
        "version": version,
        "labels": a.labels,
        "events": a.events,
        "sql_sha256": hashlib.sha256(sql.encode("utf-8")).hexdigest(),
        "rows": rows,
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }
    spark.createDataFrame([manifest]).coalesce(1).write.mode("errorifexists").json(target + "/_manifest")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
