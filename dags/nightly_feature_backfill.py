"""Nightly batch feature backfill: recomputes yesterday's batch features on EMR Serverless.

Runs on Amazon MWAA (TeamAirflow). Configuration comes from Airflow Variables, which the platform
sets per environment:

- ``emr_application_id``: the EMR Serverless application of the data stack
- ``emr_job_role_arn``: the Spark job role the application runs jobs as
- ``feature_jobs_uri``: S3 URI of the feature jobs' entry point (the feature-pipeline asset)
- ``feature_views``: JSON list of the feature views to backfill, e.g. ``["applicant_history"]``

The execution role of the environment may start jobs only on that application and pass only that
role (see constructs/lifecycle/team-airflow.ts).
"""

import json
from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.models import Variable
from airflow.providers.amazon.aws.operators.emr import EmrServerlessStartJobOperator

DEFAULT_ARGS = {
    "owner": "ml-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
}

with DAG(
    dag_id="nightly_feature_backfill",
    description="Recompute the previous day's batch features for every feature view",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["features", "backfill"],
) as dag:
    for view in json.loads(Variable.get("feature_views", default_var="[]")):
        EmrServerlessStartJobOperator(
            task_id=f"backfill_{view}",
            application_id="{{ var.value.emr_application_id }}",
            execution_role_arn="{{ var.value.emr_job_role_arn }}",
            job_driver={
                "sparkSubmit": {
                    "entryPoint": "{{ var.value.feature_jobs_uri }}",
                    "entryPointArguments": ["--feature-view", view, "--mode", "batch", "--date", "{{ ds }}"],
                }
            },
            configuration_overrides={},
            wait_for_completion=True,
        )
