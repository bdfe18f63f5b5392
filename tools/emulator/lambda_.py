"""Lambda fixes (patch i): function configuration keeps its dead-letter queue and settings.

Each patch's docstring says what AWS does and what moto gets wrong."""

from __future__ import annotations

from typing import Any


def _patch_lambda_function_configuration() -> None:
    """j. A Lambda function's dead-letter queue, and the settings an update may change.

    AWS (Lambda API Reference, CreateFunction / UpdateFunctionConfiguration /
    FunctionConfiguration): a function created or updated with ``DeadLetterConfig``
    (``{"TargetArn": <SQS queue or SNS topic ARN>}``) reports it as ``DeadLetterConfig`` in its
    configuration (GetFunction, GetFunctionConfiguration, ListFunctions, the answers to Create
    and Update, published versions); an update with an empty ``TargetArn`` removes it, and a
    function without one reports none. ``UpdateFunctionConfiguration`` changes
    ``TracingConfig`` and ``KMSKeyArn`` too (an empty ARN goes back to the AWS managed key, and
    no ``KMSKeyArn`` is reported).
    moto gets wrong: ``LambdaFunction`` never reads ``DeadLetterConfig``, so no configuration
    reports one and every plan after apply wants to add the dead-letter queue of every
    ``aws_lambda_function`` that has one; ``update_configuration`` ignores
    ``DeadLetterConfig``, ``TracingConfig`` and ``KMSKeyArn``, so a change to any of them would
    be lost. The dead-letter target is kept and reported, and updates apply all three.
    Still more lenient than AWS: the target is not checked to exist, to be an SQS queue or SNS
    topic, or to be writable by the function's role (AWS refuses such a function with
    InvalidParameterValueException).
    """
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
        self.dead_letter_target_arn = target_of(spec.get("DeadLetterConfig"))  # type: ignore[attr-defined]

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
            self.dead_letter_target_arn = target_of(config_updates["DeadLetterConfig"])  # type: ignore[attr-defined]
        mode = (config_updates.get("TracingConfig") or {}).get("Mode")
        if mode:
            self.tracing_config = {"Mode": mode}
        if "KMSKeyArn" in config_updates:
            self.kms_key_arn = config_updates["KMSKeyArn"] or None
        return original_update(self, config_updates)

    LambdaFunction.__init__ = init  # type: ignore[method-assign]
    LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign]
