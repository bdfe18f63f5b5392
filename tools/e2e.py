"""Deploy, verify, fail over and destroy the whole stack against a local AWS emulator.

    ./run e2e                      # defaults: us-east-1 -> us-west-2, suffix "e2e"
    ENVIRONMENT_SUFFIX=e2eb DR_PRIMARY_REGION=us-east-1 DR_SECONDARY_REGION=eu-west-1 ./run e2e

Phases: start the emulator (moto server on 127.0.0.1, with the fixes in
``tools/emulator.py``), synthesize the app through its real entry point with the emulator
setting, create the stack's inputs (the master credentials secret), ``terraform init`` from
the offline provider mirror and ``apply``, verify the result through the AWS API with boto3,
write ``cfn-outputs/flat-outputs.json`` and run ``tests/integration`` against it, fail the
database over to the secondary region through the deployed orchestrator and check that a new
plan replaces nothing, ``destroy``, and verify through the API that nothing the stack
created is left. ``DR_DATABASE_MODE=rds-replica ./run e2e`` runs the same phases for the
RDS primary + cross-region read replica mode.

Every phase prints what it does; a summary table of durations and counts closes the run.
A failed phase is named and makes the exit code 1. The emulator always stops.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from constructs_lib.config import ConfigError, DrConfig, load_config, read_context  # noqa: E402
from tools import checkov_gate, plan_review, teardown, terraform  # noqa: E402
from dr_lambdas.contract import CLUSTER_DIMENSION, INSTANCE_DIMENSION, STACK_ID  # noqa: E402
from tools.emulator import Emulator, lambda_deliveries  # noqa: E402
from tools.pg_cluster import PgCluster  # noqa: E402
from tools.teardown import region_of  # noqa: E402

DEFAULT_SUFFIX = "e2e"
NEW_ACCOUNT_CONCURRENCY = 10
# The secondary region's stand-in database listens here (the primary's on 127.0.0.1).
SECOND_REGION_HOST = "127.0.0.2"
REQUIRED_TAGS = ("Environment", "Project", "CostCenter", "DisasterRecovery")


class CheckFailed(AssertionError):
    """A verification found the deployment different from what the stack declares."""


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    count: str = ""
    ok: bool = False


@dataclass
class Run:
    config: DrConfig
    workdir: Path
    emulator: Emulator
    phases: list[Phase] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    applied: list[dict] = field(default_factory=list)  # state resources after apply
    checks: int = 0
    failures: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # resource address -> provider alias
    password: str = ""  # the master password the e2e created ("" when the stack generates it)
    orchestrator_calls: list[str] = field(default_factory=list)  # "service:Operation"

    @property
    def aurora(self) -> bool:
        return self.config.database_mode == "aurora-global"

    def member_id(self, role: str) -> str:
        """The identifier of a region's database (an Aurora cluster or an RDS instance)."""
        return self.outputs[f"{role}_{'cluster' if self.aurora else 'instance'}_id"]

    @property
    def dimension(self) -> str:
        return CLUSTER_DIMENSION if self.aurora else INSTANCE_DIMENSION

    @property
    def stack_dir(self) -> Path:
        return self.workdir / "cdktf.out" / "stacks" / STACK_ID

    def aws(self, service: str, role: str = "primary"):
        region = self.config.primary_region if role == "primary" else self.config.secondary_region
        return self.emulator.client(service, region)

    def check(self, condition: bool, what: str) -> None:
        """Record one verification; a phase fails after it has run all of its checks."""
        if condition:
            self.checks += 1
        else:
            self.failures.append(what)
            print(f"    CHECK FAILED: {what}", flush=True)

    def tf(self, *args: str, show_progress: bool = False) -> subprocess.CompletedProcess:
        return terraform.run(self.stack_dir, *args,
                             progress=_progress_printer() if show_progress else None)


def _progress_printer() -> Callable[[str], None]:
    """Print one line per finished resource (Terraform's own progress is one per 10 s)."""
    done = 0

    def show(line: str) -> None:
        nonlocal done
        finished = "Creation complete after" in line or "Destruction complete after" in line
        if finished or line.startswith("Error"):
            done += finished
            print(f"    [{done:3d}] {line.strip()}", flush=True)
    return show


def phase(run: Run, name: str, action: Callable[[], str]) -> None:
    print(f"\n==> {name}", flush=True)
    record = Phase(name)
    run.phases.append(record)
    start = time.perf_counter()
    failures_before = len(run.failures)
    try:
        record.count = action() or ""
        failed = run.failures[failures_before:]
        if failed:
            raise CheckFailed(f"{len(failed)} check(s) failed: " + "; ".join(failed))
        record.ok = True
    finally:
        record.seconds = time.perf_counter() - start
        status = "ok" if record.ok else "FAILED"
        print(f"    {status} in {record.seconds:.1f} s {('- ' + record.count) if record.count else ''}",
              flush=True)


# Phases ---------------------------------------------------------------------------------

def synthesize(run: Run) -> str:
    env = {k: v for k, v in os.environ.items()}
    env.update(ENVIRONMENT_SUFFIX=run.config.environment_suffix,
               DR_EMULATOR_ENDPOINT=run.emulator.endpoint,
               CDKTF_OUTDIR=str(run.workdir / "cdktf.out"),
               JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    result = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=run.workdir, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"synth failed:\n{result.stdout}\n{result.stderr}")
    print("    " + result.stdout.strip().splitlines()[-1])
    doc = json.loads((run.stack_dir / "cdk.tf.json").read_text())
    return f"{sum(len(v) for v in doc['resource'].values())} resources declared"


def create_inputs(run: Run) -> str:
    """The stack references an existing secret; a real account has it, the emulator not.
    With generate_master_secret the stack creates it itself: nothing to do."""
    if run.config.generate_master_secret:
        return "none: the stack creates the secret and generates the password"
    password = secrets.token_urlsafe(24)
    value = json.dumps({"username": run.config.master_username, "password": password})
    # The secret lives in the primary region with a replica in the secondary (what the
    # secondary's canary reads when the primary region is gone); the plan checks both.
    run.aws("secretsmanager").create_secret(
        Name=run.config.master_secret, SecretString=value,
        AddReplicaRegions=[{"Region": run.config.secondary_region}])
    run.password = password  # kept only to prove later that it never reached the state
    return "1 secret and its replica"


def plan_and_scan(run: Run) -> str:
    """The plan a reviewer would see, scanned by checkov like the synthesized JSON."""
    print("    terraform init (offline provider mirror)", flush=True)
    run.tf("init", "-input=false")
    print("    terraform plan", flush=True)
    run.tf("plan", "-input=false", "-out=apply.tfplan")
    plan_json = run.stack_dir / "plan.json"
    plan_json.write_text(run.tf("show", "-json", "apply.tfplan").stdout)
    planned = [r for r in json.loads(plan_json.read_text())["resource_changes"]
               if r["change"]["actions"] == ["create"]]
    synthesized = json.loads((run.stack_dir / "cdk.tf.json").read_text())
    result = checkov_gate.gate(checkov_gate.scan(plan_json, "terraform_plan"),
                               checkov_gate.inline_skips(synthesized))
    for check_id, resource, name in result.failed:
        print(f"    checkov FAILED {check_id} on {resource}: {name}")
    run.check(result.passed > 100, f"checkov ran on the plan ({result.passed} checks passed)")
    run.check(not result.failed, f"checkov: {len(result.failed)} failed check(s) on the plan")
    return f"{len(planned)} to create; {result.summary()}"


def apply(run: Run) -> str:
    print("    terraform apply", flush=True)
    run.tf("apply", "-input=false", "-parallelism=20", "apply.tfplan", show_progress=True)
    state = json.loads(run.tf("show", "-json").stdout)
    run.applied = [r for r in state["values"]["root_module"]["resources"]
                   if r["mode"] == "managed"]
    outputs = json.loads(run.tf("output", "-json").stdout)
    run.outputs = {name: o["value"] for name, o in outputs.items()}
    return f"{len(run.applied)} resources applied"


def verify(run: Run) -> str:
    before = run.checks
    if run.aurora:
        _verify_global_database(run)
    else:
        _verify_replicated_instances(run)
    for role, region in (("primary", run.config.primary_region),
                         ("secondary", run.config.secondary_region)):
        run.check(run.outputs[f"{role}_kms_key_arn"].split(":")[3] == region,
                  f"{role} key lives in {region}")
        _verify_alarms(run, role, region)

    _verify_dns(run)
    _verify_data_protection(run)
    _verify_functions(run)
    _verify_tags(run)
    _verify_names(run)
    _verify_password_written_nowhere(run)
    return f"{run.checks - before} checks passed"


