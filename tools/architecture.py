"""Draw the architecture as it is synthesized: Terraform JSON in, a diagrams picture out.

    ./run synth
    python -m tools.architecture [--synth cdktf.out/stacks/dbdr/cdk.tf.json]
                                 [--out docs/architecture]

draws the picture with `diagrams <https://diagrams.mingrammer.com>`_ (a ``Diagram``, a
``Cluster`` per box, the AWS node classes for their icons, an ``Edge`` per arrow), writes
the Graphviz source it makes to ``<out>.dot`` and renders ``<out>.svg`` and ``<out>.png``
with Graphviz ``dot``.

The picture is read from the synthesized stack, not from the constructs, so it shows what
Terraform would deploy, with the physical names AWS will show. Each resource is placed by
its ``provider`` alias (``aws.primary`` / ``aws.secondary``; the regions come from the
``provider`` blocks). Route 53 and the Aurora global cluster belong to no region and go to a
global area between the two.

Repeated resources are grouped so the picture stays readable: one node for a region's
alarms and one for its SSM parameters; subnets, route tables, endpoints, rules, schedules,
dead-letter queues, bucket settings and backup plans become lines of the node or box they
belong to. Edges come from the ``${aws_<type>.<name>.<attribute>}`` references between
resources: replication (global-cluster membership or ``replicate_source_db``, S3
replication, the AWS Backup copy, VPC peering), DNS (records to the endpoints they name,
health checks to the alarms they follow), alerting (alarms to topics to the orchestrator)
and control (what the canary and the orchestrator act on). Resources that are not drawn
are counted in the title, so nothing disappears silently.

The application tier, when it is synthesized, is drawn the same way: per region its public
edge (the internet-facing NLB, with its public subnets and internet gateway as lines, the
internal ALB, the regional service), its API (custom domains and certificate as lines), its
event bus with the rule delivering to the service, and what the service reads (the global
table, or its replica in the other region, and the configuration); in the global area the
Global Accelerator (listener and endpoint groups as lines), the EventBridge global endpoint
and the API's failover records. The global table's replica is a ``replica`` block of the one
table resource, and the configuration's copy in the other region is written by the
replicator function (its ``TARGET_REGION``), not declared in Terraform: both are drawn as
nodes of their own in the region that holds them, so that every replicated store faces its
copy.

Layout: left to right, the primary region, the global area, the secondary region drawn
mirrored, so that each database and each replicated store faces its copy across the middle
(one Graphviz rank per column, passed through diagrams). A node is a box with its AWS icon
beside its title and lines (diagrams draws an icon above a one-line name, too little for
the lines). Everything is iterated in sorted order and every node has its resource's address
as its id (diagrams would draw a random one): the same stack always gives the same files,
byte for byte.

Nothing written names a file of this machine: the DOT names the icons relative to the
directory diagrams keeps them in (Graphviz finds them through ``imagepath``), and the SVG
embeds each icon once, as a data URI, so that it shows where it is viewed (GitHub shows no
image an SVG links to).

Errors (no Graphviz, a file that is not a synthesized stack) are one line on stderr and
exit code 2; nothing is written then.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import diagrams
from diagrams import Cluster, Diagram, Edge, Node, setdiagram
from diagrams.aws.compute import Lambda
from diagrams.aws.database import RDS, Aurora, Dynamodb, DynamodbTable
from diagrams.aws.general import General, GenericFirewall
from diagrams.aws.integration import SNS, Eventbridge, EventbridgeCustomEventBusResource
from diagrams.aws.management import Cloudwatch, CloudwatchAlarm, SystemsManagerParameterStore
from diagrams.aws.network import ALB, NLB, APIGateway, GlobalAccelerator, Route53
from diagrams.aws.security import KMS
from diagrams.aws.storage import S3, Backup
from graphviz import Digraph

DEFAULT_SYNTH = Path("cdktf.out/stacks/dbdr/cdk.tf.json")
DEFAULT_OUT = Path("docs/architecture")
PNG_DPI = 96

# --- where things go ----------------------------------------------------------------------

GLOBAL = "global"
# Route 53 is a global service and the global cluster spans both regions: whichever
# provider creates them, they are drawn in the global area.
GLOBAL_TYPES = frozenset(
    {
        "aws_route53_zone",
        "aws_route53_record",
        "aws_route53_health_check",
        "aws_rds_global_cluster",
        # Global Accelerator is a global service (its API lives in us-west-2 whatever the
        # provider); the event endpoint routes between both regions' buses.
        "aws_globalaccelerator_accelerator",
        "aws_globalaccelerator_listener",
        "aws_globalaccelerator_endpoint_group",
        "aws_cloudwatch_event_endpoint",
    }
)
# How the global area names the services it holds; other types go by their own name.
GLOBAL_SERVICES = {
    "aws_route53_": "Route 53",
    "aws_rds_global_cluster": "Aurora global cluster",
    "aws_globalaccelerator_": "Global Accelerator",
    "aws_cloudwatch_event_endpoint": "EventBridge global endpoint",
}
# A reference to a managed resource inside a Terraform expression, e.g.
# "${aws_rds_cluster.Database_Primary_EDE0B3D0.endpoint}". The look-behind leaves out data
# sources ("data.aws_...") and ephemeral resources.
REFERENCE = re.compile(r"(?<![\w.])(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)")
DATABASE_TYPES = ("aws_rds_cluster", "aws_db_instance")
ALARM_TYPES = ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")
ALARM_NAMES_SHOWN = 4  # a region's other alarms are counted, not named

# Left to right: primary region, global area, secondary region.
PLACE_ORDER = {"primary": 0, GLOBAL: 1, "secondary": 2}
# Columns inside a region, counted from the outer edge of the picture towards the middle:
# the database and the stores that replicate stand next to the global area.
REGION_DEPTH = {
    "key": 0,
    "parameters": 0,
    "dashboard": 0,
    "alarms": 0,
    "orchestrator": 0,
    "canary": 0,
    "function": 0,
    "security_group": 1,
    "database": 1,
    "topic": 1,
    "lock": 1,
    "bucket": 1,
    "vault": 1,
    # The application tier, when synthesized, takes two columns of its own next to the
    # global area: what clients and the other region reach (the NLB, the API, the bus, the
    # table and the configuration with their copies) innermost, what serves them behind it.
    "internal_lb": 2,
    "service": 2,
    "replicator": 2,
    "public_lb": 3,
    "api": 3,
    "bus": 3,
    "table": 3,
    "replica": 3,
    "configuration": 3,
}
GLOBAL_COLUMNS = 1
# The application tier's kinds, drawn only when it is synthesized, in row order.
TIER_KINDS = (
    "accelerator",
    "event_endpoint",
    "public_lb",
    "internal_lb",
    "api",
    "service",
    "bus",
    "replicator",
    "table",
    "replica",
    "configuration",
)
# The order nodes are written in, top to bottom. dot starts ordering each column from it,
# so the stores that replicate tend to sit in the same rows on both sides.
ROW_ORDER = (
    "global_cluster",
    "security_group",
    "canary",
    "function",
    "database",
    "alarms",
    "topic",
    "orchestrator",
    "lock",
    "health_check",
    "record",
    "bucket",
    "vault",
    "key",
    "parameters",
    "dashboard",
    *TIER_KINDS,
)

# --- how things look ----------------------------------------------------------------------

NODE_FILL = {  # kind -> fill colour
    "database": "#cfe2ff",
    "global_cluster": "#cfe2ff",
    "security_group": "#f1f3f5",
    "key": "#fff3bf",
    "alarms": "#ffe8cc",
    "topic": "#ffe8cc",
    "canary": "#d3f9d8",
    "function": "#d3f9d8",
    "orchestrator": "#e5dbff",
    "lock": "#e5dbff",
    "bucket": "#e9ecef",
    "vault": "#e9ecef",
    "parameters": "#f1f3f5",
    "dashboard": "#f1f3f5",
    "record": "#c3fae8",
    "health_check": "#c3fae8",
    "accelerator": "#ffd8a8",
    "event_endpoint": "#fcc2d7",
    "public_lb": "#ffd8a8",
    "internal_lb": "#ffd8a8",
    "api": "#ffd8a8",
    "service": "#d3f9d8",
    "replicator": "#d3f9d8",
    "bus": "#fcc2d7",
    "table": "#cfe2ff",
    "replica": "#cfe2ff",
    "configuration": "#f1f3f5",
}
# The diagrams icon each kind of node carries (a database and a load balancer by their
# title: ``_icon``).
ICONS: dict[str, type[Node]] = {
    "database": Aurora,
    "global_cluster": Aurora,
    "security_group": GenericFirewall,
    "key": KMS,
    "alarms": CloudwatchAlarm,
    "topic": SNS,
    "canary": Lambda,
    "function": Lambda,
    "orchestrator": Lambda,
    "lock": DynamodbTable,
    "bucket": S3,
    "vault": Backup,
    "parameters": SystemsManagerParameterStore,
    "dashboard": Cloudwatch,
    "record": Route53,
    "health_check": Route53,
    "accelerator": GlobalAccelerator,
    "event_endpoint": Eventbridge,
    "api": APIGateway,
    "service": Lambda,
    "replicator": Lambda,
    "bus": EventbridgeCustomEventBusResource,
    "table": Dynamodb,
    "replica": Dynamodb,
    "configuration": SystemsManagerParameterStore,
}
# The directory diagrams' icons are found in (their ``_icon_dir`` is relative to it): the
# DOT names an icon relative to it, and Graphviz looks it up there (``imagepath``).
ICON_ROOT = Path(diagrams.__file__).resolve().parent.parent
ICON_POINTS = 32  # an icon's size in the picture
ICON_PIXELS = 64  # an icon's size as the SVG embeds it: sharp at twice the picture's size
# What the picture changes of diagrams' defaults: the spline edges and spacing of a dense
# picture (diagrams draws few, large nodes with orthogonal edges), the mirrored columns
# (compound and newrank: edges to a zone's box, one rank per column across the boxes).
GRAPH_ATTR = {
    "pad": "0.3",
    "splines": "spline",
    "nodesep": "0.25",
    "ranksep": "0.55",
    "compound": "true",
    "newrank": "true",
    "labelloc": "t",
    "labeljust": "l",
}
# A node is as large as its label (icon, title, lines), not diagrams' fixed 1.4 inch square.
NODE_ATTR = {
    "fixedsize": "false",
    "width": "0",
    "height": "0",
    "labelloc": "c",
    "margin": "0.08,0.04",
    "fontsize": "11",
    "penwidth": "0.8",
    "color": "#495057",
}
# What diagrams sets on a node with an icon (no shape, the icon as its image, 1.9 inches
# high): here the icon is part of the label, and the node a filled box.
NODE_OVERRIDES = {"shape": "box", "style": "rounded,filled", "image": "", "height": "0"}
EDGE_ATTR = {"fontsize": "9", "arrowsize": "0.7"}
EDGE_STYLE = {  # kind -> colour, pen width, line style (also the order edges are written in)
    "replication": ("#1c7ed6", 3.0, "bold"),
    "membership": ("#1c7ed6", 1.2, "dashed"),
    "dns": ("#0ca678", 1.2, "solid"),
    "alerting": ("#e8590c", 1.2, "solid"),
    "control": ("#7048e8", 1.4, "solid"),
    "network": ("#868e96", 2.0, "dashed"),
    "traffic": ("#343a40", 1.6, "solid"),  # client requests through the application tier
    "events": ("#d6336c", 1.2, "solid"),
    "reads": ("#1098ad", 1.2, "dashed"),  # what the regional service reads and writes
}
# How the title counts what is synthesized but not drawn; other types go by their own name.
NOT_DRAWN_NAMES = {
    "aws_iam_role": "IAM roles",
    "aws_iam_role_policy": "IAM role policies",
    "aws_iam_role_policy_attachment": "IAM policy attachments",
    "aws_cloudwatch_log_group": "log groups",
    "aws_lambda_permission": "Lambda permissions",
    "aws_default_security_group": "emptied default security groups",
}


class ArchitectureError(Exception):
    """The input cannot be drawn or the picture cannot be rendered; the message says why."""


# ===========================================================================================
# The synthesized stack
# ===========================================================================================


@dataclass(frozen=True, eq=False)  # one object per address: compared by identity
class Resource:
    type: str
    name: str
    body: dict
    place: str  # a provider alias ("primary", "secondary") or GLOBAL

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"

    def get(self, key: str, default: Any = None) -> Any:
        return self.body.get(key, default)

    @property
    def physical_name(self) -> str:
        """The name AWS will show (falls back to the Name tag, then the Terraform name)."""
        for key in (
            "name",
            "function_name",
            "bucket",
            "alarm_name",
            "cluster_identifier",
            "identifier",
            "global_cluster_identifier",
            "dashboard_name",
        ):
            if isinstance(self.body.get(key), str):
                return self.body[key]
        return self.body.get("tags", {}).get("Name", self.name)


class Stack:
    """The resources of a synthesized stack, their places and the references between them."""

    def __init__(self, doc: Any) -> None:
        if not isinstance(doc, dict) or not isinstance(doc.get("resource"), dict):
            raise ArchitectureError('not a synthesized stack: no top-level "resource" block')
        blocks = doc.get("provider", {}).get("aws", [])
        blocks = [
            b for b in (blocks if isinstance(blocks, list) else [blocks]) if isinstance(b, dict)
        ]
        self.regions = {
            b["alias"]: b["region"] for b in blocks if b.get("alias") and b.get("region")
        }
        if not self.regions:
            raise ArchitectureError(
                'not a synthesized stack: no aliased "aws" provider with a region'
            )
        self.tags = next(
            (dict(t.get("tags", {})) for b in blocks for t in _blocks(b.get("default_tags"))), {}
        )
        self.resources: dict[str, Resource] = {}
        for rtype in sorted(doc["resource"]):
            for name in sorted(doc["resource"][rtype]):
                body = doc["resource"][rtype][name]
                alias = str(body.get("provider", "")).removeprefix("aws.")
                place = GLOBAL if rtype in GLOBAL_TYPES or alias not in self.regions else alias
                resource = Resource(rtype, name, body, place)
                self.resources[resource.address] = resource
        self._references = {
            a: _references(r.body, self.resources) for a, r in self.resources.items()
        }
        self._referrers: dict[str, set[str]] = defaultdict(set)
        for address, references in self._references.items():
            for target, _ in references:
                self._referrers[target].add(address)

    def of_type(self, *types: str, place: str | None = None) -> list[Resource]:
        return [
            r
            for r in self.resources.values()
            if r.type in types and (place is None or r.place == place)
        ]

    def referenced_by(self, resource: Resource, *types: str) -> list[tuple[Resource, str]]:
        """What ``resource`` references (only ``types`` when given), with the attribute."""
        return [
            (self.resources[target], attribute)
            for target, attribute in self._references[resource.address]
            if not types or self.resources[target].type in types
        ]

    def referring_to(self, resource: Resource, *types: str) -> list[Resource]:
        """The resources (only ``types`` when given) that reference ``resource``."""
        return [
            self.resources[a]
            for a in sorted(self._referrers[resource.address])
            if not types or self.resources[a].type in types
        ]

    def resolve(self, expression: Any) -> list[tuple[Resource, str]]:
        """The resources one expression refers to, with the attribute."""
        return [
            (self.resources[f"{t}.{n}"], a)
            for t, n, a in REFERENCE.findall(str(expression or ""))
            if f"{t}.{n}" in self.resources
        ]


def _environment(function: Resource) -> dict[str, str]:
    """A Lambda function's environment variables."""
    for environment in _blocks(function.get("environment")):
        return dict(environment.get("variables") or {})
    return {}


