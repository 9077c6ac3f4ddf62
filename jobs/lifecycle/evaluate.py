"""Evaluation step of a model's training pipeline (runs as a SageMaker processing job).

Scores the holdout set with the candidate model (and with the production model, when there is
one) through the image's own ``model_scoring`` module, computes AUC and the Kolmogorov-Smirnov
statistic, writes ``evaluation.json`` (read by the pipeline's evaluation gate) and
``predictions.csv`` (attribute, label, predicted label: the dataset of the Clarify bias check), and
logs the run to the SageMaker managed MLflow server when MLFLOW_TRACKING_ARN is set.

Contract of ``model_scoring`` (shipped in the model's image): ``score(model_dir, rows) -> list[float]``
where ``rows`` are the holdout's CSV rows as dicts (label column included) and the result holds one
probability of the positive class (label 1) per row.

Standard library only (besides ``model_scoring`` and, for MLflow, ``mlflow`` + ``sagemaker-mlflow``).
"""

import csv
import glob
import json
import os
import sys
import tarfile

BASE = os.environ.get("PROCESSING_BASE", "/opt/ml/processing")


def fail(message):
    print(f"evaluate: {message}", file=sys.stderr)
    sys.exit(2)


def auc(labels, scores):
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    pairs = sorted(zip(scores, labels))
    positives = sum(labels)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        fail(f"holdout needs both classes, got {positives} positive and {negatives} negative rows")
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        average_rank = (i + j) / 2 + 1
        rank_sum += average_rank * sum(label for _, label in pairs[i : j + 1])
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def ks(labels, scores):
    """Largest distance between the score distributions of positives and negatives."""
    positives = sum(labels)
    negatives = len(labels) - positives
    best = 0.0
    seen_pos = seen_neg = 0
    ordered = sorted(zip(scores, labels))
    for k, (score, label) in enumerate(ordered):
        if label:
            seen_pos += 1
        else:
            seen_neg += 1
        if k + 1 < len(ordered) and ordered[k + 1][0] == score:
            continue
        best = max(best, abs(seen_pos / positives - seen_neg / negatives))
    return best


def read_holdout(directory, label_column):
    files = sorted(glob.glob(os.path.join(directory, "**", "*.csv"), recursive=True))
    if not files:
        fail(f"no CSV file under {directory}")
    rows = []
    for name in files:
        with open(name, newline="") as handle:
            rows.extend(csv.DictReader(handle))
    if not rows or label_column not in rows[0]:
        fail(f"holdout has no column '{label_column}' (columns: {', '.join(rows[0]) if rows else 'none'})")
    labels = []
    for n, row in enumerate(rows, start=1):
        value = row[label_column]
        if value not in ("0", "1"):
            fail(f"holdout row {n}: {label_column} must be 0 or 1, got '{value}'")
        labels.append(int(value))
    return rows, labels


def unpack(directory):
    """Extracts model.tar.gz (if any) in place and returns the model directory."""
    for archive in glob.glob(os.path.join(directory, "*.tar.gz")):
        with tarfile.open(archive) as tar:
            tar.extractall(directory, filter="data")
    return directory


def main():
    label_column = os.environ["LABEL_COLUMN"]
    attribute = os.environ["ATTRIBUTE_COLUMN"]
    threshold = float(os.environ.get("DECISION_THRESHOLD", "0.5"))
    champion_present = os.environ.get("CHAMPION_PRESENT", "false") == "true"
    try:
        import model_scoring  # provided by the model's image
    except ImportError:
        fail("the image has no 'model_scoring' module with score(model_dir, rows) -> list[float]")

    rows, labels = read_holdout(os.path.join(BASE, "input", "holdout"), label_column)
    if attribute not in rows[0]:
        fail(f"holdout has no bias attribute column '{attribute}'")
    candidate = [float(s) for s in model_scoring.score(unpack(os.path.join(BASE, "input", "candidate")), rows)]
    if len(candidate) != len(rows):
        fail(f"model_scoring.score returned {len(candidate)} scores for {len(rows)} rows")
    metrics = {"auc": round(auc(labels, candidate), 6), "ks": round(ks(labels, candidate), 6), "rows": len(rows)}
    summary = f"holdout AUC {metrics['auc']}, KS {metrics['ks']}"
    if champion_present:
        champion = [float(s) for s in model_scoring.score(unpack(os.path.join(BASE, "input", "champion")), rows)]
        metrics["productionAuc"] = round(auc(labels, champion), 6)
        metrics["aucDeltaVsProduction"] = round(metrics["auc"] - metrics["productionAuc"], 6)
        metrics["productionModelPackageArn"] = os.environ.get("CHAMPION_MODEL_PACKAGE_ARN", "")
        summary += f", production AUC {metrics['productionAuc']} (change {metrics['aucDeltaVsProduction']})"
    else:
        summary += ", no production version to compare"
    metrics["summary"] = summary
    metrics["mlflowRunId"] = log_to_mlflow(metrics)

    out = os.path.join(BASE, "output", "evaluation")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "evaluation.json"), "w") as handle:
        json.dump(metrics, handle, sort_keys=True)
    with open(os.path.join(out, "predictions.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([attribute, label_column, "predicted_label"])
        for row, label, score in zip(rows, labels, candidate):
            writer.writerow([row[attribute], label, 1 if score >= threshold else 0])
    print(f"evaluate: {summary}")


def log_to_mlflow(metrics):
    """Logs params, metrics and lineage tags to the managed MLflow server; returns the run id ('' if off)."""
    arn = os.environ.get("MLFLOW_TRACKING_ARN", "")
    if not arn:
        return ""
    import mlflow  # with the sagemaker-mlflow plugin, an ARN is a tracking URI

    mlflow.set_tracking_uri(arn)
    mlflow.set_experiment(os.environ["MODEL_NAME"])
    with mlflow.start_run(run_name=os.environ.get("RUN_ID", "")) as run:
        mlflow.log_params(json.loads(os.environ.get("HYPERPARAMETERS", "{}")))
        mlflow.log_metrics({k: v for k, v in metrics.items() if isinstance(v, (int, float))})
        mlflow.set_tags(
            {
                "trainingSetUri": os.environ.get("TRAINING_SET_URI", ""),
                "trainingSetVersion": os.environ.get("TRAINING_SET_VERSION", ""),
                "codeVersion": os.environ.get("CODE_VERSION", ""),
                "trainingJobArn": os.environ.get("TRAINING_JOB_ARN", ""),
            }
        )
        return run.info.run_id


if __name__ == "__main__":
    main()
