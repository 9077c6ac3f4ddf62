"""Training set of a feature view (EMR Serverless, PySpark): every label joined with the view's
features as of the label's own timestamp (window T − W < event_time ≤ T, so nothing from after the
label leaks in), computed by the view's generated SQL from the archived events — the same SQL the
backfill and the local DuckDB path run. Writes a versioned, immutable training set, split by label
time (the newest labels held out: the evaluation scores the model on labels later than every label
it trained on), as the lifecycle's training pipeline reads it:

  <output>/<view>/version=<version>/train/part-*.csv     labels before the holdout's first label time
  <output>/<view>/version=<version>/holdout/part-*.csv   the newest labels (at least --holdout-fraction)
  <output>/<view>/version=<version>/_manifest/           one JSON line: view, version, label source,
                                                          SQL sha256, split, row counts, created_at

CSV with a header (labels' columns + features), booleans as 1/0, missing values empty. The split is
SPLIT_SQL, the very text of TRAINING_SET_SPLIT_SQL that the local DuckDB path runs
(jobs/features/batch/sql.ts; test/features/spark.test.ts compares them); labels of one timestamp
are never split.

Labels: Parquet with the view's entity keys, --label-time-column (timestamp or ISO-8601 UTC string)
and any label columns. An existing version is never overwritten (the job fails instead).
"""

import argparse
import datetime
import hashlib
import sys

from feature_job import load_bundle, read_events, run_feature_sql

SPLIT_SQL = """SELECT MIN(CASE WHEN cum * 10000 > n * (10000 - holdout_bp) THEN label_time_ms END) AS holdout_from_ms
FROM (
  SELECT label_time_ms,
    COUNT(*) OVER (ORDER BY label_time_ms RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
    COUNT(*) OVER () AS n
  FROM label_times
) t CROSS JOIN split_params
"""

HOLDOUT_FRACTION_MIN, HOLDOUT_FRACTION_MAX = 0.05, 0.5


def holdout_basis_points(value):
    """--holdout-fraction as basis points; one problem line when outside 0.05 to 0.5."""
    try:
        f = float(value)
    except ValueError:
        f = None
    if f is None or not HOLDOUT_FRACTION_MIN <= f <= HOLDOUT_FRACTION_MAX:
        sys.exit("training-set: --holdout-fraction '%s' is not allowed; allowed %s to %s" % (value, HOLDOUT_FRACTION_MIN, HOLDOUT_FRACTION_MAX))
    return f, int(round(f * 10000))


def main(argv):
    ap = argparse.ArgumentParser(description="Join labels with features as of each label's timestamp")
    for name in ("sql", "view", "schema", "events", "labels", "output", "dead-letter"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("--label-time-column", default="label_time")
    ap.add_argument("--version", default=None, help="default: UTC time of the run, YYYYMMDDTHHMMSSZ")
    ap.add_argument("--holdout-fraction", default="0.2", help="share of the labels held out, the newest by label time (0.05 to 0.5)")
    a = ap.parse_args(argv)
    fraction, holdout_bp = holdout_basis_points(a.holdout_fraction)
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
    joined = labels.join(features.withColumnRenamed("as_of_ms", "_as_of_ms"), on=keys + ["_as_of_ms"], how="left")

    labels.select(F.col("_as_of_ms").alias("label_time_ms")).createOrReplaceTempView("label_times")
    spark.createDataFrame([(holdout_bp,)], "holdout_bp bigint").createOrReplaceTempView("split_params")
    holdout_from_ms = spark.sql(SPLIT_SQL).collect()[0][0]
    if holdout_from_ms is None:
        sys.exit("training-set: no labels under %s" % a.labels)
    split = {"train": joined.filter(F.col("_as_of_ms") < holdout_from_ms), "holdout": joined.filter(F.col("_as_of_ms") >= holdout_from_ms)}
    if split["train"].limit(1).count() == 0:
        sys.exit("training-set: holdout fraction %s leaves no training labels: every label is at or after %d ms (label times must differ)" % (fraction, holdout_from_ms))

    target = "%s/%s/version=%s" % (a.output.rstrip("/"), view["name"], version)
    counts = {}
    for name, part in split.items():
        part = part.drop("_as_of_ms")
        part = part.select(*[F.col(c).cast("int").alias(c) if t == "boolean" else F.col(c) for c, t in part.dtypes])
        counts[name] = part.count()
        part.write.mode("errorifexists").option("header", True).option("escape", '"').csv(target + "/" + name)
    manifest = {
        "view": view["name"],
        "version": version,
        "labels": a.labels,
        "events": a.events,
        "sql_sha256": hashlib.sha256(sql.encode("utf-8")).hexdigest(),
        "format": "csv",
        "holdout_fraction": fraction,
        "holdout_from": datetime.datetime.fromtimestamp(holdout_from_ms / 1000, datetime.timezone.utc).isoformat(),
        "rows": counts["train"] + counts["holdout"],
        "train_rows": counts["train"],
        "holdout_rows": counts["holdout"],
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }
    spark.createDataFrame([manifest]).coalesce(1).write.mode("errorifexists").json(target + "/_manifest")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
