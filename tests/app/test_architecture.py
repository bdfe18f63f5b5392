"""The architecture picture (tools/architecture.py): drawn from the synthesized stack in
both database modes, rendered by Graphviz, and the committed docs/architecture.* kept in
step with what the app synthesizes."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT
from support.apps import RDS_ENV, Synthesized
from tools.architecture import NOT_DRAWN_NAMES, build_graph, render, to_dot

DOCS = ROOT / "docs"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NEEDS_DOT = "Graphviz `dot` is not on PATH: ./run installs it (Debian package graphviz)"


@pytest.fixture(scope="module")
def default_graph(default_app):
    return build_graph(default_app.doc)


@pytest.fixture(scope="module")
def rds_graph(rds_app):
    return build_graph(rds_app.doc)


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
        assert f'subgraph "cluster_{alias}"' in source
        assert f"<b>{alias} region: {region}</b>" in source
    # and Route 53 and the global cluster, which belong to no region, have their own
    assert all(
        node.place == "global"
        for kind in ("record", "health_check", "global_cluster")
        for node in graph.nodes_of(kind)
    )
    # and the primary box is written before the global one, the secondary after it
    assert (
        source.index('"cluster_primary"')
        < source.index('"cluster_global"')
        < source.index('"cluster_secondary"')
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
    # The DOT draws it as a bold arrow from left to right.
    assert re.search(
        rf'"{re.escape(primary)}" -> "{re.escape(secondary)}" '
        r'\[label="global database replication[^]]*style=bold',
        to_dot(default_graph),
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


@pytest.mark.parametrize("app", ["default_app", "rds_app", "variant_app", "rds_variant_app"])
def test_every_resource_is_drawn_or_counted_as_not_drawn(app, request):
    # A resource type the picture does not know would only be counted in the title: a new
    # kind of resource should be drawn, or named in NOT_DRAWN_NAMES on purpose.
    doc = request.getfixturevalue(app).doc
    graph = build_graph(doc)
    assert set(graph.not_drawn) <= set(NOT_DRAWN_NAMES), graph.not_drawn
    # No resource is drawn twice, and the picture stays small enough to read.
    drawn = [m for node in graph.nodes.values() for m in node.members]
    assert len(drawn) == len(set(drawn))
    assert set(drawn) <= {f"{t}.{n}" for t, blocks in doc["resource"].items() for n in blocks}
    assert len(graph.nodes) <= 45


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


def test_the_same_stack_gives_the_same_dot(default_app):
    # Key order in the JSON does not matter: everything is iterated sorted.
    reordered = json.loads(
        json.dumps(default_app.doc), object_pairs_hook=lambda pairs: dict(reversed(pairs))
    )
    assert to_dot(build_graph(reordered)) == to_dot(build_graph(default_app.doc))


# --- rendering, the committed picture, the command line --------------------------------------


def test_rendering_writes_a_real_svg_and_png(default_graph, tmp_path):
    _dot()
    written = render(to_dot(default_graph), tmp_path / "architecture")
    assert [p.name for p in written] == ["architecture.dot", "architecture.svg", "architecture.png"]
    svg = html.unescape((tmp_path / "architecture.svg").read_text())  # dot writes "-" as &#45;
    assert "<svg" in svg and "dbdr-cluster-usw2-dev" in svg
    assert (tmp_path / "architecture.png").read_bytes()[:8] == PNG_MAGIC


@pytest.mark.parametrize(
    "app, name", [("default_app", "architecture"), ("rds_dev_app", "architecture-rds-replica")]
)
def test_the_committed_picture_is_what_the_stack_synthesizes(app, name, request):
    graph = build_graph(request.getfixturevalue(app).doc)
    # rds-replica cannot meet the default 300 s RTO: main.py refuses it without a budget
    # (which changes nothing in the synthesized JSON).
    mode = "DR_DATABASE_MODE=rds-replica DR_RTO_SECONDS=1800 " if "rds" in name else ""
    regenerate = (
        f"stale: regenerate with `{mode}./run synth && .venv/bin/python -m "
        f"tools.architecture --out docs/{name}` (no other DR_* settings)"
    )
    assert (DOCS / f"{name}.dot").read_text() == to_dot(graph), f"docs/{name}.dot is {regenerate}"
    svg = html.unescape((DOCS / f"{name}.svg").read_text())
    assert all(f"<title>{node_id}</title>" in svg for node_id in graph.nodes), (
        f"docs/{name}.svg is {regenerate}"
    )
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
