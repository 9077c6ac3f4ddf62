#!/usr/bin/env python3
"""moto in server mode, plus the SageMaker behaviour `mlp` needs and moto 5.2 lacks.

Usage: python3 scripts/moto_launcher.py [-H 127.0.0.1] [-p 5000]

Adds, in this process only (moto itself is not modified):
  * UpdateEndpoint: the endpoint goes Updating for the next N DescribeEndpoint calls
    (N = MLP_MOTO_UPDATING_POLLS, default 2), then InService on the new endpoint config.
    It records the deployment config (LastDeploymentConfig) like SageMaker does.
  * DeleteModelPackage and DeleteModelPackageGroup.
  * CreateModelPackage in a group without ModelApprovalStatus -> PendingManualApproval (as AWS).
  * UpdateModelPackage keeps the fields a request leaves out (moto wipes them).
  * CreateModel keeps EnableNetworkIsolation (moto drops it), also from CloudFormation.
  * CreateEndpoint keeps its DeploymentConfig (reported as LastDeploymentConfig; moto drops it).
  * CreateMonitoringSchedule, DescribeMonitoringSchedule and DeleteMonitoringSchedule (moto 5.2
    has the job definitions but not the schedules): kept in memory per backend, status Scheduled.
  * CloudFormation uses the names a template gives SageMaker models, endpoint configs and
    endpoints (ModelName, EndpointConfigName, EndpointName); moto generates names instead.
  * Service Quotas: ListServiceQuotas, and GetServiceQuota for quotas seeded through the control
    below (moto 5.2 knows only the VPC defaults and has no ListServiceQuotas).
  * Test controls (not AWS APIs), all POST:
      /mlp-test/service-quotas     body {"quotas": [{"ServiceCode", "QuotaCode", "QuotaName", "Value"}]}
          applied quotas the preflight reads (added to what was seeded before)
      /mlp-test/fail-next-update   body {"mode": "rollback" | "failed", "reason": "..."} (optional)
          rollback (default): Updating -> RollingBack -> InService on the OLD config with
          FailureReason set, which is what SageMaker does when an update fails.
          failed: Updating -> Failed with FailureReason.
      /mlp-test/hang-next-update   the next update stays Updating forever (timeout tests)
      /moto-api/reset              moto's reset; also clears the switches above
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
import weakref
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, Model, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.servicequotas.exceptions import NoSuchResource
from moto.servicequotas.models import ServiceQuotasBackend
from moto.servicequotas.responses import ServiceQuotasResponse
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

UPDATING_POLLS = int(os.environ.get("MLP_MOTO_UPDATING_POLLS", "2"))
DEFAULT_FAILURE = (
    "Launcher-injected failure: the new production variant failed its health check. "
    "SageMaker rolled back to the previous endpoint configuration."
)

_lock = threading.Lock()
# What the next UpdateEndpoint does: None (succeed), or {"mode": ..., "reason": ...}.
_next_update: dict[str, Any] = {"outcome": None}
# Per endpoint object: the update in flight. Weak keys: moto's reset drops the endpoints.
_pending: "weakref.WeakKeyDictionary[FakeEndpoint, dict[str, Any]]" = weakref.WeakKeyDictionary()


def _take_next_outcome() -> dict[str, Any] | None:
    with _lock:
        outcome = _next_update["outcome"]
        _next_update["outcome"] = None
        return outcome


def _set_next_outcome(outcome: dict[str, Any] | None) -> None:
    with _lock:
        _next_update["outcome"] = outcome


# ---------------------------------------------------------------- backend behaviour


def _endpoint(backend: SageMakerModelBackend, name: str) -> FakeEndpoint:
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        arn = FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)
        raise ValidationError(message=f"Could not find endpoint '{arn}'.")
    return endpoint


def update_endpoint(
    self: SageMakerModelBackend,
    endpoint_name: str,
    endpoint_config_name: str,
    retain_deployment_config: bool,
    deployment_config: dict[str, Any] | None,
) -> FakeEndpoint:
    endpoint = _endpoint(self, endpoint_name)
    # Raises ValidationError "Could not find endpoint configuration ..." like SageMaker.
    new_config = self.describe_endpoint_config(endpoint_config_name)
    if endpoint.endpoint_status != "InService":
        raise ValidationError(
            message=f"Cannot update in-progress endpoint \"{endpoint.arn}\" (status {endpoint.endpoint_status})."
        )
    if deployment_config is not None:
        endpoint.last_deployment_config = deployment_config
    elif not retain_deployment_config:
        endpoint.last_deployment_config = None
    outcome = _take_next_outcome()
    with _lock:
        _pending[endpoint] = {
            "config": new_config,
            "polls_left": UPDATING_POLLS,
            "outcome": outcome,
        }
    endpoint.endpoint_status = "Updating"
    endpoint.failure_reason = None
    endpoint.last_modified_time = utcnow()
    return endpoint


def _advance(endpoint: FakeEndpoint) -> None:
    """One DescribeEndpoint call's worth of progress for an update in flight."""
    with _lock:
        pending = _pending.get(endpoint)
        if pending is None:
            return
        outcome = pending["outcome"]
        if outcome is not None and outcome["mode"] == "hang":
            return
        if pending["polls_left"] > 0:
            pending["polls_left"] -= 1
            return
        if outcome is None:
            config = pending["config"]
            endpoint.endpoint_config_name = config["EndpointConfigName"]
            endpoint.production_variants = endpoint._process_production_variants(config["ProductionVariants"])
            endpoint.data_capture_config = config.get("DataCaptureConfig")
            endpoint.endpoint_status = "InService"
            del _pending[endpoint]
        elif outcome["mode"] == "failed":
            endpoint.endpoint_status = "Failed"
            endpoint.failure_reason = outcome["reason"]
            del _pending[endpoint]
        elif endpoint.endpoint_status != "RollingBack":
            # SageMaker's automatic rollback: one RollingBack state, then the old config serves.
            endpoint.endpoint_status = "RollingBack"
            return
        else:
            endpoint.endpoint_status = "InService"
            endpoint.failure_reason = outcome["reason"]
            del _pending[endpoint]
        endpoint.last_modified_time = utcnow()


