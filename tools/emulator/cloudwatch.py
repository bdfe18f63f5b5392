"""CloudWatch: composite alarms, and alarms that act. What moto 5.2.5 gets wrong, fixed as
the CloudWatch API Reference and User Guide document it.

(i) Composite alarms (PutCompositeAlarm, DescribeAlarms, DeleteAlarms). AWS:
    ``PutCompositeAlarm`` creates or replaces an alarm whose state follows an ``AlarmRule``
    over other alarms (ARN ``arn:aws:cloudwatch:<region>:<account>:alarm:<name>``); a new
    one starts in INSUFFICIENT_DATA, an update keeps the state and replaces the whole
    configuration, and ``Tags`` count only at creation. Every alarm the rule names must exist
    ("Could not save the composite alarm as alarms [...] in the alarm rule do not exist").
    ``DescribeAlarms`` returns composite alarms (``CompositeAlarms``) only when
    ``AlarmTypes`` includes ``CompositeAlarm``, metric alarms only when it includes
    ``MetricAlarm`` or is omitted, and applies ``AlarmNames``/``AlarmNamePrefix``,
    ``StateValue`` and ``ActionPrefix`` together. ``DeleteAlarms`` deletes nothing while a
    composite alarm that stays names one of the alarms ("Cannot delete <names> as there are
    composite alarm(s) depending on it/them."); a deleted alarm's tags go with it. moto:
    ``PutCompositeAlarm`` is HTTP 500, so the provider cannot create one. Its model already
    keeps composite alarms (an ``Alarm`` with a ``rule``), but ``DescribeAlarms`` ignores
    ``AlarmTypes``, applies only its first filter and, filtering by ``StateValue``, never
    returns a composite alarm; ``DeleteAlarms`` keeps the deleted alarms' tags. Served for
    every protocol moto parses (boto3 speaks smithy-rpc-v2-cbor to CloudWatch, the Terraform
    provider 5.100.0 the query protocol). Still more lenient than AWS: the rule's grammar is
    not checked; ``DeleteAlarms`` accepts several composite alarms per call;
    ``ChildrenOfAlarmName``/``ParentsOfAlarmName``, ``MaxRecords`` and
    ``ActionConfiguration`` are ignored; ``StateTransitionedTimestamp`` and
    ``ActionsSuppressedBy`` are not reported.
(w) Alarms act (User Guide, "Using Amazon CloudWatch alarms"; API Reference, SetAlarmState;
    SNS Developer Guide, "Fanout to Lambda functions"). AWS: when an alarm whose actions are
    enabled changes state (by evaluation, or by ``SetAlarmState``), CloudWatch publishes a
    JSON notification (``AlarmName``, ``AlarmDescription``, ``AWSAccountId``,
    ``NewStateValue``, ``NewStateReason``, ``StateChangeTime``, ``Region`` as its long name,
    ``AlarmArn``, ``OldStateValue``, the three action lists; ``AlarmRule`` for a composite
    alarm) with the subject ``<STATE>: "<name>" in <Region>`` to each SNS topic among the
    actions of the new state. A composite alarm's state follows its rule whenever a child's
    state changes. SNS invokes a subscribed Lambda function with ``{"Records":
    [{"EventSource": "aws:sns", "Sns": {..., "TopicArn", "Subject", "Message"}}]}`` when the
    subscription's filter policy matches. moto: alarms never act, a composite alarm never
    follows its rule, and a Lambda subscription runs the function in Docker, which is not
    here, with a placeholder ``TopicArn``. Here the notification goes through moto's SNS
    (filter policies and SQS deliveries as usual), composite alarms naming a changed alarm
    are evaluated again, and what a Lambda subscription would be invoked with (real topic
    and subscription ARNs) is kept for the caller to run: :func:`lambda_deliveries` (the e2e
    drill runs the orchestrator with it). Still more lenient than AWS: metric alarms are
    never evaluated from their metrics (a test evaluates them and calls SetAlarmState);
    ``AT_LEAST`` rules and actions suppressors are not read; actions other than SNS topics
    do nothing; a new metric alarm starts in OK (AWS: INSUFFICIENT_DATA), so its first OK is
    no change.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult

from tools.emulator.patching import install


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_composite_alarms()
    _patch_alarm_actions()


def _alarm_rule_references(rule: str) -> list[str]:
    """The alarms that ``ALARM(...)``, ``OK(...)`` and ``INSUFFICIENT_DATA(...)`` in an alarm
    rule name (by name or ARN, optionally in double quotes), in order of appearance.

    ``AT_LEAST(M, STATE, (alarm, ...))`` lists are not read: their alarms are not checked.
    """
    import re

    return [
        (quoted or bare).strip()
        for quoted, bare in re.findall(
            r'\b(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"([^"]*)"|([^()"]+?))\s*\)', rule or ""
        )
    ]


def _patch_composite_alarms() -> None:
    """(i) ``PutCompositeAlarm``, and ``DescribeAlarms``/``DeleteAlarms`` that know them."""
    from moto.cloudwatch.exceptions import ValidationError as CloudWatchValidationError
    from moto.cloudwatch.models import Alarm, CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse

    original_delete = CloudWatchBackend.delete_alarms

    def find_alarm(backend: CloudWatchBackend, reference: str) -> Alarm | None:
        if reference.startswith("arn:"):
            return next(
                (alarm for alarm in backend.alarms.values() if alarm.alarm_arn == reference), None
            )
        return backend.alarms.get(reference)

    def put_composite_alarm(
        self: CloudWatchBackend,
        name: str,
        rule: str,
        description: str | None = None,
        actions_enabled: bool | None = None,
        alarm_actions: list[str] | None = None,
        ok_actions: list[str] | None = None,
        insufficient_data_actions: list[str] | None = None,
        tags: list[dict[str, str]] | None = None,
        actions_suppressor: str | None = None,
        actions_suppressor_wait_period: int | None = None,
        actions_suppressor_extension_period: int | None = None,
    ) -> Alarm:
        for key, value in (("alarmName", name), ("alarmRule", rule)):
            if not value:
                raise CloudWatchValidationError(
                    f"1 validation error detected: Value null at '{key}' failed to satisfy "
                    f"constraint: Member must not be null"
                )
        missing = [
            reference
            for reference in _alarm_rule_references(rule)
            if find_alarm(self, reference) is None
        ]
        if missing:
            raise CloudWatchValidationError(
                f"Could not save the composite alarm as alarms [{', '.join(missing)}] in the "
                f"alarm rule do not exist"
            )
        alarm = Alarm(
            account_id=self.account_id,
            region_name=self.region_name,
            name=name,
            namespace=None,
            metric_name=None,
            metric_data_queries=None,  # type: ignore[arg-type]
            comparison_operator=None,
            evaluation_periods=None,  # type: ignore[arg-type]
            datapoints_to_alarm=None,
            period=None,
            threshold=None,  # type: ignore[arg-type]
            statistic=None,
            extended_statistic=None,  # type: ignore[arg-type]
            description=description,
            dimensions=[],  # type: ignore[arg-type]
            alarm_actions=list(alarm_actions or []),
            ok_actions=list(ok_actions or []),
            insufficient_data_actions=list(insufficient_data_actions or []),
            unit=None,
            actions_enabled=True if actions_enabled is None else actions_enabled,
            treat_missing_data=None,
            evaluate_low_sample_count_percentile=None,
            threshold_metric_id=None,
            rule=rule,
        )
        alarm.actions_suppressor = actions_suppressor  # type: ignore[attr-defined]
        alarm.actions_suppressor_wait_period = (  # type: ignore[attr-defined]
            actions_suppressor_wait_period
        )
        alarm.actions_suppressor_extension_period = (  # type: ignore[attr-defined]
            actions_suppressor_extension_period
        )
        previous = self.alarms.get(name)
        if previous is not None and previous.rule is not None:
            # An update: the state (and its history) carries over, the configuration does not.
            for attribute in (
                "state_value",
                "state_reason",
                "state_reason_data",
                "state_updated_timestamp",
                "history",
            ):
                setattr(alarm, attribute, getattr(previous, attribute))
        else:
            alarm.state_value = "INSUFFICIENT_DATA"
            if tags:
                self.tagger.tag_resource(alarm.alarm_arn, tags)
        self.alarms[name] = alarm
        return alarm

    def delete_alarms(self: CloudWatchBackend, alarm_names: list[str]) -> None:
        doomed = {name: self.alarms[name] for name in alarm_names if name in self.alarms}
        depended_on = [
            name
            for name, alarm in doomed.items()
            if any(
                parent.rule is not None
                and parent.name not in doomed
                and {name, alarm.alarm_arn} & set(_alarm_rule_references(parent.rule))
                for parent in self.alarms.values()
            )
        ]
        if depended_on:
            raise CloudWatchValidationError(
                f"Cannot delete {','.join(depended_on)} as there are composite alarm(s) "
                f"depending on {'it' if len(depended_on) == 1 else 'them'}."
            )
        original_delete(self, alarm_names)
        for alarm in doomed.values():
            self.tagger.delete_all_tags_for_resource(alarm.alarm_arn)

    def put_composite_alarm_response(self: CloudWatchResponse) -> ActionResult:
        def optional_int(key: str) -> int | None:
            value = self._get_param(key)
            return None if value is None else int(value)

        self.cloudwatch_backend.put_composite_alarm(
            name=self._get_param("AlarmName"),
            rule=self._get_param("AlarmRule"),
            description=self._get_param("AlarmDescription"),
            actions_enabled=self._get_bool_param("ActionsEnabled"),
            alarm_actions=self._get_param("AlarmActions", []),
            ok_actions=self._get_param("OKActions", []),
            insufficient_data_actions=self._get_param("InsufficientDataActions", []),
            tags=self._get_param("Tags", []),
            actions_suppressor=self._get_param("ActionsSuppressor"),
            actions_suppressor_wait_period=optional_int("ActionsSuppressorWaitPeriod"),
            actions_suppressor_extension_period=optional_int("ActionsSuppressorExtensionPeriod"),
        )
        return EmptyResult()

    def describe_alarms_response(self: CloudWatchResponse) -> ActionResult:
        # moto's handler applies only the first filter given, splits by type whatever
        # AlarmTypes asks for, and loses the composite alarms when filtering by StateValue
        # (it reads a one-shot iterator twice): the alarms are selected here instead.
        types = self._get_param("AlarmTypes") or ["MetricAlarm"]
        names = self._get_param("AlarmNames") or []
        prefix = self._get_param("AlarmNamePrefix")
        state = self._get_param("StateValue")
        action_prefix = self._get_param("ActionPrefix")

        def wanted(alarm: Alarm) -> bool:
            return (
                (not names or alarm.name in names)
                and (not prefix or alarm.name.startswith(prefix))
                and (not state or alarm.state_value == state)
                and (
                    not action_prefix
                    or any(action.startswith(action_prefix) for action in alarm.alarm_actions or [])
                )
            )

        alarms = [alarm for alarm in self.cloudwatch_backend.alarms.values() if wanted(alarm)]
        return ActionResult(
            {
                "MetricAlarms": [alarm for alarm in alarms if alarm.rule is None]
                if "MetricAlarm" in types
                else [],
                "CompositeAlarms": [alarm for alarm in alarms if alarm.rule is not None]
                if "CompositeAlarm" in types
                else [],
            }
        )

    install(CloudWatchBackend, put_composite_alarm, delete_alarms)
    install(CloudWatchResponse, put_composite_alarm_response, describe_alarms_response)


# What SNS would have invoked Lambda functions with (w), for the caller to run.
_LAMBDA_DELIVERIES: list[dict[str, Any]] = []
_deliveries_lock = threading.Lock()


def lambda_deliveries(function_arn: str | None = None) -> list[dict[str, Any]]:
    """The SNS events delivered to ``function_arn`` (every function's when None) since the
    last call, oldest first, each ``{"function": arn, "event": {"Records": [...]}}``; the
    events returned are forgotten."""
    with _deliveries_lock:
        taken = [
            d for d in _LAMBDA_DELIVERIES if function_arn is None or d["function"] == function_arn
        ]
        _LAMBDA_DELIVERIES[:] = [d for d in _LAMBDA_DELIVERIES if d not in taken]
    return taken


def _region_description(region: str) -> str:
    """AWS's long name of a region ("US East (N. Virginia)"), as alarm notifications give it."""
    import botocore.session

    endpoints = botocore.session.get_session().get_data("endpoints")
    for partition in endpoints["partitions"]:
        if region in partition["regions"]:
            return partition["regions"][region].get("description", region)
    return region


def _evaluate_alarm_rule(rule: str, state_of: Any) -> bool | None:
    """The truth of a composite alarm's rule, ``state_of(reference)`` giving each named
    alarm's state; None when the rule uses what this evaluator does not read (``AT_LEAST``,
    an unknown alarm). Grammar (CloudWatch PutCompositeAlarm): ``ALARM(x)``, ``OK(x)``,
    ``INSUFFICIENT_DATA(x)``, ``TRUE``, ``FALSE``, ``NOT``, ``AND``, ``OR`` and parentheses,
    NOT binding tighter than AND, AND tighter than OR."""
    import re

    tokens = re.findall(
        r'(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"[^"]*"|[^()"]+?)\s*\)'
        r"|\bAT_LEAST\b|\bAND\b|\bOR\b|\bNOT\b|\bTRUE\b|\bFALSE\b|[()]",
        rule,
    )
    if "AT_LEAST" in tokens:
        return None
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def chain(keyword: str, operand: Callable[[], bool | None]) -> bool | None:
        """``operand (keyword operand)*`` for keyword AND or OR; None if an operand is."""
        value = operand()
        while peek() == keyword:
            take()
            right = operand()
            if value is None or right is None:
                value = None
            else:
                value = (value and right) if keyword == "AND" else (value or right)
        return value

    def either() -> bool | None:
        return chain("OR", both)

    def both() -> bool | None:
        return chain("AND", negation)

    def negation() -> bool | None:
        if peek() == "NOT":
            take()
            value = negation()
            return None if value is None else not value
        token = take() if peek() is not None else ")"
        if token == "(":
            value = either()
            if peek() == ")":
                take()
            return value
        if token in ("TRUE", "FALSE"):
            return token == "TRUE"
        match = re.fullmatch(
            r'(ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"([^"]*)"|([^()"]+?))\s*\)', token
        )
        if match is None:
            return None
        state = state_of((match.group(2) or match.group(3)).strip())
        return None if state is None else state == match.group(1)

    try:
        return either()
    except IndexError:
        return None


def _patch_alarm_actions() -> None:
    """(w) A state change notifies, moves composite alarms, and keeps Lambda deliveries."""
    from moto.cloudwatch.models import Alarm, cloudwatch_backends
    from moto.core.utils import iso_8601_datetime_with_milliseconds
    from moto.sns.models import Subscription, sns_backends

    original_update = Alarm.update_state
    original_publish = Subscription.publish

    def notify(alarm: Alarm, old_state: str) -> None:
        actions = {
            "ALARM": alarm.alarm_actions,
            "OK": alarm.ok_actions,
            "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
        }[alarm.state_value]
        if not alarm.actions_enabled or not actions:
            return
        region = _region_description(alarm.region_name)
        message = {
            "AlarmName": alarm.name,
            "AlarmDescription": alarm.description,
            "AWSAccountId": alarm.alarm_arn.split(":")[4],
            "AlarmConfigurationUpdatedTimestamp": iso_8601_datetime_with_milliseconds(
                alarm.configuration_updated_timestamp
            ),
            "NewStateValue": alarm.state_value,
            "NewStateReason": alarm.state_reason,
            "StateChangeTime": iso_8601_datetime_with_milliseconds(alarm.state_updated_timestamp),
            "Region": region,
            "AlarmArn": alarm.alarm_arn,
            "OldStateValue": old_state,
            "OKActions": list(alarm.ok_actions or []),
            "AlarmActions": list(alarm.alarm_actions or []),
            "InsufficientDataActions": list(alarm.insufficient_data_actions or []),
        }
        if alarm.rule is not None:
            message["AlarmRule"] = alarm.rule
        else:
            message["Trigger"] = {
                "MetricName": alarm.metric_name,
                "Namespace": alarm.namespace,
                "Statistic": (alarm.statistic or "").upper(),
                "Period": alarm.period,
                "EvaluationPeriods": alarm.evaluation_periods,
                "ComparisonOperator": alarm.comparison_operator,
                "Threshold": alarm.threshold,
                "TreatMissingData": alarm.treat_missing_data or "missing",
                "Dimensions": [{"name": d.name, "value": d.value} for d in alarm.dimensions or []],
            }
        subject = f'{alarm.state_value}: "{alarm.name}" in {region}'[:100]
        for action in actions:
            parts = action.split(":")
            if len(parts) < 6 or parts[2] != "sns":
                continue
            sns = sns_backends[parts[4]][parts[3]]
            if action in sns.topics:
                sns.publish(json.dumps(message), arn=action, subject=subject)

    def reevaluate_parents(alarm: Alarm) -> None:
        backend = cloudwatch_backends[alarm.alarm_arn.split(":")[4]][alarm.region_name]

        def state_of(reference: str) -> str | None:
            found = next(
                (a for a in backend.alarms.values() if reference in (a.name, a.alarm_arn)), None
            )
            return found.state_value if found is not None else None

        for parent in list(backend.alarms.values()):
            if parent.rule is None or not {alarm.name, alarm.alarm_arn} & set(
                _alarm_rule_references(parent.rule)
            ):
                continue
            truth = _evaluate_alarm_rule(parent.rule, state_of)
            if truth is None:
                continue
            state = "ALARM" if truth else "OK"
            if state != parent.state_value:
                parent.update_state(
                    f"{alarm.name} changed to {alarm.state_value}",
                    json.dumps({"triggeringAlarms": [alarm.alarm_arn]}),
                    state,
                )

    def update_state(self: Alarm, reason: str, reason_data: str, state_value: str) -> None:
        old_state = self.state_value
        original_update(self, reason, reason_data, state_value)
        if state_value != old_state:
            notify(self, old_state)
            reevaluate_parents(self)

    def publish(
        self: Subscription,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if self.protocol != "lambda":
            return original_publish(
                self,
                message,
                message_id,
                subject,
                message_attributes,
                group_id,
                deduplication_id,
                message_structure,
            )
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
            message_attributes, message
        ):
            return None
        from moto.core.utils import utcnow

        event = {
            "Records": [
                {
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": self.arn,
                    "EventSource": "aws:sns",
                    "Sns": {
                        "Type": "Notification",
                        "MessageId": message_id,
                        "TopicArn": self.topic.arn,
                        "Subject": subject,
                        "Message": message,
                        "Timestamp": iso_8601_datetime_with_milliseconds(utcnow()),
                        "MessageAttributes": message_attributes or {},
                    },
                }
            ]
        }
        with _deliveries_lock:
            _LAMBDA_DELIVERIES.append({"function": self.endpoint, "event": event})
        return None

    install(Alarm, update_state)
    install(Subscription, publish)
