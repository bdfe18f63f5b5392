"""What the drill needs that moto does not do: run the deployed functions' code (moto runs
function code only in Docker), publish the replication lag RDS would, evaluate alarms as
CloudWatch would, and read what SNS delivered to the orchestrators and to people."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from dr_lambdas.contract import EMULATOR_CREDENTIALS, CanaryEnv
from tools.e2e.context import Run
from tools.e2e.output import detail
from tools.emulator import lambda_deliveries
from tools.pg_cluster import PgCluster

TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": EMULATOR_CREDENTIALS["access_key"],
    "AWS_SECRET_ACCESS_KEY": EMULATOR_CREDENTIALS["secret_key"],
}
# The clock alarm periods are aligned to (tests give a fixed one).
_clock = time.time


@contextmanager
def environment(values: dict[str, str], *, clear: bool = False) -> Iterator[None]:
    """The process environment with ``values`` added (``clear``: ``values`` only), for code
    that reads its own; restored afterwards."""
    saved = dict(os.environ)
    if clear:
        os.environ.clear()
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def function_environment(run: Run, role: str, output: str) -> dict[str, str]:
    """The environment the deployment gave a function (an output names the function)."""
    return run.aws("lambda", role).get_function_configuration(FunctionName=run.outputs[output])[
        "Environment"
    ]["Variables"]


def invoke_orchestrator(run: Run, role: str, event: dict) -> dict:
    """Run the deployed orchestrator's handler in this process, with the environment the
    deployment gave the function. Every AWS call it makes is recorded in
    ``run.orchestrator_calls``."""
    from dr_lambdas.orchestrator import handler
    from dr_lambdas.orchestrator.config import OrchestratorConfig

    env = function_environment(run, role, f"{role}_orchestrator_function")
    with environment({**env, "AWS_ENDPOINT_URL": run.emulator.endpoint, **TEST_CREDENTIALS}):
        clients = handler.aws_clients()

        def recorded(service: str, region: str) -> Any:
            client = clients(service, region)
            if not getattr(client, "_e2e_recorded", False):
                client.meta.events.register(
                    "before-call",
                    lambda model, **_: run.orchestrator_calls.append(f"{service}:{model.name}"),
                )
                client._e2e_recorded = True
            return client

        answer = handler.run(event, OrchestratorConfig.from_env(os.environ), clients=recorded)
    said = (
        f"SNS alarm {json.loads(event['Records'][0]['Sns']['Message'])['AlarmName']}"
        if "Records" in event
        else json.dumps(event)
    )
    detail(
        f"    orchestrator ({role}) {said} -> {answer['status']}: "
        f"{answer.get('decision')} ({answer.get('reason')})"
    )
    return answer


def lag_reports(run: Run, seconds: float) -> None:
    """The replication lag RDS would publish for the secondary (moto publishes none):
    ``AuroraGlobalDBReplicationLag`` in ms, or the RDS replica's ``ReplicaLag`` in seconds."""
    metric, value, unit = (
        ("AuroraGlobalDBReplicationLag", seconds * 1000, "Milliseconds")
        if run.aurora
        else ("ReplicaLag", seconds, "Seconds")
    )
    run.aws("cloudwatch", "secondary").put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": metric,
                "Value": value,
                "Unit": unit,
                "Dimensions": [{"Name": run.dimension, "Value": run.member_id("secondary")}],
            }
        ],
    )


def run_canary(
    run: Run,
    role: str,
    databases: PgCluster,
    *,
    loop: bool = False,
    override: dict[str, str] | None = None,
) -> dict:
    """The deployed canary's handler, run in this process with the environment the
    deployment gave the function. With ``loop`` it runs as deployed, probing every
    ``PROBE_INTERVAL_SECONDS`` through its minute (about 50 s); otherwise it probes once
    (``PROBE_INTERVAL_SECONDS=60``), which is all a step that only needs the latest word
    takes. Only where it connects changes: each region's database is a real PostgreSQL on
    loopback (the primary on 127.0.0.1, its streaming replica on 127.0.0.2, one port, TLS
    verified against the drill's CA), since moto's endpoint names are not real hosts."""
    from dr_lambdas.canary import handler as canary

    region = run.region(role)
    env = _canary_environment(run, role, databases, loop=loop)
    env.update(override or {})
    env.update(
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
        AWS_ENDPOINT_URL=run.emulator.endpoint,
        **TEST_CREDENTIALS,
    )
    canary._CLIENTS.clear()  # its clients are per process: built again for this region
    try:
        with environment(env):
            answer = canary.lambda_handler({}, None)
    finally:
        canary._CLIENTS.clear()
    peer = (answer.get("peer") or {}).get("metrics")
    detail(
        f"    canary ({role}, {answer['probes']} probe(s) {answer['interval_seconds']} s "
        f"apart) -> {answer['metrics']}"
        + (f", peer {peer}" if peer else "")
        + (f" [{answer['error_kind']}]" if answer["error_kind"] else "")
    )
    return answer


def _canary_environment(run: Run, role: str, databases: PgCluster, *, loop: bool) -> dict[str, str]:
    """The deployed environment, pointed at the loopback databases."""
    env = function_environment(run, role, f"{role}_canary_function")
    hosts = {"primary": databases.primary.host, "secondary": databases.replica.host}
    other = "secondary" if role == "primary" else "primary"
    env[CanaryEnv.DB_HOST] = hosts[role]
    env[CanaryEnv.DB_PORT] = str(databases.primary.port)
    env[CanaryEnv.CA_BUNDLE] = databases.ca_file
    if CanaryEnv.DB_READER_HOST in env:
        env[CanaryEnv.DB_READER_HOST] = hosts[role]
    if CanaryEnv.PEER_DB_HOST in env:
        env[CanaryEnv.PEER_DB_HOST] = env[CanaryEnv.PEER_DB_READER_HOST] = hosts[other]
    if not loop:
        env[CanaryEnv.PROBE_INTERVAL] = "60"
    return env


