"""Lambda: (j) a function's dead-letter queue, and the settings an update may change (Lambda
API Reference, CreateFunction, UpdateFunctionConfiguration, FunctionConfiguration); (jj) the
project's own functions run when invoked.

AWS: a function created or updated with ``DeadLetterConfig`` (``{"TargetArn": <SQS queue or
SNS topic ARN>}``) reports it in its configuration (GetFunction, GetFunctionConfiguration,
ListFunctions, the answers to Create and Update, published versions); an update with an
empty ``TargetArn`` removes it. ``UpdateFunctionConfiguration`` changes ``TracingConfig``
and ``KMSKeyArn`` too (an empty ARN goes back to the AWS managed key: none is reported).
moto never reads ``DeadLetterConfig``, so every plan after apply wants to add the
dead-letter queue of every ``aws_lambda_function`` that has one, and its update ignores all
three settings. Here the target is kept and reported, and updates apply all three. Still
more lenient than AWS: the target is not checked to exist, to be a queue or topic, or to be
writable by the function's role (AWS: InvalidParameterValueException).

(jj) moto runs an invoked function in a Docker container, which these machines do not have:
every ``Invoke`` answers an error, so an ``aws_lambda_invocation`` (the replicated
configuration's first copy at apply and its cleanup at destroy) fails the apply. A function
of the application tier (handler ``dr_lambdas.config_replicator...`` or
``dr_lambdas.app_service...``) invoked through the API runs here instead, in this process:
the handler imported from this checkout, the event as sent, the
function's environment variables, its region and this emulator's endpoint
(``AWS_ENDPOINT_URL``) in ``os.environ`` for the call (one call at a time), and the result
answered as Lambda answers: the JSON payload, or ``X-Amz-Function-Error: Unhandled`` with
``errorMessage`` / ``errorType`` when the handler raises. Still more lenient than AWS: the
code is this checkout's, not the uploaded package; the function's role, timeout, memory and
VPC are not applied; other functions, and every event source (SNS, EventBridge), keep
moto's behaviour.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import traceback
from typing import Any

from tools.emulator.patching import install

# The application tier's functions, which call only AWS APIs. The canary probes databases
# the emulator does not run, and the e2e drill runs the orchestrator itself.
PROJECT_HANDLERS = ("dr_lambdas.config_replicator.", "dr_lambdas.app_service.")
# The running emulators' endpoints (moto's state is process-wide: any of them serves it).
_endpoints: list[str] = []
_run_lock = threading.Lock()


def serve_at(endpoint: str) -> None:
    """A started emulator: the functions that run here call AWS through it."""
    _endpoints.append(endpoint)


def stop_serving(endpoint: str) -> None:
    """A stopped emulator: no longer an endpoint for the functions."""
    if endpoint in _endpoints:
        _endpoints.remove(endpoint)


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_lambda_function_configuration()
    _patch_project_invocations()


def _patch_project_invocations() -> None:
    """(jj) The project's functions run in this process when invoked through the API (event
    sources such as SNS keep moto's behaviour: the e2e drill runs those itself)."""
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction.invoke

    def invoke(
        self: LambdaFunction, body: str, request_headers: Any, response_headers: Any
    ) -> str | bytes:
        if not (self.handler or "").startswith(PROJECT_HANDLERS) or not _endpoints:
            return original(self, body, request_headers, response_headers)
        payload, errored, _ = run_project_handler(
            self.handler, body, self.environment_vars, self.region
        )
        if errored:
            response_headers["x-amz-function-error"] = "Unhandled"
        return payload

    install(LambdaFunction, invoke)


def run_project_handler(
    handler: str, event: Any, variables: dict[str, str], region: str
) -> tuple[str, bool, str]:
    """Run ``module.function`` with ``event`` as Lambda would: (payload, errored, logs)."""
    module_name, _, function_name = handler.rpartition(".")
    if isinstance(event, str):
        event = json.loads(event or "{}")
    environment = {
        **variables,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL": _endpoints[-1],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    with _run_lock:
        saved = {name: os.environ.get(name) for name in environment}
        os.environ.update(environment)
        try:
            function = getattr(importlib.import_module(module_name), function_name)
            result = function(event, None)
            return json.dumps(result, default=str), False, ""
        except Exception as error:  # the handler's failure is the invocation's answer
            payload = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "stackTrace": traceback.format_exception(error)[-3:],
            }
            return json.dumps(payload), True, traceback.format_exc()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _patch_lambda_function_configuration() -> None:
    """(j) The dead-letter target is kept; updates apply it, tracing and the KMS key."""
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_configuration = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    def target_of(dead_letter_config: dict[str, Any] | None) -> str | None:
        return (dead_letter_config or {}).get("TargetArn") or None

    def init(
        self: LambdaFunction,
        account_id: str,
        spec: dict[str, Any],
        region: str,
        version: str | int = 1,
    ) -> None:
        original_init(self, account_id, spec, region, version)
        self.dead_letter_target_arn = (  # type: ignore[attr-defined]
            target_of(spec.get("DeadLetterConfig"))
        )

    def get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
        config = original_configuration(self, on_create)
        target = getattr(self, "dead_letter_target_arn", None)
        if target:
            config["DeadLetterConfig"] = {"TargetArn": target}
        return config

    def update_configuration(
        self: LambdaFunction, config_updates: dict[str, Any]
    ) -> dict[str, Any]:
        # Applied before moto's own update, which answers with the whole configuration.
        if "DeadLetterConfig" in config_updates:
            self.dead_letter_target_arn = (  # type: ignore[attr-defined]
                target_of(config_updates["DeadLetterConfig"])
            )
        mode = (config_updates.get("TracingConfig") or {}).get("Mode")
        if mode:
            self.tracing_config = {"Mode": mode}
        if "KMSKeyArn" in config_updates:
            self.kms_key_arn = config_updates["KMSKeyArn"] or None
        return original_update(self, config_updates)

    LambdaFunction.__init__ = init  # type: ignore[method-assign]
    install(LambdaFunction, get_configuration, update_configuration)