def _references(value: Any, known: dict[str, Resource]) -> tuple[tuple[str, str], ...]:
    """Every (address, attribute) an expression anywhere in ``value`` reads. ``depends_on``
    (addresses without ``${}``) is an ordering, not a reference."""
    found: set[tuple[str, str]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                if key not in ("//", "depends_on"):
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, str) and "${" in node:
            found.update(
                (f"{t}.{n}", a) for t, n, a in REFERENCE.findall(node) if f"{t}.{n}" in known
            )

    walk(value)
    return tuple(sorted(found))


def _blocks(value: Any) -> list[dict]:
    """A nested block, which cdktf writes as one object or as a list of them."""
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# ===========================================================================================
# The picture, as data
# ===========================================================================================


@dataclass
class Box:
    """A box: a region, the global area, a VPC or a hosted zone."""

    id: str
    title: str
    lines: list[str]
    place: str
    parent: str | None = None


@dataclass
class GraphNode:
    id: str  # the address of the resource it stands for, or "<kind>_<place>" for a group
    kind: str
    place: str
    cluster: str
    title: str
    lines: list[str]
    members: list[str] = field(default_factory=list)  # addresses of the resources it draws


@dataclass(frozen=True)
class GraphEdge:
    src: str
    dst: str
    label: str
    kind: str
    lhead: str | None = None  # the arrow ends at this cluster's border (a zone)


@dataclass
class Graph:
    title: str
    regions: dict[str, str]  # provider alias -> region
    clusters: dict[str, Box] = field(default_factory=dict)
    nodes: dict[str, GraphNode] = field(default_factory=dict)
    edges: list[GraphEdge] = field(default_factory=list)
    not_drawn: dict[str, int] = field(default_factory=dict)  # resource type -> count

    def nodes_of(self, kind: str, place: str | None = None) -> list[GraphNode]:
        return [
            n for n in self.nodes.values() if n.kind == kind and (place is None or n.place == place)
        ]

    def edges_of(self, kind: str) -> list[GraphEdge]:
        return [e for e in self.edges if e.kind == kind]

    def node_of(self, address: str) -> GraphNode | None:
        return next((n for n in self.nodes.values() if address in n.members), None)


def build_graph(doc: Any) -> Graph:
    """The architecture of a synthesized stack (the parsed ``cdk.tf.json``)."""
    return _Builder(Stack(doc)).build()


