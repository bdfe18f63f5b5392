#!/usr/bin/env python
"""Active-passive, two-region database with DNS failover: the cdktf app.

The database is an Aurora Global Database (``database_mode=aurora-global``, default) or an
RDS PostgreSQL primary with a cross-region read replica (``rds-replica``); everything around
it (networks, keys, alarms, canaries, DNS, failover automation) is the same.

Reads like a picture of the deployment: load the configuration, declare one AWS provider
per region, instantiate each regional construct once per region, wire them, declare the
outputs. Resource-level detail lives in ``constructs_lib``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from constructs_lib.config import ConfigError, DrConfig, load_config, read_context
from dr_lambdas.contract import EMULATOR_CREDENTIALS, STACK_ID

if TYPE_CHECKING:
    from constructs_lib.monitoring.dr_dashboard import ApplicationWidgets

PROJECT_DIR = Path(__file__).resolve().parent
TERRAFORM_VERSION = ">= 1.11"


def build_app(config: DrConfig, outdir: str | None = None):
    """Create the cdktf App holding the deployment's one stack (not yet synthesized)."""
    # The provider bindings take 10-15 s to load, so they are imported only once the
    # configuration is known to be valid.
    from cdktf import App

    app = App(outdir=outdir) if outdir else App()
    build_stack(app, config)
    return app


