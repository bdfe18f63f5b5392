"""Lambda: (j) a function's dead-letter queue, and the settings an update may change (Lambda
API Reference, CreateFunction, UpdateFunctionConfiguration, FunctionConfiguration).

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
"""

from __future__ import annotations

from typing import Any

from tools.emulator.patching import install


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_lambda_function_configuration()


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