class _Builder:
    """Turns resources into nodes and boxes (grouping what repeats) and references into
    edges. Every resource drawn, as a node, a line or an edge, is marked shown."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.graph = Graph(_title(stack), dict(stack.regions))
        self.node_of: dict[str, str] = {}  # resource address -> node id
        self.shown: set[str] = set()
        self.configuration_paths: dict[str, str] = {}  # configuration node id -> its path

    def build(self) -> Graph:
        self._areas()
        self._networks()
        self._keys()
        self._databases()
        self._alerting()
        self._functions()
        self._application()
        self._stores()
        self._parameters_and_dashboards()
        self._dns()
        self._replication_edges()
        self._dns_edges()
        self._alerting_edges()
        self._control_edges()
        self._peering_edges()
        self._application_edges()
        self.graph.edges = sorted(set(self.graph.edges), key=_edge_order)
        self.graph.not_drawn = dict(
            sorted(
                Counter(
                    r.type for a, r in self.stack.resources.items() if a not in self.shown
                ).items()
            )
        )
        return self.graph

    # --- helpers --------------------------------------------------------------------------

    def _show(self, *resources: Resource) -> None:
        self.shown.update(r.address for r in resources)

    def _node(
        self,
        node_id: str,
        kind: str,
        place: str,
        title: str,
        lines: Iterable[str],
        members: Iterable[Resource],
        cluster: str | None = None,
    ) -> None:
        members = list(members)
        self.graph.nodes[node_id] = GraphNode(
            node_id,
            kind,
            place,
            cluster or _area(place),
            title,
            [line for line in lines if line],
            [r.address for r in members],
        )
        self.node_of.update((r.address, node_id) for r in members)
        self._show(*members)

    def _edge(
        self, src: Resource, dst: Resource, label: str, kind: str, lhead: str | None = None
    ) -> None:
        """An edge between the nodes drawing two resources (none when either is not drawn
        or both are drawn by the same node)."""
        self._link(self.node_of.get(src.address), self.node_of.get(dst.address), label, kind, lhead)

    def _link(
        self,
        src_id: str | None,
        dst_id: str | None,
        label: str,
        kind: str,
        lhead: str | None = None,
    ) -> None:
        """An edge between two nodes, by id (none when either is not drawn)."""
        if src_id in self.graph.nodes and dst_id in self.graph.nodes and src_id != dst_id:
            self.graph.edges.append(GraphEdge(src_id, dst_id, label, kind, lhead))

    def _vpc_box(self, resource: Resource) -> str | None:
        """The box of the VPC a database (through its subnet group) or a function
        (through its subnets) runs in."""
        subnets = [
            s
            for g, _ in self.stack.referenced_by(resource, "aws_db_subnet_group")
            for s, _ in self.stack.referenced_by(g, "aws_subnet")
        ]
        subnets += [s for s, _ in self.stack.referenced_by(resource, "aws_subnet")]
        vpcs = sorted(
            {v.address for s in subnets for v, _ in self.stack.referenced_by(s, "aws_vpc")}
        )
        return _vpc_cluster(self.stack.resources[vpcs[0]]) if vpcs else None

    # --- boxes ----------------------------------------------------------------------------

    def _areas(self) -> None:
        counts = Counter(r.place for r in self.stack.resources.values())
        for place in sorted(self.stack.regions, key=_place_order):
            self.graph.clusters[_area(place)] = Box(
                _area(place),
                f"{place} region: {self.stack.regions[place]}",
                [f"provider aws.{place}: {counts[place]} resources"],
                place,
            )
        services = sorted(
            {
                next((n for p, n in GLOBAL_SERVICES.items() if r.type.startswith(p)), r.type)
                for r in self.stack.resources.values()
                if r.place == GLOBAL
            }
        )
        self.graph.clusters[_area(GLOBAL)] = Box(
            _area(GLOBAL), "global", [f"{', '.join(services)}: {counts[GLOBAL]} resources"], GLOBAL
        )

    def _networks(self) -> None:
        """A VPC is a box inside its region holding what runs in it; its subnets, route
        tables, interface endpoints (with their security group) and flow logs are lines. The
        public subnets (their route table routes to an internet gateway) are lines of the load
        balancer that uses them (``_load_balancers``)."""
        for vpc in self.stack.of_type("aws_vpc"):
            tables = [
                t for t in self.stack.referring_to(vpc, "aws_route_table") if not self._public(t)
            ]
            associations = [
                a for t in tables for a in self.stack.referring_to(t, "aws_route_table_association")
            ]
            public = {
                s.address
                for t in self.stack.referring_to(vpc, "aws_route_table")
                if self._public(t)
                for a in self.stack.referring_to(t, "aws_route_table_association")
                for s, _ in self.stack.referenced_by(a, "aws_subnet")
            }
            subnets = [
                s for s in self.stack.referring_to(vpc, "aws_subnet") if s.address not in public
            ]
            endpoints = self.stack.referring_to(vpc, "aws_vpc_endpoint")
            endpoint_groups = {
                g.address: g
                for e in endpoints
                for g, _ in self.stack.referenced_by(e, "aws_security_group")
            }
            endpoint_rules = [
                r
                for g in endpoint_groups.values()
                for r in self.stack.referring_to(g)
                if r.type.startswith("aws_vpc_security_group_")
            ]
            flow_logs = self.stack.referring_to(vpc, "aws_flow_log")
            zones = {s.get("availability_zone_id") or s.get("availability_zone") for s in subnets}
            services = sorted(str(e.get("service_name", "")).rsplit(".", 1)[-1] for e in endpoints)
            self.graph.clusters[_vpc_cluster(vpc)] = Box(
                _vpc_cluster(vpc),
                f"VPC {vpc.physical_name}",
                [
                    f"{vpc.get('cidr_block')}, {len(subnets)} private subnets in {len(zones)} "
                    f"AZs, {len(tables)} route tables",
                    f"interface endpoints: {', '.join(services)}" if services else "",
                    "flow logs on" if flow_logs else "",
                ],
                vpc.place,
                parent=_area(vpc.place),
            )
            self._show(
                vpc,
                *subnets,
                *tables,
                *associations,
                *endpoints,
                *endpoint_groups.values(),
                *endpoint_rules,
                *flow_logs,
            )

    def _public(self, table: Resource) -> bool:
        """Whether a route table routes to an internet gateway."""
        return any(
            self.stack.referenced_by(route, "aws_internet_gateway")
            for route in self.stack.referring_to(table, "aws_route")
        )

    # --- nodes ----------------------------------------------------------------------------

    def _keys(self) -> None:
        for key in self.stack.of_type("aws_kms_key"):
            aliases = self.stack.referring_to(key, "aws_kms_alias")
            users = [r for r in self.stack.referring_to(key) if r.type != "aws_kms_alias"]
            self._node(
                key.address,
                "key",
                key.place,
                "KMS key",
                [
                    ", ".join(a.physical_name for a in aliases),
                    "rotation on" if key.get("enable_key_rotation") else "rotation off",
                    f"encrypts {len(users)} resources of this region",
                ],
                [key, *aliases],
            )

    def _databases(self) -> None:
        for cluster in self.stack.of_type("aws_rds_global_cluster"):
            self._node(
                cluster.address,
                "global_cluster",
                GLOBAL,
                "Aurora global database",
                [
                    cluster.physical_name,
                    f"{cluster.get('engine')} {cluster.get('engine_version')}",
                    "storage encrypted" if cluster.get("storage_encrypted") else "",
                ],
                [cluster],
            )
        for db in self.stack.of_type(*DATABASE_TYPES):
            if db.type == "aws_rds_cluster":
                instances = self.stack.referring_to(db, "aws_rds_cluster_instance")
                classes = Counter(i.get("instance_class") for i in instances)
                parameter_groups = self.stack.referenced_by(db, "aws_rds_cluster_parameter_group")
                title = "Aurora cluster"
                lines = [
                    db.physical_name,
                    f"{db.get('engine')} {db.get('engine_version')}",
                    ", ".join(f"{n} x {c}" for c, n in sorted(classes.items()))
                    or "headless: no instances",
                ]
            else:
                instances = []
                parameter_groups = self.stack.referenced_by(db, "aws_db_parameter_group")
                replica = "replicate_source_db" in db.body
                title = "RDS read replica" if replica else "RDS instance"
                # A replica inherits its engine from its source: the JSON names none.
                lines = [
                    db.physical_name,
                    "" if replica else f"{db.get('engine')} {db.get('engine_version')}",
                    f"{db.get('instance_class')}{', Multi-AZ' if db.get('multi_az') else ''}",
                ]
            tls = any(
                p.get("name") in ("rds.force_ssl", "require_secure_transport")
                and str(p.get("value")).lower() in ("1", "on")
                for group, _ in parameter_groups
                for p in _blocks(group.get("parameter"))
            )
            lines += [
                "storage encrypted" if db.get("storage_encrypted") else "NOT encrypted",
                "TLS enforced" if tls else "TLS optional",
                f"backups {db.get('backup_retention_period', 0)} d",
            ]
            subnet_groups = [g for g, _ in self.stack.referenced_by(db, "aws_db_subnet_group")]
            self._node(
                db.address,
                "database",
                db.place,
                title,
                lines,
                [db, *instances, *(g for g, _ in parameter_groups), *subnet_groups],
                cluster=self._vpc_box(db),
            )
            for group, _ in self.stack.referenced_by(db, "aws_security_group"):
                self._database_security_group(group)

    def _database_security_group(self, group: Resource) -> None:
        """The database's security group, with the sources its ingress rules admit."""
        if group.address in self.node_of:
            return
        rules = self.stack.referring_to(group, "aws_vpc_security_group_ingress_rule")
        sources = set()
        for rule in rules:
            peers = [
                f"sg {g.physical_name}"
                for g, _ in self.stack.referenced_by(rule, "aws_security_group")
                if g.address != group.address
            ]
            sources.update(
                peers
                or [
                    rule.get("cidr_ipv4")
                    or rule.get("cidr_ipv6")
                    or rule.get("referenced_security_group_id")
                    or rule.get("prefix_list_id")
                ]
            )
        ports = sorted({str(r.get("from_port")) for r in rules})
        vpcs = self.stack.referenced_by(group, "aws_vpc")
        self._node(
            group.address,
            "security_group",
            group.place,
            "DB security group",
            [
                group.physical_name,
                f"port {', '.join(ports)} from:" if rules else "admits nothing",
                *sorted(sources),
            ],
            [group, *rules],
            cluster=_vpc_cluster(vpcs[0][0]) if vpcs else None,
        )

    def _named(self, expression: str) -> str:
        """An expression that reads a resource's attribute, as that resource's name."""
        resolved = self.stack.resolve(expression)
        return resolved[0][0].physical_name if resolved else expression

    def _alerting(self) -> None:
        for topic in self.stack.of_type("aws_sns_topic"):
            emails = [
                s
                for s in self.stack.referring_to(topic, "aws_sns_topic_subscription")
                if s.get("protocol") == "email"
            ]
            # An RDS event subscription names its sources by a reference to the database
            # (so it is created after it): drawn as the database's name.
            events = self.stack.referring_to(topic, "aws_db_event_subscription")
            sources = sorted({self._named(i) for e in events for i in e.get("source_ids", [])})
            self._node(
                topic.address,
                "topic",
                topic.place,
                "SNS topic",
                [
                    topic.physical_name,
                    "KMS-encrypted" if topic.get("kms_master_key_id") else "",
                    *(f"email: {s.get('endpoint')}" for s in emails),
                    f"RDS events of {', '.join(sources)}" if sources else "",
                ],
                [topic, *emails, *events],
            )
        for place in sorted(self.stack.regions, key=_place_order):
            alarms = self.stack.of_type(*ALARM_TYPES, place=place)
            if not alarms:
                continue
            composites = sum(a.type == "aws_cloudwatch_composite_alarm" for a in alarms)
            # Named first: the alarms something follows (a health check, a composite
            # alarm, the orchestrator); then the others in order.
            names = [
                a.physical_name
                for a in sorted(
                    alarms, key=lambda a: (not self.stack.referring_to(a), a.physical_name)
                )
            ]
            more = len(names) - ALARM_NAMES_SHOWN
            self._node(
                f"alarms_{place}",
                "alarms",
                place,
                f"{len(alarms)} CloudWatch alarms"
                + (f" ({composites} composite)" if composites else ""),
                [*names[:ALARM_NAMES_SHOWN], f"and {more} more" if more > 0 else ""],
                alarms,
            )

    def _functions(self) -> None:
        """Lambda functions, told apart by their handler's package (``dr_lambdas.canary``,
        ``dr_lambdas.orchestrator``, ``dr_lambdas.app_service``,
        ``dr_lambdas.config_replicator``); schedules, the rules on the default bus that invoke
        them and dead-letter queues are lines. Rules on an application bus are the bus's."""
        for function in self.stack.of_type("aws_lambda_function"):
            kind = _function_kind(function)
            title = {
                "canary": "Connectivity canary (Lambda)",
                "orchestrator": "Failover orchestrator (Lambda)",
                "service": "Regional service (Lambda)",
                "replicator": "Configuration replicator (Lambda)",
            }.get(kind, "Lambda")
            env = function.get("environment", {}).get("variables", {})
            targets = [
                t
                for t in self.stack.referring_to(function, "aws_cloudwatch_event_target")
                if not t.get("event_bus_name")
            ]
            schedules = [
                r
                for t in targets
                for r, _ in self.stack.referenced_by(t, "aws_cloudwatch_event_rule")
            ]
            queues = [q for q, _ in self.stack.referenced_by(function, "aws_sqs_queue")]
            queue_policies = [
                p for q in queues for p in self.stack.referring_to(q, "aws_sqs_queue_policy")
            ]
            # A function invoked once by Terraform (aws_lambda_invocation names it by name).
            invocations = [
                i
                for i in self.stack.of_type("aws_lambda_invocation")
                if i.get("function_name") == function.get("function_name")
            ]
            groups = [g for g, _ in self.stack.referenced_by(function, "aws_security_group")]
            egress = [
                r
                for g in groups
                for r in self.stack.referring_to(g, "aws_vpc_security_group_egress_rule")
            ]
            self._node(
                function.address,
                kind,
                function.place,
                title,
                [
                    function.physical_name,
                    function.get("runtime", ""),
                    f"{env['DR_MODE']}, DNS {env['DNS_MODE']}"
                    if "DR_MODE" in env and "DNS_MODE" in env
                    else "",
                    *sorted(f"{_trigger(r)}: {r.physical_name}" for r in schedules),
                    *(f"dead letters: {q.physical_name}" for q in queues),
                    *(
                        f"invoked by Terraform ({i.get('lifecycle_scope')}): {i.get('input')}"
                        for i in invocations
                    ),
                ],
                [
                    function,
                    *targets,
                    *schedules,
                    *queues,
                    *queue_policies,
                    *invocations,
                    *groups,
                    *egress,
                    *self.stack.referring_to(function, "aws_lambda_permission"),
                ],
                cluster=self._vpc_box(function),
            )
            for table, _ in self.stack.referenced_by(function, "aws_dynamodb_table"):
                # A global table (with replicas) is the application's store: ``_global_tables``.
                if table.address not in self.node_of and not _blocks(table.get("replica")):
                    self._node(
                        table.address,
                        "lock",
                        table.place,
                        "DynamoDB lock table",
                        [table.physical_name],
                        [table],
                    )

    def _stores(self) -> None:
        for bucket in self.stack.of_type("aws_s3_bucket"):
            if bucket.address in self.shown:  # an access-log bucket, a line of its writers
                continue
            settings = _bucket_settings(self.stack, bucket)
            traits = [
                label
                for rtype, label in (
                    ("aws_s3_bucket_versioning", "versioned"),
                    ("aws_s3_bucket_server_side_encryption_configuration", "SSE-KMS"),
                    ("aws_s3_bucket_public_access_block", "no public access"),
                    ("aws_s3_bucket_policy", "TLS-only policy"),
                )
                if rtype in settings
            ]
            lifecycle = settings.get("aws_s3_bucket_lifecycle_configuration")
            expiry = sorted(
                {
                    e.get("days")
                    for rule in _blocks(lifecycle and lifecycle.get("rule"))
                    for e in _blocks(rule.get("expiration"))
                    if e.get("days")
                }
            )
            self._node(
                bucket.address,
                "bucket",
                bucket.place,
                "S3 backup bucket",
                [
                    bucket.physical_name,
                    ", ".join(traits),
                    f"objects expire after {expiry[0]} d" if expiry else "",
                ],
                [bucket, *settings.values()],
            )
        for vault in self.stack.of_type("aws_backup_vault"):
            lines = [vault.physical_name, "KMS-encrypted" if vault.get("kms_key_arn") else ""]
            plans = []
            # The plans that keep their recovery points here, and what their selections
            # back up (by reference).
            for plan in self.stack.referring_to(vault, "aws_backup_plan"):
                selections = self.stack.referring_to(plan, "aws_backup_selection")
                selected = sorted(
                    db.physical_name
                    for s in selections
                    for db, _ in self.stack.referenced_by(s, *DATABASE_TYPES)
                )
                for rule in _blocks(plan.get("rule")):
                    if vault in (v for v, _ in self.stack.resolve(rule.get("target_vault_name"))):
                        keep = _blocks(rule.get("lifecycle"))[:1] or [{}]
                        lines += [
                            f"plan {plan.physical_name}: {rule.get('schedule')}",
                            f"backs up {', '.join(selected) or 'nothing'}, keep "
                            f"{keep[0].get('delete_after')} d",
                        ]
                        plans += [plan, *selections]
            self._node(
                vault.address, "vault", vault.place, "AWS Backup vault", lines, [vault, *plans]
            )

    def _parameters_and_dashboards(self) -> None:
        for place in sorted(self.stack.regions, key=_place_order):
            parameters = [
                p
                for p in self.stack.of_type("aws_ssm_parameter", place=place)
                if p.address not in self.shown  # the application's configuration has its own
            ]
            if not parameters:
                continue
            names = sorted(p.physical_name for p in parameters)
            prefix = os.path.commonpath(names) + "/" if len(names) > 1 else ""
            leaves = [n.removeprefix(prefix) for n in names]
            secure = sum(p.get("type") == "SecureString" for p in parameters)
            self._node(
                f"parameters_{place}",
                "parameters",
                place,
                f"{len(parameters)} SSM parameters",
                [
                    prefix,
                    *(", ".join(leaves[i : i + 2]) for i in range(0, len(leaves), 2)),
                    f"{secure} SecureString" if secure else "",
                ],
                parameters,
            )
        for dashboard in self.stack.of_type("aws_cloudwatch_dashboard"):
            widgets, regions = _dashboard_contents(dashboard.get("dashboard_body"))
            self._node(
                dashboard.address,
                "dashboard",
                dashboard.place,
                "CloudWatch dashboard",
                [dashboard.physical_name, f"{widgets} widgets: {', '.join(regions)}"],
                [dashboard],
            )

    def _dns(self) -> None:
        """A hosted zone is a box holding its records. The alarm-based health checks are
        lines of the calculated check that combines them."""
        for zone in self.stack.of_type("aws_route53_zone"):
            vpcs = [v for v, _ in self.stack.referenced_by(zone, "aws_vpc")]
            self.graph.clusters[_zone_cluster(zone)] = Box(
                _zone_cluster(zone),
                f"Route 53 {'private ' if vpcs else ''}zone {zone.physical_name}",
                [f"associated with {', '.join(v.physical_name for v in vpcs)}" if vpcs else ""],
                GLOBAL,
                parent=_area(GLOBAL),
            )
            self._show(zone)
        checks = self.stack.of_type("aws_route53_health_check")
        children = {
            c.address
            for check in checks
            for c, _ in self.stack.referenced_by(check, "aws_route53_health_check")
        }
        for check in (c for c in checks if c.address not in children):
            parts = [c for c, _ in self.stack.referenced_by(check, "aws_route53_health_check")]
            lines = [
                f"CALCULATED: {check.get('child_health_threshold')} of {len(parts)} must be healthy"
                if check.get("type") == "CALCULATED"
                else ""
            ]
            if check.get("type") in ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"):
                lines += [
                    f"{check.get('type')} :{check.get('port')}{check.get('resource_path') or ''}",
                    f"unhealthy after {check.get('failure_threshold')} x "
                    f"{check.get('request_interval')} s",
                    "latency measured" if check.get("measure_latency") else "",
                ]
            for part in parts or [check]:
                lines += [
                    f"alarm {a.physical_name}"
                    for a, _ in self.stack.referenced_by(part, *ALARM_TYPES)
                ]
            lines += sorted(
                {
                    f"no data: {p.get('insufficient_data_health_status')}"
                    for p in parts or [check]
                    if p.get("insufficient_data_health_status")
                }
            )
            regions = ", ".join(
                sorted(
                    {
                        p.get("cloudwatch_alarm_region")
                        for p in parts or [check]
                        if p.get("cloudwatch_alarm_region")
                    }
                )
            )
            self._node(
                check.address,
                "health_check",
                GLOBAL,
                f"Route 53 health check ({regions or check.get('type')})"
                if regions or check.get("type") not in (None, "CALCULATED", "CLOUDWATCH_METRIC")
                else "Route 53 health check",
                lines,
                [check, *parts],
            )
        for record in self.stack.of_type("aws_route53_record"):
            if record.address in self.shown:  # a certificate's validation records
                continue
            failover = _blocks(record.get("failover_routing_policy"))
            weighted = _blocks(record.get("weighted_routing_policy"))
            policy = (
                f"failover {failover[0].get('type')}"
                if failover
                else f"weighted {weighted[0].get('weight')}"
                if weighted
                else ""
            )
            zones = self.stack.referenced_by(record, "aws_route53_zone")
            self._node(
                record.address,
                "record",
                GLOBAL,
                record.physical_name,
                [
                    ", ".join(
                        filter(
                            None,
                            (
                                record.get("type"),
                                policy,
                                f"TTL {record.get('ttl')}" if record.get("ttl") else "",
                            ),
                        )
                    )
                ],
                [record],
                cluster=_zone_cluster(zones[0][0]) if zones else self._outside_zone(record),
            )
        # An edge to a zone ends at its box, drawn towards its first writer record.
        for zone in self.stack.of_type("aws_route53_zone"):
            records = sorted(
                (n for n in self.graph.nodes.values() if n.cluster == _zone_cluster(zone)),
                key=lambda n: (not n.title.startswith("writer"), n.id),
            )
            if records:
                self.node_of[zone.address] = records[0].id

    # --- the application tier -------------------------------------------------------------

    def _application(self) -> None:
        self._load_balancers()
        self._apis()
        self._buses()
        self._global_tables()
        self._configuration()
        self._accelerators()
        self._event_endpoints()

    def _place_of(self, region: Any) -> str | None:
        """The provider alias of a region."""
        return next((p for p, r in sorted(self.stack.regions.items()) if r == region), None)

    def _key_name(self, expression: Any) -> str:
        """The KMS key an expression names, by its alias."""
        for key, _ in self.stack.resolve(expression):
            aliases = self.stack.referring_to(key, "aws_kms_alias")
            return ", ".join(a.physical_name for a in aliases) or key.physical_name
        return ""

    def _certificates(self, expression: Any) -> list[Resource]:
        """The certificates an expression names, directly or through their validation."""
        found = []
        for target, _ in self.stack.resolve(expression):
            if target.type == "aws_acm_certificate_validation":
                found += [c for c, _ in self.stack.resolve(target.get("certificate_arn"))]
            elif target.type == "aws_acm_certificate":
                found.append(target)
        return found

    def _rules_of(self, group: Resource) -> list[Resource]:
        """A security group's own ingress and egress rules (not those naming it as a peer)."""
        return [
            r
            for r in self.stack.referring_to(group)
            if r.type.startswith("aws_vpc_security_group_")
            and group in (g for g, _ in self.stack.resolve(r.get("security_group_id")))
        ]

    def _group_lines(self, group: Resource) -> list[str]:
        """A security group as lines: its name, then what it admits and lets out."""
        lines = [f"sg {group.physical_name}"]
        for rule in self._rules_of(group):
            peers = [
                f"sg {g.physical_name}"
                for g, _ in self.stack.resolve(rule.get("referenced_security_group_id"))
            ]
            peer = (
                peers
                or [rule.get("cidr_ipv4") or rule.get("cidr_ipv6") or rule.get("prefix_list_id")]
            )[0]
            direction = "in {} from {}" if rule.type.endswith("_ingress_rule") else "out {} to {}"
            lines.append(direction.format(rule.get("from_port"), peer))
        return [lines[0], *sorted(lines[1:])]

    def _load_balancers(self) -> None:
        """A load balancer with its listeners, target groups, security group and access-log
        bucket as lines; an internet-facing one also with its public subnets, their route
        table and the internet gateway they route to."""
        for lb in self.stack.of_type("aws_lb"):
            listeners = self.stack.referring_to(lb, "aws_lb_listener")
            groups = _unique(
                g for x in listeners for g, _ in self.stack.referenced_by(x, "aws_lb_target_group")
            )
            attachments = [
                a
                for g in groups
                for a in self.stack.referring_to(g, "aws_lb_target_group_attachment")
            ]
            security_groups = [g for g, _ in self.stack.referenced_by(lb, "aws_security_group")]
            subnets = [
                s
                for s, _ in self.stack.referenced_by(lb, "aws_subnet")
                if s.address not in self.shown
            ]
            associations = [
                a
                for s in subnets
                for a in self.stack.referring_to(s, "aws_route_table_association")
            ]
            tables = _unique(
                t for a in associations for t, _ in self.stack.referenced_by(a, "aws_route_table")
            )
            routes = [r for t in tables for r in self.stack.referring_to(t, "aws_route")]
            gateways = _unique(
                g for r in routes for g, _ in self.stack.referenced_by(r, "aws_internet_gateway")
            )
            buckets = [b for b, _ in self.stack.referenced_by(lb, "aws_s3_bucket")]
            lines = [lb.physical_name]
            for listener in listeners:
                lines.append(
                    f"listener {listener.get('protocol')} {listener.get('port')}"
                    + (f", {listener.get('ssl_policy')}" if listener.get("ssl_policy") else "")
                )
                lines += [
                    f"certificate {c.get('domain_name')}"
                    for c in self._certificates(listener.get("certificate_arn"))
                ]
            for group in groups:
                check = (_blocks(group.get("health_check"))[:1] or [{}])[0]
                lines.append(
                    f"targets: {group.get('target_type')}, health "
                    f"{(str(check.get('protocol', '')) + ' ').lstrip()}{check.get('path')} "
                    f"{check.get('unhealthy_threshold')} x {check.get('interval')} s"
                )
            if subnets:
                zones = {
                    s.get("availability_zone_id") or s.get("availability_zone") for s in subnets
                }
                lines.append(f"{len(subnets)} public subnets in {len(zones)} AZs:")
                lines.append(", ".join(sorted(str(s.get("cidr_block")) for s in subnets)))
            if gateways:
                destinations = sorted({str(r.get("destination_cidr_block")) for r in routes})
                lines.append(f"internet gateway, route {', '.join(destinations)}")
            for group in security_groups:
                lines += self._group_lines(group)
            lines += [f"access logs: {b.physical_name}" for b in buckets]
            # The bucket both load balancers log to is drawn once, with the first.
            buckets = [b for b in buckets if b.address not in self.shown]
            internal = bool(lb.get("internal"))
            self._node(
                lb.address,
                "internal_lb" if internal else "public_lb",
                lb.place,
                f"{'Network' if lb.get('load_balancer_type') == 'network' else 'Application'} "
                f"Load Balancer ({'internal' if internal else 'internet-facing'})",
                lines,
                [
                    lb,
                    *listeners,
                    *groups,
                    *attachments,
                    *security_groups,
                    *(r for g in security_groups for r in self._rules_of(g)),
                    *subnets,
                    *associations,
                    *tables,
                    *routes,
                    *gateways,
                    *buckets,
                    *(s for b in buckets for s in _bucket_settings(self.stack, b).values()),
                ],
                cluster=self._vpc_box(lb),
            )

    def _apis(self) -> None:
        """A REST API with its resources, methods, integrations, deployment and stage; its
        custom domains, their certificate (validated by DNS records) and the region's API
        Gateway account settings are lines."""
        for api in self.stack.of_type("aws_api_gateway_rest_api"):
            parts = [
                r for r in self.stack.referring_to(api) if r.type.startswith("aws_api_gateway_")
            ]
            domains = _unique(
                d
                for m in parts
                if m.type == "aws_api_gateway_base_path_mapping"
                for d, _ in self.stack.referenced_by(m, "aws_api_gateway_domain_name")
            )
            certificates = _unique(
                c
                for d in domains
                for c in self._certificates(
                    d.get("regional_certificate_arn") or d.get("certificate_arn")
                )
            )
            validations = [
                v
                for c in certificates
                for v in self.stack.referring_to(c, "aws_acm_certificate_validation")
            ]
            records = [
                r for c in certificates for r in self.stack.referring_to(c, "aws_route53_record")
            ]
            accounts = [
                a
                for a in self.stack.of_type("aws_api_gateway_account", place=api.place)
                if a.address not in self.shown
            ]
            stages = sorted(
                str(p.get("stage_name")) for p in parts if p.type == "aws_api_gateway_stage"
            )
            types = [
                t for e in _blocks(api.get("endpoint_configuration")) for t in e.get("types", [])
            ]
            lines = [api.physical_name, f"stage {', '.join(stages)}" if stages else ""]
            lines += [
                f"https://{d.get('domain_name')} ({d.get('security_policy')})" for d in domains
            ]
            for certificate in certificates:
                names = certificate.get("subject_alternative_names") or []
                zones = sorted(
                    {
                        str(r.get("zone_id"))
                        for r in self.stack.referring_to(certificate, "aws_route53_record")
                    }
                )
                lines += [
                    f"certificate {certificate.get('domain_name')}",
                    f"also {', '.join(names)}" if names else "",
                    f"validated by {certificate.get('validation_method')} in {', '.join(zones)}"
                    if zones
                    else f"validated by {certificate.get('validation_method')}",
                ]
            lines += ["account logging role set" if accounts else ""]
            self._node(
                api.address,
                "api",
                api.place,
                f"API Gateway ({', '.join(types)})" if types else "API Gateway",
                lines,
                [api, *parts, *domains, *certificates, *validations, *records, *accounts],
            )

    def _buses(self) -> None:
        """An event bus with its rules, their targets and dead-letter queues as lines."""
        for bus in self.stack.of_type("aws_cloudwatch_event_bus"):
            rules = self.stack.referring_to(bus, "aws_cloudwatch_event_rule")
            targets = [
                t for r in rules for t in self.stack.referring_to(r, "aws_cloudwatch_event_target")
            ]
            queues = _unique(
                q
                for x in (bus, *targets)
                for q, _ in self.stack.referenced_by(x, "aws_sqs_queue")
                if q.address not in self.shown
            )
            self._node(
                bus.address,
                "bus",
                bus.place,
                "EventBridge bus",
                [
                    bus.physical_name,
                    "KMS-encrypted" if bus.get("kms_key_identifier") else "",
                    *(f"rule {r.physical_name}: {_trigger(r)}" for r in rules),
                    *(f"dead letters: {q.physical_name}" for q in queues),
                ],
                [
                    bus,
                    *rules,
                    *targets,
                    *queues,
                    *(
                        p
                        for q in queues
                        for p in self.stack.referring_to(q, "aws_sqs_queue_policy")
                    ),
                ],
            )

    def _global_tables(self) -> None:
        """A DynamoDB global table in the region of its provider, and each of its replicas
        (``replica`` blocks of the same resource) as a node in the region that holds it."""
        for table in self.stack.of_type("aws_dynamodb_table"):
            replicas = _blocks(table.get("replica"))
            if not replicas:
                continue
            pitr = any(p.get("enabled") for p in _blocks(table.get("point_in_time_recovery")))
            encryption = _blocks(table.get("server_side_encryption"))
            stream = table.get("stream_view_type") if table.get("stream_enabled") else ""
            self._node(
                table.address,
                "table",
                table.place,
                "DynamoDB global table",
                [
                    table.physical_name,
                    str(table.get("billing_mode", "")).replace("_", " ").lower(),
                    "point-in-time recovery" if pitr else "",
                    f"stream {stream}" if stream else "",
                    *(f"key {self._key_name(e.get('kms_key_arn'))}" for e in encryption),
                    *(f"replica in {r.get('region_name')}" for r in replicas),
                ],
                [table],
            )
            for replica in replicas:
                place = self._place_of(replica.get("region_name"))
                if place is None or place == table.place:
                    continue
                self._node(
                    _replica_id(table, place),
                    "replica",
                    place,
                    "DynamoDB global table replica",
                    [
                        table.physical_name,
                        "point-in-time recovery" if replica.get("point_in_time_recovery") else "",
                        f"key {self._key_name(replica.get('kms_key_arn'))}"
                        if replica.get("kms_key_arn")
                        else "",
                        "a replica block of the table in "
                        f"{self.stack.regions.get(table.place, table.place)}",
                    ],
                    [],
                )

    def _configuration(self) -> None:
        """The parameters a replicator function copies (under its ``PARAMETER_PATH``) are a
        node of their own; so is their copy in its ``TARGET_REGION``, which the function
        writes and Terraform does not declare."""
        for function in self.stack.of_type("aws_lambda_function"):
            env = _environment(function)
            path = env.get("PARAMETER_PATH", "").rstrip("/")
            if _function_kind(function) != "replicator" or not path:
                continue
            parameters = [
                p
                for p in self.stack.of_type("aws_ssm_parameter", place=function.place)
                if p.physical_name.startswith(f"{path}/")
            ]
            leaves = sorted(p.physical_name.removeprefix(f"{path}/") for p in parameters)
            secure = sum(p.get("type") == "SecureString" for p in parameters)
            self._node(
                _configuration_id(function.place),
                "configuration",
                function.place,
                f"{len(parameters)} SSM parameters: configuration",
                [
                    f"{path}/",
                    *(", ".join(leaves[i : i + 2]) for i in range(0, len(leaves), 2)),
                    f"{secure} SecureString" if secure else "",
                ],
                parameters,
            )
            self.configuration_paths[_configuration_id(function.place)] = path
            target = self._place_of(env.get("TARGET_REGION"))
            if target is None or target == function.place:
                continue
            self._node(
                _configuration_id(target),
                "configuration",
                target,
                "Configuration copy (SSM)",
                [
                    f"{path}/",
                    f"written by {function.physical_name}",
                    "not declared in Terraform",
                    f"key {self._key_name(env.get('TARGET_KEY_ARN'))}"
                    if env.get("TARGET_KEY_ARN")
                    else "",
                ],
                [],
            )
            self.configuration_paths[_configuration_id(target)] = path

    def _accelerators(self) -> None:
        """A Global Accelerator with its listeners and endpoint groups as lines."""
        for accelerator in self.stack.of_type("aws_globalaccelerator_accelerator"):
            listeners = self.stack.referring_to(accelerator, "aws_globalaccelerator_listener")
            groups = [
                g
                for x in listeners
                for g in self.stack.referring_to(x, "aws_globalaccelerator_endpoint_group")
            ]
            flow_logs = any(
                a.get("flow_logs_enabled") for a in _blocks(accelerator.get("attributes"))
            )
            lines = [
                accelerator.physical_name,
                f"{accelerator.get('ip_address_type')}, flow logs {'on' if flow_logs else 'off'}",
            ]
            for listener in listeners:
                ports = ", ".join(
                    str(p.get("from_port"))
                    if p.get("from_port") == p.get("to_port")
                    else f"{p.get('from_port')}-{p.get('to_port')}"
                    for p in _blocks(listener.get("port_range"))
                )
                lines.append(
                    f"listener {listener.get('protocol')} {ports}, "
                    f"client affinity {listener.get('client_affinity')}"
                )
            lines += [
                f"endpoint group {g.get('endpoint_group_region')}: "
                f"dial {g.get('traffic_dial_percentage')} %"
                for g in groups
            ]
            self._node(
                accelerator.address,
                "accelerator",
                GLOBAL,
                "Global Accelerator",
                lines,
                [accelerator, *listeners, *groups],
            )

    def _event_endpoints(self) -> None:
        for endpoint in self.stack.of_type("aws_cloudwatch_event_endpoint"):
            replication = (_blocks(endpoint.get("replication_config"))[:1] or [{}])[0]
            self._node(
                endpoint.address,
                "event_endpoint",
                GLOBAL,
                "EventBridge global endpoint",
                [
                    endpoint.physical_name,
                    f"fails over to {_failover_region(endpoint)} on its health check"
                    if _failover_region(endpoint)
                    else "",
                    f"replication {str(replication.get('state', 'ENABLED')).lower()}",
                ],
                [endpoint],
            )

    def _outside_zone(self, record: Resource) -> str | None:
        """The box of a hosted zone the stack writes records into but does not manage (named
        by its id, as the application's public zone is)."""
        zone_id = record.get("zone_id")
        if not isinstance(zone_id, str) or "${" in zone_id:
            return None
        box = f"cluster_zone_{zone_id}"
        self.graph.clusters.setdefault(
            box,
            Box(
                box,
                f"Route 53 zone {zone_id}",
                ["not managed by this stack"],
                GLOBAL,
                parent=_area(GLOBAL),
            ),
        )
        return box

    # --- edges ----------------------------------------------------------------------------

    def _replication_edges(self) -> None:
        """Data copied from the primary region to the secondary: the global database (its
        member in the primary region replicates to the others), a read replica's
        ``replicate_source_db``, S3 replication and the AWS Backup copy action."""
        copies: list[tuple[Resource, Resource, str]] = []  # (source, target, label)
        for glob in self.stack.of_type("aws_rds_global_cluster"):
            members = self.stack.referring_to(glob, "aws_rds_cluster")
            writers = [m for m in members if m.place == "primary"] or members[:1]
            for writer in writers:
                self._edge(writer, glob, "writer member", "membership")
                for member in (m for m in members if m not in writers):
                    self._edge(glob, member, "secondary member", "membership")
                    label = f"global database replication\n({glob.physical_name})"
                    copies.append((writer, member, label))
        for replica in self.stack.of_type("aws_db_instance"):
            for source, attribute in self.stack.resolve(replica.get("replicate_source_db")):
                label = f"cross-region read replica\n(replicate_source_db = {attribute})"
                copies.append((source, replica, label))
        for replication in self.stack.of_type("aws_s3_bucket_replication_configuration"):
            for source, _ in self.stack.resolve(replication.get("bucket")):
                for rule in _blocks(replication.get("rule")):
                    for destination in _blocks(rule.get("destination")):
                        rtc = (_blocks(destination.get("replication_time"))[:1] or [{}])[0]
                        minutes = (_blocks(rtc.get("time"))[:1] or [{}])[0].get("minutes")
                        label = "S3 replication" + (
                            f" (RTC {minutes} min)" if rtc.get("status") == "Enabled" else ""
                        )
                        for target, _ in self.stack.resolve(destination.get("bucket")):
                            copies.append((source, target, label))
            self._show(replication)
        for plan in self.stack.of_type("aws_backup_plan"):
            for rule in _blocks(plan.get("rule")):
                for copy in _blocks(rule.get("copy_action")):
                    keep = (_blocks(copy.get("lifecycle"))[:1] or [{}])[0].get("delete_after")
                    for vault, _ in self.stack.resolve(rule.get("target_vault_name")):
                        for target, _ in self.stack.resolve(copy.get("destination_vault_arn")):
                            copies.append((vault, target, f"AWS Backup copy, keep {keep} d"))
        for source, target, label in copies:
            self._edge(source, target, label, "replication")

    def _dns_edges(self) -> None:
        for record in self.stack.of_type("aws_route53_record"):
            for target, attribute in self.stack.referenced_by(
                record, *DATABASE_TYPES, "aws_rds_global_cluster"
            ):
                self._edge(record, target, attribute, "dns")
            for check, _ in self.stack.referenced_by(record, "aws_route53_health_check"):
                self._edge(record, check, "health check", "dns")
            # An alias record names its target by the alias's name (an API's custom domain).
            for alias in _blocks(record.get("alias")):
                for target, attribute in self.stack.resolve(alias.get("name")):
                    self._edge(record, target, f"alias {attribute}", "dns")
        for check in self.stack.of_type("aws_route53_health_check"):
            for alarm, _ in self.stack.referenced_by(check, *ALARM_TYPES):
                self._edge(check, alarm, "alarm metrics", "dns")
            # An endpoint check follows the name it probes (an API's or a load balancer's).
            for target, _ in self.stack.resolve(check.get("fqdn")):
                path = check.get("resource_path") or ""
                self._edge(check, target, f"{check.get('type')} {path}".strip(), "dns")

    def _alerting_edges(self) -> None:
        for alarm in self.stack.of_type(*ALARM_TYPES):
            for topic, _ in self.stack.referenced_by(alarm, "aws_sns_topic"):
                self._edge(alarm, topic, "alarm actions", "alerting")
        for subscription in self.stack.of_type("aws_sns_topic_subscription"):
            alarms = self.stack.referenced_by(subscription, *ALARM_TYPES)
            label = "subscription" + "".join(f"\non {a.physical_name}" for a, _ in alarms)
            for topic, _ in self.stack.resolve(subscription.get("topic_arn")):
                for function, _ in self.stack.resolve(subscription.get("endpoint")):
                    self._edge(topic, function, label, "alerting")
                    self._show(subscription)

    def _control_edges(self) -> None:
        """What the functions act on: the canary probes the databases; the orchestrator
        moves the writer (the global database, or its own region's replica), moves the
        writer's DNS name, takes its lock and runs its own region's canary (named in its
        environment, so Route 53 sees the new writer's health at once)."""
        functions = self.stack.of_type("aws_lambda_function")
        by_name = {f.get("function_name"): f for f in functions}
        for function in functions:
            kind = self.graph.nodes[function.address].kind
            databases = self.stack.referenced_by(function, *DATABASE_TYPES)
            for table, _ in self.stack.referenced_by(function, "aws_dynamodb_table"):
                if not _blocks(table.get("replica")):
                    self._edge(function, table, "lock", "control")
            if kind == "canary":
                # One edge per database: its own region's, and the other region's across
                # the VPC peering (the endpoint and, failing that, the reader endpoint).
                for db in {d.address: d for d, _ in databases}.values():
                    self._edge(
                        function,
                        db,
                        "probes" if db.place == function.place else "probes across the peering",
                        "control",
                    )
            if kind != "orchestrator":
                continue
            global_clusters = self.stack.referenced_by(function, "aws_rds_global_cluster")
            for glob, _ in global_clusters:
                self._edge(function, glob, "Switchover / FailoverGlobalCluster", "control")
            if not global_clusters:  # rds-replica: each copy promotes its own region's
                for db, _ in databases:
                    if db.place == function.place:
                        self._edge(function, db, "PromoteReadReplica", "control")
            # Only weighted records are moved by the orchestrator (failover records follow
            # their health checks; the global writer endpoint follows the writer).
            if _environment(function).get("DNS_MODE") == "weighted":
                for zone, _ in self.stack.referenced_by(function, "aws_route53_zone"):
                    self._edge(
                        function,
                        zone,
                        "moves the writer name",
                        "control",
                        lhead=_zone_cluster(zone),
                    )
            for environment in _blocks(function.get("environment")):
                canary = by_name.get((environment.get("variables") or {}).get("CANARY_FUNCTION"))
                if canary is not None:
                    self._edge(function, canary, "runs the canary", "control")

    def _peering_edges(self) -> None:
        """VPC peering, drawn between the database security groups that admit the peer
        range: the ends the peering exists for."""
        for peering in self.stack.of_type("aws_vpc_peering_connection"):
            ends = []
            for key in ("vpc_id", "peer_vpc_id"):
                ends += [
                    g
                    for vpc, _ in self.stack.resolve(peering.get(key))
                    for g in self.stack.referring_to(vpc, "aws_security_group")
                    if self.node_of.get(g.address) == g.address
                ][:1]
            accepters = self.stack.referring_to(peering, "aws_vpc_peering_connection_accepter")
            if len(ends) != 2:
                continue
            accepted = "".join(
                f"\naccepted in {self.stack.regions[a.place]}"
                for a in accepters
                if a.place in self.stack.regions
            )
            self._edge(ends[0], ends[1], f"VPC peering{accepted}", "network")
            # Every private route table routes the peer range through the connection.
            links = {peering.address, *(a.address for a in accepters)}
            routes = [
                r
                for r in self.stack.of_type("aws_route")
                if any(p.address in links for p, _ in self.stack.referenced_by(r))
            ]
            self._show(peering, *accepters, *routes)

    def _application_edges(self) -> None:
        """Client requests (accelerator to each region's NLB, NLB to ALB to the service, API
        to the service), events (the global endpoint to both buses, each bus to its service),
        what the service reads and writes, and the application's replication: the global
        table to its replica, the configuration through the replicator to its copy, the
        events between the buses."""
        for group in self.stack.of_type("aws_globalaccelerator_endpoint_group"):
            for endpoint in _blocks(group.get("endpoint_configuration")):
                for lb, _ in self.stack.resolve(endpoint.get("endpoint_id")):
                    self._edge(
                        group,
                        lb,
                        f"endpoint group {group.get('endpoint_group_region')}\n"
                        f"dial {group.get('traffic_dial_percentage')} %, "
                        f"weight {endpoint.get('weight')}",
                        "traffic",
                    )
        for lb in self.stack.of_type("aws_lb"):
            for listener in self.stack.referring_to(lb, "aws_lb_listener"):
                for group, _ in self.stack.referenced_by(listener, "aws_lb_target_group"):
                    for attachment in self.stack.referring_to(
                        group, "aws_lb_target_group_attachment"
                    ):
                        for target, _ in self.stack.resolve(attachment.get("target_id")):
                            label = f"{listener.get('protocol')} {listener.get('port')}"
                            self._edge(lb, target, label, "traffic")
        for integration in self.stack.of_type("aws_api_gateway_integration"):
            for api, _ in self.stack.resolve(integration.get("rest_api_id")):
                for function, _ in self.stack.resolve(integration.get("uri")):
                    self._edge(api, function, str(integration.get("type")), "traffic")
        for endpoint in self.stack.of_type("aws_cloudwatch_event_endpoint"):
            failover = _failover_region(endpoint)
            buses = [
                b
                for block in _blocks(endpoint.get("event_bus"))
                for b, _ in self.stack.resolve(block.get("event_bus_arn"))
            ]
            for bus in buses:
                secondary = self.stack.regions.get(bus.place) == failover
                self._edge(
                    endpoint, bus, "failover route" if secondary else "primary route", "events"
                )
            for routing in _blocks(endpoint.get("routing_config")):
                for config in _blocks(routing.get("failover_config")):
                    for primary in _blocks(config.get("primary")):
                        for check, _ in self.stack.resolve(primary.get("health_check")):
                            self._edge(endpoint, check, "health check", "dns")
            replication = (_blocks(endpoint.get("replication_config"))[:1] or [{}])[0]
            if replication.get("state", "ENABLED") == "ENABLED":
                sources = [b for b in buses if self.stack.regions.get(b.place) != failover]
                for source in sources:
                    for target in (b for b in buses if b not in sources):
                        self._edge(
                            source,
                            target,
                            f"event replication\n({endpoint.physical_name})",
                            "replication",
                        )
        for bus in self.stack.of_type("aws_cloudwatch_event_bus"):
            for rule in self.stack.referring_to(bus, "aws_cloudwatch_event_rule"):
                for target in self.stack.referring_to(rule, "aws_cloudwatch_event_target"):
                    for function, _ in self.stack.resolve(target.get("arn")):
                        self._edge(bus, function, f"delivers {_trigger(rule)}", "events")
        for table in self.stack.of_type("aws_dynamodb_table"):
            for replica in _blocks(table.get("replica")):
                place = self._place_of(replica.get("region_name"))
                self._link(
                    table.address,
                    _replica_id(table, place),
                    "global table replication\nboth ways, last writer wins",
                    "replication",
                )
        for function in self.stack.of_type("aws_lambda_function"):
            kind = _function_kind(function)
            env = _environment(function)
            if kind == "service":
                for table, _ in self.stack.referenced_by(function, "aws_dynamodb_table"):
                    own = (
                        table.address
                        if table.place == function.place
                        else _replica_id(table, function.place)
                    )
                    self._link(function.address, own, "reads and writes items", "reads")
                config = _configuration_id(function.place)
                path = self.configuration_paths.get(config)
                if path and env.get("CONFIG_PATH", "").rstrip("/") == path:
                    self._link(function.address, config, f"reads {path}/", "reads")
            if (
                kind == "replicator"
                and _configuration_id(function.place) in self.configuration_paths
            ):
                rules = [
                    r
                    for t in self.stack.referring_to(function, "aws_cloudwatch_event_target")
                    for r, _ in self.stack.resolve(t.get("rule"))
                ]
                self._link(
                    _configuration_id(function.place),
                    function.address,
                    "read on " + ",\n".join(_trigger(r) for r in rules),
                    "replication",
                )
                target = self._place_of(env.get("TARGET_REGION"))
                if target is not None:
                    self._link(
                        function.address,
                        _configuration_id(target),
                        f"copies to {env.get('TARGET_REGION')}",
                        "replication",
                    )