_original_describe_endpoint = SageMakerModelBackend.describe_endpoint


def describe_endpoint(self: SageMakerModelBackend, endpoint_name: str) -> dict[str, Any]:
    endpoint = self.endpoints.get(endpoint_name)
    if endpoint is not None:
        _advance(endpoint)
    return _original_describe_endpoint(self, endpoint_name)


def delete_model_package(self: SageMakerModelBackend, model_package_name: str) -> None:
    arn = self.model_package_name_mapping.get(model_package_name, model_package_name)
    if arn not in self.model_packages:
        raise ValidationError(message=f"Model package {model_package_name} not found")
    del self.model_packages[arn]
    for key in [k for k, v in self.model_package_name_mapping.items() if v == arn]:
        del self.model_package_name_mapping[key]


def delete_model_package_group(self: SageMakerModelBackend, model_package_group_name: str) -> None:
    name = model_package_group_name.split("/")[-1]
    group = self.describe_model_package_group(name)  # raises "does not exist"
    if any(p.model_package_group_name == name for p in self.model_packages.values()):
        raise ValidationError(
            message=f"Model package group {group.arn} is not empty: delete its model packages first."
        )
    del self.model_package_groups[name]


_original_create_model_package = SageMakerModelBackend.create_model_package


def create_model_package(self: SageMakerModelBackend, **kwargs: Any) -> str:
    if kwargs.get("model_package_group_name") and kwargs.get("model_approval_status") is None:
        kwargs["model_approval_status"] = "PendingManualApproval"
    return _original_create_model_package(self, **kwargs)


_original_update_model_package = SageMakerModelBackend.update_model_package


