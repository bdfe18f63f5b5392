"""Each region's alarms and their encrypted topic, and the deployed functions' settings."""

from __future__ import annotations

from tools.e2e.context import Run


def verify_alarms(run: Run, role: str) -> None:
    region = run.region(role)
    topic = run.outputs[f"{role}_alerts_topic_arn"]
    run.check(topic.split(":")[3] == region, f"{role} topic lives in {region}")
    attributes = run.aws("sns", role).get_topic_attributes(TopicArn=topic)["Attributes"]
    run.check(bool(attributes.get("KmsMasterKeyId")), f"{role} topic is KMS-encrypted")
    answer = run.aws("cloudwatch", role).describe_alarms(
        AlarmNamePrefix=f"{run.config.project_name}-", AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    )
    alarms = answer["MetricAlarms"] + answer.get("CompositeAlarms", [])
    expected = expected_alarm_count(run, role)
    run.check(len(alarms) == expected, f"{expected} alarms in {region}, got {len(alarms)}")
    for alarm in alarms:
        run.check(
            alarm["AlarmActions"] == [topic],
            f"alarm {alarm['AlarmName']} notifies the {role} topic",
        )


def expected_alarm_count(run: Run, role: str) -> int:
    """Capacity (4 where instances exist), writer health or replication (Aurora: lag and
    RPO lag; RDS: ReplicaLag), canary (connectivity, is-writer, canary-error,
    connectivity-fast, and peer-down with peering), in the primary the primary-down
    composite the orchestrator listens to, and in rds-replica mode the other region's
    fence; with the application tier, the global table's replication latency in each region,
    in the primary the event endpoint's latency alarm its health check reads, and in the
    region that is us-east-1 (if either is) an alarm on each API and edge health check (two
    of each: Route 53 publishes their status only there)."""
    from constructs_lib.monitoring.health_check_alarms import ROUTE53_METRICS_REGION

    instances = not run.aurora or run.config.secondary_instance_count
    canary = 4 + (1 if run.config.vpc_peering else 0)
    fence = 0 if run.aurora else 1
    tier = 0
    if run.config.app_tier:
        tier = (2 if role == "primary" else 1) + (
            4 if run.region(role) == ROUTE53_METRICS_REGION else 0
        )
    if role == "primary":
        return 4 + 1 + canary + 1 + fence + tier
    return (4 if instances else 0) + (2 if run.aurora else 1) + canary + fence + tier


def verify_functions(run: Run) -> None:
    for role in ("primary", "secondary"):
        lam = run.aws("lambda", role)
        canary = lam.get_function_configuration(FunctionName=run.outputs[f"{role}_canary_function"])
        subnets = canary.get("VpcConfig", {}).get("SubnetIds", [])
        run.check(
            canary["Handler"] == "dr_lambdas.canary.handler.lambda_handler"
            and len(subnets) == run.config.az_count,
            f"{role} canary runs in the private subnets",
        )
        orchestrator = lam.get_function_configuration(
            FunctionName=run.outputs[f"{role}_orchestrator_function"]
        )
        env = orchestrator["Environment"]["Variables"]
        region = run.region(role)
        run.check(
            env["HOME_REGION"] == region and orchestrator["Timeout"] == 300,
            f"{role} orchestrator promotes {region} within 300 s",
        )
