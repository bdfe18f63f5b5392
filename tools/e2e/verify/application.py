"""The application tier (``app_tier``), read back through the AWS API, and its functions run
in this process with the environment the deployment gave them: the accelerator with its
listener and an endpoint group per region holding that region's NLB, the health checks on
the real names (each API's invoke host, each NLB's DNS name), the global table and its
replica, the event buses and the global endpoint, the replicated configuration after a
change, and each region's service answering its health route and reading back in one region
an item written in the other."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from dr_lambdas.contract import ROLES
from tools.e2e.context import Run
from tools.e2e.harness import TEST_CREDENTIALS, environment, function_environment
from tools.e2e.output import detail

# Global Accelerator's API is served from us-west-2 only (its endpoint for every client).
ACCELERATOR_API_REGION = "us-west-2"


def verify(run: Run) -> None:
    if not run.config.app_tier:
        return
    nlbs = _verify_edges(run)
    _verify_accelerator(run, nlbs)
    _verify_health_checks(run, nlbs)
    if run.config.app_domain_name:
        _verify_domains(run)
    _verify_global_table(run)
    _verify_events(run)
    _verify_configuration(run)
    _verify_services(run)


def _name(run: Run, role_name: str, role: str | None = None) -> str:
    return run.config.namer.name(role_name, run.region(role) if role else None)


def _verify_edges(run: Run) -> dict[str, dict]:
    """Each region's internet-facing NLB with its TCP listener; returns them by role."""
    nlbs = {}
    for role in ROLES:
        elb = run.aws("elbv2", role)
        (nlb,) = elb.describe_load_balancers(Names=[_name(run, "nlb", role)])["LoadBalancers"]
        run.check(
            nlb["Scheme"] == "internet-facing" and nlb["Type"] == "network",
            f"the {role} NLB is internet-facing, got {nlb['Scheme']} {nlb['Type']}",
        )
        listeners = elb.describe_listeners(LoadBalancerArn=nlb["LoadBalancerArn"])["Listeners"]
        run.check(
            [(x["Protocol"], x["Port"]) for x in listeners] == [("TCP", 443)],
            f"the {role} NLB listens TCP 443, got {listeners}",
        )
        nlbs[role] = nlb
    return nlbs


def _verify_accelerator(run: Run, nlbs: dict[str, dict]) -> None:
    ga = run.emulator.client("globalaccelerator", ACCELERATOR_API_REGION)
    found = [
        a for a in ga.list_accelerators()["Accelerators"] if a["Name"] == _name(run, "accelerator")
    ]
    run.check(len(found) == 1, f"one accelerator {_name(run, 'accelerator')}, got {found}")
    if not found:
        return
    (accelerator,) = found
    addresses = [ip for s in accelerator["IpSets"] for ip in s["IpAddresses"]]
    run.check(
        accelerator["Enabled"] and len(addresses) == 2,
        f"the accelerator is enabled with two static IPs, got {addresses}",
    )
    listeners = ga.list_listeners(AcceleratorArn=accelerator["AcceleratorArn"])["Listeners"]
    run.check(
        [(x["Protocol"], x["PortRanges"]) for x in listeners]
        == [("TCP", [{"FromPort": 443, "ToPort": 443}])],
        f"the accelerator listens TCP 443, got {listeners}",
    )
    if len(listeners) != 1:
        return
    groups = ga.list_endpoint_groups(ListenerArn=listeners[0]["ListenerArn"])["EndpointGroups"]
    by_region = {g["EndpointGroupRegion"]: g for g in groups}
    for role in ROLES:
        group = by_region.get(run.region(role), {})
        endpoints = [e["EndpointId"] for e in group.get("EndpointDescriptions", [])]
        run.check(
            endpoints == [nlbs[role]["LoadBalancerArn"]],
            f"the {run.region(role)} endpoint group holds the {role} NLB, got {endpoints}",
        )
    run.check(len(groups) == 2, f"two endpoint groups, got {len(groups)}")
    run.outputs.setdefault("app_accelerator_ips", addresses)