def build_stack(app, config: DrConfig):
    from cdktf import LocalBackend, S3Backend, TerraformOutput, TerraformStack

    from constructs_lib.automation.failover_automation import (
        FailoverAutomation,
        FailoverAutomationProps,
        RegionSide,
    )
    from constructs_lib.dns.failover_dns import DnsRegion, FailoverDns, FailoverDnsProps
    from constructs_lib.monitoring.connectivity_canary import (
        ConnectivityCanary,
        ConnectivityCanaryProps,
        PeerDatabase,
    )
    from constructs_lib.monitoring.lag_alarms import AlarmThresholds, LagAlarms, LagAlarmsProps
    from constructs_lib.network.regional_vpc import RegionalVpc, RegionalVpcProps
    from constructs_lib.regional_provider import regional_provider
    from constructs_lib.security.regional_key import KeyedRegion, RegionalKey, RegionalKeyProps

    c, namer = config, config.namer
    stack = TerraformStack(app, STACK_ID)
    # The master password reaches RDS through write-only arguments (master_password_wo,
    # password_wo), which Terraform accepts from 1.11 on; older versions fail on them.
    stack.add_override("terraform.required_version", TERRAFORM_VERSION)

    # Terraform state: S3 (encrypted, S3-native lock) when a bucket is configured,
    # otherwise a local file per environment so a new user needs no AWS account.
    if c.state_bucket:
        S3Backend(stack, **s3_backend(c))
        if c.state_lock:
            stack.add_override("terraform.backend.s3.use_lockfile", True)
    else:
        LocalBackend(stack, path=f"terraform.{c.environment_suffix}.tfstate")

    # One provider per region; every resource names the one it belongs to.
    regions = {"primary": c.primary_region, "secondary": c.secondary_region}
    providers = {
        role: regional_provider(stack, role, region, c.required_tags, c.emulator_endpoint)
        for role, region in regions.items()
    }

    def placed(role: str) -> dict:
        """What every regional construct is given: its region's provider, the region, the namer."""
        return dict(provider=providers[role], region=regions[role], namer=namer)

    keys = {
        role: RegionalKey(
            stack,
            f"{role.capitalize()}Key",
            RegionalKeyProps(
                **placed(role),
                deletion_window_days=c.key_deletion_window_days,
                application_events=c.app_tier,
            ),
        )
        for role in regions
    }
    # Each region as the data-protection and application constructs see it.
    keyed = {
        role: KeyedRegion(provider=providers[role], region=region, key=keys[role])
        for role, region in regions.items()
    }

    def in_each_region(name: str, construct, props, fields: Callable[[str], dict]) -> dict:
        """``construct`` once per region, as ``<Role><name>`` (``PrimaryVpc``): its props are
        the region's provider, region, namer and key, and ``fields(role)``."""
        return {
            role: construct(
                stack,
                f"{role.capitalize()}{name}",
                props(**placed(role), key=keys[role], **fields(role)),
            )
            for role in regions
        }

    vpcs = in_each_region(
        "Vpc",
        RegionalVpc,
        RegionalVpcProps,
        lambda role: dict(
            cidr=getattr(c, f"{role}_vpc_cidr"),
            port=c.port,
            az_count=c.az_count,
            zone_ids=getattr(c, f"{role}_zone_ids"),
            client_cidrs=c.allowed_cidrs,
            client_security_group_ids=getattr(c, f"{role}_client_security_group_ids"),
            log_retention_days=c.log_retention_days,
        ),
    )

    database = _database(stack, c, providers, keys, vpcs)
    members = {"primary": database.primary, "secondary": database.secondary}
    aurora = c.database_mode == "aurora-global"

    thresholds = AlarmThresholds(
        replication_lag_ms=c.replication_lag_threshold_ms,
        rpo_lag_ms=c.rpo_lag_threshold_ms,
        cpu_percent=c.cpu_threshold_percent,
        freeable_memory_mib=c.freeable_memory_threshold_mib,
        free_local_storage_mib=c.free_local_storage_threshold_mib,
        free_storage_mib=c.free_storage_threshold_mib,
        replica_lag_seconds=c.replica_lag_threshold_seconds,
        connections=c.connections_threshold,
        period_seconds=c.alarm_period_seconds,
        evaluation_periods=c.alarm_evaluation_periods,
    )
    alarms = in_each_region(
        "Alarms",
        LagAlarms,
        LagAlarmsProps,
        lambda role: dict(database=members[role], thresholds=thresholds, alert_email=c.alert_email),
    )

    reserved = 1 if c.reserve_function_concurrency else None

    def peer_of(role: str) -> PeerDatabase | None:
        """The other region's database, which this region's canary probes across the
        peering (an independent view of a region that may be lost)."""
        if not c.vpc_peering:
            return None
        other = "secondary" if role == "primary" else "primary"
        return PeerDatabase(
            endpoint=members[other].endpoint,
            reader_endpoint=members[other].reader_endpoint if aurora else "",
            database_id=members[other].identifier,
            cidr=getattr(c, f"{other}_vpc_cidr"),
        )

    canaries = in_each_region(
        "Canary",
        ConnectivityCanary,
        ConnectivityCanaryProps,
        lambda role: dict(
            vpc=vpcs[role],
            engine=c.engine,
            endpoint=members[role].endpoint,
            reader_endpoint=members[role].reader_endpoint if aurora else "",
            peer=peer_of(role),
            database_id=members[role].identifier,
            dimension=members[role].dimension,
            database_name=c.database_name,
            secret_id=database.master_secret.secret_id(role),
            secret_statements=database.master_secret.read_statements(role),
            alarm_topic_arn=alarms[role].topic_arn,
            log_retention_days=c.log_retention_days,
            reserved_concurrency=reserved,
            probe_interval_seconds=c.probe_interval_seconds,
        ),
    )

    global_writer_endpoint = database.global_cluster.endpoint if aurora else ""
    dns = FailoverDns(
        stack,
        "Dns",
        FailoverDnsProps(
            provider=providers["primary"],
            namer=namer,
            zone_name=c.dns_zone_name,
            routing=c.dns_routing,
            ttl_seconds=c.dns_ttl_seconds,
            global_writer_endpoint=(
                global_writer_endpoint if c.dns_routing == "global-endpoint" else ""
            ),
            **{
                role: DnsRegion(
                    region=region,
                    vpc=vpcs[role],
                    database=members[role],
                    topic_arn=alarms[role].topic_arn,
                    health_alarms=(canaries[role].connectivity_alarm, canaries[role].writer_alarm),
                )
                for role, region in regions.items()
            },
        ),
    )

    sides = {
        role: RegionSide(
            provider=providers[role],
            region=region,
            key=keys[role],
            database=members[role],
            topic_arn=alarms[role].topic_arn,
            writer_alarm=canaries[role].writer_alarm,
            canary_function_name=canaries[role].function.function_name,
            canary_function_arn=canaries[role].function.arn,
        )
        for role, region in regions.items()
    }
    automation = {
        role: FailoverAutomation(
            stack,
            f"{role.capitalize()}Failover",
            FailoverAutomationProps(
                namer=namer,
                home=role,
                primary=sides["primary"],
                secondary=sides["secondary"],
                global_cluster_id=database.global_cluster_id if aurora else "",
                global_cluster_arn=database.global_cluster.arn if aurora else "",
                hosted_zone_id=dns.zone_id,
                hosted_zone_arn=dns.zone_arn,
                writer_record_name=dns.writer_name,
                dns_mode=c.dns_routing,
                rpo_seconds=c.rpo_seconds,
                automatic=c.automatic_failover,
                primary_down_alarms=(
                    canaries["primary"].fast_alarm,
                    alarms["primary"].writer_health_alarm,
                ),
                home_alarms=tuple(a for a in (canaries[role].peer_alarm,) if a is not None),
                log_retention_days=c.log_retention_days,
                backup_retention_days=c.backup_retention_days,
                reserved_concurrency=reserved,
            ),
        )
        for role in regions
    }

    extras = _data_protection(
        stack,
        c,
        keyed,
        vpcs,
        members,
        alarms,
        dns,
        database.master_secret_arn,
        global_writer_endpoint,
    )

    application = None
    if c.app_tier:
        tier_outputs, application = _application_tier(
            stack, c, in_each_region, keyed, vpcs, members, alarms, dns
        )
        extras.update(tier_outputs)
    if c.dashboard:
        extras.update(_dashboard(stack, c, providers, members, dns, application))

    # Outputs (never a secret value).
    def output(name: str, value, description: str) -> None:
        TerraformOutput(stack, name, value=value, description=description)

    kind = "cluster" if aurora else "instance"
    for role, region in regions.items():
        output(
            f"{role}_writer_endpoint",
            members[role].endpoint,
            f"Writer endpoint in {region} (the {kind}'s own name); use for TLS verify-full clients",
        )
        output(
            f"{role}_reader_endpoint", members[role].reader_endpoint, f"Reader endpoint in {region}"
        )
        output(f"{role}_{kind}_id", members[role].identifier, f"Database {kind} in {region}")
        output(f"{role}_kms_key_arn", keys[role].arn, f"Customer-managed key in {region}")
        output(f"{role}_alerts_topic_arn", alarms[role].topic_arn, f"Alert topic in {region}")
        output(f"{role}_vpc_id", vpcs[role].vpc_id, f"VPC in {region}")
        output(
            f"{role}_orchestrator_function",
            automation[role].function.function_name,
            f"Failover orchestrator in {region} (promotes the {region} member)",
        )
        output(
            f"{role}_canary_function",
            canaries[role].function.function_name,
            f"Connectivity canary in {region}",
        )
        output(
            f"{role}_health_check_id",
            dns.health_checks[role].id,
            f"Calculated Route 53 health check of the {region} writer record",
        )
    output("database_mode", c.database_mode, "Database mode of this deployment")
    if aurora:
        output("global_cluster_id", database.global_cluster_id, "Aurora global cluster")
        output(
            "global_writer_endpoint",
            global_writer_endpoint,
            "Aurora global writer endpoint: always names the current writer (Aurora "
            "moves it on switchover and failover); use for TLS verify-full clients",
        )
    output("writer_dns_name", dns.writer_name, "Private DNS name that follows the writer")
    output("reader_dns_name", dns.reader_name, "Private DNS name of the secondary readers")
    output("hosted_zone_id", dns.zone_id, "Private hosted zone of the database names")
    output(
        "master_secret_arn",
        database.master_secret_arn,
        "Secret holding the master credentials (its ARN, never its value)",
    )
    for name, (value, description) in extras.items():
        output(name, value, description)
    return stack