def _unique(resources: Iterable[Resource]) -> list[Resource]:
    """Resources in their first order, each once."""
    return list({r.address: r for r in resources}.values())


def _bucket_settings(stack: Stack, bucket: Resource) -> dict[str, Resource]:
    """A bucket's configuration resources by type (its replication is an edge)."""
    return {
        r.type: r
        for r in stack.referring_to(bucket)
        if r.type.startswith("aws_s3_bucket_")
        and r.type != "aws_s3_bucket_replication_configuration"
    }


def _replica_id(table: Resource, place: str | None) -> str:
    return f"{table.address}/replica/{place}"


def _configuration_id(place: str) -> str:
    return f"configuration_{place}"


def _failover_region(endpoint: Resource) -> str:
    """The region an EventBridge global endpoint fails over to."""
    for routing in _blocks(endpoint.get("routing_config")):
        for config in _blocks(routing.get("failover_config")):
            for secondary in _blocks(config.get("secondary")):
                return str(secondary.get("route", ""))
    return ""


def _function_kind(function: Resource) -> str:
    """What a Lambda function is, by its handler's package."""
    handler = str(function.get("handler", ""))
    for package, kind in (
        (".canary.", "canary"),
        (".orchestrator.", "orchestrator"),
        (".app_service.", "service"),
        (".config_replicator.", "replicator"),
    ):
        if package in handler:
            return kind
    return "function"


