"""Stacks the construct tests build on: the two aliased providers, keys and VPCs in both
regions, and the databases, canaries, alarms and DNS wired as main.py wires them."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_aws.provider import AwsProvider

from constructs_lib.naming import Namer
from dr_lambdas.contract import ROLES
from support.matchers import Synthesized

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
NAMER = Namer("dbdr", "test")


@dataclass
class TestStack:
    """A stack with the two aliased providers, for testing one construct at a time."""

    stack: TerraformStack
    primary: AwsProvider
    secondary: AwsProvider
    extra: dict[str, Any] = field(default_factory=dict)

    def synth(self) -> Synthesized:
        return Synthesized.of(Testing.synth(self.stack))

    def full_synth(self, directory: Path) -> tuple[Synthesized, Path]:
        """The stack fully synthesized (with the checkov skip comments, which ``synth``
        strips) and copied to ``directory``/stack, for terraform and checkov: the document
        and that directory."""
        outdir = Path(Testing.full_synth(self.stack))
        stack_dir = directory / "stack"
        shutil.copytree(outdir / "stacks" / "test", stack_dir)
        shutil.rmtree(outdir, ignore_errors=True)
        return Synthesized.of((stack_dir / "cdk.tf.json").read_text()), stack_dir


def new_stack() -> TestStack:
    app = Testing.app()
    stack = TerraformStack(app, "test")
    primary = AwsProvider(stack, "AwsPrimary", alias="primary", region=PRIMARY)
    secondary = AwsProvider(stack, "AwsSecondary", alias="secondary", region=SECONDARY)
    return TestStack(stack, primary, secondary)


def synth_with(build, *args, **kwargs) -> Synthesized:
    """A new stack with what ``build(t, *args, **kwargs)`` declares in it, synthesized."""
    t = new_stack()
    build(t, *args, **kwargs)
    return t.synth()


def synthesized_once(build, *args, **kwargs):
    """A module-scoped fixture, named by the name it is assigned to (``doc =
    synthesized_once(_vpc)``): ``synth_with(build, *args, **kwargs)``, once per module."""

    def synthesized() -> Synthesized:
        return synth_with(build, *args, **kwargs)

    return pytest.fixture(scope="module")(synthesized)


def keyed_region(
    t: TestStack, role: str, *, region: str | None = None, id_suffix: str = "", **key_props
):
    """``role``'s region of ``t`` (PRIMARY or SECONDARY unless ``region`` is given) with a
    RegionalKey there, ``<role>Key<id_suffix>`` of ``key_props``, as a KeyedRegion."""
    from constructs_lib.security.regional_key import KeyedRegion, RegionalKey, RegionalKeyProps

    provider = getattr(t, role)
    region = region or {"primary": PRIMARY, "secondary": SECONDARY}[role]
    key = RegionalKey(
        t.stack,
        f"{role}Key{id_suffix}",
        RegionalKeyProps(provider=provider, region=region, namer=NAMER, **key_props),
    )
    return KeyedRegion(provider=provider, region=region, key=key)


def keyed_regions(
    t: TestStack,
    *,
    secondary_region: str = SECONDARY,
    application_events: tuple[str, ...] = (),
    id_suffix: str = "",
) -> dict:
    """A ``keyed_region`` for each role: what the constructs that need no VPC stand on.
    EventBridge may also use the keys of the roles in ``application_events`` for its bus and
    dead-letter queues (``RegionalKeyProps.application_events``); ``id_suffix`` sets a second
    pair of keys apart in the same stack."""
    regions = {"primary": PRIMARY, "secondary": secondary_region}
    return {
        role: keyed_region(
            t,
            role,
            region=regions[role],
            id_suffix=id_suffix,
            application_events=role in application_events,
        )
        for role in ROLES
    }


def regional_base(
    t: TestStack,
    *,
    secondary_region: str = SECONDARY,
    secondary_cidr: str = "10.20.0.0/16",
    **vpc_overrides,
) -> dict[str, tuple]:
    """Key and VPC in each region: what the database, alarms and DNS constructs stand on.
    Each role maps to (provider, region, key, vpc); ``vpc_overrides`` go to both VPCs."""
    from constructs_lib.network.regional_vpc import RegionalVpc, RegionalVpcProps

    base = {}
    for role, region, cidr in (
        ("primary", PRIMARY, "10.10.0.0/16"),
        ("secondary", secondary_region, secondary_cidr),
    ):
        where = keyed_region(t, role, region=region)
        placed = dict(provider=where.provider, region=region, namer=NAMER, key=where.key)
        vpc = RegionalVpc(
            t.stack, f"{role}Vpc", RegionalVpcProps(**placed, cidr=cidr, port=5432, **vpc_overrides)
        )
        base[role] = (where.provider, region, where.key, vpc)
    return base


def regional_props(base: dict, role: str, **props) -> dict:
    """``props`` with what every regional construct takes for ``role``'s region of ``base``:
    its provider, region, namer and key."""
    provider, region, key, _ = base[role]
    return dict(provider=provider, region=region, namer=NAMER, key=key, **props)


def regional_service(t: TestStack, role: str, **overrides):
    """A RegionalService ``<role>Service`` in ``role``'s ``keyed_region``, of the app's table
    (dbdr-app-table-test) and configuration path (/dbdr/test/app/), with ``overrides`` over
    those props: the props that place it (provider, region, namer and key) and the service."""
    from constructs_lib.application.regional_service import RegionalService, RegionalServiceProps

    where = keyed_region(t, role)
    placed = dict(provider=where.provider, region=where.region, namer=NAMER, key=where.key)
    props = dict(
        placed,
        table_name="dbdr-app-table-test",
        table_arn=f"arn:aws:dynamodb:{where.region}:123456789012:table/dbdr-app-table-test",
        config_path="/dbdr/test/app/",
        writer_parameter="/dbdr/test/app/database/writer",
    )
    props.update(overrides)
    return placed, RegionalService(t.stack, f"{role}Service", RegionalServiceProps(**props))


def function_props(where, role: str, **overrides):
    """The PythonFunctionProps of a function in ``where`` (a KeyedRegion) for ``role``, that
    packages an existing dr_lambdas package (the canary's) and has no environment or
    statements; ``overrides`` over those."""
    from constructs_lib.automation.python_function import PythonFunctionProps

    props = dict(
        namer=NAMER,
        function="canary",
        role=role,
        environment={},
        statements=[],
        description=f"test {role} function",
    )
    props.update(overrides)
    return PythonFunctionProps.in_region(where, **props)


def database_stack(kind: str = "aurora", **overrides) -> tuple[TestStack, dict, Any]:
    """A new stack with the regional base and a database over it: ``kind`` "aurora" (by
    ``global_database``) or "rds" (by ``rds_database``), which takes ``overrides``.
    Returns (stack, base, database), what the constructs that watch or route to a
    database are built on."""
    t = new_stack()
    base = regional_base(t)
    build = {"aurora": global_database, "rds": rds_database}[kind]
    return t, base, build(t, base, **overrides)


def postgres_settings(**overrides):
    from constructs_lib.database.aurora_regional_cluster import AuroraClusterSettings

    values = dict(
        engine="aurora-postgresql",
        engine_version="15.10",
        parameter_family="aurora-postgresql15",
        tls_parameter=("rds.force_ssl", "1"),
        log_exports=("postgresql",),
        instance_class="db.r6g.large",
    )
    values.update(overrides)
    return AuroraClusterSettings(**values)


def global_database(
    t: TestStack,
    base: dict,
    *,
    settings=None,
    primary_instances: int = 2,
    secondary_instances: int = 1,
    **overrides,
):
    from constructs_lib.database.aurora_global_cluster import (
        AuroraGlobalCluster,
        AuroraGlobalClusterProps,
        AuroraRegion,
    )

    def region(role, count):
        provider, name, key, vpc = base[role]
        return AuroraRegion(provider=provider, region=name, vpc=vpc, key=key, instance_count=count)

    props = dict(
        namer=NAMER,
        settings=settings or postgres_settings(),
        primary=region("primary", primary_instances),
        secondary=region("secondary", secondary_instances),
        master_secret="dbdr/test/master-credentials",
    )
    props.update(overrides)
    return AuroraGlobalCluster(t.stack, "Database", AuroraGlobalClusterProps(**props))


def canary(
    t: TestStack,
    base: dict,
    role: str,
    cluster,
    *,
    id: str | None = None,
    topic_arn: str = "arn:aws:sns:us-east-1:123456789012:alerts",
    **overrides,
):
    """A ConnectivityCanary for ``role``'s region, probing ``cluster``."""
    from constructs_lib.monitoring.connectivity_canary import (
        ConnectivityCanary,
        ConnectivityCanaryProps,
    )

    *_, vpc = base[role]
    props = regional_props(
        base,
        role,
        vpc=vpc,
        engine="aurora-postgresql",
        endpoint=cluster.endpoint,
        database_id=cluster.identifier,
        database_name="appdb",
        secret_id="dbdr/test/master-credentials",
        secret_statements=[
            {
                "Sid": "ReadDatabaseCredentials",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": (
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
                    "dbdr/test/master-credentials-??????"
                ),
            }
        ],
        alarm_topic_arn=topic_arn,
    )
    props.update(overrides)
    return ConnectivityCanary(t.stack, id or f"{role}Canary", ConnectivityCanaryProps(**props))


