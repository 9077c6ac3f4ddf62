"""Backfill of a feature view into the offline store (EMR Serverless, PySpark).

Point-in-time values: for every entity and every hour in [--start, --end] in which it had an
event, the view's features as of the end of that hour (and for every entity active within the
longest window, as of --end), computed by the view's generated SQL from the archived events.
Writes Parquet under --output (the features-zone table location: <entity keys>, <features>,
event_time = the as-of time, ingested_at), partitioned event_date=YYYY-MM-DD[/event_hour=HH] as the
Glue table's partition projection expects, overwriting only the partitions it writes.

spark-submit --py-files feature_events.py,feature_job.py backfill.py \
  --sql s3://…/applicant_txn_aggregates.sql --view s3://…/applicant_txn_aggregates.view.json \
  --schema s3://…/card-transactions.schema.json --events s3://raw/topics/card-transactions/ \
  --start 2026-11-01T00:00:00Z --end 2026-11-29T12:00:00Z \
  --output s3://features/applicant_txn_aggregates/ --dead-letter s3://raw/dead-letter/…/run-id/
"""

import argparse
import sys

from feature_events import epoch_ms
from feature_job import load_bundle, read_events, run_feature_sql

HOUR_MS = 3_600_000


def main(argv):
    ap = argparse.ArgumentParser(description="Backfill a feature view's point-in-time values into the offline store")
    for name in ("sql", "view", "schema", "events", "start", "end", "output", "dead-letter"):
        ap.add_argument("--" + name, required=True)
    a = ap.parse_args(argv)
    start, end = epoch_ms(a.start), epoch_ms(a.end)
    if start is None or end is None or start > end:
        sys.exit("backfill: --start/--end must be ISO-8601 UTC times with start <= end, got %s and %s" % (a.start, a.end))

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.appName("feature-backfill").getOrCreate()
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    sql, view, schema = load_bundle(spark, a.sql, a.view, a.schema)
    keys = [k["name"] for k in view["entityKeys"]]
    read_events(spark, view, schema, a.events, a.dead_letter)

    # Spine: end of every hour with an event in [start, end], and --end for every entity seen.
    hourly = spark.sql(
        "SELECT DISTINCT %s, (CAST(FLOOR(event_time_ms / %d) AS BIGINT) + 1) * %d - 1 AS as_of_ms FROM events "
        "WHERE event_time_ms >= %d AND event_time_ms <= %d" % (", ".join(keys), HOUR_MS, HOUR_MS, start, end)
    )
    final = spark.sql("SELECT DISTINCT %s, CAST(%d AS BIGINT) AS as_of_ms FROM events WHERE event_time_ms <= %d" % (", ".join(keys), end, end))
    spine = hourly.where(F.col("as_of_ms") <= end).unionByName(final).distinct()

    features = run_feature_sql(spark, sql, spine)
    as_of = F.timestamp_millis(F.col("as_of_ms"))
    out = (
        features.withColumn("event_time", as_of)
        .withColumn("ingested_at", F.current_timestamp())
        .withColumn("event_date", F.date_format(as_of, "yyyy-MM-dd"))
        .drop("as_of_ms")
    )
    partitions = ["event_date"]
    if view["offlinePartitioning"] == "date-hour":
        out = out.withColumn("event_hour", F.date_format(as_of, "HH"))
        partitions.append("event_hour")
    out.write.mode("overwrite").partitionBy(*partitions).parquet(a.output)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