def s3_backend(c: DrConfig) -> dict:
    """The S3 backend's arguments: the state bucket, encrypted; with ``emulator_endpoint`` (an
    offline deploy, ``./run e2e``) the bucket is in the emulator, so the backend talks to it
    with test credentials and without the checks that need real AWS, as the providers do
    (``constructs_lib/regional_provider.py``). Without it nothing else is written."""
    backend = dict(bucket=c.state_bucket, key=c.state_key, region=c.state_region, encrypt=True)
    if c.emulator_endpoint:
        backend.update(
            endpoints={"s3": c.emulator_endpoint, "sts": c.emulator_endpoint},
            use_path_style=True,
            **EMULATOR_CREDENTIALS,
            skip_credentials_validation=True,
            skip_requesting_account_id=True,
            skip_metadata_api_check=True,
            skip_region_validation=True,
        )
    return backend


def _data_protection(
    stack,
    c: DrConfig,
    keyed: dict,
    vpcs: dict,
    members: dict,
    alarms: dict,
    dns,
    secret_arn: str,
    global_writer_endpoint: str,
) -> dict:
    """The data-protection extras, each behind its flag; ``keyed``: each region's provider
    and key; returns their outputs."""
    namer, outputs = c.namer, {}
    regions = {"primary": c.primary_region, "secondary": c.secondary_region}
    destroyable = not c.deletion_protection

    if c.vpc_peering:
        from constructs_lib.network.vpc_peering import VpcPeering, VpcPeeringProps

        peering = VpcPeering(
            stack,
            "Peering",
            VpcPeeringProps(namer=namer, primary=vpcs["primary"], secondary=vpcs["secondary"]),
        )
        outputs["vpc_peering_connection_id"] = (
            peering.connection_id,
            "VPC peering between the two regions",
        )
    if c.backup_buckets:
        from constructs_lib.data_protection.backup_buckets import BackupBuckets, BackupBucketsProps

        buckets = BackupBuckets(
            stack,
            "BackupBuckets",
            BackupBucketsProps(
                namer=namer,
                **keyed,
                expiration_days=c.backup_object_expiration_days,
                force_destroy=destroyable,
            ),
        )
        for role, region in regions.items():
            outputs[f"{role}_backup_bucket"] = (
                buckets.bucket_names[role],
                f"Backup bucket in {region}"
                + (" (replicated to the secondary)" if role == "primary" else " (replica)"),
            )
    if c.aws_backup:
        from constructs_lib.data_protection.backup_plan import DatabaseBackups, DatabaseBackupsProps

        backups = DatabaseBackups(
            stack,
            "Backups",
            DatabaseBackupsProps(
                namer=namer,
                **keyed,
                database_arn=members["primary"].arn,
                retention_days=c.aws_backup_retention_days,
                copy_retention_days=c.aws_backup_copy_retention_days,
                force_destroy=destroyable,
            ),
        )
        outputs["backup_plan_id"] = (backups.plan.id, "AWS Backup plan of the primary database")
        for role, region in regions.items():
            outputs[f"{role}_backup_vault_arn"] = (
                backups.vaults[role].arn,
                f"AWS Backup vault in {region}",
            )
    if c.endpoint_parameters:
        from constructs_lib.dns.endpoint_parameters import (
            EndpointParameters,
            EndpointParametersProps,
        )

        parameters = EndpointParameters(
            stack,
            "EndpointParameters",
            EndpointParametersProps(
                namer=namer,
                path=f"/{c.project_name}/{c.environment_suffix}",
                regions=list(keyed.values()),
                writer_dns_name=dns.writer_name,
                reader_dns_name=dns.reader_name,
                primary=members["primary"],
                secondary=members["secondary"],
                port=c.port,
                secret_arn=secret_arn,
                global_writer_endpoint=global_writer_endpoint,
            ),
        )
        outputs["endpoint_parameter_path"] = (
            parameters.path,
            "SSM Parameter Store path of the endpoints, in both regions",
        )
    if c.event_subscriptions:
        from constructs_lib.monitoring.database_events import DatabaseEvents, DatabaseEventsProps

        for role, side in keyed.items():
            DatabaseEvents(
                stack,
                f"{role.capitalize()}Events",
                DatabaseEventsProps(
                    provider=side.provider,
                    region=side.region,
                    namer=namer,
                    topic_arn=alarms[role].topic_arn,
                    database=members[role],
                ),
            )
    return outputs