def rds_settings(**overrides):
    from constructs_lib.database.rds_regional_instance import RdsInstanceSettings

    values = dict(
        engine_version="15.12", parameter_family="postgres15", tls_parameter=("rds.force_ssl", "1")
    )
    values.update(overrides)
    return RdsInstanceSettings(**values)


def rds_database(t: TestStack, base: dict, *, settings=None, **overrides):
    """An RdsReplicaDatabase: primary in PRIMARY, read replica in SECONDARY."""
    from constructs_lib.database.rds_replica_database import (
        RdsRegion,
        RdsReplicaDatabase,
        RdsReplicaDatabaseProps,
    )

    def region(role):
        provider, name, key, vpc = base[role]
        return RdsRegion(provider=provider, region=name, vpc=vpc, key=key)

    props = dict(
        namer=NAMER,
        settings=settings or rds_settings(),
        primary=region("primary"),
        secondary=region("secondary"),
        master_secret="dbdr/test/master-credentials",
    )
    props.update(overrides)
    return RdsReplicaDatabase(t.stack, "Database", RdsReplicaDatabaseProps(**props))


def lag_alarms(t: TestStack, base: dict, database, **overrides) -> dict:
    """LagAlarms in each region for that region's member of ``database``, by role."""
    from constructs_lib.monitoring.lag_alarms import LagAlarms, LagAlarmsProps

    alarms = {}
    for role in ROLES:
        props = regional_props(base, role, database=getattr(database, role))
        props.update(overrides)
        alarms[role] = LagAlarms(t.stack, f"{role}Alarms", LagAlarmsProps(**props))
    return alarms


