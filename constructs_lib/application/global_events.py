"""GlobalEvents: the application's events, accepted in either region through one
EventBridge global endpoint that fails over when EventBridge in the primary region does.

What it deploys:

- an event bus of one name (``namer.name("events")``) in each region, encrypted with that
  region's customer-managed key, with that region's dead-letter queue for events EventBridge
  cannot encrypt or decrypt (eb-encryption-event-bus-cmkey.html: "We strongly recommend
  specifying a DLQ for event buses"). A global endpoint needs "a custom bus in each Region
  with the same name and in the same account" (eb-global-endpoints.html);
- the global endpoint (``namer.name("events-endpoint")``, declared through the primary's
  provider) over both buses, primary first, failing over to the secondary region when its
  Route 53 health check turns unhealthy, with event replication on: every custom event is
  delivered to both buses, which AWS recommends because it proves the secondary path works
  and because recovery back to the primary is automatic only with replication on
  (eb-global-endpoints.html, "Event replication"; eb-ge-best-practices.html). Consumers
  therefore see an event in both regions and must be idempotent; a replicated event keeps
  its ``source`` and names the region it came from;
- the replication role (``namer.name("events-replication")``), assumable by EventBridge for
  this account only. It may put events on the two buses, manage the rules EventBridge
  creates on them for replication (``GlobalEndpointManagedRule-*``) and pass itself to
  EventBridge as those rules' target role: the policy the EventBridge console creates for
  an endpoint and that the provider's acceptance tests of ``aws_cloudwatch_event_endpoint``
  use against real AWS. Creating rules on a bus encrypted with a customer-managed key also
  needs ``kms:Decrypt`` on the key (eb-encryption-event-bus-cmkey.html, "AWS KMS key
  permissions for event bus actions"), so the role has it, for these buses' context only;
- the health check (``namer.name("events-health")``, type CLOUDWATCH_METRIC) on an alarm in
  the primary region, built as AWS's own template builds it (eb-ge-cfn.html): the average of
  ``AWS/Events`` ``IngestionToInvocationStartLatency`` over 1-minute periods above 30,000 ms
  for 5 periods. That metric has no dimension: it is "a service-level metric measured across
  all of your rules and buses and provides an indication of the health of the EventBridge
  service" (eb-monitoring.html), and AWS advises against subscriber metrics in the health
  check, which would fail every publisher over for one failing consumer
  (eb-ge-best-practices.html). The template's default treats missing data as breaching and
  an alarm without data as Unhealthy, which fails the endpoint over whenever the application
  is quiet for five minutes. A failover on no traffic is the worst outcome for the users of
  this product, so this construct takes the template's documented alternative for
  intermittent senders: missing data is ``missing`` and the health check keeps its
  ``LastKnownStatus`` while the alarm has insufficient data (a new health check with no
  last status is healthy, Route 53 API reference, HealthCheckConfig). A quiet application
  never fails over; a latency breach that is followed by silence stays failed over until
  data says otherwise, rather than flapping back to a region that just failed;
- on each bus a rule (``namer.name("events-delivery", region)``) matching the events whose
  ``source`` starts with ``source_prefix``, delivering to that region's function with an
  explicit retry policy and that region's dead-letter queue (a standard SQS queue in the
  rule's region, encrypted with the region's key, whose policy admits EventBridge only for
  this rule and this bus, by ``aws:SourceArn``: eb-rule-dlq.html). The function's
  permission comes from ``PythonFunction.allow_invoke``, for this rule only.

The regional keys must be created with ``RegionalKeyProps(application_events=True)``: the
bus and its queue are encrypted with them, and EventBridge may use a customer-managed key
only where the key policy says so. A bus or queue whose key refuses EventBridge drops
events without an error to the sender, so construction stops instead.

Ordering and eventual consistency handled here: the endpoint waits for the replication
role's policy (CreateEndpoint checks that EventBridge can assume the role, and a new IAM
role is not visible everywhere at once); each bus references its key, whose policy already
admits EventBridge when CreateEventBus checks the key; the health check references the
alarm by name, so the alarm exists first. On destroy, the endpoint goes before the buses
and EventBridge removes its managed replication rules with it; our own rules, targets and
permissions go before their bus.

Publishers call PutEvents with the endpoint's id (``endpoint_id``) and the bus name, signed
with SigV4a by the AWS SDK with the CRT installed (eb-global-endpoints.html, "Working with
global endpoints by using an AWS SDK"); their IAM policy needs ``events:PutEvents`` on both
buses (``put_events_resources``), since the endpoint may route them to either region.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cdktf import Fn, Token
from cdktf_cdktf_provider_aws.cloudwatch_event_bus import (
    CloudwatchEventBus,
    CloudwatchEventBusDeadLetterConfig,
)
from cdktf_cdktf_provider_aws.cloudwatch_event_endpoint import (
    CloudwatchEventEndpoint,
    CloudwatchEventEndpointEventBus,
    CloudwatchEventEndpointReplicationConfig,
    CloudwatchEventEndpointRoutingConfig,
    CloudwatchEventEndpointRoutingConfigFailoverConfig,
    CloudwatchEventEndpointRoutingConfigFailoverConfigPrimary,
    CloudwatchEventEndpointRoutingConfigFailoverConfigSecondary,
)
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
    CloudwatchEventTargetDeadLetterConfig,
    CloudwatchEventTargetRetryPolicy,
)
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from constructs_lib.automation.python_function import PythonFunction
from constructs_lib.naming import Namer
from constructs_lib.security.dead_letter_policy import eventbridge_dead_letter_policy
from constructs_lib.security.regional_key import KeyedRegion

ROLES = ("primary", "secondary")
# AWS's template for the endpoint's health check (eb-ge-cfn.html).
LATENCY_METRIC = ("AWS/Events", "IngestionToInvocationStartLatency")
LATENCY_PERIOD_SECONDS = 60  # standard resolution: Route 53 accepts no other
LATENCY_THRESHOLD_MS = 30_000
LATENCY_EVALUATION_PERIODS = 5
# Missing data neither breaches nor clears the alarm, and Route 53 keeps the last status
# while the alarm has no data: no failover on a quiet application (module docstring).
TREAT_MISSING_DATA = "missing"
INSUFFICIENT_DATA_HEALTH_STATUS = "LastKnownStatus"
# EventBridge's retry bounds for a target (API_RetryPolicy.html): 0..185 attempts, events
# kept 60 s .. 24 h.
RETRY_ATTEMPTS_MAX = 185
EVENT_AGE_SECONDS = (60, 86_400)
DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # the SQS maximum: time to inspect and redrive
# A source EventBridge accepts from PutEvents: "aws." sources are AWS's own (PutEvents
# entries with them are refused, API_PutEventsRequestEntry.html).
_SOURCE_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,255}$")


@dataclass(frozen=True, kw_only=True)
class GlobalEventsProps:
    namer: Namer
    primary: KeyedRegion  # where the endpoint routes while healthy
    secondary: KeyedRegion  # where it fails over to
    # The function each region's bus delivers to, by role ("primary", "secondary"): a
    # PythonFunction in that region.
    targets: dict[str, PythonFunction]
    # Events whose ``source`` starts with this go to the targets, e.g. "dbdr.app".
    source_prefix: str
    # Default: None, the latency alarm notifies nobody (a dashboard shows it). An SNS topic
    # in the primary region (LagAlarms.topic_arn) is told when it alarms and recovers.
    alarm_topic_arn: str | None = None
    # Default: 30,000 ms for 5 one-minute periods, AWS's template (eb-ge-cfn.html): average
    # latency above 30 s "may indicate a service disruption" (eb-monitoring.html). With
    # these, AWS states an RTO and RPO of 360 s, at most 420 s (eb-global-endpoints.html).
    latency_threshold_ms: int = LATENCY_THRESHOLD_MS
    latency_evaluation_periods: int = LATENCY_EVALUATION_PERIODS
    # Default: 185 attempts within 24 hours, EventBridge's own default for a target, said
    # explicitly so the plan shows it; an event still undelivered goes to the region's
    # dead-letter queue.
    retry_attempts: int = RETRY_ATTEMPTS_MAX
    max_event_age_seconds: int = EVENT_AGE_SECONDS[1]


class GlobalEvents(Construct):
    """A bus per region behind one failover endpoint, delivering to each region's function."""

    def __init__(self, scope: Construct, id: str, props: GlobalEventsProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        namer = props.namer
        regions = {"primary": props.primary, "secondary": props.secondary}
        self.bus_name = namer.name("events")

        self.dead_letter_queues: dict[str, SqsQueue] = {}
        self.buses: dict[str, CloudwatchEventBus] = {}
        for role, where in regions.items():
            prefix = role.capitalize()
            queue = SqsQueue(
                self,
                f"{prefix}DeadLetterQueue",
                provider=where.provider,
                name=namer.name("events-delivery", where.region),
                kms_master_key_id=where.key.arn,
                message_retention_seconds=DLQ_RETENTION_SECONDS,
            )
            self.dead_letter_queues[role] = queue
            self.buses[role] = CloudwatchEventBus(
                self,
                f"{prefix}Bus",
                provider=where.provider,
                name=self.bus_name,
                description=f"{self.bus_name}: application events, {role} region",
                kms_key_identifier=where.key.arn,
                dead_letter_config=CloudwatchEventBusDeadLetterConfig(arn=queue.arn),
            )
        self.bus_names: dict[str, str] = {role: bus.name for role, bus in self.buses.items()}
        self.bus_arns: dict[str, str] = {role: bus.arn for role, bus in self.buses.items()}
        # What a publisher's IAM policy needs: the endpoint may route to either bus.
        self.put_events_resources: list[str] = [self.bus_arns[role] for role in ROLES]

        self.rules: dict[str, CloudwatchEventRule] = {}
        for role, where in regions.items():
            self.rules[role] = self._delivery(props, role, where)

        self.health_alarm, self.health_check = self._health(props)
        self.health_check_id = self.health_check.id
        self.health_check_arn = self.health_check.arn

        self.replication_role, policy = self._replication_role(props)
        self.endpoint = CloudwatchEventEndpoint(
            self,
            "Endpoint",
            provider=props.primary.provider,
            name=namer.name("events-endpoint"),
            description=(
                f"{self.bus_name} in {props.primary.region}, failing over to "
                f"{props.secondary.region}"
            ),
            # The primary's bus first, as the API and the console list them.
            event_bus=[
                CloudwatchEventEndpointEventBus(event_bus_arn=self.bus_arns[role]) for role in ROLES
            ],
            routing_config=CloudwatchEventEndpointRoutingConfig(
                failover_config=CloudwatchEventEndpointRoutingConfigFailoverConfig(
                    primary=CloudwatchEventEndpointRoutingConfigFailoverConfigPrimary(
                        health_check=self.health_check_arn
                    ),
                    secondary=CloudwatchEventEndpointRoutingConfigFailoverConfigSecondary(
                        route=props.secondary.region
                    ),
                )
            ),
            replication_config=CloudwatchEventEndpointReplicationConfig(state="ENABLED"),
            role_arn=self.replication_role.arn,
            # CreateEndpoint checks that EventBridge can assume the role with its policy.
            depends_on=[policy],
        )
        self.endpoint_arn = self.endpoint.arn
        self.endpoint_url = self.endpoint.endpoint_url
        # PutEvents takes the endpoint's id, the URL's subdomain ("abcde.veo" of
        # https://abcde.veo.endpoints.event.amazonaws.com); provider 5.100 does not export it.
        self.endpoint_id = Fn.element(
            Fn.split(".endpoints.event.", Fn.trimprefix(self.endpoint_url, "https://")), 0
        )

    def put_events_statement(self, sid: str = "PutApplicationEvents") -> dict:
        """The IAM statement a publisher through the endpoint needs (PythonFunction form)."""
        return {"Sid": sid, "Action": ["events:PutEvents"], "Resource": self.put_events_resources}

    def _delivery(
        self, props: GlobalEventsProps, role: str, where: KeyedRegion
    ) -> CloudwatchEventRule:
        """The rule on ``role``'s bus delivering matching events to that region's function,
        its dead letters to that region's queue."""
        prefix, provider = role.capitalize(), where.provider
        bus, queue, function = self.buses[role], self.dead_letter_queues[role], props.targets[role]
        name = props.namer.name("events-delivery", where.region)
        rule = CloudwatchEventRule(
            self,
            f"{prefix}Rule",
            provider=provider,
            name=name,
            description=f"events from {props.source_prefix}* to {function.function_name}",
            event_bus_name=bus.name,
            event_pattern=json.dumps({"source": [{"prefix": props.source_prefix}]}),
            state="ENABLED",
        )
        CloudwatchEventTarget(
            self,
            f"{prefix}Target",
            provider=provider,
            rule=rule.name,
            event_bus_name=bus.name,
            target_id="service",
            arn=function.arn,
            retry_policy=CloudwatchEventTargetRetryPolicy(
                maximum_retry_attempts=props.retry_attempts,
                maximum_event_age_in_seconds=props.max_event_age_seconds,
            ),
            dead_letter_config=CloudwatchEventTargetDeadLetterConfig(arn=queue.arn),
        )
        function.allow_invoke(
            self,
            f"{prefix}Invoke",
            statement_id="AllowApplicationEvents",
            principal="events.amazonaws.com",
            source_arn=rule.arn,
        )
        # EventBridge sends dead letters of this rule's target, and events this bus cannot
        # encrypt or decrypt, to the queue; nothing else may (eb-rule-dlq.html).
        eventbridge_dead_letter_policy(
            self,
            f"{prefix}DeadLetterPolicy",
            provider=provider,
            queue=queue,
            sid="EventBridgeDeadLetters",
            source_arn=[rule.arn, bus.arn],
        )
        return rule

    def _health(self, props: GlobalEventsProps) -> tuple[CloudwatchMetricAlarm, Route53HealthCheck]:
        """AWS's latency alarm in the primary region and the health check over it."""
        primary, name = props.primary, props.namer.name("events-health")
        namespace, metric = LATENCY_METRIC
        topics = [props.alarm_topic_arn] if props.alarm_topic_arn else None
        alarm = CloudwatchMetricAlarm(
            self,
            "LatencyAlarm",
            provider=primary.provider,
            alarm_name=name,
            alarm_description=(
                "EventBridge in the primary region takes over "
                f"{props.latency_threshold_ms} ms on average to start delivering events: "
                "the global endpoint fails over to the secondary region while it alarms"
            ),
            namespace=namespace,
            metric_name=metric,
            statistic="Average",
            period=LATENCY_PERIOD_SECONDS,
            evaluation_periods=props.latency_evaluation_periods,
            threshold=props.latency_threshold_ms,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data=TREAT_MISSING_DATA,
            alarm_actions=topics,
            ok_actions=topics,
        )
        check = Route53HealthCheck(
            self,
            "HealthCheck",
            provider=primary.provider,
            type="CLOUDWATCH_METRIC",
            cloudwatch_alarm_name=alarm.alarm_name,
            cloudwatch_alarm_region=primary.region,
            insufficient_data_health_status=INSUFFICIENT_DATA_HEALTH_STATUS,
            tags={"Name": name},
        )
        return alarm, check

    def _replication_role(self, props: GlobalEventsProps) -> tuple[IamRole, IamRolePolicy]:
        """The role EventBridge replicates with (see the module docstring)."""
        primary, secondary, namer = props.primary, props.secondary, props.namer
        account, partition = primary.key.account_id, primary.key.partition
        name = namer.name("events-replication")
        # IAM is global: the role is declared through the primary's provider.
        role = IamRole(
            self,
            "ReplicationRole",
            provider=primary.provider,
            name=name,
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": account},
                                # The endpoint and its managed rules, in the two regions;
                                # IfExists, as not every EventBridge call passes the key.
                                "ArnLikeIfExists": {
                                    "aws:SourceArn": [
                                        f"arn:{partition}:events:{where.region}:{account}:*"
                                        for where in (primary, secondary)
                                    ]
                                },
                            },
                        }
                    ],
                }
            ),
        )
        managed_rules = [
            f"arn:{partition}:events:{where.region}:{account}:rule/{self.bus_name}"
            "/GlobalEndpointManagedRule-*"
            for where in (primary, secondary)
        ]
        statements = [
            {
                "Sid": "ReplicateToBothBuses",
                "Action": ["events:PutEvents"],
                "Resource": self.put_events_resources,
            },
            {
                "Sid": "ManageReplicationRules",
                "Action": [
                    "events:PutRule",
                    "events:PutTargets",
                    "events:DeleteRule",
                    "events:RemoveTargets",
                ],
                "Resource": managed_rules,
            },
            {
                "Sid": "PassItselfToReplicationRules",
                "Action": ["iam:PassRole"],
                "Resource": role.arn,
                "Condition": {"StringEquals": {"iam:PassedToService": "events.amazonaws.com"}},
            },
            # Rule actions on a bus encrypted with a customer-managed key need kms:Decrypt.
            {
                "Sid": "RulesOnEncryptedBuses",
                "Action": ["kms:Decrypt"],
                "Resource": [primary.key.arn, secondary.key.arn],
                "Condition": {
                    "StringEquals": {
                        "kms:EncryptionContext:aws:events:event-bus:arn": (
                            self.put_events_resources
                        )
                    }
                },
            },
        ]
        policy = IamRolePolicy(
            self,
            "ReplicationPolicy",
            provider=primary.provider,
            role=role.id,
            name=name,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", **s} for s in statements],
                }
            ),
        )
        return role, policy