def _trigger(rule: Resource) -> str:
    """What fires an EventBridge rule: its schedule, or the events its pattern matches."""
    if rule.get("schedule_expression"):
        return str(rule.get("schedule_expression"))
    try:
        pattern = json.loads(rule.get("event_pattern") or "{}")
    except (TypeError, ValueError):
        return "events"
    sources = [
        f"{s['prefix']}*" if isinstance(s, dict) and "prefix" in s else str(s)
        for s in pattern.get("source", [])
    ]
    return ", ".join(pattern.get("detail-type") or sources) or "events"


def _dashboard_contents(body: Any) -> tuple[int, list[str]]:
    """How many widgets a dashboard body has, and the regions they read from."""
    try:
        widgets = json.loads(body).get("widgets", [])
    except (TypeError, ValueError, AttributeError):
        return 0, []
    regions: set[str] = set()
    for widget in widgets:
        properties = widget.get("properties", {})
        regions.update([properties["region"]] if properties.get("region") else [])
        regions.update(
            m[-1]["region"]
            for m in properties.get("metrics", [])
            if m and isinstance(m[-1], dict) and m[-1].get("region")
        )
    return len(widgets), sorted(regions)


def _title(stack: Stack) -> str:
    if stack.of_type("aws_rds_global_cluster"):
        mode = "Aurora Global Database"
    elif any("replicate_source_db" in r.body for r in stack.of_type("aws_db_instance")):
        mode = "RDS primary + cross-region read replica"
    else:
        mode = "database"
    if any(_function_kind(f) == "service" for f in stack.of_type("aws_lambda_function")):
        mode += " + application tier"
    project, environment = stack.tags.get("Project"), stack.tags.get("Environment")
    name = f"{project} ({environment})" if project and environment else project or "stack"
    regions = " -> ".join(stack.regions[p] for p in sorted(stack.regions, key=_place_order))
    return f"{name}: {mode}, {regions}, {len(stack.resources)} resources"