def _dashboard(
    stack, c: DrConfig, providers: dict, members: dict, dns, application: ApplicationWidgets | None
) -> dict:
    """The one dashboard of both regions (``dashboard``), with the application tier's
    widgets when ``application`` (``ApplicationWidgets``) is given; returns its output."""
    from constructs_lib.monitoring.dr_dashboard import DrDashboard, DrDashboardProps

    dashboard = DrDashboard(
        stack,
        "Dashboard",
        DrDashboardProps(
            provider=providers["primary"],
            namer=c.namer,
            primary=members["primary"],
            secondary=members["secondary"],
            health_check_ids={role: dns.health_checks[role].id for role in members},
            application=application,
        ),
    )
    return {"dashboard_name": (dashboard.dashboard_name, "CloudWatch dashboard of both regions")}


def _application_tier(
    stack,
    c: DrConfig,
    in_each_region: Callable,
    keyed: dict,
    vpcs: dict,
    members: dict,
    alarms: dict,
    dns,
) -> tuple[dict, ApplicationWidgets]:
    """The application tier in front of the database (``app_tier``); returns its outputs and
    what the dashboard shows of it (``ApplicationWidgets``). Its regional constructs are
    placed by ``in_each_region`` (``build_stack``'s)."""
    from constructs_lib.application.api_failover_records import (
        ApiFailoverRecords,
        ApiFailoverRecordsProps,
        FailoverTarget,
    )
    from constructs_lib.application.global_accelerator import (
        GlobalAccelerator,
        GlobalAcceleratorProps,
    )
    from constructs_lib.application.global_events import GlobalEvents, GlobalEventsProps
    from constructs_lib.application.global_table import GlobalTable, GlobalTableProps
    from constructs_lib.application.public_edge import PublicEdge, PublicEdgeProps
    from constructs_lib.application.regional_api import RegionalApi, RegionalApiProps
    from constructs_lib.application.regional_service import (
        RegionalService,
        RegionalServiceProps,
    )
    from constructs_lib.application.replicated_configuration import (
        ReplicatedConfiguration,
        ReplicatedConfigurationProps,
    )
    from constructs_lib.monitoring.dr_dashboard import ApplicationRegion, ApplicationWidgets
    from constructs_lib.monitoring.health_check_alarms import (
        HealthCheckAlarms,
        HealthCheckAlarmsProps,
        WatchedHealthCheck,
        metrics_role,
    )
    from constructs_lib.naming import region_code

    namer, regions = c.namer, {"primary": c.primary_region, "secondary": c.secondary_region}
    topics = {role: alarms[role].topic_arn for role in regions}

    table = GlobalTable(
        stack, "AppTable", GlobalTableProps(namer=namer, **keyed, topic_arns=topics)
    )
    # What the service reads in its own region: where the database writer is, and the flags.
    parameters = {
        "database/writer": dns.writer_name,
        "database/reader": dns.reader_name,
        "database/port": str(c.port),
        **{f"database/{role}-endpoint": members[role].endpoint for role in regions},
        **{f"flags/{name}": value for name, value in sorted(c.app_feature_flags.items())},
    }
    configuration = ReplicatedConfiguration(
        stack,
        "AppConfiguration",
        ReplicatedConfigurationProps(
            namer=namer, **keyed, parameters=parameters, log_retention_days=c.log_retention_days
        ),
    )
    path = f"{configuration.path}/"
    services = in_each_region(
        "Service",
        RegionalService,
        RegionalServiceProps,
        lambda role: dict(
            table_name=table.table_name,
            table_arn=table.arn(role),
            config_path=path,
            writer_parameter=f"{path}database/writer",
            log_retention_days=c.log_retention_days,
        ),
    )
    events = GlobalEvents(
        stack,
        "AppEvents",
        GlobalEventsProps(
            namer=namer,
            **keyed,
            targets={role: services[role].function for role in regions},
            source_prefix=f"{c.project_name}.app",
            alarm_topic_arn=topics["primary"],
        ),
    )

    # Each region's API: its own name (api-<region code>.<domain>) and the shared one the
    # failover records answer for (api.<domain>); with a public zone, on a certificate this
    # stack requests, which also covers the application's name the edge presents it for.
    domain, zone = c.app_domain_name, c.app_public_zone_id or None

    def custom_domain(role: str) -> dict:
        if not domain:
            return {}
        names = dict(
            domain_name=f"api-{region_code(regions[role])}.{domain}",
            shared_domain_name=f"api.{domain}",
        )
        if zone:
            return dict(names, public_zone_id=zone, certificate_names=(domain,))
        return dict(names, certificate_arn=getattr(c, f"app_{role}_certificate_arn"))

    apis = in_each_region(
        "Api",
        RegionalApi,
        RegionalApiProps,
        lambda role: dict(
            service=services[role], log_retention_days=c.log_retention_days, **custom_domain(role)
        ),
    )
    if zone:
        ApiFailoverRecords(
            stack,
            "ApiFailover",
            ApiFailoverRecordsProps(
                provider=keyed["primary"].provider,
                namer=namer,
                zone_id=zone,
                name=f"api.{domain}",
                **{
                    role: FailoverTarget(
                        domain=apis[role].shared_domain, health_check_id=apis[role].health_check_id
                    )
                    for role in regions
                },
            ),
        )
    edges = in_each_region(
        "Edge",
        PublicEdge,
        PublicEdgeProps,
        lambda role: dict(
            vpc=vpcs[role],
            service=services[role],
            certificate_arn=(
                apis[role].custom_domain.certificate_arn if apis[role].custom_domain else None
            ),
            deletion_protection=c.deletion_protection,
        ),
    )
    accelerator = GlobalAccelerator(
        stack,
        "Accelerator",
        GlobalAcceleratorProps(
            provider=keyed["primary"].provider,
            namer=namer,
            primary=edges["primary"],
            secondary=edges["secondary"],
            client_affinity=c.accelerator_client_affinity,
            primary_traffic_dial=c.accelerator_primary_dial,
            secondary_traffic_dial=c.accelerator_secondary_dial,
        ),
    )

    # Alarms on every API and edge health check, where Route 53 publishes their status
    # (us-east-1): through that region's provider, to its topic; with neither region there,
    # none (main() says so) and the health checks still drive failover.
    watcher = metrics_role(regions)
    if watcher is not None:
        HealthCheckAlarms(
            stack,
            "AppHealthAlarms",
            HealthCheckAlarmsProps(
                provider=keyed[watcher].provider,
                region=regions[watcher],
                namer=namer,
                topic_arn=topics[watcher],
                checks=tuple(
                    WatchedHealthCheck(
                        id=f"{side.capitalize()}{part}",
                        role=role,
                        region=regions[side],
                        health_check_id=check_id,
                        watches=watches,
                    )
                    for side in regions
                    for part, role, check_id, watches in (
                        ("Api", "api-unhealthy", apis[side].health_check_id, "the API"),
                        ("Edge", "edge-unhealthy", edges[side].health_check_id, "the public edge"),
                    )
                ),
            ),
        )

    outputs = {
        "app_accelerator_dns_name": (
            accelerator.dns_name,
            "Global Accelerator: the application's entry point (two static anycast IPs)",
        ),
        "app_table_name": (table.table_name, "DynamoDB global table (both regions)"),
        "app_configuration_path": (
            configuration.path,
            "Parameter Store path of the replicated configuration (primary, copied to the "
            "secondary)",
        ),
        "app_events_endpoint_url": (events.endpoint_url, "EventBridge global endpoint"),
        "app_events_bus_name": (events.bus_name, "Event bus (the same name in both regions)"),
    }
    for role, region in regions.items():
        outputs[f"{role}_service_function"] = (
            services[role].function.function_name,
            f"The application's regional service in {region}",
        )
        outputs[f"{role}_api_invoke_url"] = (
            apis[role].invoke_url,
            f"The application's API in {region}, on its execute-api host",
        )
        outputs[f"{role}_edge_dns_name"] = (
            edges[role].nlb_dns_name,
            f"The public Network Load Balancer in {region}",
        )
        if apis[role].custom_domain:
            outputs[f"{role}_api_domain_target"] = (
                apis[role].custom_domain.regional_domain_name,
                f"Where {apis[role].custom_domain.domain_name} points (alias or CNAME) in {region}",
            )
    widgets = ApplicationWidgets(
        **{
            role: ApplicationRegion(service=services[role], api=apis[role], edge=edges[role])
            for role in regions
        },
        table=table,
        events=events,
    )
    return outputs, widgets