def _validate(props: GlobalEventsProps) -> None:
    regions = {"primary": props.primary, "secondary": props.secondary}
    if props.primary.region == props.secondary.region:
        raise ValueError(
            f"secondary region must differ from the primary, got {props.secondary.region} twice"
        )
    for role, where in regions.items():
        if not where.key.application_events:
            raise ValueError(
                f"{role}.key must be a RegionalKey with application_events=True (EventBridge "
                f"may not use the key of {where.region} otherwise), got application_events=False"
            )
    if set(props.targets) != set(ROLES):
        raise ValueError(
            f"targets must have exactly the roles {', '.join(ROLES)}, "
            f"got {', '.join(sorted(props.targets)) or 'none'}"
        )
    for role, where in regions.items():
        if props.targets[role].provider is not where.provider:
            raise ValueError(
                f"targets[{role!r}] must be a function in {where.region} (the {role} "
                f"region's provider), got {props.targets[role].function_name}"
            )
    prefix = props.source_prefix
    valid = _SOURCE_PREFIX.match(prefix) and not prefix.lower().startswith("aws.")
    if not Token.is_unresolved(prefix) and not valid:
        raise ValueError(
            "source_prefix must be 1-256 letters, digits, '.', '_', '-' or '/', starting "
            f"with a letter or digit and not with 'aws.' (AWS's own), got {prefix!r}"
        )
    topic = props.alarm_topic_arn
    if topic is not None and not Token.is_unresolved(topic):
        parts = topic.split(":")
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sns":
            raise ValueError(f"alarm_topic_arn must be an SNS topic ARN, got {topic!r}")
        if parts[3] != props.primary.region:
            raise ValueError(
                f"alarm_topic_arn must be in the primary region {props.primary.region} "
                f"(where the alarm is), got {topic!r}"
            )
    _check_range("latency_threshold_ms", props.latency_threshold_ms, 1, 3_600_000)
    # An alarm evaluates at most one day: period x evaluation periods <= 86,400 s.
    _check_range(
        "latency_evaluation_periods",
        props.latency_evaluation_periods,
        1,
        86_400 // LATENCY_PERIOD_SECONDS,
    )
    _check_range("retry_attempts", props.retry_attempts, 0, RETRY_ATTEMPTS_MAX)
    _check_range("max_event_age_seconds", props.max_event_age_seconds, *EVENT_AGE_SECONDS)


def _check_range(field: str, value: int, low: int, high: int) -> None:
    if not Token.is_unresolved(value) and not low <= value <= high:
        raise ValueError(f"{field} must be {low}..{high}, got {value}")