def _area(place: str) -> str:
    return f"cluster_{place}"


def _vpc_cluster(vpc: Resource) -> str:
    return f"cluster_vpc_{vpc.name}"


def _zone_cluster(zone: Resource) -> str:
    return f"cluster_zone_{zone.name}"


def _place_order(place: str) -> tuple[int, str]:
    return PLACE_ORDER.get(place, PLACE_ORDER[GLOBAL]), place


def _edge_order(edge: GraphEdge) -> tuple:
    return list(EDGE_STYLE).index(edge.kind), edge.src, edge.dst, edge.label


# ===========================================================================================
# The picture, drawn with diagrams
# ===========================================================================================


class _Drawing(Diagram):
    """A diagrams ``Diagram`` that keeps its Graphviz source instead of rendering it on
    leaving the context: diagrams would write the icons' absolute paths into it (they lie
    in the installed package); ``render`` finds them through Graphviz's ``imagepath``."""

    def __exit__(self, *exc_info: object) -> None:
        setdiagram(None)


def to_dot(graph: Graph) -> str:
    """The Graphviz source diagrams writes for the picture (no machine-specific path)."""
    # A region is as wide as the deepest kind it holds: the database tier takes two
    # columns, the application tier (when synthesized) two more.
    region_columns = 1 + max(
        (REGION_DEPTH.get(n.kind, 0) for n in graph.nodes.values() if n.place != GLOBAL),
        default=0,
    )
    column = {n.id: _column(n, region_columns) for n in graph.nodes.values()}
    boxes: dict[str | None, list[Box]] = defaultdict(list)
    for box in graph.clusters.values():
        boxes[box.parent].append(box)
    contents: dict[str, list[GraphNode]] = defaultdict(list)
    for node in graph.nodes.values():
        contents[node.cluster].append(node)
    drawn: dict[str, Node] = {}

    def draw_box(box: Box) -> None:
        top = box.parent is None
        # diagrams names the subgraph "cluster_" + its label: the label is set apart.
        with Cluster(
            box.id.removeprefix("cluster_"),
            graph_attr={"label": _html_label(box.title, box.lines, 16 if top else 12)},
        ):
            for child in sorted(boxes[box.id], key=lambda c: c.id):
                draw_box(child)
            for node in sorted(contents[box.id], key=_row):
                drawn[node.id] = _icon(node)(
                    _node_label(node),
                    nodeid=node.id,
                    fillcolor=NODE_FILL.get(node.kind, "#ffffff"),
                    **NODE_OVERRIDES,
                )

    with _Drawing(
        "architecture",
        filename="architecture",
        direction="LR",
        show=False,
        graph_attr={**GRAPH_ATTR, "label": _title_label(graph)},
        node_attr=NODE_ATTR,
        edge_attr=EDGE_ATTR,
    ) as drawing:
        drawing.dot.comment = (
            "Generated by `python -m tools.architecture` (diagrams) from the synthesized "
            "stack. Do not edit: run `./run synth && ./run picture`."
        )
        for box in sorted(boxes[None], key=lambda c: (_place_order(c.place), c.id)):
            draw_box(box)
        for edge in graph.edges:
            _connect(drawing, drawn, edge, column)
        _column_ranks(drawing.dot, graph, column)
    return drawing.dot.source