def update_model_package(self: SageMakerModelBackend, model_package_arn: str, **kwargs: Any) -> str:
    package = self.describe_model_package(model_package_arn)  # raises "not found"
    keep = {
        "model_approval_status": package.model_approval_status,
        "approval_description": package.approval_description,
        "customer_metadata_properties": package.customer_metadata_properties,
    }
    for key, value in keep.items():
        if kwargs.get(key) is None:
            kwargs[key] = value
    if kwargs.get("customer_metadata_properties") is not None and package.customer_metadata_properties:
        kwargs["customer_metadata_properties"] = {
            **package.customer_metadata_properties,
            **kwargs["customer_metadata_properties"],
        }
    return _original_update_model_package(self, model_package_arn, **kwargs)


SageMakerModelBackend.update_endpoint = update_endpoint  # type: ignore[attr-defined]
SageMakerModelBackend.describe_endpoint = describe_endpoint  # type: ignore[method-assign]
SageMakerModelBackend.delete_model_package = delete_model_package  # type: ignore[attr-defined]
SageMakerModelBackend.delete_model_package_group = delete_model_package_group  # type: ignore[attr-defined]
SageMakerModelBackend.create_model_package = create_model_package  # type: ignore[method-assign]
SageMakerModelBackend.update_model_package = update_model_package  # type: ignore[method-assign]


# ---------------------------------------------------------------- response handlers


def _update_endpoint_response(self: SageMakerResponse) -> ActionResult:
    endpoint = self.sagemaker_backend.update_endpoint(  # type: ignore[attr-defined]
        endpoint_name=self._get_param("EndpointName"),
        endpoint_config_name=self._get_param("EndpointConfigName"),
        retain_deployment_config=bool(self._get_param("RetainDeploymentConfig", False)),
        deployment_config=self._get_param("DeploymentConfig"),
    )
    return ActionResult({"EndpointArn": endpoint.arn})


def _delete_model_package_response(self: SageMakerResponse) -> EmptyResult:
    self.sagemaker_backend.delete_model_package(self._get_param("ModelPackageName"))  # type: ignore[attr-defined]
    return EmptyResult()


def _delete_model_package_group_response(self: SageMakerResponse) -> EmptyResult:
    self.sagemaker_backend.delete_model_package_group(self._get_param("ModelPackageGroupName"))  # type: ignore[attr-defined]
    return EmptyResult()


_original_create_model_response = SageMakerResponse.create_model


def _create_model_response(self: SageMakerResponse) -> ActionResult:
    result = _original_create_model_response(self)
    if self._get_param("EnableNetworkIsolation"):
        self.sagemaker_backend.describe_model(self._get_param("ModelName")).enable_network_isolation = True
    return result


def _schedules(backend: SageMakerModelBackend) -> dict[str, dict[str, Any]]:
    # An attribute of the backend: moto's reset builds new backends, so the schedules go with it.
    if not hasattr(backend, "_mlp_monitoring_schedules"):
        backend._mlp_monitoring_schedules = {}  # type: ignore[attr-defined]
    return backend._mlp_monitoring_schedules  # type: ignore[attr-defined]


