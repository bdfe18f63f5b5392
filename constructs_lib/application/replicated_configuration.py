"""ReplicatedConfiguration: application configuration written once, readable in both regions.

The application's settings (the database writer's DNS name and endpoints, feature flags,
...) are SSM Parameter Store parameters under ``/<project>/<suffix>/app/``, created by
Terraform in the **primary** region only, as ``SecureString`` encrypted with the primary
region's key. A function in the primary region (``dr_lambdas/config_replicator``) keeps a
copy of everything under that path in the secondary region, re-encrypted with the secondary
region's key (a KMS key never leaves its region). Parameter Store is regional and has no
replication of its own, so a service in the secondary region that must keep running when
the primary region is gone reads its own region's copy.

Why ``/<project>/<suffix>/app``: EndpointParameters already writes its leaves
(``writer-dns-name``, ``port``, ...) directly under ``/<project>/<suffix>/`` in **both**
regions, each region's copy owned by Terraform. The replicator deletes, in the secondary
region, whatever under its path has no source in the primary; on the endpoint path it would
delete or overwrite those Terraform-owned parameters (and their region-specific values). A
level of its own keeps the two owners apart: no endpoint leaf lies under ``.../app/``, and
the names stay in the deployment's hierarchy, so one ``GetParametersByPath`` of
``/<project>/<suffix>`` still finds everything of the deployment.

How copies follow:

- **on change**: Parameter Store sends a ``Parameter Store Change`` event (``source``
  ``aws.ssm``; ``detail.name``, ``detail.operation`` Create / Update / Delete) to the
  default event bus of its region (Systems Manager user guide, "Monitoring Systems Manager
  events with Amazon EventBridge"). A rule in the primary region matches names with the
  prefix ``<path>/`` and invokes the function, with a retry policy and a KMS-encrypted
  dead-letter queue for events it cannot deliver. ``LabelParameterVersion`` events are not
  matched: labels name versions, which are numbered per region, so they are not copied.
- **on a schedule**: a full reconcile (default every 15 minutes) copies what differs and
  deletes copies whose source is gone, healing any event that was lost or failed.
- **at apply and destroy**: an ``aws_lambda_invocation`` (lifecycle scope CRUD) runs the
  reconcile once when it is created, so the copies exist when the apply ends rather than
  at the first schedule (SSM events sent before the rule and permission existed are not
  replayed), and on destroy deletes every copy under the path in the secondary region:
  the copies are not in Terraform's state, and a destroyed stack must leave nothing behind.
  On destroy the reconcile schedule goes first (its target depends on the invocation), so
  no scheduled run copies the parameters again before Terraform deletes them.

Eventual consistency handled: Terraform invokes the function seconds after creating its
role policy; the function retries an access denial from that first run for up to ~50 s
(IAM changes are not visible everywhere at once). EventBridge delivers at least once and
not in order (eb-rule-event-delivery.html): the function copies the parameter's current
state, never the event's operation, so repeats and reordering converge. Concurrent runs are
last-writer-wins per parameter; the next reconcile converges them.

Least privilege: the function reads only ``<path>`` and ``<path>/*`` in the primary region
and writes and deletes only those in the secondary; it may decrypt with the primary key and
encrypt (and decrypt, to compare before writing) with the secondary key only through
Parameter Store of that key's region and only for parameters under the path (SSM's
``PARAMETER_ARN`` encryption context: Systems Manager user guide, "How AWS Systems Manager
Parameter Store uses AWS KMS"). ``ssm:DescribeParameters`` (descriptions, tiers, keys:
what ``GetParameter`` does not return) has no resource-level permissions (Service
Authorization Reference, AWS Systems Manager); it is limited to the two regions.

The primary key must be created with ``application_events`` (RegionalKey): EventBridge
needs it to write to the encrypted dead-letter queue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
    CloudwatchEventTargetDeadLetterConfig,
    CloudwatchEventTargetRetryPolicy,
)
from cdktf_cdktf_provider_aws.lambda_invocation import LambdaInvocation
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from constructs_lib.automation.python_function import PythonFunction, PythonFunctionProps
from constructs_lib.naming import Namer
from constructs_lib.security.dead_letter_policy import eventbridge_dead_letter_policy
from constructs_lib.security.regional_key import KeyedRegion
from constructs_lib.security.secure_parameter import secure_parameter
from dr_lambdas.config_replicator import ReplicatorEnv as E
from dr_lambdas.contract import CONFIG_RECONCILE_MINUTES, rate

# SSM parameter names (Systems Manager user guide, "Creating Parameter Store parameters"):
# levels of letters, digits and _.-; at most 15 levels; no name beginning with "aws" or
# "ssm"; at most 1011 characters including the ARN's part before the name.
_LEVEL = re.compile(r"^[A-Za-z0-9_.-]+$")
MAX_LEVELS = 15
MAX_NAME_WITH_ARN = 1011
_RESERVED_PREFIXES = ("aws", "ssm")
# A Standard-tier value holds at most 4 KB (parameter-store-advanced-parameters.html).
MAX_STANDARD_VALUE_BYTES = 4096
RECONCILE_INPUT = '{"reconcile": true}'
TERRAFORM_KEY = "tf"
FUNCTION_TIMEOUT_SECONDS = 120
# The bounds the function keeps to on a full listing (dr_lambdas/config_replicator).
_ARN_PREFIX_LONGEST = "arn:aws-us-gov:ssm:{region}:123456789012:parameter"


@dataclass(frozen=True, kw_only=True)
class ReplicatedConfigurationProps:
    namer: Namer  # the path is /<namer.project>/<namer.suffix>/app
    primary: KeyedRegion  # where the parameters are written, and the function runs
    secondary: KeyedRegion  # where the copies are kept
    # Name relative to the path ("database/writer-dns-name", "feature-flags/new-checkout")
    # -> value (a Terraform token is fine, e.g. a cluster endpoint). At least one.
    parameters: Mapping[str, str]
    # Default: 15 minutes. How often the full reconcile runs, so the longest a lost event can
    # leave a copy stale; 1..1440.
    reconcile_minutes: int = CONFIG_RECONCILE_MINUTES
    # Default: 1 hour, 10 attempts. How long and how often EventBridge retries delivering a
    # change event to the function before it goes to the dead-letter queue (EventBridge
    # allows 60..86400 s and 0..185 attempts); the reconcile heals it well within the hour.
    event_max_age_seconds: int = 3600
    event_retry_attempts: int = 10
    # Default: 365 days, as every log group of the deployment.
    log_retention_days: int = 365


class ReplicatedConfiguration(Construct):
    """Parameters in the primary region, copied to the secondary by a function."""

    def __init__(self, scope: Construct, id: str, props: ReplicatedConfigurationProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        namer, primary, secondary = props.namer, props.primary, props.secondary
        deployment = f"{namer.project} ({namer.suffix})"
        self.path = f"/{namer.project}/{namer.suffix}/app"
        self.regions = (primary.region, secondary.region)
        partition, account = primary.key.partition, primary.key.account_id
        # The names are the same in both regions; the ARNs differ by region.
        self.parameter_names = [f"{self.path}/{name}" for name in props.parameters]
        self.path_arns = {
            side.region: f"arn:{partition}:ssm:{side.region}:{account}:parameter{self.path}"
            for side in (primary, secondary)
        }
        self.parameter_arns = {
            region: [f"{arn}/{name}" for name in props.parameters]
            for region, arn in self.path_arns.items()
        }
        self.key_arns = {primary.region: primary.key.arn, secondary.region: secondary.key.arn}

        self.parameters: dict[str, SsmParameter] = {}
        for name, value in props.parameters.items():
            full = f"{self.path}/{name}"
            # The id follows the name (not its position), so adding or removing a parameter
            # never replaces another.
            self.parameters[full] = secure_parameter(
                self,
                f"Parameter_{name.replace('/', '_')}",
                primary,
                name=full,
                value=value,
                description=f"{deployment}: application configuration; copied to "
                f"{secondary.region} by {namer.name('config-replicator', primary.region)}",
            )

        self.function = PythonFunction(
            self,
            "Function",
            PythonFunctionProps.in_region(
                primary,
                namer=namer,
                function="config_replicator",
                role="config-replicator",
                description=f"Copies the parameters under {self.path} from "
                f"{primary.region} to {secondary.region}",
                environment={
                    E.SOURCE_REGION: primary.region,
                    E.TARGET_REGION: secondary.region,
                    E.PARAMETER_PATH: self.path,
                    E.TARGET_KEY_ARN: secondary.key.arn,
                },
                statements=self._statements(props),
                timeout_seconds=FUNCTION_TIMEOUT_SECONDS,
                log_retention_days=props.log_retention_days,
                outside_vpc_reason="the function calls only the Parameter Store APIs of two "
                "regions, one of them across the internet from the other; a VPC "
                "would add endpoints in both regions and protect nothing it reads",
            ),
        )
        self.dead_letter_queue = self.function.dead_letter_queue

        self.rule = CloudwatchEventRule(
            self,
            "Changes",
            provider=primary.provider,
            name=namer.name("config-changes", primary.region),
            description=f"Parameter Store changes under {self.path}/: copy them to "
            f"{secondary.region}",
            event_pattern=json.dumps(
                {
                    "source": ["aws.ssm"],
                    "detail-type": ["Parameter Store Change"],
                    "detail": {
                        "name": [{"prefix": f"{self.path}/"}],
                        "operation": ["Create", "Update", "Delete"],
                    },
                }
            ),
        )
        permission = self.function.allow_invoke(
            self,
            "AllowChanges",
            statement_id="AllowParameterStoreChanges",
            principal="events.amazonaws.com",
            source_arn=self.rule.arn,
        )
        self.rule_target = CloudwatchEventTarget(
            self,
            "ChangesTarget",
            provider=primary.provider,
            rule=self.rule.name,
            arn=self.function.arn,
            retry_policy=CloudwatchEventTargetRetryPolicy(
                maximum_event_age_in_seconds=props.event_max_age_seconds,
                maximum_retry_attempts=props.event_retry_attempts,
            ),
            dead_letter_config=CloudwatchEventTargetDeadLetterConfig(
                arn=self.dead_letter_queue.arn
            ),
            depends_on=[permission],
        )
        # EventBridge sends to the dead-letter queue as events.amazonaws.com, for this rule
        # only (eb-rule-dlq.html, "Granting permissions to the dead-letter queue"); the
        # function's own failed invocations reach it through its role.
        self.dead_letter_queue_policy = eventbridge_dead_letter_policy(
            self,
            "DeadLetterQueuePolicy",
            provider=primary.provider,
            queue=self.dead_letter_queue,
            sid="ChangeEventsThatCouldNotBeDelivered",
            source_arn=self.rule.arn,
        )

        function_policy = self.function.node.find_child("Policy")
        self.invocation = LambdaInvocation(
            self,
            "Lifecycle",
            provider=primary.provider,
            function_name=self.function.function_name,
            input=RECONCILE_INPUT,
            lifecycle_scope="CRUD",
            terraform_key=TERRAFORM_KEY,
            depends_on=[
                self.function.function,
                function_policy,
                *self.parameters.values(),
                self.rule_target,
                self.dead_letter_queue_policy,
            ],
        )
        self.reconcile_rule = self.function.invoke_on_schedule(
            self,
            "Reconcile",
            "ReconcileTarget",
            name=namer.name("config-reconcile", primary.region),
            description=f"Reconcile the copies under {self.path} in {secondary.region} "
            f"every {props.reconcile_minutes} min",
            schedule_expression=rate(props.reconcile_minutes * 60),
            input=RECONCILE_INPUT,
        )
        # Destroyed before the invocation's teardown runs (see the module docstring).
        reconcile_target = self.node.find_child("ReconcileTarget")
        reconcile_target.depends_on = [  # type: ignore[attr-defined]
            f"{LambdaInvocation.TF_RESOURCE_TYPE}.{self.invocation.friendly_unique_id}"
        ]

    def _statements(self, props: ReplicatedConfigurationProps) -> list[dict]:
        primary, secondary = props.primary, props.secondary
        path_resources = {region: [arn, f"{arn}/*"] for region, arn in self.path_arns.items()}

        def through_ssm(side: KeyedRegion) -> dict:
            arn = self.path_arns[side.region]
            return {
                "StringEquals": {"kms:ViaService": f"ssm.{side.region}.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:PARAMETER_ARN": f"{arn}/*"},
            }

        return [
            {
                "Sid": "ReadSourceParameters",
                "Action": ["ssm:GetParameter", "ssm:GetParametersByPath"],
                "Resource": path_resources[primary.region],
            },
            {
                "Sid": "WriteTargetParameters",
                "Action": [
                    "ssm:GetParameter",
                    "ssm:GetParametersByPath",
                    "ssm:PutParameter",
                    "ssm:DeleteParameter",
                    "ssm:DeleteParameters",
                ],
                "Resource": path_resources[secondary.region],
            },
            {
                "Sid": "DescribeParameters",
                "Action": ["ssm:DescribeParameters"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:RequestedRegion": [primary.region, secondary.region]}
                },
            },
            {
                "Sid": "DecryptSourceParameters",
                "Action": ["kms:Decrypt"],
                "Resource": primary.key.arn,
                "Condition": through_ssm(primary),
            },
            {
                "Sid": "EncryptTargetParameters",
                "Action": ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": secondary.key.arn,
                "Condition": through_ssm(secondary),
            },
        ]

    def reader_statements(self, region: str) -> list[dict]:
        """IAM statements that let a service in ``region`` read these parameters there:
        the parameters, the path (``GetParametersByPath``) and the region's key through
        Parameter Store."""
        if region not in self.regions:
            raise ValueError(f"region must be one of {', '.join(self.regions)}, got {region!r}")
        arn = self.path_arns[region]
        return [
            {
                "Sid": "ReadConfiguration",
                "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
                "Resource": [arn, f"{arn}/*"],
            },
            {
                "Sid": "DecryptConfiguration",
                "Action": ["kms:Decrypt"],
                "Resource": self.key_arns[region],
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:PARAMETER_ARN": f"{arn}/*"},
                },
            },
        ]


def _validate(props: ReplicatedConfigurationProps) -> None:
    primary, secondary = props.primary.region, props.secondary.region
    if primary == secondary:
        raise ValueError(f"secondary.region must differ from primary.region, both are {primary!r}")
    if not props.primary.key.application_events:
        raise ValueError(
            "primary.key must be created with application_events=True, got False: "
            "EventBridge cannot otherwise write to the encrypted dead-letter queue"
        )
    if props.namer.project.lower().startswith(_RESERVED_PREFIXES):
        raise ValueError(
            f"namer.project must not begin with 'aws' or 'ssm' (reserved in Parameter Store "
            f"names), got {props.namer.project!r}"
        )
    if not props.parameters:
        raise ValueError("parameters must name at least one parameter, got none")
    path_levels = 3  # /<project>/<suffix>/app
    longest_prefix = max(len(_ARN_PREFIX_LONGEST.format(region=r)) for r in (primary, secondary))
    path_length = len(f"/{props.namer.project}/{props.namer.suffix}/app/")
    for name, value in props.parameters.items():
        levels = name.split("/")
        if not name or not all(_LEVEL.match(level) for level in levels):
            raise ValueError(
                f"parameters: name must be '/'-separated levels of letters, digits and _.- "
                f"without a leading or trailing '/', got {name!r}"
            )
        if path_levels + len(levels) > MAX_LEVELS:
            raise ValueError(
                f"parameters: name may have at most {MAX_LEVELS - path_levels} levels "
                f"(SSM allows {MAX_LEVELS} with the path's {path_levels}), got {name!r}"
            )
        if longest_prefix + path_length + len(name) > MAX_NAME_WITH_ARN:
            raise ValueError(
                f"parameters: name is too long for SSM ({MAX_NAME_WITH_ARN} characters with "
                f"the ARN before it), got {len(name)} characters: {name[:40]!r}..."
            )
        if Token.is_unresolved(value):
            continue
        if not value:
            raise ValueError(f"parameters: value of {name!r} must not be empty, got ''")
        if len(value.encode()) > MAX_STANDARD_VALUE_BYTES:
            raise ValueError(
                f"parameters: value of {name!r} must be at most {MAX_STANDARD_VALUE_BYTES} "
                f"bytes (Standard tier), got {len(value.encode())}"
            )
    if not 1 <= props.reconcile_minutes <= 1440:
        raise ValueError(f"reconcile_minutes must be 1..1440, got {props.reconcile_minutes}")
    if not 60 <= props.event_max_age_seconds <= 86400:
        raise ValueError(
            f"event_max_age_seconds must be 60..86400, got {props.event_max_age_seconds}"
        )
    if not 0 <= props.event_retry_attempts <= 185:
        raise ValueError(f"event_retry_attempts must be 0..185, got {props.event_retry_attempts}")