def _database(stack, c: DrConfig, providers: dict, keys: dict, vpcs: dict):
    """The mode's database construct; ``.primary`` / ``.secondary`` are DatabaseMembers."""
    from constructs_lib.database.aurora_global_cluster import (
        AuroraGlobalCluster,
        AuroraGlobalClusterProps,
        AuroraRegion,
    )
    from constructs_lib.database.aurora_regional_cluster import AuroraClusterSettings
    from constructs_lib.database.rds_regional_instance import RdsInstanceSettings
    from constructs_lib.database.rds_replica_database import (
        RdsRegion,
        RdsReplicaDatabase,
        RdsReplicaDatabaseProps,
    )

    regions = {"primary": c.primary_region, "secondary": c.secondary_region}

    def where(role: str) -> dict:
        return dict(provider=providers[role], region=regions[role], vpc=vpcs[role], key=keys[role])

    # The settings and the props take from the configuration every field named like a
    # setting (engine and operations, master user, namer); the rest is given here.
    if c.database_mode == "rds-replica":
        database, props = RdsReplicaDatabase, RdsReplicaDatabaseProps
        settings = c.configured(RdsInstanceSettings)
        members = {role: RdsRegion(**where(role)) for role in regions}
    else:
        database, props = AuroraGlobalCluster, AuroraGlobalClusterProps
        settings = c.configured(
            AuroraClusterSettings,
            aws_backup_plan=c.aws_backup,
            serverless_capacity=(c.serverless_min_capacity, c.serverless_max_capacity),
        )
        members = {
            role: AuroraRegion(**where(role), instance_count=getattr(c, f"{role}_instance_count"))
            for role in regions
        }
    return database(stack, "Database", c.configured(props, settings=settings, **members))