def _verify_global_database(run: Run) -> None:
    c, o = run.config, run.outputs
    rds = {role: run.aws("rds", role) for role in ("primary", "secondary")}
    (gc,) = rds["primary"].describe_global_clusters(
        GlobalClusterIdentifier=o["global_cluster_id"])["GlobalClusters"]
    run.check(gc["StorageEncrypted"], "global cluster is encrypted")
    members = {m["DBClusterArn"].split(":")[3]: m for m in gc["GlobalClusterMembers"]}
    run.check(set(members) == {c.primary_region, c.secondary_region},
              f"global cluster has members in both regions, got {sorted(members)}")
    run.check(members[c.primary_region]["IsWriter"], "the writer is in the primary region")
    run.check(not members[c.secondary_region]["IsWriter"], "the secondary is a reader")
    for role in ("primary", "secondary"):
        (cluster,) = rds[role].describe_db_clusters(
            DBClusterIdentifier=o[f"{role}_cluster_id"])["DBClusters"]
        run.check(cluster["StorageEncrypted"], f"{role} cluster is encrypted")
        run.check(cluster["KmsKeyId"] == o[f"{role}_kms_key_arn"],
                  f"{role} cluster uses its own region's key, got {cluster['KmsKeyId']}")
        count = c.primary_instance_count if role == "primary" else c.secondary_instance_count
        run.check(len(cluster["DBClusterMembers"]) == count,
                  f"{role} cluster has {count} instances, got {len(cluster['DBClusterMembers'])}")


def _verify_replicated_instances(run: Run) -> None:
    c, o = run.config, run.outputs
    instances = {}
    for role in ("primary", "secondary"):
        (instance,) = run.aws("rds", role).describe_db_instances(
            DBInstanceIdentifier=o[f"{role}_instance_id"])["DBInstances"]
        instances[role] = instance
        run.check(instance["Engine"] == "postgres", f"{role} runs RDS PostgreSQL")
        run.check(instance["StorageEncrypted"] and instance["KmsKeyId"] == o[f"{role}_kms_key_arn"],
                  f"{role} instance is encrypted with its own region's key, got "
                  f"{instance.get('KmsKeyId')}")
        run.check(instance["PerformanceInsightsEnabled"]
                  and instance.get("PerformanceInsightsKMSKeyId") == o[f"{role}_kms_key_arn"],
                  f"{role} Performance Insights uses the regional key")
        run.check(instance["BackupRetentionPeriod"] == c.backup_retention_days,
                  f"{role} keeps {c.backup_retention_days} days of its own backups, got "
                  f"{instance['BackupRetentionPeriod']}")
        run.check(instance["MultiAZ"] is (True if role == "primary" else c.replica_multi_az),
                  f"{role} Multi-AZ is {instance['MultiAZ']}")
        run.check(sorted(instance.get("EnabledCloudwatchLogsExports", [])) == sorted(c.log_exports),
                  f"{role} exports {c.log_exports}, got {instance.get('EnabledCloudwatchLogsExports')}")
        run.check(instance["Endpoint"]["Address"] == o[f"{role}_writer_endpoint"],
                  f"{role} writer endpoint output is the instance address")
        run.check(not instance["PubliclyAccessible"], f"{role} instance is private")
    primary, replica = instances["primary"], instances["secondary"]
    run.check(replica.get("ReadReplicaSourceDBInstanceIdentifier") == primary["DBInstanceArn"],
              f"the replica follows the primary's ARN, got "
              f"{replica.get('ReadReplicaSourceDBInstanceIdentifier')}")
    run.check(replica["DBInstanceArn"] in primary.get("ReadReplicaDBInstanceIdentifiers", []),
              f"the primary lists its cross-region replica, got "
              f"{primary.get('ReadReplicaDBInstanceIdentifiers')}")
    run.check(not primary.get("ReadReplicaSourceDBInstanceIdentifier"), "the primary is standalone")
    for role in ("primary", "secondary"):
        (group,) = instances[role]["DBParameterGroups"]
        parameters = {p["ParameterName"]: p.get("ParameterValue")
                      for p in run.aws("rds", role).describe_db_parameters(
                          DBParameterGroupName=group["DBParameterGroupName"],
                          Source="user")["Parameters"]}
        run.check(parameters.get("log_statement") == "all"
                  and parameters.get(c.tls_parameter[0]) == c.tls_parameter[1],
                  f"{role} parameter group audits every statement and sets TLS, got {parameters}")