def _create_monitoring_schedule_response(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    name = self._get_param("MonitoringScheduleName")
    schedules = _schedules(backend)
    arn = f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:monitoring-schedule/{name.lower()}"
    if name in schedules:
        raise ValidationError(message=f"Monitoring schedule {arn} already exists.")
    config = self._get_param("MonitoringScheduleConfig") or {}
    definition = config.get("MonitoringJobDefinitionName")
    if definition:
        backend.describe_data_quality_job_definition(definition)  # raises when it does not exist
    now = utcnow()
    schedules[name] = {
        "MonitoringScheduleArn": arn,
        "MonitoringScheduleName": name,
        "MonitoringScheduleStatus": "Scheduled",
        "MonitoringType": config.get("MonitoringType", "DataQuality"),
        "CreationTime": now,
        "LastModifiedTime": now,
        "MonitoringScheduleConfig": config,
        "EndpointName": self._get_param("EndpointName") or config.get("EndpointName"),
    }
    return ActionResult({"MonitoringScheduleArn": arn})


def _describe_monitoring_schedule_response(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("MonitoringScheduleName")
    schedule = _schedules(self.sagemaker_backend).get(name)
    if schedule is None:
        raise ValidationError(message=f"Monitoring schedule {name} does not exist.")
    return ActionResult({k: v for k, v in schedule.items() if v is not None})


def _schedule_endpoint(backend: SageMakerModelBackend, schedule: dict[str, Any]) -> str | None:
    # A data-quality schedule's endpoint is its job definition's endpoint input.
    if schedule.get("EndpointName"):
        return schedule["EndpointName"]
    definition = (schedule.get("MonitoringScheduleConfig") or {}).get("MonitoringJobDefinitionName")
    if not definition:
        return None
    described = backend.describe_data_quality_job_definition(definition)
    job_input = described.get("DataQualityJobInput") if isinstance(described, dict) else None
    return ((job_input or {}).get("EndpointInput") or {}).get("EndpointName")


def _list_monitoring_schedules_response(self: SageMakerResponse) -> ActionResult:
    # moto has no ListMonitoringSchedules: the schedules above, filtered by EndpointName as SageMaker does.
    backend = self.sagemaker_backend
    endpoint = self._get_param("EndpointName")
    summaries = []
    for schedule in _schedules(backend).values():
        name = _schedule_endpoint(backend, schedule)
        if endpoint and name != endpoint:
            continue
        summaries.append(
            {
                "MonitoringScheduleName": schedule["MonitoringScheduleName"],
                "MonitoringScheduleArn": schedule["MonitoringScheduleArn"],
                "CreationTime": schedule["CreationTime"],
                "LastModifiedTime": schedule["LastModifiedTime"],
                "MonitoringScheduleStatus": schedule["MonitoringScheduleStatus"],
                "EndpointName": name,
                "MonitoringType": schedule["MonitoringType"],
            }
        )
    return ActionResult({"MonitoringScheduleSummaries": summaries})


def _delete_monitoring_schedule_response(self: SageMakerResponse) -> EmptyResult:
    name = self._get_param("MonitoringScheduleName")
    if _schedules(self.sagemaker_backend).pop(name, None) is None:
        raise ValidationError(message=f"Monitoring schedule {name} does not exist.")
    return EmptyResult()


_original_create_endpoint_response = SageMakerResponse.create_endpoint


def _create_endpoint_response(self: SageMakerResponse) -> ActionResult:
    # moto drops CreateEndpoint's DeploymentConfig; SageMaker reports it as LastDeploymentConfig.
    result = _original_create_endpoint_response(self)
    deployment_config = self._get_param("DeploymentConfig")
    if deployment_config:
        _endpoint(self.sagemaker_backend, self._get_param("EndpointName")).last_deployment_config = deployment_config  # type: ignore[attr-defined]
    return result


SageMakerResponse.create_endpoint = _create_endpoint_response  # type: ignore[method-assign]
SageMakerResponse.create_monitoring_schedule = _create_monitoring_schedule_response  # type: ignore[attr-defined]
SageMakerResponse.describe_monitoring_schedule = _describe_monitoring_schedule_response  # type: ignore[attr-defined]
SageMakerResponse.delete_monitoring_schedule = _delete_monitoring_schedule_response  # type: ignore[attr-defined]
SageMakerResponse.list_monitoring_schedules = _list_monitoring_schedules_response  # type: ignore[attr-defined]
SageMakerResponse.update_endpoint = _update_endpoint_response  # type: ignore[attr-defined]
SageMakerResponse.delete_model_package = _delete_model_package_response  # type: ignore[attr-defined]
SageMakerResponse.delete_model_package_group = _delete_model_package_group_response  # type: ignore[attr-defined]
SageMakerResponse.create_model = _create_model_response  # type: ignore[method-assign]


# ---------------------------------------------------------------- Service Quotas

# Seeded applied quotas: (service code, quota code) -> quota. Process-wide, cleared on reset.
_quotas: dict[tuple[str, str], dict[str, Any]] = {}


def _seed_quotas(quotas: list[dict[str, Any]]) -> None:
    with _lock:
        for q in quotas:
            quota = {
                "ServiceCode": q["ServiceCode"],
                "QuotaCode": q["QuotaCode"],
                "QuotaName": q.get("QuotaName", q["QuotaCode"]),
                "Value": float(q["Value"]),
                "Unit": "None",
                "Adjustable": True,
                "GlobalQuota": False,
            }
            _quotas[(q["ServiceCode"], q["QuotaCode"])] = quota


_original_get_service_quota = ServiceQuotasBackend.get_service_quota


def get_service_quota(self: ServiceQuotasBackend, service_code: str, quota_code: str) -> dict[str, Any]:
    with _lock:
        seeded = _quotas.get((service_code, quota_code))
    if seeded is not None:
        return seeded
    return _original_get_service_quota(self, service_code, quota_code)


def _list_service_quotas_response(self: ServiceQuotasResponse) -> str:
    service_code = str(json.loads(self.body).get("ServiceCode"))
    with _lock:
        quotas = [q for (code, _), q in _quotas.items() if code == service_code]
    if not quotas:
        raise NoSuchResource
    return json.dumps({"Quotas": quotas})


ServiceQuotasBackend.get_service_quota = get_service_quota  # type: ignore[method-assign]
ServiceQuotasResponse.list_service_quotas = _list_service_quotas_response  # type: ignore[attr-defined]


# ---------------------------------------------------------------- CloudFormation

FakeEndpoint.cloudformation_name_type = staticmethod(lambda: "EndpointName")  # type: ignore[method-assign]
FakeEndpointConfig.cloudformation_name_type = staticmethod(lambda: "EndpointConfigName")  # type: ignore[method-assign]
Model.cloudformation_name_type = staticmethod(lambda: "ModelName")  # type: ignore[method-assign]

_original_model_from_cfn = Model.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _model_from_cfn(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Model:
    model = _original_model_from_cfn(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    if str(cloudformation_json.get("Properties", {}).get("EnableNetworkIsolation", "")).lower() == "true":
        model.enable_network_isolation = True
    return model


Model.create_from_cloudformation_json = classmethod(_model_from_cfn)  # type: ignore[method-assign, assignment]


# ---------------------------------------------------------------- test controls


class Controls:
    """WSGI middleware: /mlp-test/* switches; everything else goes to moto."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/mlp-test/"):
            return self.control(Request(environ))(environ, start_response)
        if path == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
            _set_next_outcome(None)
            with _lock:
                _quotas.clear()
        return self.app(environ, start_response)

    def control(self, request: Request) -> Response:
        if request.method != "POST":
            return Response("POST only\n", status=405)
        body: dict[str, Any] = {}
        if request.data:
            try:
                body = json.loads(request.data)
            except ValueError:
                return Response("body must be JSON\n", status=400)
        if request.path == "/mlp-test/fail-next-update":
            mode = body.get("mode", "rollback")
            if mode not in ("rollback", "failed"):
                return Response(f"mode must be rollback or failed, got {mode!r}\n", status=400)
            _set_next_outcome({"mode": mode, "reason": body.get("reason", DEFAULT_FAILURE)})
        elif request.path == "/mlp-test/service-quotas":
            quotas = body.get("quotas")
            if not isinstance(quotas, list) or not all(isinstance(q, dict) and {"ServiceCode", "QuotaCode", "Value"} <= q.keys() for q in quotas):
                return Response("body must be {\"quotas\": [{\"ServiceCode\", \"QuotaCode\", \"Value\", ...}]}\n", status=400)
            _seed_quotas(quotas)
        elif request.path == "/mlp-test/hang-next-update":
            _set_next_outcome({"mode": "hang", "reason": ""})
        else:
            return Response(f"unknown control {request.path}\n", status=404)
        return Response(json.dumps({"ok": True}), content_type="application/json")


def _exit_with_parent() -> None:
    """Stops the server when the process that started it is gone (a test run that ended or crashed)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    _exit_with_parent()
    app = DomainDispatcherApplication(create_backend_app)
    print(f"moto launcher (mlp) listening on http://{args.host}:{args.port}", flush=True)
    run_simple(args.host, args.port, Controls(app), threaded=True)


if __name__ == "__main__":
    main()