def main(
    environ: Mapping[str, str] = os.environ, outdir: str | None = None, check: bool = False
) -> int:
    """Validate, print the recovery budget, synthesize (to ``outdir``, default cdktf.out).

    With ``check`` (``python main.py --check``, the pre-commit hook) it stops after the
    checks synth makes before anything is written: the settings and the recovery objectives.
    """
    try:
        config = load_config(environ, read_context(PROJECT_DIR))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if config.legacy_tls_optional:
        print(
            f"warning: legacy_tls_optional=true: {config.tls_parameter[0]}="
            f"{config.tls_parameter[1]}, the database accepts unencrypted connections; "
            "use it only for clients that cannot use TLS",
            file=sys.stderr,
        )
    if config.app_tier and not config.app_domain_name:
        print(
            "note: app_tier without app_domain_name: the regional APIs answer on their "
            "execute-api hosts only, and the public edge listens plain HTTP on its port "
            "(no certificate); set app_domain_name with app_public_zone_id or imported "
            "certificates for custom domains and TLS",
            file=sys.stderr,
        )
    from constructs_lib.recovery_budget import recovery_budget, render_text

    # The objectives are checked before anything is written.
    budget = recovery_budget(config)
    print(render_text(budget))
    if not budget.meets_objectives:
        print(
            "error: the configuration cannot meet its recovery objectives: "
            + "; ".join(budget.problems()),
            file=sys.stderr,
        )
        return 2
    if check:
        print(f"configuration valid for environment {config.environment_suffix!r}")
        return 0
    if config.app_tier:
        from constructs_lib.monitoring.health_check_alarms import (
            ROUTE53_METRICS_REGION,
            metrics_role,
        )

        if metrics_role({"p": config.primary_region, "s": config.secondary_region}) is None:
            print(
                f"note: app_tier with neither region in {ROUTE53_METRICS_REGION}: no alarms on "
                "the API and edge health checks (Route 53 publishes their status only in "
                f"{ROUTE53_METRICS_REGION}); the API health checks still drive the failover "
                "records",
                file=sys.stderr,
            )
    app = build_app(config, outdir=outdir)
    app.synth()
    print(summary(Path(app.outdir) / "stacks" / STACK_ID / "cdk.tf.json", config))
    return 0


def summary(synthesized: Path, config: DrConfig) -> str:
    """One line per region: how many resources the plan reviewer will see, and where."""
    import json
    from collections import Counter

    resources = json.loads(synthesized.read_text())["resource"]
    per_provider = Counter(
        body.get("provider", "") for bodies in resources.values() for body in bodies.values()
    )
    return (
        f"synthesized stack {STACK_ID!r} for environment "
        f"{config.environment_suffix!r} to {synthesized}: "
        f"{per_provider['aws.primary']} resources in {config.primary_region} (primary), "
        f"{per_provider['aws.secondary']} in {config.secondary_region} (secondary)"
    )


if __name__ == "__main__":
    if sys.argv[1:] not in ([], ["--check"]):
        print("usage: python main.py [--check]", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(check=sys.argv[1:] == ["--check"]))