def _verify_alarms(run: Run, role: str, region: str) -> None:
    topic = run.outputs[f"{role}_alerts_topic_arn"]
    run.check(topic.split(":")[3] == region, f"{role} topic lives in {region}")
    attributes = run.aws("sns", role).get_topic_attributes(TopicArn=topic)["Attributes"]
    run.check(bool(attributes.get("KmsMasterKeyId")), f"{role} topic is KMS-encrypted")
    answer = run.aws("cloudwatch", role).describe_alarms(
        AlarmNamePrefix=f"{run.config.project_name}-", AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    alarms = answer["MetricAlarms"] + answer.get("CompositeAlarms", [])
    # capacity (4 where instances exist), writer health or replication (Aurora: lag and RPO
    # lag; RDS: ReplicaLag), canary (connectivity, is-writer, canary-error, connectivity-fast,
    # and peer-down with peering), in the primary the primary-down composite the
    # orchestrator listens to, and in rds-replica mode the other region's fence
    instances = not run.aurora or run.config.secondary_instance_count
    canary = 4 + (1 if run.config.vpc_peering else 0)
    fence = 0 if run.aurora else 1
    expected = 4 + 1 + canary + 1 + fence if role == "primary" else \
        (4 if instances else 0) + (2 if run.aurora else 1) + canary + fence
    run.check(len(alarms) == expected, f"{expected} alarms in {region}, got {len(alarms)}")
    for alarm in alarms:
        run.check(alarm["AlarmActions"] == [topic],
                  f"alarm {alarm['AlarmName']} notifies the {role} topic")


def _verify_dns(run: Run) -> None:
    c, o = run.config, run.outputs
    r53 = run.aws("route53")
    zone = r53.get_hosted_zone(Id=o["hosted_zone_id"])
    run.check(zone["HostedZone"]["Config"]["PrivateZone"], "the zone is private")
    regions = sorted(v["VPCRegion"] for v in zone["VPCs"])
    run.check(regions == sorted([c.primary_region, c.secondary_region]),
              f"the zone is associated with both VPCs, got {regions}")
    records = r53.list_resource_record_sets(HostedZoneId=o["hosted_zone_id"])["ResourceRecordSets"]
    writer = {r.get("SetIdentifier"): r for r in records
              if r["Name"].rstrip(".") == o["writer_dns_name"]}
    if c.dns_routing == "global-endpoint":
        (global_cluster,) = run.aws("rds").describe_global_clusters(
            GlobalClusterIdentifier=o["global_cluster_id"])["GlobalClusters"]
        run.check(o["global_writer_endpoint"] == global_cluster.get("Endpoint")
                  and bool(o["global_writer_endpoint"]),
                  f"the global_writer_endpoint output is the global database's, got "
                  f"{o['global_writer_endpoint']!r}")
        run.check(list(writer) == [None] and writer[None]["ResourceRecords"] == [
            {"Value": o["global_writer_endpoint"]}] and "HealthCheckId" not in writer[None],
            f"the writer name is one CNAME to the global writer endpoint, got {writer}")
    else:
        run.check(set(writer) == {"primary", "secondary"},
                  f"two writer records, got {set(writer)}")
        if c.dns_routing == "failover":
            routing = {role: r.get("Failover") for role, r in writer.items()}
            expected = {"primary": "PRIMARY", "secondary": "SECONDARY"}
        else:
            routing = {role: r.get("Weight") for role, r in writer.items()}
            expected = {"primary": 100, "secondary": 0}
        run.check(routing == expected,
                  f"{c.dns_routing} writer records {expected}, got {routing}")
        for role in ("primary", "secondary"):
            run.check(writer[role]["ResourceRecords"][0]["Value"]
                      == o[f"{role}_writer_endpoint"],
                      f"the {role} writer record points at the {role} writer endpoint")
            run.check(writer[role]["HealthCheckId"] == o[f"{role}_health_check_id"],
                      f"the {role} record carries the {role} health check")
    regions = {"primary": c.primary_region, "secondary": c.secondary_region}
    for role, region in regions.items():
        failover = role.upper()
        check = r53.get_health_check(HealthCheckId=o[f"{role}_health_check_id"])["HealthCheck"]
        config = check["HealthCheckConfig"]
        children = config.get("ChildHealthChecks") or []
        # connectivity AND writer in its own region; rds-replica: AND not fenced, an alarm
        # in the other (surviving) region
        expected = {("ConnectivityOk", region), ("IsWriter", region)}
        if not run.aurora:
            other = regions["secondary" if role == "primary" else "primary"]
            expected.add(("Fenced", other))
        run.check(config["Type"] == "CALCULATED" and len(children) == len(expected)
                  and config.get("HealthThreshold") == len(expected),
                  f"{failover} is guarded by a CALCULATED check needing all "
                  f"{len(expected)} children, got {config}")
        watched = set()
        for child_id in children:
            child = r53.get_health_check(HealthCheckId=child_id)["HealthCheck"]["HealthCheckConfig"]
            identifier = child.get("AlarmIdentifier") or {}
            alarm_region = identifier.get("Region")
            alarms = run.aws("cloudwatch", "primary" if alarm_region == c.primary_region
                             else "secondary").describe_alarms(
                AlarmNames=[identifier.get("Name", "?")])["MetricAlarms"]
            watched |= {(a["MetricName"], alarm_region) for a in alarms}
            fence = any(a["MetricName"] == "Fenced" for a in alarms)
            run.check(child["Type"] == "CLOUDWATCH_METRIC"
                      and child.get("InsufficientDataHealthStatus")
                      == ("LastKnownStatus" if fence else "Unhealthy"),
                      f"{failover} child is alarm-based, no data "
                      f"{'keeps the fence' if fence else 'is unhealthy'}, got {child}")
        run.check(watched == expected, f"{failover} health = {sorted(expected)}, got "
                                       f"{sorted(watched)}")
    reader = [r for r in records if r["Name"].rstrip(".") == o["reader_dns_name"]]
    run.check(len(reader) == 1 and
              reader[0]["ResourceRecords"][0]["Value"] == o["secondary_reader_endpoint"],
              "reader record points at the secondary reader endpoint")


def _verify_data_protection(run: Run) -> None:
    """The data-protection extras (each behind its flag), read back through the AWS API."""
    c, o = run.config, run.outputs
    regions = {"primary": c.primary_region, "secondary": c.secondary_region}
    if c.vpc_peering:
        (peering,) = run.aws("ec2").describe_vpc_peering_connections(
            VpcPeeringConnectionIds=[o["vpc_peering_connection_id"]])["VpcPeeringConnections"]
        run.check(peering["Status"]["Code"] == "active",
                  f"the VPC peering is active, got {peering['Status']}")
        run.check(peering["AccepterVpcInfo"].get("Region") == c.secondary_region,
                  f"the peering's accepter is in {c.secondary_region}")
        for role, other in (("primary", "secondary"), ("secondary", "primary")):
            tables = run.aws("ec2", role).describe_route_tables(
                Filters=[{"Name": "vpc-id", "Values": [o[f"{role}_vpc_id"]]}])["RouteTables"]
            peer_cidr = getattr(c, f"{other}_vpc_cidr")
            private = [t for t in tables if not any(a.get("Main") for a in t["Associations"])]
            routed = [t for t in private if any(
                r.get("DestinationCidrBlock") == peer_cidr
                and r.get("VpcPeeringConnectionId") == o["vpc_peering_connection_id"]
                for r in t["Routes"])]
            run.check(len(private) == c.az_count and len(routed) == len(private),
                      f"every {role} private route table routes {peer_cidr} through the "
                      f"peering ({len(routed)} of {len(private)})")
    if c.backup_buckets:
        s3 = run.aws("s3")
        source = o["primary_backup_bucket"]
        rules = s3.get_bucket_replication(Bucket=source)["ReplicationConfiguration"]["Rules"]
        (rule,) = rules
        destination = rule["Destination"]
        run.check(destination["Bucket"].endswith(":" + o["secondary_backup_bucket"])
                  and destination.get("ReplicationTime", {}).get("Status") == "Enabled"
                  and destination.get("Metrics", {}).get("Status") == "Enabled",
                  f"the primary bucket replicates to the secondary with RTC and metrics, got {rule}")
        for role in regions:
            bucket = o[f"{role}_backup_bucket"]
            client = run.aws("s3", role)
            run.check(client.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled",
                      f"{role} backup bucket is versioned")
            (sse,) = client.get_bucket_encryption(Bucket=bucket)[
                "ServerSideEncryptionConfiguration"]["Rules"]
            run.check(sse["ApplyServerSideEncryptionByDefault"].get("KMSMasterKeyID")
                      == o[f"{role}_kms_key_arn"], f"{role} backup bucket uses its region's key")
            block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
            run.check(all(block.values()), f"{role} backup bucket blocks public access")
            lifecycle = client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
            days = c.backup_object_expiration_days
            run.check(any(r.get("Expiration", {}).get("Days") == days
                          and r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") == days
                          for r in lifecycle),
                      f"{role} backup objects expire after {days} days, current and noncurrent")
            policy = json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
            run.check("aws:SecureTransport" in json.dumps(policy), f"{role} bucket is TLS-only")
    if c.aws_backup:
        backup = run.aws("backup")
        plan = backup.get_backup_plan(BackupPlanId=o["backup_plan_id"])["BackupPlan"]
        (rule,) = plan["Rules"]
        copies = rule.get("CopyActions", [])
        run.check(len(copies) == 1 and copies[0]["DestinationBackupVaultArn"]
                  == o["secondary_backup_vault_arn"],
                  f"the daily backup is copied to the secondary vault, got {copies}")
        selections = backup.list_backup_selections(BackupPlanId=o["backup_plan_id"])[
            "BackupSelectionsList"]
        run.check(len(selections) == 1, f"one backup selection, got {len(selections)}")
        for role in regions:
            vault = run.aws("backup", role).describe_backup_vault(
                BackupVaultName=o[f"{role}_backup_vault_arn"].rsplit(":", 1)[1])
            run.check(vault.get("EncryptionKeyArn") == o[f"{role}_kms_key_arn"],
                      f"{role} vault is encrypted with its region's key")
    if c.endpoint_parameters:
        path = o["endpoint_parameter_path"]
        for role in regions:
            found = run.aws("ssm", role).get_parameters_by_path(
                Path=path, WithDecryption=True)["Parameters"]
            values = {p["Name"].rsplit("/", 1)[1]: p for p in found}
            run.check(values.get("writer-dns-name", {}).get("Value") == o["writer_dns_name"]
                      and values.get("port", {}).get("Value") == str(c.port),
                      f"the endpoint parameters are readable in {role}, got {sorted(values)}")
            run.check(values.get("master-secret-arn", {}).get("Type") == "SecureString",
                      f"the secret's ARN is a SecureString in {role}")
    if c.event_subscriptions:
        for role in regions:
            subscriptions = run.aws("rds", role).describe_event_subscriptions()[
                "EventSubscriptionsList"]
            mine = [e for e in subscriptions if e["SnsTopicArn"] == o[f"{role}_alerts_topic_arn"]]
            run.check(len(mine) == 1 and mine[0]["Enabled"]
                      and "failover" in mine[0].get("EventCategoriesList", []),
                      f"{role} RDS events (failover, failure, ...) reach the {role} topic, "
                      f"got {mine}")
    if c.dashboard:
        body = json.loads(run.aws("cloudwatch").get_dashboard(
            DashboardName=o["dashboard_name"])["DashboardBody"])
        shown = json.dumps(body)
        run.check(all(region in shown for region in regions.values())
                  and ("ReplicaLag" in shown or "AuroraGlobalDBReplicationLag" in shown),
                  "the dashboard shows replication lag for both regions")


def _verify_functions(run: Run) -> None:
    for role in ("primary", "secondary"):
        lam = run.aws("lambda", role)
        canary = lam.get_function_configuration(FunctionName=run.outputs[f"{role}_canary_function"])
        run.check(canary["Handler"] == "dr_lambdas.canary.handler.lambda_handler"
                  and len(canary.get("VpcConfig", {}).get("SubnetIds", [])) == run.config.az_count,
                  f"{role} canary runs in the private subnets")
        orchestrator = lam.get_function_configuration(
            FunctionName=run.outputs[f"{role}_orchestrator_function"])
        env = orchestrator["Environment"]["Variables"]
        region = run.config.primary_region if role == "primary" else run.config.secondary_region
        run.check(env["HOME_REGION"] == region and orchestrator["Timeout"] == 300,
                  f"{role} orchestrator promotes {region} within 300 s")


def _tags_of(run: Run, resource: dict) -> dict[str, str] | None:
    """The tags AWS reports for one state resource, or None if its type is not taggable here."""
    rtype, values = resource["type"], resource["values"]
    aws = lambda service: run.aws(service, _role_of(run, resource))  # noqa: E731
    pairs = lambda items, k="Key", v="Value": {i[k]: i[v] for i in items}  # noqa: E731
    if rtype in ("aws_vpc", "aws_subnet", "aws_route_table", "aws_security_group",
                 "aws_default_security_group", "aws_flow_log", "aws_vpc_endpoint",
                 "aws_vpc_peering_connection", "aws_vpc_peering_connection_accepter",
                 "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
        rid = values.get("security_group_rule_id") or values["id"]
        return pairs(aws("ec2").describe_tags(
            Filters=[{"Name": "resource-id", "Values": [rid]}])["Tags"])
    if rtype in ("aws_rds_cluster", "aws_rds_cluster_instance", "aws_rds_cluster_parameter_group",
                 "aws_db_subnet_group", "aws_rds_global_cluster", "aws_db_instance",
                 "aws_db_parameter_group", "aws_db_event_subscription"):
        return pairs(aws("rds").list_tags_for_resource(ResourceName=values["arn"])["TagList"])
    if rtype == "aws_kms_key":
        return pairs(aws("kms").list_resource_tags(KeyId=values["key_id"])["Tags"],
                     "TagKey", "TagValue")
    if rtype == "aws_sns_topic":
        return pairs(aws("sns").list_tags_for_resource(ResourceArn=values["arn"])["Tags"])
    if rtype == "aws_lambda_function":
        return aws("lambda").list_tags(Resource=values["arn"])["Tags"]
    if rtype == "aws_sqs_queue":
        return aws("sqs").list_queue_tags(QueueUrl=values["url"]).get("Tags", {})
    if rtype == "aws_dynamodb_table":
        return pairs(aws("dynamodb").list_tags_of_resource(ResourceArn=values["arn"])["Tags"])
    if rtype == "aws_cloudwatch_event_rule":
        return pairs(aws("events").list_tags_for_resource(ResourceARN=values["arn"])["Tags"])
    if rtype in ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"):
        return pairs(aws("cloudwatch").list_tags_for_resource(ResourceARN=values["arn"])["Tags"])
    if rtype == "aws_cloudwatch_log_group":
        return aws("logs").list_tags_for_resource(resourceArn=values["arn"].removesuffix(":*"))["tags"]
    if rtype == "aws_s3_bucket":
        return pairs(aws("s3").get_bucket_tagging(Bucket=values["bucket"])["TagSet"])
    if rtype in ("aws_backup_vault", "aws_backup_plan"):
        return aws("backup").list_tags(ResourceArn=values["arn"])["Tags"]
    if rtype == "aws_ssm_parameter":
        return pairs(aws("ssm").list_tags_for_resource(
            ResourceType="Parameter", ResourceId=values["name"])["TagList"])
    if rtype == "aws_secretsmanager_secret":
        return pairs(aws("secretsmanager").describe_secret(SecretId=values["arn"]).get("Tags", []))
    if rtype == "aws_iam_role":
        return pairs(aws("iam").list_role_tags(RoleName=values["name"])["Tags"])
    if rtype in ("aws_route53_zone", "aws_route53_health_check"):
        kind = "hostedzone" if rtype == "aws_route53_zone" else "healthcheck"
        rid = values.get("zone_id") or values["id"]
        tags = aws("route53").list_tags_for_resource(ResourceType=kind, ResourceId=rid)
        return pairs(tags["ResourceTagSet"]["Tags"])
    return None


def _role_of(run: Run, resource: dict) -> str:
    """Which regional provider a state resource belongs to (the state JSON names no alias)."""
    if not run.aliases:
        doc = json.loads((run.stack_dir / "cdk.tf.json").read_text())
        run.aliases = {f"{rtype}.{name}": body["provider"].split(".")[1]
                       for rtype, blocks in doc["resource"].items()
                       for name, body in blocks.items()}
    return run.aliases[f"{resource['type']}.{resource['name']}"]


# Types whose resources cannot carry tags in AWS (no tags argument in the provider schema).
UNTAGGABLE = {"aws_kms_alias", "aws_route_table_association", "aws_route53_record",
              "aws_iam_role_policy", "aws_iam_role_policy_attachment",
              "aws_sns_topic_subscription", "aws_lambda_permission",
              "aws_cloudwatch_event_target", "aws_route", "aws_cloudwatch_dashboard",
              "aws_backup_selection", "aws_s3_bucket_versioning",
              "aws_s3_bucket_server_side_encryption_configuration",
              "aws_s3_bucket_public_access_block", "aws_s3_bucket_ownership_controls",
              "aws_s3_bucket_policy", "aws_s3_bucket_lifecycle_configuration",
              "aws_s3_bucket_replication_configuration", "aws_secretsmanager_secret_version"}


def _verify_tags(run: Run) -> None:
    expected = {k: run.config.required_tags[k] for k in REQUIRED_TAGS}
    unverified = []
    for resource in run.applied:
        if resource["type"] in UNTAGGABLE:
            continue
        tags = _tags_of(run, resource)
        if tags is None:
            unverified.append(resource["type"])
            continue
        missing = {k: v for k, v in expected.items() if tags.get(k) != v}
        run.check(not missing, f"{resource['address']} carries the required tags; "
                               f"missing or wrong: {missing}, AWS reports {tags}")
    run.check(not unverified, f"no tag verifier for {sorted(set(unverified))}")


def _verify_names(run: Run) -> None:
    suffix = run.config.environment_suffix
    names: list[str] = []
    for role in ("primary", "secondary"):
        rds = run.aws("rds", role)
        names += [x["DBClusterIdentifier"] for x in rds.describe_db_clusters()["DBClusters"]]
        names += [x["DBInstanceIdentifier"] for x in rds.describe_db_instances()["DBInstances"]]
        names += [x["DBSubnetGroupName"] for x in rds.describe_db_subnet_groups()["DBSubnetGroups"]]
        names += [x["AlarmName"] for x in run.aws("cloudwatch", role).describe_alarms()["MetricAlarms"]]
        names += [t["TopicArn"].rsplit(":", 1)[1] for t in run.aws("sns", role).list_topics()["Topics"]]
        names += [g["logGroupName"] for g in run.aws("logs", role).describe_log_groups()["logGroups"]]
        names += [a["AliasName"] for a in run.aws("kms", role).list_aliases()["Aliases"]
                  if not a["AliasName"].startswith("alias/aws/")]
        names += [g["GroupName"] for g in run.aws("ec2", role).describe_security_groups()["SecurityGroups"]
                  if g["GroupName"] != "default"]
    names += [g["GlobalClusterIdentifier"] for g in
              run.aws("rds").describe_global_clusters()["GlobalClusters"]]
    names += [r["RoleName"] for r in run.aws("iam").list_roles()["Roles"]]
    names += [z["Name"] for z in run.aws("route53").list_hosted_zones()["HostedZones"]]
    run.check(len(names) > 20, f"found the stack's names ({len(names)})")
    unsuffixed = [n for n in names if suffix not in n]
    run.check(not unsuffixed, f"every name carries the suffix {suffix!r}; these do not: {unsuffixed}")


def _verify_password_written_nowhere(run: Run) -> None:
    """The master password (given, or generated at apply time and read back from the
    secret) is in neither the synthesized JSON, the plan, the state nor the outputs."""
    password = run.password or _master_password(run)
    run.check(len(password) >= 20, "the master password is a long one")
    state_files = list(run.stack_dir.glob("*.tfstate"))
    run.check(len(state_files) == 1, f"one local state file, got {state_files}")
    for what, text in (("synthesized JSON", (run.stack_dir / "cdk.tf.json").read_text()),
                       ("plan", (run.stack_dir / "plan.json").read_text()),
                       ("state", state_files[0].read_text() if state_files else ""),
                       ("outputs", json.dumps(run.outputs))):
        run.check(password not in text, f"the master password is not in the {what}")
    if run.config.generate_master_secret:
        replica = run.aws("secretsmanager", "secondary").get_secret_value(
            SecretId=run.config.master_secret)
        run.check(json.loads(replica["SecretString"]) == {
            "username": run.config.master_username, "password": password},
            "the generated secret holds username and password, and its replica in the "
            "secondary region the same")


def integration_tests(run: Run) -> str:
    flat = ROOT / "cfn-outputs" / "flat-outputs.json"
    flat.parent.mkdir(exist_ok=True)
    flat.write_text(json.dumps(run.outputs, indent=2, sort_keys=True) + "\n")
    print(f"    wrote {flat.relative_to(ROOT)} ({len(run.outputs)} outputs)")
    env = dict(os.environ, AWS_ENDPOINT_URL=run.emulator.endpoint, AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", DR_INTEGRATION_PRIMARY_REGION=run.config.primary_region,
               DR_INTEGRATION_SECONDARY_REGION=run.config.secondary_region)
    result = subprocess.run([sys.executable, "-m", "pytest", "tests/integration", "-q",
                             "-p", "no:cacheprovider", "-o", "addopts="],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode != 0:
        raise RuntimeError(f"integration tests failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    return summary


def _invoke_orchestrator(run: Run, role: str, event: dict) -> dict:
    """Run the deployed orchestrator's handler in this process, with the environment the
    deployment gave the function (moto stores functions but runs code only in Docker).
    Every AWS call it makes is recorded in ``run.orchestrator_calls``."""
    from dr_lambdas.orchestrator import handler
    from dr_lambdas.orchestrator.config import OrchestratorConfig

    name = run.outputs[f"{role}_orchestrator_function"]
    env = run.aws("lambda", role).get_function_configuration(
        FunctionName=name)["Environment"]["Variables"]
    saved = dict(os.environ)
    os.environ.update(env, AWS_ENDPOINT_URL=run.emulator.endpoint, AWS_ACCESS_KEY_ID="testing",
                      AWS_SECRET_ACCESS_KEY="testing")
    clients = handler.Clients()

    def recorded(service: str, region: str) -> Any:
        client = clients(service, region)
        if not getattr(client, "_e2e_recorded", False):
            client.meta.events.register("before-call", lambda model, **_: (
                run.orchestrator_calls.append(f"{service}:{model.name}")))
            client._e2e_recorded = True
        return client
    try:
        answer = handler.run(event, OrchestratorConfig.from_env(os.environ), clients=recorded)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    said = (f"SNS alarm {json.loads(event['Records'][0]['Sns']['Message'])['AlarmName']}"
            if "Records" in event else json.dumps(event))
    print(f"    orchestrator ({role}) {said} -> {answer['status']}: "
          f"{answer.get('decision')} ({answer.get('reason')})", flush=True)
    return answer


def _lag_reports(run: Run, seconds: float) -> None:
    """The replication lag RDS would publish for the secondary (moto publishes none):
    ``AuroraGlobalDBReplicationLag`` in ms, or the RDS replica's ``ReplicaLag`` in seconds."""
    metric, value, unit = (("AuroraGlobalDBReplicationLag", seconds * 1000, "Milliseconds")
                           if run.aurora else ("ReplicaLag", seconds, "Seconds"))
    run.aws("cloudwatch", "secondary").put_metric_data(Namespace="AWS/RDS", MetricData=[{
        "MetricName": metric, "Value": value, "Unit": unit,
        "Dimensions": [{"Name": run.dimension, "Value": run.member_id("secondary")}]}])


def _run_canary(run: Run, role: str, databases: PgCluster, *, loop: bool = False,
                **override: str) -> dict:
    """The deployed canary's handler, run in this process with the environment the
    deployment gave the function (moto stores functions but does not run them). With
    ``loop`` it runs as deployed, probing every ``PROBE_INTERVAL_SECONDS`` through its
    minute (about 50 s); otherwise it probes once (``PROBE_INTERVAL_SECONDS=60``), which is
    all a step that only needs the latest word takes. Only where it connects changes: each region's database is a real PostgreSQL on loopback (the
    primary on 127.0.0.1, its streaming replica on 127.0.0.2, one port, TLS verified against
    the drill's CA), since moto's endpoint names are not real hosts."""
    from dr_lambdas.canary import handler as canary

    region = run.config.primary_region if role == "primary" else run.config.secondary_region
    env = run.aws("lambda", role).get_function_configuration(
        FunctionName=run.outputs[f"{role}_canary_function"])["Environment"]["Variables"]
    hosts = {"primary": databases.primary.host, "secondary": databases.replica.host}
    other = "secondary" if role == "primary" else "primary"
    env.update(DB_HOST=hosts[role], DB_PORT=str(databases.primary.port),
               CA_BUNDLE=databases.ca_file)
    if "DB_READER_HOST" in env:
        env["DB_READER_HOST"] = hosts[role]
    if "PEER_DB_HOST" in env:
        env.update(PEER_DB_HOST=hosts[other], PEER_DB_READER_HOST=hosts[other])
    if not loop:
        env["PROBE_INTERVAL_SECONDS"] = "60"
    env.update(override)
    saved = dict(os.environ)
    os.environ.update(env, AWS_REGION=region, AWS_DEFAULT_REGION=region,
                      AWS_ENDPOINT_URL=run.emulator.endpoint, AWS_ACCESS_KEY_ID="testing",
                      AWS_SECRET_ACCESS_KEY="testing")
    canary._CLIENTS.clear()
    try:
        answer = canary.lambda_handler({}, None)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        canary._CLIENTS.clear()
    peer = (answer.get("peer") or {}).get("metrics")
    print(f"    canary ({role}, {answer['probes']} probe(s) {answer['interval_seconds']} s "
          f"apart) -> {answer['metrics']}" + (f", peer {peer}" if peer else "")
          + (f" [{answer['error_kind']}]" if answer["error_kind"] else ""), flush=True)
    return answer


COMPARE = {"LessThanThreshold": lambda v, t: v < t,
           "LessThanOrEqualToThreshold": lambda v, t: v <= t,
           "GreaterThanThreshold": lambda v, t: v > t,
           "GreaterThanOrEqualToThreshold": lambda v, t: v >= t}


def _evaluate_alarm(run: Run, role: str, name: str) -> str:
    """CloudWatch's evaluation of a deployed metric alarm over what was published, which moto
    does not do: the alarm's statistic in each of its last ``EvaluationPeriods`` periods
    (aligned to the clock, as CloudWatch aligns them; the period in progress counts once it
    has data), missing periods treated as its ``TreatMissingData`` says, ALARM when
    ``DatapointsToAlarm`` of them breach. The state is then set with SetAlarmState, and the
    emulator acts on the change as CloudWatch does (tools/emulator.py, patch w: notification
    to the alarm's topics, composite alarms, SNS subscriptions). Returns the state."""
    from datetime import datetime, timedelta, timezone

    cloudwatch = run.aws("cloudwatch", role)
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    period, periods = alarm["Period"], alarm["EvaluationPeriods"]
    statistic = alarm["Statistic"]
    now = datetime.now(timezone.utc)
    # One-second points (moto buckets from the first datapoint, not from the clock), grouped
    # here into the alarm's clock-aligned periods.
    points = cloudwatch.get_metric_statistics(
        Namespace=alarm["Namespace"], MetricName=alarm["MetricName"],
        Dimensions=alarm["Dimensions"],
        StartTime=now - timedelta(seconds=period * (periods + 1)),
        EndTime=now + timedelta(seconds=1), Period=1, Statistics=[statistic])["Datapoints"]
    buckets: dict[int, list[float]] = {}
    for point in points:
        buckets.setdefault(int(point["Timestamp"].timestamp()) // period, []).append(
            point[statistic])
    current = int(now.timestamp()) // period
    last = current if current in buckets else current - 1  # a period with no data yet
    combine = {"Minimum": min, "Maximum": max, "Sum": sum, "SampleCount": sum,
               "Average": lambda v: sum(v) / len(v)}[statistic]
    values = [combine(buckets[b]) for b in range(last - periods + 1, last + 1) if b in buckets]
    breaching = sum(COMPARE[alarm["ComparisonOperator"]](v, alarm["Threshold"]) for v in values)
    missing = periods - len(values)
    treat = alarm.get("TreatMissingData", "missing")
    if treat == "breaching":
        breaching += missing
    if breaching >= (alarm.get("DatapointsToAlarm") or periods):
        state = "ALARM"
    elif not values and treat == "missing":
        state = "INSUFFICIENT_DATA"
    elif not values and treat == "ignore":
        state = alarm["StateValue"]  # kept
    else:
        state = "OK"
    cloudwatch.set_alarm_state(
        AlarmName=name, StateValue=state,
        StateReason=f"{breaching} of {periods} periods of {period} s breaching "
                    f"({len(values)} datapoints {values}, missing data {treat})")
    print(f"    alarm {name} ({role}): {state} from {values} over {periods} x {period} s",
          flush=True)
    return state


def _deliveries(run: Run, role: str) -> dict[str, dict]:
    """What SNS handed the role's orchestrator since the last look (the emulator keeps it:
    moto runs function code only in Docker), by the alarm named in each message."""
    arn = run.aws("lambda", role).get_function_configuration(
        FunctionName=run.outputs[f"{role}_orchestrator_function"])["FunctionArn"]
    return {json.loads(d["event"]["Records"][0]["Sns"]["Message"])["AlarmName"]: d["event"]
            for d in lambda_deliveries(arn)}


def _inboxes(run: Run) -> dict[str, str]:
    """An SQS queue subscribed to each region's alert topic: what people are told."""
    inboxes = {}
    for role in ("primary", "secondary"):
        sqs = run.aws("sqs", role)
        url = sqs.create_queue(QueueName=f"{run.config.project_name}-drill-inbox-"
                                         f"{run.config.environment_suffix}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        run.aws("sns", role).subscribe(TopicArn=run.outputs[f"{role}_alerts_topic_arn"],
                                       Protocol="sqs", Endpoint=arn)
        inboxes[role] = url
    return inboxes


def _told(run: Run, inboxes: dict[str, str]) -> dict[str, list[dict]]:
    """The orchestrator's messages each topic delivered since the last look."""
    told: dict[str, list[dict]] = {}
    for role, url in inboxes.items():
        sqs, told[role] = run.aws("sqs", role), []
        for _ in range(20):  # bounded: a drill sends a handful of messages
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                "Messages", [])
            if not batch:
                break
            for message in batch:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                try:
                    said = json.loads(json.loads(message["Body"])["Message"])
                except (ValueError, KeyError, TypeError):
                    continue  # not JSON
                if isinstance(said, dict) and "phase" in said:
                    told[role].append(said)  # the orchestrator's, not an alarm notification
    return told


def _remove_inboxes(run: Run, inboxes: dict[str, str]) -> None:
    for role, url in inboxes.items():
        sns = run.aws("sns", role)
        for subscription in sns.list_subscriptions_by_topic(
                TopicArn=run.outputs[f"{role}_alerts_topic_arn"])["Subscriptions"]:
            if subscription["Protocol"] == "sqs":
                sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
        run.aws("sqs", role).delete_queue(QueueUrl=url)


def _master_password(run: Run) -> str:
    secret = run.aws("secretsmanager").get_secret_value(SecretId=run.config.master_secret)
    return json.loads(secret["SecretString"])["password"]


def failover_drill(run: Run) -> str:
    """Drive the deployed canaries and orchestrator through the two cases that matter: a
    canary fault on a healthy primary (the writer must stay, both topics are told), then a
    real outage of the primary database (the failover happens, confirmed by a second,
    independent signal: the secondary region's probe across the peering). The canaries probe
    a real PostgreSQL primary and replica standing in for the two regions' databases
    (``_run_canary``); moto lacks the global failover calls and parts of replica promotion,
    which tools/emulator.py supplies following the RDS API reference. Then check Terraform
    accepts the new roles without replacing or deleting anything."""
    c = run.config
    inboxes = _inboxes(run)
    with PgCluster(user=c.master_username, password=_master_password(run),
                   database=c.database_name, replica_host=SECOND_REGION_HOST) as databases:
        summary = _drill(run, databases, inboxes)
    _remove_inboxes(run, inboxes)
    return summary


def _drill(run: Run, databases: PgCluster, inboxes: dict[str, str]) -> str:
    c = run.config
    _lag_reports(run, seconds=0.8 if run.aurora else 1)
    secondary = _run_canary(run, "secondary", databases)
    run.check(secondary["metrics"].get("ConnectivityOk") == 1
              and secondary["metrics"].get("IsWriter") == 0,
              f"the secondary's canary reaches its read-only replica, got {secondary['metrics']}")

    # 1. A canary fault on a healthy primary: the canary cannot read its secret.
    fault = _run_canary(run, "primary", databases,
                        SECRET_ID=f"{c.master_secret}-not-there")
    run.check(fault["canary_fault"] and "ConnectivityOk" not in fault["metrics"],
              f"a canary that cannot read its secret reports CanaryError, not the database "
              f"down, got {fault['metrics']}")
    refused = _invoke_orchestrator(run, "secondary", {"action": "evaluate"})
    run.check(refused["status"] == "refused" and refused["observation"]["probe"] == "fault",
              f"canary fault: no failover, got {refused['status']} / "
              f"{refused['observation'].get('probe')}")
    run.check(_writer_region(run) == c.primary_region, "canary fault: the writer stays")
    told = _told(run, inboxes)
    run.check(all([m["phase"] for m in told[role]] == ["refused"]
                  and told[role][0]["observation"]["probe"] == "fault"
                  for role in ("primary", "secondary")),
              f"canary fault: both topics are told what was seen, got "
              f"{ {role: [m['phase'] for m in told[role]] for role in told} }")
    refusals = run.aws("cloudwatch", "secondary").list_metrics(
        Namespace="DatabaseDR", MetricName="FailoverRefused")["Metrics"]
    run.check(bool(refusals), "FailoverRefused was published")

    # 2. The canary is fixed: a healthy primary is left alone; a dry run plans a switchover.
    healthy = _run_canary(run, "primary", databases)
    run.check(healthy["metrics"].get("ConnectivityOk") == 1
              and healthy["metrics"].get("IsWriter") == 1,
              f"the primary's canary reaches its writer, got {healthy['metrics']}")
    evaluated = _invoke_orchestrator(run, "secondary", {"action": "evaluate"})
    run.check(evaluated["status"] == "noop", "a healthy primary is left alone")
    dry = _invoke_orchestrator(run, "secondary", {"action": "failover", "dry_run": True})
    run.check(dry["status"] == "dry_run" and dry["decision"] == "switchover",
              f"a dry run plans a switchover of a healthy primary, got {dry['decision']}")
    operation = (dry.get("plan") or {}).get("operation")
    expected_operation = "SwitchoverGlobalCluster" if run.aurora else "PromoteReadReplica"
    run.check(operation == expected_operation,
              f"the plan's operation is {expected_operation}, got {operation}")

    # 3. A real outage: the primary database stops. The secondary region's canary, run as
    # deployed (a probe every PROBE_INTERVAL_SECONDS through its minute), cannot reach it
    # across the peering, and neither can the primary's own canary: two signals agree.
    databases.kill_primary()
    seen = _run_canary(run, "secondary", databases, loop=True)
    down = _run_canary(run, "primary", databases)
    run.check(seen["probes"] == 60 // c.probe_interval_seconds,
              f"the canary probed every {c.probe_interval_seconds} s through its minute, "
              f"got {seen['probes']} probes")
    run.check(down["metrics"].get("ConnectivityOk") == 0 and down["error_kind"] == "refused",
              f"the primary's canary cannot connect, got {down['metrics']}")
    run.check((seen.get("peer") or {}).get("metrics") == {"PeerConnectivityOk": 0},
              f"the secondary's probe across the peering cannot connect either, got "
              f"{seen.get('peer')}")

    # 4. The fast path: the 10 s alarms over the one-second metrics fire (evaluated here,
    # moto does not), and SNS delivers them to the secondary's orchestrator: the primary
    # region's primary-down (composite) through the primary's topic, and the secondary's own
    # peer-down, the path that works when the primary region is lost, through its own.
    _deliveries(run, "primary"), _deliveries(run, "secondary")  # forget earlier changes
    fast = c.namer.name("connectivity-fast", c.primary_region)
    peer_down = c.namer.name("peer-down", c.secondary_region)
    primary_down = c.namer.name("primary-down", c.primary_region)
    for role, alarm in (("secondary", peer_down), ("primary", fast)):
        run.check(_evaluate_alarm(run, role, alarm) == "ALARM",
                  f"{alarm} fires on what the canary published")
    delivered = _deliveries(run, "secondary")
    run.check(sorted(delivered) == sorted([primary_down, peer_down]),
              f"both alarms reach the secondary's orchestrator through SNS, got "
              f"{sorted(delivered)}")
    run.check(not _deliveries(run, "primary"), "the primary's orchestrator is not triggered")
    start = time.perf_counter()
    moved = _invoke_orchestrator(run, "secondary", delivered[peer_down])
    drill_seconds = time.perf_counter() - start
    run.check(moved["status"] == "completed" and moved["decision"] == "failover",
              f"outage: the orchestrator failed over, got {moved['status']} / "
              f"{moved.get('decision')}")
    run.check(any("across the peering" in signal
                  for signal in moved["observation"].get("outage_signals", [])),
              f"the failover was confirmed by the peer probe, got "
              f"{moved['observation'].get('outage_signals')}")
    if run.aurora:
        _check_global_writer_moved(run)
    else:
        _check_replica_promoted_and_old_primary_fenced(run)
    if c.dns_routing == "global-endpoint":
        run.check(moved["dns"] == {"mode": "global-endpoint", "ok": True, "steps": [],
                                   "note": "Aurora moves the global writer endpoint with the "
                                           "writer"},
                  f"no DNS step: Aurora moves the global writer endpoint, got {moved['dns']}")
    elif c.dns_routing == "failover":
        states = {a["AlarmName"]: a["StateValue"] for a in run.aws("cloudwatch").describe_alarms(
            AlarmNames=[c.namer.name("is-writer", c.primary_region)])["MetricAlarms"]}
        run.check(set(states.values()) == {"ALARM"},
                  f"the old writer's IsWriter alarm is in ALARM, so DNS leaves it: {states}")
    else:
        records = run.aws("route53").list_resource_record_sets(
            HostedZoneId=run.outputs["hosted_zone_id"])["ResourceRecordSets"]
        weights = {r["SetIdentifier"]: r.get("Weight") for r in records
                   if r["Name"].rstrip(".") == run.outputs["writer_dns_name"]}
        run.check(weights == {"primary": 0, "secondary": 100},
                  f"the writer weights moved to 0/100, got {weights}")
    phases = {role: [m["phase"] for m in messages]
              for role, messages in _told(run, inboxes).items()}
    run.check(phases["secondary"] == ["started", "completed"],
              f"outage: the secondary topic follows the failover, got {phases}")
    again = _invoke_orchestrator(run, "secondary", delivered[primary_down])
    run.check(again["status"] == "noop",
              f"the other alarm's delivery, a repeated trigger, does nothing, got "
              f"{again['status']}")
    # Recovery uses data planes only: no Route 53 control-plane call (ChangeResourceRecordSets,
    # UpdateHealthCheck, GetHealthCheck: us-east-1 only, outside the data-plane SLA), unless
    # the weighted records were chosen, which need it.
    control_plane = sorted({call for call in run.orchestrator_calls
                            if call.startswith("route53:")})
    run.check(control_plane == ([] if c.dns_routing != "weighted" else
                                ["route53:ChangeResourceRecordSets",
                                 "route53:ListResourceRecordSets"]),
              f"the orchestrator's Route 53 calls with {c.dns_routing} DNS, got {control_plane}")
    durations = run.aws("cloudwatch", "secondary").list_metrics(
        Namespace="DatabaseDR", MetricName="FailoverDurationSeconds")["Metrics"]
    run.check(bool(durations), "FailoverDurationSeconds was published")
    reviewed, changes = _plan_after_failover(run)
    return (f"canary fault: refused, both topics told; outage: peer-down alarm -> SNS -> "
            f"orchestrator, failed over in {drill_seconds:.2f} s; plan after: 0 destroy/replace, {len(changes)} "
            f"update(s), review risk {reviewed.level}")


def _writer_region(run: Run) -> str | None:
    if run.aurora:
        (gc,) = run.aws("rds").describe_global_clusters(
            GlobalClusterIdentifier=run.outputs["global_cluster_id"])["GlobalClusters"]
        writers = [m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"]]
        return writers[0].split(":")[3] if len(writers) == 1 else None
    (replica,) = run.aws("rds", "secondary").describe_db_instances(
        DBInstanceIdentifier=run.member_id("secondary"))["DBInstances"]
    return (run.config.primary_region if replica.get("ReadReplicaSourceDBInstanceIdentifier")
            else run.config.secondary_region)


def _plan_after_failover(run: Run) -> tuple[Any, list]:
    """Terraform accepts the new roles: nothing to destroy, replace or change on any
    database or DNS resource; what a reviewer would see for the next pull request."""
    run.tf("plan", "-input=false", "-out=drill.tfplan")
    plan = json.loads(run.tf("show", "-json", "drill.tfplan").stdout)
    changed = [r for r in plan.get("resource_changes", []) if r["change"]["actions"] != ["no-op"]]
    changes = [(r["address"], r["change"]["actions"]) for r in changed]
    destructive = [(a, x) for a, x in changes if "delete" in x]
    run.check(not destructive, f"the plan after failover destroys or replaces nothing, got {destructive}")
    # The new roles (membership, a promoted replica, the fence, the weights) are AWS's now.
    owned_by_failover = ("aws_rds", "aws_db_instance", "aws_route53_health_check",
                         "aws_route53_record")
    database_changes = [(a, x) for a, x in changes if any(t in a for t in owned_by_failover)]
    run.check(not database_changes,
              f"no change to any database or DNS resource, got {database_changes}")
    reviewed = plan_review.review(plan)
    (run.workdir / "plan-review-after-failover.md").write_text(plan_review.render(reviewed))
    run.check(reviewed.level == "none",
              f"the plan review after failover finds no risk, got {reviewed.level}: "
              f"{[f.why for f in reviewed.findings]}")
    for r in changed:
        before, after = r["change"]["before"] or {}, r["change"]["after"] or {}
        attributes = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        print(f"    plan after failover: {'/'.join(r['change']['actions'])} {r['address']} "
              f"({', '.join(attributes)})")
    return reviewed, changes


def _check_global_writer_moved(run: Run) -> None:
    (gc,) = run.aws("rds").describe_global_clusters(
        GlobalClusterIdentifier=run.outputs["global_cluster_id"])["GlobalClusters"]
    writer = [m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"]]
    run.check(len(writer) == 1 and writer[0].split(":")[3] == run.config.secondary_region,
              f"the writer moved to {run.config.secondary_region}, got {writer}")


def _check_replica_promoted_and_old_primary_fenced(run: Run) -> None:
    (replica,) = run.aws("rds", "secondary").describe_db_instances(
        DBInstanceIdentifier=run.member_id("secondary"))["DBInstances"]
    run.check(not replica.get("ReadReplicaSourceDBInstanceIdentifier")
              and replica["DBInstanceStatus"] == "available",
              f"the replica is a standalone, available writer, got "
              f"{replica.get('ReadReplicaSourceDBInstanceIdentifier')} / {replica['DBInstanceStatus']}")
    (primary,) = run.aws("rds", "primary").describe_db_instances(
        DBInstanceIdentifier=run.member_id("primary"))["DBInstances"]
    run.check(replica["DBInstanceArn"] not in primary.get("ReadReplicaDBInstanceIdentifiers", []),
              "the old primary no longer lists the promoted replica")
    # The fence: Fenced=1 for the old primary, in the surviving region, where the fence
    # child of its writer health check reads it (no Route 53 call)
    import datetime as dt
    end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
    points = run.aws("cloudwatch", "secondary").get_metric_statistics(
        Namespace="DatabaseDR", MetricName="Fenced",
        Dimensions=[{"Name": run.dimension, "Value": run.member_id("primary")}],
        StartTime=end - dt.timedelta(minutes=10), EndTime=end, Period=60,
        Statistics=["Maximum"])["Datapoints"]
    run.check([p["Maximum"] for p in points] == [1.0],
              f"the old primary is fenced by Fenced=1 in {run.config.secondary_region}, got "
              f"{points}")
    fence = run.config.namer.name("fence", run.config.primary_region)
    run.check(_evaluate_alarm(run, "secondary", fence) == "ALARM",
              f"{fence}, the fence child of the old primary's health check, is in ALARM")


def destroy(run: Run) -> str:
    """The project's teardown (``./run destroy``), which works whichever region writes: after
    the drill the writer is in the secondary region, where a plain ``terraform destroy``
    fails (the emulator refuses like AWS, tools/emulator_rules.py rule 2)."""
    detached = teardown.teardown(run.config, run.stack_dir,
                                 lambda region: run.emulator.client("rds", region),
                                 say=lambda line: print(line, flush=True), poll=0.5)
    if run.aurora:
        run.check(detached.writer is not None
                  and region_of(detached.writer) == run.config.secondary_region
                  and [region_of(arn) for arn in detached.detached]
                  == [run.config.primary_region],
                  f"the teardown detached the old primary and kept the new writer, got "
                  f"{detached.summary()}")
    state = json.loads(run.tf("show", "-json").stdout)
    left = [r["address"] for r in state.get("values", {}).get("root_module", {}).get("resources", [])
            if r["mode"] == "managed"]
    run.check(not left, f"Terraform state is empty after destroy, still has {left}")
    return f"{len(run.applied)} resources destroyed; {detached.summary()}"


def verify_nothing_left(run: Run) -> str:
    c, o = run.config, run.outputs
    before, failures_before = run.checks, len(run.failures)
    run.check(not run.aws("rds").describe_global_clusters()["GlobalClusters"],
              "no global cluster left")
    for role in ("primary", "secondary"):
        rds = run.aws("rds", role)
        run.check(not rds.describe_db_clusters()["DBClusters"], f"no {role} cluster left")
        run.check(not rds.describe_db_instances()["DBInstances"], f"no {role} instance left")
        run.check(not rds.describe_db_subnet_groups()["DBSubnetGroups"], f"no {role} subnet group left")
        run.check(not run.aws("cloudwatch", role).describe_alarms()["MetricAlarms"],
                  f"no {role} alarm left")
        run.check(not run.aws("sns", role).list_topics()["Topics"], f"no {role} topic left")
        ec2 = run.aws("ec2", role)
        left = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]]
        run.check(not left, f"no {role} VPC left, got {left}")
        groups = [g["logGroupName"] for g in run.aws("logs", role).describe_log_groups()["logGroups"]]
        run.check(not groups, f"no {role} log group left, got {groups}")
        functions = [f["FunctionName"] for f in run.aws("lambda", role).list_functions()["Functions"]]
        run.check(not functions, f"no {role} function left, got {functions}")
        tables = run.aws("dynamodb", role).list_tables()["TableNames"]
        run.check(not tables, f"no {role} lock table left, got {tables}")
        queues = run.aws("sqs", role).list_queues().get("QueueUrls", [])
        run.check(not queues, f"no {role} queue left, got {queues}")
        rules = [r["Name"] for r in run.aws("events", role).list_rules()["Rules"]]
        run.check(not rules, f"no {role} schedule left, got {rules}")
        # A deleted endpoint may stay listed for a while in state "deleted" (AWS and moto).
        endpoints = [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
                     if e["State"].lower() != "deleted"]
        run.check(not endpoints, f"no {role} VPC endpoint left, got {endpoints}")
        key = run.aws("kms", role).describe_key(KeyId=o[f"{role}_kms_key_arn"])["KeyMetadata"]
        run.check(key["KeyState"] == "PendingDeletion", f"{role} key is pending deletion")
    for role in ("primary", "secondary"):
        vaults = [v["BackupVaultName"] for v in
                  run.aws("backup", role).list_backup_vaults()["BackupVaultList"]]
        run.check(not vaults, f"no {role} backup vault left, got {vaults}")
        parameters = run.aws("ssm", role).describe_parameters()["Parameters"]
        run.check(not parameters, f"no {role} parameter left, got {[p['Name'] for p in parameters]}")
        events = run.aws("rds", role).describe_event_subscriptions()["EventSubscriptionsList"]
        run.check(not events, f"no {role} event subscription left")
    plans = run.aws("backup").list_backup_plans()["BackupPlansList"]
    run.check(not plans, f"no backup plan left, got {plans}")
    buckets = [b["Name"] for b in run.aws("s3").list_buckets()["Buckets"]]
    run.check(not buckets, f"no bucket left, got {buckets}")
    dashboards = run.aws("cloudwatch").list_dashboards()["DashboardEntries"]
    run.check(not dashboards, f"no dashboard left, got {dashboards}")
    peerings = [p["VpcPeeringConnectionId"] for p in run.aws("ec2").describe_vpc_peering_connections()[
        "VpcPeeringConnections"] if p["Status"]["Code"] not in ("deleted", "rejected")]
    run.check(not peerings, f"no VPC peering left, got {peerings}")
    secrets_left = {role: [x["Name"] for x in run.aws("secretsmanager", role).list_secrets()[
        "SecretList"]] for role in ("primary", "secondary")}
    if c.generate_master_secret:
        run.check(secrets_left == {"primary": [], "secondary": []},
                  f"the generated secret and its replica are gone, got {secrets_left}")
    else:
        # The stack never deletes a secret it did not create; the run removes its input.
        run.check(all(names == [c.master_secret] for names in secrets_left.values()),
                  f"the existing secret and its replica are still there, got {secrets_left}")
        primary_secrets = run.aws("secretsmanager")
        primary_secrets.remove_regions_from_replication(SecretId=c.master_secret,
                                                        RemoveReplicaRegions=[c.secondary_region])
        primary_secrets.delete_secret(SecretId=c.master_secret, ForceDeleteWithoutRecovery=True)
    run.check(not run.aws("route53").list_hosted_zones()["HostedZones"], "no hosted zone left")
    run.check(not run.aws("route53").list_health_checks()["HealthChecks"], "no health check left")
    roles = [r["RoleName"] for r in run.aws("iam").list_roles()["Roles"]]
    run.check(not roles, f"no IAM role left, got {roles}")
    return (f"{run.checks - before} checks passed, "
            f"{len(run.failures) - failures_before} leftovers")


# Driver ---------------------------------------------------------------------------------

def summary_table(run: Run) -> str:
    rows = ["| phase | result | seconds | counts |", "|---|---|---:|---|"]
    for p in run.phases:
        rows.append(f"| {p.name} | {'ok' if p.ok else 'FAILED'} | {p.seconds:.1f} | {p.count} |")
    total = sum(p.seconds for p in run.phases)
    rows.append(f"| total | | {total:.1f} | |")
    return "\n".join(rows)


def main() -> int:
    environ = dict(os.environ)
    environ.setdefault("ENVIRONMENT_SUFFIX", DEFAULT_SUFFIX)
    environ.pop("DR_EMULATOR_ENDPOINT", None)
    try:
        config = load_config(environ, read_context(ROOT))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    workdir = ROOT / ".e2e" / config.environment_suffix
    if workdir.exists():
        import shutil
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    print(f"e2e: {config.primary_region} -> {config.secondary_region}, "
          f"suffix {config.environment_suffix!r}, workdir {workdir.relative_to(ROOT)}")
    failed = None
    # A new account's Lambda concurrency quota (10): any reserved concurrency is refused, as
    # on such an account (tools/emulator_rules.py, rule 4).
    emulator = Emulator(lambda_concurrency_quota=NEW_ACCOUNT_CONCURRENCY)
    run = Run(config=config, workdir=workdir, emulator=emulator)
    try:
        phase(run, "start emulator", lambda: (emulator.start(), f"moto at {emulator.endpoint}")[1])
        for name, step in (("synthesize", synthesize), ("create inputs", create_inputs),
                           ("plan + checkov", plan_and_scan), ("apply", apply), ("verify through the AWS API", verify),
                           ("integration tests", integration_tests),
                           ("failover drill", failover_drill), ("destroy", destroy),
                           ("verify nothing left", verify_nothing_left)):
            phase(run, name, lambda step=step: step(run))
    except (Exception, KeyboardInterrupt) as err:  # report the phase, then stop cleanly
        failed = run.phases[-1].name if run.phases else "setup"
        print(f"\nFAILED in phase '{failed}': {err}", file=sys.stderr)
    finally:
        emulator.stop()
    table = summary_table(run)
    print("\n" + table)
    (workdir / "summary.md").write_text(table + "\n")
    (workdir / "summary.json").write_text(json.dumps({
        "suffix": config.environment_suffix, "primary_region": config.primary_region,
        "secondary_region": config.secondary_region, "database_mode": config.database_mode,
        "dns_routing": config.dns_routing, "failed_phase": failed,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "phases": [p.__dict__ for p in run.phases]}, indent=2))
    if failed:
        print(f"\ne2e FAILED in phase '{failed}'", file=sys.stderr)
        return 1
    print(f"\ne2e passed: {len(run.applied)} resources applied, {run.checks} checks, "
          "0 leftovers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