def _verify_health_checks(run: Run, nlbs: dict[str, dict]) -> None:
    checks = run.aws("route53").list_health_checks()["HealthChecks"]
    by_host = {c["HealthCheckConfig"].get("FullyQualifiedDomainName"): c for c in checks}
    for role in ROLES:
        apigateway = run.aws("apigateway", role)
        apis = [
            a for a in apigateway.get_rest_apis()["items"] if a["name"] == _name(run, "api", role)
        ]
        run.check(len(apis) == 1, f"one {role} API {_name(run, 'api', role)}")
        if apis:
            host = f"{apis[0]['id']}.execute-api.{run.region(role)}.amazonaws.com"
            config = by_host.get(host, {}).get("HealthCheckConfig", {})
            run.check(
                config.get("Type") == "HTTPS" and config.get("ResourcePath") == "/live/health",
                f"an HTTPS health check reads {host}/live/health, got {config}",
            )
        host = nlbs[role]["DNSName"]
        config = by_host.get(host, {}).get("HealthCheckConfig", {})
        run.check(
            config.get("ResourcePath") == "/health" and config.get("Port") == 443,
            f"a health check reads the {role} NLB {host}:443/health, got {config}",
        )


def _verify_domains(run: Run) -> None:
    """Each region's certificate (issued, covering its own, the shared and the application's
    name), its two custom domains on it, and the shared name's failover records."""
    from constructs_lib.naming import region_code

    domain, zone = run.config.app_domain_name, run.config.app_public_zone_id
    shared = f"api.{domain}"
    for role in ROLES:
        own = f"api-{region_code(run.region(role))}.{domain}"
        acm = run.aws("acm", role)
        arns = [
            c["CertificateArn"]
            for c in acm.list_certificates()["CertificateSummaryList"]
            if c["DomainName"] == own
        ]
        run.check(len(arns) == 1, f"one {role} certificate for {own}, got {arns}")
        if not arns:
            continue
        certificate = acm.describe_certificate(CertificateArn=arns[0])["Certificate"]
        run.check(
            certificate["Status"] == "ISSUED"
            and set(certificate["SubjectAlternativeNames"]) >= {own, shared, domain},
            f"the {role} certificate is issued for {own}, {shared} and {domain}, got "
            f"{certificate['Status']} {certificate['SubjectAlternativeNames']}",
        )
        names = {
            d["domainName"]: d.get("regionalCertificateArn")
            for d in run.aws("apigateway", role).get_domain_names()["items"]
        }
        run.check(
            names == {own: arns[0], shared: arns[0]},
            f"the {role} API answers {own} and {shared} on its certificate, got {names}",
        )
    records = run.aws("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    failover = {
        r.get("Failover"): r
        for r in records
        if r["Name"].rstrip(".") == shared and r["Type"] == "A"
    }
    run.check(
        set(failover) == {"PRIMARY", "SECONDARY"}
        and all(r.get("HealthCheckId") and r.get("AliasTarget") for r in failover.values()),
        f"{shared} has PRIMARY and SECONDARY alias records behind health checks, got "
        f"{list(failover)}",
    )


def _verify_global_table(run: Run) -> None:
    name = run.outputs["app_table_name"]
    table = run.aws("dynamodb").describe_table(TableName=name)["Table"]
    replicas = {r["RegionName"]: r.get("ReplicaStatus") for r in table.get("Replicas", [])}
    run.check(
        replicas.get(run.config.secondary_region) == "ACTIVE",
        f"the global table has an active replica in {run.config.secondary_region}, got {replicas}",
    )
    replica = run.aws("dynamodb", "secondary").describe_table(TableName=name)["Table"]
    key = replica.get("SSEDescription", {}).get("KMSMasterKeyArn")
    run.check(
        key == run.outputs["secondary_kms_key_arn"],
        f"the replica is encrypted with the secondary key, got {key}",
    )


