"""The private zone, the writer and reader records, and the calculated health checks that
guard each writer record (children: alarms in CloudWatch, no endpoint probing)."""

from __future__ import annotations

from tools.e2e.context import Run


def verify(run: Run) -> None:
    c, o = run.config, run.outputs
    r53 = run.aws("route53")
    zone = r53.get_hosted_zone(Id=o["hosted_zone_id"])
    run.check(zone["HostedZone"]["Config"]["PrivateZone"], "the zone is private")
    regions = sorted(v["VPCRegion"] for v in zone["VPCs"])
    run.check(
        regions == sorted([c.primary_region, c.secondary_region]),
        f"the zone is associated with both VPCs, got {regions}",
    )
    records = r53.list_resource_record_sets(HostedZoneId=o["hosted_zone_id"])["ResourceRecordSets"]
    writer = {
        r.get("SetIdentifier"): r for r in records if r["Name"].rstrip(".") == o["writer_dns_name"]
    }
    if c.dns_routing == "global-endpoint":
        _verify_global_endpoint(run, writer)
    else:
        _verify_writer_records(run, writer)
    for role in ("primary", "secondary"):
        _verify_health_check(run, role)
    reader = [r for r in records if r["Name"].rstrip(".") == o["reader_dns_name"]]
    run.check(
        len(reader) == 1
        and reader[0]["ResourceRecords"][0]["Value"] == o["secondary_reader_endpoint"],
        "reader record points at the secondary reader endpoint",
    )


def _verify_global_endpoint(run: Run, writer: dict) -> None:
    o = run.outputs
    (global_cluster,) = run.aws("rds").describe_global_clusters(
        GlobalClusterIdentifier=o["global_cluster_id"]
    )["GlobalClusters"]
    run.check(
        o["global_writer_endpoint"] == global_cluster.get("Endpoint")
        and bool(o["global_writer_endpoint"]),
        f"the global_writer_endpoint output is the global database's, got "
        f"{o['global_writer_endpoint']!r}",
    )
    run.check(
        list(writer) == [None]
        and writer[None]["ResourceRecords"] == [{"Value": o["global_writer_endpoint"]}]
        and "HealthCheckId" not in writer[None],
        f"the writer name is one CNAME to the global writer endpoint, got {writer}",
    )


def _verify_writer_records(run: Run, writer: dict) -> None:
    c, o = run.config, run.outputs
    run.check(set(writer) == {"primary", "secondary"}, f"two writer records, got {set(writer)}")
    if c.dns_routing == "failover":
        routing = {role: r.get("Failover") for role, r in writer.items()}
        expected = {"primary": "PRIMARY", "secondary": "SECONDARY"}
    else:
        routing = {role: r.get("Weight") for role, r in writer.items()}
        expected = {"primary": 100, "secondary": 0}
    run.check(routing == expected, f"{c.dns_routing} writer records {expected}, got {routing}")
    for role in ("primary", "secondary"):
        run.check(
            writer[role]["ResourceRecords"][0]["Value"] == o[f"{role}_writer_endpoint"],
            f"the {role} writer record points at the {role} writer endpoint",
        )
        run.check(
            writer[role]["HealthCheckId"] == o[f"{role}_health_check_id"],
            f"the {role} record carries the {role} health check",
        )


def _verify_health_check(run: Run, role: str) -> None:
    """Connectivity AND writer in its own region; rds-replica: AND not fenced, an alarm in
    the other (surviving) region."""
    r53, region, failover = run.aws("route53"), run.region(role), role.upper()
    check = r53.get_health_check(HealthCheckId=run.outputs[f"{role}_health_check_id"])[
        "HealthCheck"
    ]
    config = check["HealthCheckConfig"]
    children = config.get("ChildHealthChecks") or []
    expected = {("ConnectivityOk", region), ("IsWriter", region)}
    if not run.aurora:
        expected.add(("Fenced", run.region("secondary" if role == "primary" else "primary")))
    run.check(
        config["Type"] == "CALCULATED"
        and len(children) == len(expected)
        and config.get("HealthThreshold") == len(expected),
        f"{failover} is guarded by a CALCULATED check needing all "
        f"{len(expected)} children, got {config}",
    )
    watched = set()
    for child_id in children:
        watched |= _verify_child(run, failover, child_id)
    run.check(watched == expected, f"{failover} health = {sorted(expected)}, got {sorted(watched)}")


def _verify_child(run: Run, failover: str, child_id: str) -> set[tuple[str, str]]:
    """Check one alarm-based child; return the (metric, region) pairs it watches."""
    child = run.aws("route53").get_health_check(HealthCheckId=child_id)["HealthCheck"][
        "HealthCheckConfig"
    ]
    identifier = child.get("AlarmIdentifier") or {}
    alarm_region = identifier.get("Region")
    role = "primary" if alarm_region == run.config.primary_region else "secondary"
    alarms = run.aws("cloudwatch", role).describe_alarms(AlarmNames=[identifier.get("Name", "?")])[
        "MetricAlarms"
    ]
    fence = any(a["MetricName"] == "Fenced" for a in alarms)
    run.check(
        child["Type"] == "CLOUDWATCH_METRIC"
        and child.get("InsufficientDataHealthStatus")
        == ("LastKnownStatus" if fence else "Unhealthy"),
        f"{failover} child is alarm-based, no data "
        f"{'keeps the fence' if fence else 'is unhealthy'}, got {child}",
    )
    return {(a["MetricName"], alarm_region) for a in alarms}