COMPARE = {
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
}


def evaluate_alarm(run: Run, role: str, name: str) -> str:
    """CloudWatch's evaluation of a deployed metric alarm over what was published, which moto
    does not do: the alarm's statistic in each of its last ``EvaluationPeriods`` periods
    (aligned to the clock, as CloudWatch aligns them; the period in progress counts once it
    has data), missing periods treated as its ``TreatMissingData`` says, ALARM when
    ``DatapointsToAlarm`` of them breach. The state is then set with SetAlarmState, and the
    emulator acts on the change as CloudWatch does (tools/emulator/cloudwatch.py, patch w:
    notification to the alarm's topics, composite alarms, SNS subscriptions). Returns the
    state."""
    cloudwatch = run.aws("cloudwatch", role)
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    period, periods = alarm["Period"], alarm["EvaluationPeriods"]
    values = _period_values(cloudwatch, alarm)
    breaching = sum(COMPARE[alarm["ComparisonOperator"]](v, alarm["Threshold"]) for v in values)
    treat = alarm.get("TreatMissingData", "missing")
    if treat == "breaching":
        breaching += periods - len(values)
    state = _alarm_state(alarm, values, breaching, treat)
    cloudwatch.set_alarm_state(
        AlarmName=name,
        StateValue=state,
        StateReason=f"{breaching} of {periods} periods of {period} s breaching "
        f"({len(values)} datapoints {values}, missing data {treat})",
    )
    detail(f"    alarm {name} ({role}): {state} from {values} over {periods} x {period} s")
    return state


def _period_values(cloudwatch: Any, alarm: dict) -> list[float]:
    """The alarm's statistic in each of its last periods that has data, oldest first."""
    period, periods = alarm["Period"], alarm["EvaluationPeriods"]
    current = int(_clock()) // period
    found = {b: _statistic_in(cloudwatch, alarm, b) for b in range(current - periods, current + 1)}
    last = current if found[current] is not None else current - 1  # a period with no data yet
    return [found[b] for b in range(last - periods + 1, last + 1) if found[b] is not None]


def _statistic_in(cloudwatch: Any, alarm: dict, number: int) -> float | None:
    """The alarm's statistic over the clock-aligned period ``number``, None without data.
    One query per period: moto groups a query's points into periods that start at its
    first point, not at the clock, which can move a point published just after a period
    began into the period before."""
    period, statistic = alarm["Period"], alarm["Statistic"]
    start = datetime.fromtimestamp(number * period, UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace=alarm["Namespace"],
        MetricName=alarm["MetricName"],
        Dimensions=alarm["Dimensions"],
        StartTime=start,
        EndTime=start + timedelta(seconds=period),
        Period=period,
        Statistics=[statistic],
    )["Datapoints"]
    return points[0][statistic] if points else None


def _alarm_state(alarm: dict, values: list[float], breaching: int, treat: str) -> str:
    if breaching >= (alarm.get("DatapointsToAlarm") or alarm["EvaluationPeriods"]):
        return "ALARM"
    if not values and treat == "missing":
        return "INSUFFICIENT_DATA"
    if not values and treat == "ignore":
        return alarm["StateValue"]  # kept
    return "OK"


def deliveries(run: Run, role: str) -> dict[str, dict]:
    """What SNS handed the role's orchestrator since the last look (the emulator keeps it:
    moto runs function code only in Docker), by the alarm named in each message."""
    arn = run.aws("lambda", role).get_function_configuration(
        FunctionName=run.outputs[f"{role}_orchestrator_function"]
    )["FunctionArn"]
    return {
        json.loads(d["event"]["Records"][0]["Sns"]["Message"])["AlarmName"]: d["event"]
        for d in lambda_deliveries(arn)
    }


def inboxes(run: Run) -> dict[str, str]:
    """An SQS queue subscribed to each region's alert topic: what people are told."""
    urls = {}
    for role in ("primary", "secondary"):
        sqs = run.aws("sqs", role)
        url = sqs.create_queue(
            QueueName=f"{run.config.project_name}-drill-inbox-{run.config.environment_suffix}"
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        run.aws("sns", role).subscribe(
            TopicArn=run.outputs[f"{role}_alerts_topic_arn"], Protocol="sqs", Endpoint=arn
        )
        urls[role] = url
    return urls


def told(run: Run, urls: dict[str, str]) -> dict[str, list[dict]]:
    """The orchestrator's messages each topic delivered since the last look."""
    return {role: _orchestrator_messages(run, role, url) for role, url in urls.items()}


def _orchestrator_messages(run: Run, role: str, url: str) -> list[dict]:
    sqs, messages = run.aws("sqs", role), []
    for _ in range(20):  # bounded: a drill sends a handful of messages
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            break
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            try:
                said = json.loads(json.loads(message["Body"])["Message"])
            except (ValueError, KeyError, TypeError):
                continue  # not JSON
            if isinstance(said, dict) and "phase" in said:
                messages.append(said)  # the orchestrator's, not an alarm notification
    return messages


def remove_inboxes(run: Run, urls: dict[str, str]) -> None:
    for role, url in urls.items():
        sns = run.aws("sns", role)
        for subscription in sns.list_subscriptions_by_topic(
            TopicArn=run.outputs[f"{role}_alerts_topic_arn"]
        )["Subscriptions"]:
            if subscription["Protocol"] == "sqs":
                sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
        run.aws("sqs", role).delete_queue(QueueUrl=url)
