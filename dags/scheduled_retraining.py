"""Scheduled retraining of each model through the platform's training pipeline.

Runs on Amazon MWAA (TeamAirflow). For every model in the Airflow Variable ``retraining`` (JSON),
starts the model's training pipeline (a Step Functions state machine: train, evaluation and bias
gates, registration as PendingManualApproval) with the newest training set, and waits for it. A
retrained version is never approved here: it waits for a human like every other version.

``retraining`` example::

    {
      "credit-risk": {
        "pipeline_arn": "arn:aws:states:eu-west-1:123456789012:stateMachine:prod-credit-risk-training",
        "training_sets": "s3://<features bucket>/training-sets/applicant_txn_aggregates/",
        "code_version": "3f2c1e9",
        "schedule": "0 4 * * 1"
      }
    }

The newest training set is the last ``version=<YYYYMMDDTHHMMSSZ>/`` prefix under ``training_sets``
(the feature pipeline's training-set job writes them; the drift trigger picks the same way); the
execution role may start only the listed pipelines and list only the training-set prefixes.
"""

import json
from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.models import Variable
from airflow.exceptions import AirflowFailException
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.step_function import StepFunctionStartExecutionOperator
from airflow.providers.amazon.aws.sensors.step_function import StepFunctionExecutionSensor
from airflow.decorators import task


def retraining_dag(model, settings):
    with DAG(
        dag_id=f"retrain_{model.replace('-', '_')}",
        description=f"Scheduled retraining of {model} through its training pipeline",
        schedule=settings.get("schedule", "0 4 * * 1"),
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args={"owner": "ml-platform", "retries": 1, "retry_delay": timedelta(minutes=15)},
        tags=["training", model],
    ) as dag:

        @task
        def pipeline_input():
            bucket, prefix = settings["training_sets"][len("s3://") :].split("/", 1)
            versions = S3Hook(aws_conn_id="aws_default").list_prefixes(
                bucket_name=bucket, prefix=prefix + "version=", delimiter="/"
            )
            if not versions:
                raise AirflowFailException("no training set under " + settings["training_sets"])
            newest = sorted(versions)[-1]
            return {
                "trainingSetUri": "s3://%s/%s" % (bucket, newest),
                "trainingSetVersion": newest.rstrip("/").rsplit("=", 1)[-1],
                "codeVersion": settings["code_version"],
                "trigger": "schedule",
            }

        start = StepFunctionStartExecutionOperator(
            task_id="start_pipeline",
            state_machine_arn=settings["pipeline_arn"],
            name=f"scheduled-{{{{ ds_nodash }}}}",
            state_machine_input=pipeline_input(),
        )
        StepFunctionExecutionSensor(
            task_id="wait_for_pipeline",
            execution_arn=start.output,
            poke_interval=300,
            timeout=int(timedelta(hours=13).total_seconds()),
            mode="reschedule",
        )
    return dag


for _model, _settings in json.loads(Variable.get("retraining", default_var="{}")).items():
    globals()[f"retrain_{_model.replace('-', '_')}"] = retraining_dag(_model, _settings)