def _icon(node: GraphNode) -> type[Node]:
    if node.kind == "database" and node.title.startswith("RDS"):
        return RDS
    if node.kind in ("public_lb", "internal_lb"):
        return NLB if node.title.startswith("Network") else ALB
    return ICONS.get(node.kind, General)


def _icon_source(icon: type[Node]) -> str:
    """An icon's file, relative to the directory diagrams keeps its ``resources`` in."""
    return f"{icon._icon_dir}/{icon._icon}"


def _node_label(node: GraphNode) -> str:
    """The node's icon on the left, its title and lines on the right."""
    text = f"<B>{html.escape(node.title)}</B>" + "".join(
        f'<BR/><FONT POINT-SIZE="9">{html.escape(line)}</FONT>' for line in node.lines
    )
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1"><TR>'
        f'<TD FIXEDSIZE="TRUE" WIDTH="{ICON_POINTS}" HEIGHT="{ICON_POINTS}" VALIGN="TOP">'
        f'<IMG SRC="{_icon_source(_icon(node))}" SCALE="TRUE"/></TD>'
        f'<TD ALIGN="LEFT" BALIGN="LEFT">{text}</TD></TR></TABLE>>'
    )


def _column(node: GraphNode, region_columns: int) -> int:
    """The node's column, left to right: primary region, global area, secondary region
    (mirrored, so that its inner column faces the global area)."""
    if node.place == GLOBAL:
        return region_columns
    depth = REGION_DEPTH.get(node.kind, 0)
    if _place_order(node.place) < _place_order(GLOBAL):
        return depth
    return region_columns + GLOBAL_COLUMNS + region_columns - 1 - depth


