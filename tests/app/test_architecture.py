"""The architecture picture (tools/architecture.py): drawn with diagrams from the synthesized
stack in both database modes and with the application tier, rendered by Graphviz into a
self-contained SVG and a PNG, and the committed docs/architecture*.* kept in step with what
the app synthesizes."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from support import ROOT
from support.apps import APP_TIER_ENV, RDS_ENV, Synthesized
from tools.architecture import (
    ICON_ROOT,
    NOT_DRAWN_NAMES,
    TIER_KINDS,
    build_graph,
    render,
    to_dot,
)

DOCS = ROOT / "docs"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NEEDS_DOT = "Graphviz `dot` is not on PATH: ./run installs it (Debian package graphviz)"
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
# Paths of this machine a committed picture must not carry (GitHub could not show them).
LOCAL_PATHS = (str(ROOT), str(ICON_ROOT), "site-packages", ".venv")


@pytest.fixture(scope="module")
def default_graph(default_app):
    return build_graph(default_app.doc)


@pytest.fixture(scope="module")
def rds_graph(rds_app):
    return build_graph(rds_app.doc)


@pytest.fixture(scope="module")
def app_tier_graph(app_tier_app):
    return build_graph(app_tier_app.doc)


@pytest.fixture(scope="module")
def rds_dev_app(outdir_root) -> Synthesized:
    """The rds-replica mode with the default suffix, as the committed picture shows it."""
    return Synthesized({**RDS_ENV, "ENVIRONMENT_SUFFIX": "dev"}, outdir_root / "rds-dev")


def _providers(doc: dict) -> dict[str, str]:
    return {block["alias"]: block["region"] for block in doc["provider"]["aws"]}


def _address(doc: dict, rtype: str, alias: str) -> str:
    """The address of the one resource of a type on a regional provider."""
    (name,) = [
        n for n, body in doc["resource"][rtype].items() if body["provider"] == f"aws.{alias}"
    ]
    return f"{rtype}.{name}"


def _find(doc: dict, rtype: str, alias: str, **properties) -> str:
    """The address of the one resource of a type on a regional provider whose properties
    contain the given values (a property given as a string matches as a substring)."""
    (name,) = [
        n
        for n, body in doc["resource"][rtype].items()
        if body["provider"] == f"aws.{alias}"
        and all(
            v in str(body.get(k)) if isinstance(v, str) else body.get(k) == v
            for k, v in properties.items()
        )
    ]
    return f"{rtype}.{name}"


def _body(doc: dict, address: str) -> dict:
    rtype, name = address.split(".")
    return doc["resource"][rtype][name]


def _count(doc: dict, rtype: str, alias: str) -> int:
    return sum(b["provider"] == f"aws.{alias}" for b in doc["resource"][rtype].values())


def _dot():
    dot = shutil.which("dot")
    if not dot:
        pytest.fail(NEEDS_DOT)
    return dot


# --- what the picture shows -----------------------------------------------------------------


@pytest.mark.parametrize("app", ["default_app", "variant_app"])
def test_each_region_is_a_box_named_after_its_providers_region(app, request):
    # Given the synthesized stack, when it is drawn
    doc = request.getfixturevalue(app).doc
    graph = build_graph(doc)
    source = to_dot(graph)
    # Then each aliased provider has its box, labelled with the region its block names
    for alias, region in _providers(doc).items():
        box = graph.clusters[f"cluster_{alias}"]
        assert box.title == f"{alias} region: {region}"
        assert f"subgraph cluster_{alias} {{" in source
        assert f"<b>{alias} region: {region}</b>" in source
    # and Route 53 and the global cluster, which belong to no region, have their own
    assert all(
        node.place == "global"
        for kind in ("record", "health_check", "global_cluster")
        for node in graph.nodes_of(kind)
    )
    # and the primary box is written before the global one, the secondary after it
    assert (
        source.index("subgraph cluster_primary {")
        < source.index("subgraph cluster_global {")
        < source.index("subgraph cluster_secondary {")
    )


def test_each_region_draws_its_database_inside_its_vpc(default_app, default_graph):
    doc = default_app.doc
    for alias in ("primary", "secondary"):
        cluster = _address(doc, "aws_rds_cluster", alias)
        (node,) = default_graph.nodes_of("database", alias)
        (instance_class,) = {
            b["instance_class"]
            for b in doc["resource"]["aws_rds_cluster_instance"].values()
            if b["provider"] == f"aws.{alias}"
        }
        instances = _count(doc, "aws_rds_cluster_instance", alias)
        assert (node.id, node.title) == (cluster, "Aurora cluster")
        assert node.lines[0] == _body(doc, cluster)["cluster_identifier"]
        assert f"{instances} x {instance_class}" in node.lines
        # The VPC is the box around it, with its range and subnet count.
        vpc = _address(doc, "aws_vpc", alias)
        assert node.cluster == f"cluster_vpc_{vpc.split('.')[1]}"
        assert (
            default_graph.clusters[node.cluster]
            .lines[0]
            .startswith(
                f"{_body(doc, vpc)['cidr_block']}, "
                f"{_count(doc, 'aws_subnet', alias)} private subnets"
            )
        )


def test_replication_runs_from_the_primary_database_to_the_secondary(default_app, default_graph):
    doc = default_app.doc
    primary = _address(doc, "aws_rds_cluster", "primary")
    secondary = _address(doc, "aws_rds_cluster", "secondary")
    (glob,) = default_graph.nodes_of("global_cluster")
    replication = {(e.src, e.dst): e.label for e in default_graph.edges_of("replication")}
    assert replication[(primary, secondary)].startswith("global database replication")
    membership = {(e.src, e.dst) for e in default_graph.edges_of("membership")}
    assert membership == {(primary, glob.id), (glob.id, secondary)}
    # The backup bucket replicates and the AWS Backup plan copies the same way.
    for rtype, label in (
        ("aws_s3_bucket", "S3 replication"),
        ("aws_backup_vault", "AWS Backup copy"),
    ):
        edge = (_address(doc, rtype, "primary"), _address(doc, rtype, "secondary"))
        assert replication[edge].startswith(label)
    # The DOT draws it as a bold arrow from left to right, between the databases' icons.
    source = to_dot(default_graph)
    assert re.search(
        rf'"{re.escape(primary)}" -> "{re.escape(secondary)}" '
        r'\[label="global database replication[^]]*dir=forward[^]]*style=bold',
        source,
    )
    for address in (primary, secondary):
        assert re.search(
            rf'"{re.escape(address)}" \[label=<.*<IMG SRC="resources/aws/database/aurora\.png"',
            source,
        )


def test_rds_replica_is_drawn_from_its_replicate_source_db(rds_app, rds_graph):
    doc = rds_app.doc
    primary = _address(doc, "aws_db_instance", "primary")
    replica = _address(doc, "aws_db_instance", "secondary")
    assert "replicate_source_db" in _body(doc, replica)
    replication = {(e.src, e.dst): e.label for e in rds_graph.edges_of("replication")}
    assert (
        replication[(primary, replica)] == "cross-region read replica\n(replicate_source_db = arn)"
    )
    assert rds_graph.nodes[primary].title == "RDS instance"
    assert rds_graph.nodes[replica].title == "RDS read replica"
    assert not rds_graph.nodes_of("global_cluster") and not rds_graph.edges_of("membership")
    # Each orchestrator promotes its own region's instance.
    promote = {
        (e.src, e.dst) for e in rds_graph.edges_of("control") if e.label == "PromoteReadReplica"
    }
    assert promote == {
        (node.id, _address(doc, "aws_db_instance", node.place))
        for node in rds_graph.nodes_of("orchestrator")
    }


def test_dns_records_point_at_the_databases_they_name(default_app, default_graph):
    doc = default_app.doc
    dns = {(e.src, e.dst): e.label for e in default_graph.edges_of("dns")}
    pointed = {}
    for name, record in doc["resource"]["aws_route53_record"].items():
        address = f"aws_route53_record.{name}"
        (target, attribute) = re.fullmatch(
            r"\$\{(aws_rds_[a-z_]+\.[\w-]+)\.(\w+)\}", record["records"][0]
        ).groups()
        # Each record node, inside the zone's box, has an edge to the endpoint it names.
        assert dns[(address, target)] == attribute
        assert default_graph.nodes[address].cluster.startswith("cluster_zone_")
        pointed[record["name"].split(".")[0]] = (target.split(".")[0], attribute)
    # The writer name follows the global writer endpoint; the reader name the secondary's
    assert pointed == {
        "writer": ("aws_rds_global_cluster", "endpoint"),
        "reader": ("aws_rds_cluster", "reader_endpoint"),
    }


def test_health_checks_follow_their_regions_alarms(default_app, default_graph):
    follows = {(e.src, e.dst) for e in default_graph.edges_of("dns") if e.label == "alarm metrics"}
    checks = default_graph.nodes_of("health_check")
    assert len(checks) == 2  # the alarm-based checks are lines of the calculated ones
    for check in checks:
        (alias,) = [
            a
            for a, region in _providers(default_app.doc).items()
            if check.title == f"Route 53 health check ({region})"
        ]
        assert (check.id, f"alarms_{alias}") in follows
        assert check.lines[0] == "CALCULATED: 2 of 2 must be healthy"
        assert sum(line.startswith("alarm dbdr-") for line in check.lines) == 2


@pytest.mark.parametrize("app", ["default_app", "rds_app", "variant_app"])
def test_alarms_are_grouped_per_region_with_their_count(app, request):
    doc = request.getfixturevalue(app).doc
    graph = build_graph(doc)
    for alias in _providers(doc):
        alarms = [
            f"{rtype}.{name}"
            for rtype in ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")
            for name, body in doc["resource"].get(rtype, {}).items()
            if body["provider"] == f"aws.{alias}"
        ]
        (node,) = graph.nodes_of("alarms", alias)
        assert node.title.startswith(f"{len(alarms)} CloudWatch alarms")
        assert sorted(node.members) == sorted(alarms)
        assert len(node.lines) <= 5  # four names and "and N more"


def test_alerts_reach_the_orchestrator_which_acts_on_the_database_and_dns(
    default_app, default_graph
):
    doc = default_app.doc
    topic = {a: _address(doc, "aws_sns_topic", a) for a in ("primary", "secondary")}
    orchestrator = {n.place: n.id for n in default_graph.nodes_of("orchestrator")}
    (glob,) = default_graph.nodes_of("global_cluster")
    alerting = {(e.src, e.dst) for e in default_graph.edges_of("alerting")}
    assert alerting == {
        ("alarms_primary", topic["primary"]),
        ("alarms_secondary", topic["secondary"]),
        (topic["primary"], orchestrator["secondary"]),
        # the peer-down alarm, delivered in the surviving region
        (topic["secondary"], orchestrator["secondary"]),
    }
    control = {(e.src, e.dst, e.label, e.lhead) for e in default_graph.edges_of("control")}
    for function in orchestrator.values():
        assert (function, glob.id, "Switchover / FailoverGlobalCluster", None) in control
        # The global writer endpoint follows the writer: no DNS step to draw
        assert not any(
            src == function and label == "moves the writer name" for src, _, label, _ in control
        )
    canaries = {n.place: n.id for n in default_graph.nodes_of("canary")}
    for alias, canary in canaries.items():
        other = "secondary" if alias == "primary" else "primary"
        assert (canary, _address(doc, "aws_rds_cluster", alias), "probes", None) in control
        assert (
            canary,
            _address(doc, "aws_rds_cluster", other),
            "probes across the peering",
            None,
        ) in control
        # After moving the writer, each orchestrator runs its own region's canary.
        assert (orchestrator[alias], canary, "runs the canary", None) in control
    assert sum(label == "runs the canary" for _, _, label, _ in control) == 2


@pytest.mark.parametrize(
    "app, most_nodes",
    [
        ("default_app", 45),
        ("rds_app", 45),
        ("variant_app", 45),
        ("rds_variant_app", 45),
        ("app_tier_app", 60),
    ],
)
def test_every_resource_is_drawn_or_counted_as_not_drawn(app, most_nodes, request):
    # A resource type the picture does not know would only be counted in the title: a new
    # kind of resource should be drawn, or named in NOT_DRAWN_NAMES on purpose.
    doc = request.getfixturevalue(app).doc
    graph = build_graph(doc)
    assert set(graph.not_drawn) <= set(NOT_DRAWN_NAMES), graph.not_drawn
    # No resource is drawn twice, and the picture stays small enough to read.
    drawn = [m for node in graph.nodes.values() for m in node.members]
    assert len(drawn) == len(set(drawn))
    assert set(drawn) <= {f"{t}.{n}" for t, blocks in doc["resource"].items() for n in blocks}
    assert len(graph.nodes) <= most_nodes


def test_the_picture_names_the_real_resources(default_app, default_graph):
    source = to_dot(default_graph)
    for name in (
        "dbdr-cluster-use1-dev",
        "dbdr-cluster-usw2-dev",
        "dbdr-global-dev",
        "writer.db-dev.internal",
        "dbdr-orchestrator-usw2-dev",
        "dbdr-failover-lock-usw2-dev",
        "dbdr-orchestrator-dlq-usw2-dev",
        "dbdr-backups-use1-dev",
        "dbdr-vault-usw2-dev",
        "dbdr-dashboard-dev",
        "alias/dbdr-key-use1-dev",
        "/dbdr/dev/",
    ):
        assert name in source, name
    total = sum(len(blocks) for blocks in default_app.doc["resource"].values())
    assert default_graph.title == (
        f"dbdr (dev): Aurora Global Database, us-east-1 -> us-west-2, {total} resources"
    )


@pytest.mark.parametrize("app", ["default_app", "app_tier_app"])
def test_the_same_stack_gives_the_same_dot(app, request):
    # Key order in the JSON does not matter: everything is iterated sorted.
    doc = request.getfixturevalue(app).doc
    reordered = json.loads(json.dumps(doc), object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    assert to_dot(build_graph(reordered)) == to_dot(build_graph(doc))


# --- the application tier -------------------------------------------------------------------


def _service(doc: dict, alias: str) -> str:
    return _find(doc, "aws_lambda_function", alias, handler=".app_service.")


def test_without_the_tier_nothing_of_it_is_drawn(default_graph, app_tier_graph):
    # The tier's kinds are exactly what the tier adds to the picture...
    kinds = {n.kind for n in default_graph.nodes.values()}
    assert {n.kind for n in app_tier_graph.nodes.values()} - kinds == set(TIER_KINDS)
    # ...and none of them is drawn without it.
    assert not [n.id for kind in TIER_KINDS for n in default_graph.nodes_of(kind)]
    assert not [e for kind in ("traffic", "events", "reads") for e in default_graph.edges_of(kind)]
    assert "application tier" not in default_graph.title


def test_the_accelerator_sends_clients_to_each_regions_nlb_then_alb_then_service(
    app_tier_app, app_tier_graph
):
    doc = app_tier_app.doc
    (accelerator,) = app_tier_graph.nodes_of("accelerator")
    assert accelerator.place == "global"
    # The listener and both endpoint groups are lines of the accelerator, not nodes.
    listener = next(iter(doc["resource"]["aws_globalaccelerator_listener"]))
    assert app_tier_graph.node_of(f"aws_globalaccelerator_listener.{listener}") is accelerator
    assert "listener TCP 443, client affinity NONE" in accelerator.lines
    traffic = {(e.src, e.dst): e.label for e in app_tier_graph.edges_of("traffic")}
    for alias, region in _providers(doc).items():
        nlb = _find(doc, "aws_lb", alias, load_balancer_type="network")
        alb = _find(doc, "aws_lb", alias, load_balancer_type="application")
        service = _service(doc, alias)
        assert f"endpoint group {region}: dial 100 %" in accelerator.lines
        assert traffic[(accelerator.id, nlb)].startswith(f"endpoint group {region}\n")
        assert traffic[(nlb, alb)] == "TCP 443"
        assert traffic[(alb, service)] == "HTTPS 443"
        # The NLB stands in the region's VPC with its public subnets and gateway as lines.
        node = app_tier_graph.nodes[nlb]
        assert (node.kind, node.place) == ("public_lb", alias)
        assert node.cluster.startswith("cluster_vpc_")
        assert "3 public subnets in 3 AZs:" in node.lines
        assert "internet gateway, route 0.0.0.0/0" in node.lines
        (gateway,) = [
            n
            for n, b in doc["resource"]["aws_internet_gateway"].items()
            if b["provider"] == f"aws.{alias}"
        ]
        assert app_tier_graph.node_of(f"aws_internet_gateway.{gateway}") is node
        assert app_tier_graph.nodes[service].kind == "service"


def test_the_global_table_replicates_to_a_replica_node_in_the_secondary(
    app_tier_app, app_tier_graph
):
    doc = app_tier_app.doc
    (table,) = [
        f"aws_dynamodb_table.{n}"
        for n, body in doc["resource"]["aws_dynamodb_table"].items()
        if body.get("replica")
    ]
    (replica,) = app_tier_graph.nodes_of("replica")
    assert (app_tier_graph.nodes[table].kind, app_tier_graph.nodes[table].place) == (
        "table",
        "primary",
    )
    assert replica.place == "secondary" and replica.members == []
    assert _body(doc, table)["name"] in replica.lines
    replication = {(e.src, e.dst) for e in app_tier_graph.edges_of("replication")}
    assert (table, replica.id) in replication
    # Each region's service reads and writes its own region's copy.
    reads = {(e.src, e.dst) for e in app_tier_graph.edges_of("reads")}
    assert (_service(doc, "primary"), table) in reads
    assert (_service(doc, "secondary"), replica.id) in reads


def test_the_configuration_is_copied_by_the_replicator_to_the_target_region(
    app_tier_app, app_tier_graph
):
    doc = app_tier_app.doc
    replicator = _find(doc, "aws_lambda_function", "primary", handler=".config_replicator.")
    env = _body(doc, replicator)["environment"]["variables"]
    (target,) = [a for a, r in _providers(doc).items() if r == env["TARGET_REGION"]]
    source, copy = (
        app_tier_graph.nodes["configuration_primary"],
        app_tier_graph.nodes[f"configuration_{target}"],
    )
    parameters = [
        f"aws_ssm_parameter.{n}"
        for n, b in doc["resource"]["aws_ssm_parameter"].items()
        if b["name"].startswith(env["PARAMETER_PATH"] + "/")
    ]
    assert sorted(source.members) == sorted(parameters)
    assert copy.members == [] and "not declared in Terraform" in copy.lines
    replication = {(e.src, e.dst) for e in app_tier_graph.edges_of("replication")}
    assert (source.id, replicator) in replication
    assert (replicator, copy.id) in replication
    reads = {(e.src, e.dst) for e in app_tier_graph.edges_of("reads")}
    assert (_service(doc, "primary"), source.id) in reads
    assert (_service(doc, target), copy.id) in reads


def test_the_event_endpoint_routes_to_both_buses_which_replicate_and_deliver(
    app_tier_app, app_tier_graph
):
    doc = app_tier_app.doc
    (endpoint,) = app_tier_graph.nodes_of("event_endpoint")
    assert endpoint.place == "global"
    bus = {a: _address(doc, "aws_cloudwatch_event_bus", a) for a in ("primary", "secondary")}
    events = {(e.src, e.dst): e.label for e in app_tier_graph.edges_of("events")}
    assert events[(endpoint.id, bus["primary"])] == "primary route"
    assert events[(endpoint.id, bus["secondary"])] == "failover route"
    for alias in bus:
        assert events[(bus[alias], _service(doc, alias))] == "delivers dbdr.app*"
        # The delivery rule is a line of its bus.
        rule = _find(doc, "aws_cloudwatch_event_rule", alias, event_bus_name=bus[alias])
        assert app_tier_graph.node_of(rule).id == bus[alias]
    replication = {(e.src, e.dst) for e in app_tier_graph.edges_of("replication")}
    assert (bus["primary"], bus["secondary"]) in replication


def test_the_api_failover_records_point_at_each_regions_api(app_tier_app, app_tier_graph):
    doc = app_tier_app.doc
    dns = {(e.src, e.dst): e.label for e in app_tier_graph.edges_of("dns")}
    zone = APP_TIER_ENV["DR_APP_PUBLIC_ZONE_ID"]
    for alias, policy in (("primary", "PRIMARY"), ("secondary", "SECONDARY")):
        api = _address(doc, "aws_api_gateway_rest_api", alias)
        (record,) = [
            f"aws_route53_record.{n}"
            for n, b in doc["resource"]["aws_route53_record"].items()
            if b.get("failover_routing_policy", {}).get("type") == policy and "alias" in b
        ]
        node = app_tier_graph.nodes[record]
        assert node.cluster == f"cluster_zone_{zone}"
        assert dns[(record, api)] == "alias regional_domain_name"
        (check,) = re.findall(
            r"aws_route53_health_check\.\w+", _body(doc, record)["health_check_id"]
        )
        assert dns[(record, check)] == "health check"
        assert dns[(check, api)] == "HTTPS /live/health"
        # The custom domains and the certificate are lines of the API node.
        lines = app_tier_graph.nodes[api].lines
        assert f"https://api.{APP_TIER_ENV['DR_APP_DOMAIN_NAME']} (TLS_1_2)" in lines
        assert any(line.startswith("certificate api-use") for line in lines)
        assert f"validated by DNS in {zone}" in lines
    # The certificates' validation records are lines of the APIs, not record nodes.
    assert all(not n.title.startswith("${") for n in app_tier_graph.nodes_of("record"))


def test_nothing_of_the_application_tier_is_left_undrawn(app_tier_app, app_tier_graph, default_app):
    # Every resource type the tier adds is drawn (a node, a line or an edge), and so is
    # every resource it adds of a type the picture counts as not drawn on purpose only.
    added = set(app_tier_app.doc["resource"]) - set(default_app.doc["resource"])
    assert added and not added & set(app_tier_graph.not_drawn)
    assert set(app_tier_graph.not_drawn) <= set(NOT_DRAWN_NAMES)
    for kind in TIER_KINDS:
        assert app_tier_graph.nodes_of(kind), kind
    assert "application tier" in app_tier_graph.title


# --- rendering, the committed picture, the command line --------------------------------------


def _assert_self_contained(svg: str, graph) -> None:
    """Every node is drawn with its icon, each icon embedded once as a data URI and used by
    reference, and nothing names a file of this machine."""
    root = ET.fromstring(svg)
    symbols = [s.get("id") for s in root.iter(f"{SVG}symbol")]
    images = [i.get(XLINK) for i in root.iter(f"{SVG}image")]
    assert symbols and len(set(symbols)) == len(symbols) == len(images)
    assert all(href.startswith("data:image/png;base64,") for href in images)
    uses = [u.get(XLINK) for u in root.iter(f"{SVG}use")]
    assert len(uses) == len(graph.nodes) and {u.removeprefix("#") for u in uses} == set(symbols)
    assert not [path for path in LOCAL_PATHS if path in svg]


def test_rendering_writes_a_real_svg_and_png(default_graph, tmp_path):
    _dot()
    written = render(to_dot(default_graph), tmp_path / "architecture")
    assert [p.name for p in written] == ["architecture.dot", "architecture.svg", "architecture.png"]
    svg = html.unescape((tmp_path / "architecture.svg").read_text())  # dot writes "-" as &#45;
    assert "<svg" in svg and "dbdr-cluster-usw2-dev" in svg
    _assert_self_contained((tmp_path / "architecture.svg").read_text(), default_graph)
    assert (tmp_path / "architecture.png").read_bytes()[:8] == PNG_MAGIC
    # The same source renders to the same bytes.
    again = render(to_dot(default_graph), tmp_path / "again" / "architecture")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]


# The settings each committed picture is synthesized with. rds-replica cannot meet the
# default 300 s RTO: main.py refuses it without a budget (which changes nothing in the
# synthesized JSON).
PICTURE_SETTINGS = {
    "architecture": "",
    "architecture-rds-replica": "DR_DATABASE_MODE=rds-replica DR_RTO_SECONDS=1800 ",
    "architecture-app-tier": "".join(f"{k}={v} " for k, v in APP_TIER_ENV.items()),
}


@pytest.mark.parametrize(
    "app, name",
    [
        ("default_app", "architecture"),
        ("rds_dev_app", "architecture-rds-replica"),
        ("app_tier_app", "architecture-app-tier"),
    ],
)
def test_the_committed_picture_is_what_the_stack_synthesizes(app, name, request):
    graph = build_graph(request.getfixturevalue(app).doc)
    regenerate = (
        f"stale: regenerate with `{PICTURE_SETTINGS[name]}./run synth && .venv/bin/python -m "
        f"tools.architecture --out docs/{name}` (no other DR_* settings)"
    )
    source = (DOCS / f"{name}.dot").read_text()
    assert source == to_dot(graph), f"docs/{name}.dot is {regenerate}"
    assert not [path for path in LOCAL_PATHS if path in source]
    svg = html.unescape((DOCS / f"{name}.svg").read_text())
    assert all(f"<title>{node_id}</title>" in svg for node_id in graph.nodes), (
        f"docs/{name}.svg is {regenerate}"
    )
    _assert_self_contained((DOCS / f"{name}.svg").read_text(), graph)
    assert (DOCS / f"{name}.png").read_bytes()[:8] == PNG_MAGIC


def _draw(synth: Path, tmp_path: Path, **options) -> subprocess.CompletedProcess:
    """``python -m tools.architecture`` drawing ``synth`` to ``tmp_path/picture.*``."""
    return subprocess.run(
        [sys.executable, "-m", "tools.architecture", "--synth", str(synth)]
        + ["--out", str(tmp_path / "picture")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        **options,
    )


def test_the_command_draws_a_synthesized_stack(default_app, tmp_path):
    _dot()
    result = _draw(default_app.stack_dir / "cdk.tf.json", tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"architecture: \d+ nodes, \d+ edges: .*picture\.png\n", result.stdout)
    assert (tmp_path / "picture.dot").read_text() == to_dot(build_graph(default_app.doc))
    assert (tmp_path / "picture.png").read_bytes()[:8] == PNG_MAGIC


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json {", "is not a synthesized stack: not JSON"),
        ('{"resource": {}}', 'no aliased "aws" provider'),
        ("[1, 2]", 'no top-level "resource" block'),
        (None, "does not exist: synthesize the stack first (./run synth)"),
    ],
)
def test_the_command_refuses_what_is_not_a_stack_in_one_line(content, message, tmp_path):
    synth = tmp_path / "cdk.tf.json"
    if content is not None:
        synth.write_text(content)
    result = _draw(synth, tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("architecture: ") and message in result.stderr
    assert not list(tmp_path.glob("picture*"))


def test_the_command_says_how_to_get_graphviz_when_dot_is_missing(default_app, tmp_path):
    result = _draw(default_app.stack_dir / "cdk.tf.json", tmp_path, env={"PATH": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr == (
        "architecture: Graphviz `dot` is not on PATH: install the graphviz "
        "package (./run installs it on Debian)\n"
    )
    assert not list(tmp_path.glob("picture*"))