@dataclass
class FailoverStack:
    """A global database with what watches it and routes to it, wired as the app wires
    them: LagAlarms and a canary in each region (the canary alarming to that region's
    topic), and one FailoverDns; alarms and canaries by role."""

    t: TestStack
    base: dict
    database: Any
    alarms: dict
    canaries: dict
    dns: Any


def failover_stack(**dns_overrides) -> FailoverStack:
    """A FailoverStack whose FailoverDns (zone db-test.internal, each region's records
    guarded by its canary's connectivity and writer alarms) takes ``dns_overrides``;
    routing "global-endpoint" gets the global cluster's endpoint unless one is given."""
    from constructs_lib.dns.failover_dns import DnsRegion, FailoverDns, FailoverDnsProps

    t, base, database = database_stack()
    alarms = lag_alarms(t, base, database)
    canaries, regions = {}, {}
    for role in ROLES:
        member = getattr(database, role)
        canaries[role] = canary(t, base, role, member, topic_arn=alarms[role].topic_arn)
        regions[role] = DnsRegion(
            region=base[role][1],
            vpc=base[role][3],
            database=member,
            health_alarms=(canaries[role].connectivity_alarm, canaries[role].writer_alarm),
        )
    if dns_overrides.get("routing") == "global-endpoint":
        dns_overrides.setdefault("global_writer_endpoint", database.global_cluster.endpoint)
    props = dict(provider=t.primary, namer=NAMER, zone_name="db-test.internal", **regions)
    props.update(dns_overrides)
    dns = FailoverDns(t.stack, "Dns", FailoverDnsProps(**props))
    return FailoverStack(t, base, database, alarms, canaries, dns)