def _verify_events(run: Run) -> None:
    bus = run.outputs["app_events_bus_name"]
    for role in ROLES:
        names = [b["Name"] for b in run.aws("events", role).list_event_buses()["EventBuses"]]
        run.check(bus in names, f"the {role} region has the event bus {bus}, got {names}")
    endpoint = run.aws("events").describe_endpoint(Name=_name(run, "events-endpoint"))
    failover = endpoint["RoutingConfig"]["FailoverConfig"]
    run.check(
        endpoint["State"] == "ACTIVE"
        and failover["Secondary"]["Route"] == run.config.secondary_region
        and endpoint["ReplicationConfig"]["State"] == "ENABLED",
        f"the global endpoint is active, fails over to {run.config.secondary_region} and "
        f"replicates, got {endpoint['State']} {failover} {endpoint['ReplicationConfig']}",
    )


def _verify_configuration(run: Run) -> None:
    """A change in the primary reaches the secondary through the deployed replicator."""
    path = run.outputs["app_configuration_path"]
    name = f"{path}/flags/e2e-{uuid.uuid4().hex[:8]}"
    primary, secondary = run.aws("ssm"), run.aws("ssm", "secondary")
    primary.put_parameter(
        Name=name, Value="on", Type="SecureString", KeyId=run.outputs["primary_kms_key_arn"]
    )
    # What EventBridge hands the replicator for that change (Systems Manager user guide,
    # Parameter Store events).
    change = {
        "source": "aws.ssm",
        "detail-type": "Parameter Store Change",
        "region": run.config.primary_region,
        "detail": {"name": name, "operation": "Create", "type": "SecureString"},
    }
    replicator = _name(run, "config-replicator", "primary")
    _invoke(run, "primary", replicator, change)
    copy = secondary.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    described = secondary.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])[
        "Parameters"
    ]
    run.check(
        copy["Value"] == "on" and described[0].get("KeyId") == run.outputs["secondary_kms_key_arn"],
        f"the change reached {run.config.secondary_region} under its key, got {copy} {described}",
    )
    primary.delete_parameter(Name=name)
    _invoke(
        run,
        "primary",
        replicator,
        {**change, "detail": {**change["detail"], "operation": "Delete"}},
    )
    left = secondary.get_parameters(Names=[name])["Parameters"]
    run.check(not left, f"a deletion reaches {run.config.secondary_region} too, got {left}")


def _verify_services(run: Run) -> None:
    """Each region's service is healthy, and an item written in one region is read back in
    the other (the global table replicates it)."""
    for role in ROLES:
        answer = _service(run, role, {"httpMethod": "GET", "path": "/health"})
        run.check(
            answer["statusCode"] == 200,
            f"the {role} service is healthy, got {answer['statusCode']} {answer['body']}",
        )
    item = f"e2e-{uuid.uuid4().hex[:8]}"
    put = {"httpMethod": "PUT", "path": f"/items/{item}", "body": json.dumps({"value": "x"})}
    written = _service(run, "primary", put)
    read = _service(run, "secondary", {"httpMethod": "GET", "path": f"/items/{item}"})
    body = json.loads(read["body"])
    run.check(
        written["statusCode"] == 200
        and read["statusCode"] == 200
        and body.get("written_in") == run.config.primary_region
        and body.get("served_by") == run.config.secondary_region,
        f"an item written in {run.config.primary_region} is read in "
        f"{run.config.secondary_region}, got {read}",
    )
    detail(f"    service: item {item} written in the primary, read back in the secondary")


def _service(run: Run, role: str, event: dict) -> dict:
    """The deployed service's handler in this process, as its region's function runs it."""
    from dr_lambdas.app_service import handler

    env = function_environment(run, role, f"{role}_service_function")
    region = run.region(role)
    extra = {"AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    with environment(
        {**env, **extra, "AWS_ENDPOINT_URL": run.emulator.endpoint, **TEST_CREDENTIALS}
    ):
        handler._CLIENTS.clear()
        try:
            return handler.lambda_handler(event, None, dict(os.environ))
        finally:
            handler._CLIENTS.clear()


def _invoke(run: Run, role: str, function: str, event: dict) -> Any:
    """Invoke a deployed function through the Lambda API (the emulator runs it)."""
    answer = run.aws("lambda", role).invoke(FunctionName=function, Payload=json.dumps(event))
    payload = json.loads(answer["Payload"].read() or "null")
    run.check("FunctionError" not in answer, f"{function} answered {payload}")
    return payload