def _row(node: GraphNode) -> tuple[int, str]:
    return (ROW_ORDER.index(node.kind) if node.kind in ROW_ORDER else len(ROW_ORDER)), node.id


def _connect(drawing: Diagram, drawn: dict[str, Node], edge: GraphEdge, column: dict) -> None:
    color, width, style = EDGE_STYLE[edge.kind]
    src, dst = edge.src, edge.dst
    label = edge.label.replace("\n", "\\n")  # Graphviz's line break
    attributes = {"fontcolor": color, "fontsize": "9", "penwidth": str(width)}
    # Within one column an edge imposes no rank, and its label is an external one: dot
    # 2.43 fails ("trouble in init_rank") on a labelled edge inside one rank that leaves a
    # box. Across columns an edge pointing right to left is laid out reversed and drawn
    # with its arrow back, so the columns keep their order.
    flat = column[src] == column[dst]
    backwards = not flat and column[src] > column[dst]
    if flat:
        attributes.update(xlabel=label, constraint="false")
        label = ""
    if backwards:
        src, dst = dst, src
    if edge.lhead:
        attributes["ltail" if backwards else "lhead"] = edge.lhead
    drawing.connect(
        drawn[src],
        drawn[dst],
        Edge(
            label=label,
            color=color,
            style=style,
            forward=not backwards,
            reverse=backwards,
            **attributes,
        ),
    )


def _column_ranks(dot: Digraph, graph: Graph, column: dict[str, int]) -> None:
    """One rank per column, and an invisible spine that keeps the columns in order."""
    members: dict[int, list[str]] = defaultdict(list)
    for node in sorted(graph.nodes.values(), key=_row):
        members[column[node.id]].append(node.id)
    for c in sorted(members):
        with dot.subgraph() as same:
            same.attr(rank="same")
            for node_id in members[c]:
                same.node(node_id)
    spine = [members[c][0] for c in sorted(members)]
    for a, b in zip(spine, spine[1:], strict=False):
        dot.edge(a, b, style="invis")


def _title_label(graph: Graph) -> str:
    note = ", ".join(f"{n} {NOT_DRAWN_NAMES.get(t, t)}" for t, n in graph.not_drawn.items())
    return _html_label(
        graph.title,
        _wrap(f"Also synthesized, not drawn: {note}", 160) if note else [],
        title_size=20,
    )


def _html_label(title: str, lines: list[str], title_size: int = 12) -> str:
    body = "".join(f'<br/><font point-size="9">{html.escape(line)}</font>' for line in lines)
    return f'<<font point-size="{title_size}"><b>{html.escape(title)}</b></font>{body}>'


def _wrap(text: str, width: int) -> list[str]:
    lines = [""]
    for word in text.split(" "):
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".lstrip()
    return lines


# ===========================================================================================
# Rendering and the command line
# ===========================================================================================


def read_stack(path: Path) -> dict:
    if not path.exists():
        raise ArchitectureError(f"{path} does not exist: synthesize the stack first (./run synth)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ArchitectureError(
            f"{path} is not a synthesized stack: not JSON ({error.__class__.__name__})"
        ) from None


def dot_executable() -> str:
    dot = shutil.which("dot")
    if not dot:
        raise ArchitectureError(
            "Graphviz `dot` is not on PATH: install the graphviz package "
            "(./run installs it on Debian)"
        )
    return dot


def _dot(dot: str, source: str, *options: str) -> bytes:
    """Graphviz's output for a source, the diagrams icons found through ``imagepath``."""
    result = subprocess.run(
        [dot, f"-Gimagepath={ICON_ROOT}", *options],
        input=source.encode(),
        capture_output=True,
    )
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines() or ["no message"]
        raise ArchitectureError(f"dot could not render the picture: {reason[0]}")
    return result.stdout


# An icon as Graphviz writes it into an SVG, from an IMG of a node label.
SVG_IMAGE = re.compile(
    r'<image xlink:href="(resources/[\w/.-]+\.png)" width="([\d.]+)px" height="([\d.]+)px" '
    r'preserveAspectRatio="xMinYMin meet" x="([-\d.]+)" y="([-\d.]+)"/>'
)


def self_contained_svg(dot: str, svg: str) -> str:
    """The SVG with its icons embedded, so that it shows wherever it is viewed (GitHub shows
    no image an SVG links to): each icon once, as a data URI in ``<defs>``, scaled down to
    ICON_PIXELS by Graphviz itself, and a ``<use>`` of it where the picture draws it."""
    icons: dict[str, str] = {}

    def use(match: re.Match) -> str:
        src, width, height, x, y = match.groups()
        icon = icons.setdefault(src, "icon-" + re.sub(r"[^a-z0-9]+", "-", Path(src).stem))
        return f'<use xlink:href="#{icon}" x="{x}" y="{y}" width="{width}" height="{height}"/>'

    svg = SVG_IMAGE.sub(use, svg)
    if "<image" in svg:
        raise ArchitectureError("dot drew an image that is not a diagrams icon")
    symbols = []
    for src, icon in sorted(icons.items(), key=lambda item: item[1]):
        png = _dot(
            dot,
            f"digraph {{ graph [pad=0, margin=0, bgcolor=transparent, dpi={ICON_PIXELS}]; "
            'node [shape=none, label="", fixedsize=true, width=1, height=1, margin=0, '
            f'imagescale=true]; icon [image="{src}"] }}',
            "-Tpng",
        )
        data = base64.b64encode(png).decode()
        symbols.append(
            f'<symbol id="{icon}" viewBox="0 0 {ICON_PIXELS} {ICON_PIXELS}">'
            f'<image width="{ICON_PIXELS}" height="{ICON_PIXELS}" '
            f'xlink:href="data:image/png;base64,{data}"/></symbol>'
        )
    start = svg.index(">", svg.index("<svg")) + 1
    defs = "\n".join(("<defs>", *symbols, "</defs>"))
    return f"{svg[:start]}\n{defs}{svg[start:]}"


def render(source: str, out: Path) -> list[Path]:
    """Write ``<out>.dot`` and render ``<out>.svg`` (self-contained) and ``<out>.png``;
    returns the paths."""
    dot = dot_executable()
    svg = self_contained_svg(dot, _dot(dot, source, "-Tsvg").decode())
    png = _dot(dot, source, "-Tpng", f"-Gdpi={PNG_DPI}")
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = [out.with_name(f"{out.name}{ext}") for ext in (".dot", ".svg", ".png")]
    paths[0].write_text(source, encoding="utf-8")
    paths[1].write_text(svg, encoding="utf-8")
    paths[2].write_bytes(png)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.architecture",
        description="Draw the architecture of the synthesized stack with diagrams.",
    )
    parser.add_argument(
        "--synth",
        type=Path,
        default=DEFAULT_SYNTH,
        help=f"the synthesized stack (default: {DEFAULT_SYNTH})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output path without extension (default: {DEFAULT_OUT})",
    )
    args = parser.parse_args(argv)
    try:
        dot_executable()  # before anything is written
        graph = build_graph(read_stack(args.synth))
        written = render(to_dot(graph), args.out)
    except ArchitectureError as error:
        print(f"architecture: {error}", file=sys.stderr)
        return 2
    print(
        f"architecture: {len(graph.nodes)} nodes, {len(graph.edges)} edges: "
        f"{', '.join(str(p) for p in written)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
