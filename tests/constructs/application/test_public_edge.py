"""PublicEdge: public subnets, an internet-facing NLB forwarding TCP to an internal ALB that
invokes the regional service, their security groups and the access-log bucket, per region."""

from __future__ import annotations

import json

import pytest
from cdktf import DefaultTokenResolver, StringConcat, TerraformStack, Tokenization

from support.edges import CERTIFICATE, edge
from support.matchers import assert_no_resource, assert_resource, resources
from support.stacks import SECONDARY, new_stack, regional_base


@pytest.fixture(scope="module")
def built():
    # Given both regions' base, the primary edge with a certificate, the secondary minimal
    t = new_stack()
    base = regional_base(t)
    edges = {
        "primary": edge(t, base, "primary", certificate_arn=CERTIFICATE),
        "secondary": edge(t, base, "secondary"),
    }
    # When synthesized
    return edges, t.synth()


@pytest.fixture(scope="module")
def doc(built):
    return built[1]


def _named(doc, rtype, name):
    (body,) = [b for b in resources(doc, rtype).values() if b.get("name") == name]
    return body


def _load_balancer(doc, name: str, **properties) -> dict:
    """The ``aws_lb`` called ``name``, checked to have ``properties`` and, like every load
    balancer here, no deletion protection."""
    assert_resource(
        doc, "aws_lb", {"name": name, "enable_deletion_protection": False, **properties}
    )
    return _named(doc, "aws_lb", name)


def _ref(doc, rtype, predicate) -> str:
    """``${rtype.<logical name>`` of the one ``rtype`` resource matching ``predicate``."""
    (name,) = [n for n, b in resources(doc, rtype).items() if predicate(b)]
    return f"${{{rtype}.{name}"


def test_minimal_props_listen_plain_http_on_443_and_say_so(built, doc):
    edges, _ = built
    secondary = edges["secondary"]
    assert secondary.tls is False and secondary.port == 443
    assert_resource(
        doc,
        "aws_lb_listener",
        {"provider": "aws.secondary", "port": 443, "protocol": "HTTP"},
    )
    assert_no_resource(doc, "aws_lb_listener", {"provider": "aws.secondary", "protocol": "HTTPS"})
    assert_resource(
        doc,
        "aws_lb_target_group",
        {
            "provider": "aws.secondary",
            "name": "dbdr-nlb-targets-usw2-test",
            "target_type": "alb",
            "protocol": "TCP",
            "port": 443,
            "health_check": {"protocol": "HTTP", "path": "/health", "matcher": "200"},
        },
    )


def test_with_a_certificate_the_alb_terminates_tls_and_the_nlb_checks_over_https(built, doc):
    edges, _ = built
    assert edges["primary"].tls is True
    assert_resource(
        doc,
        "aws_lb_listener",
        {
            "provider": "aws.primary",
            "port": 443,
            "protocol": "HTTPS",
            "certificate_arn": CERTIFICATE,
            "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        },
    )
    assert_resource(
        doc,
        "aws_lb_target_group",
        {
            "provider": "aws.primary",
            "target_type": "alb",
            "health_check": {"protocol": "HTTPS", "path": "/health"},
        },
    )


@pytest.mark.parametrize(
    "provider, code, protocol",
    [("aws.primary", "use1", "HTTPS"), ("aws.secondary", "usw2", "HTTP")],
)
def test_route_53_checks_the_whole_public_path_by_the_nlb_s_name(doc, provider, code, protocol):
    nlb = _ref(
        doc, "aws_lb", lambda b: b["provider"] == provider and b["load_balancer_type"] == "network"
    )
    assert_resource(
        doc,
        "aws_route53_health_check",
        {
            "provider": provider,
            "type": protocol,
            "fqdn": f"{nlb}.dns_name}}",
            "port": 443,
            "resource_path": "/health",
            "failure_threshold": 3,
            "tags": {"Name": f"dbdr-edge-health-{code}-test"},
        },
    )
    (check,) = [
        c for c in resources(doc, "aws_route53_health_check").values() if c["provider"] == provider
    ]
    assert check["request_interval"] == 30


@pytest.mark.parametrize("provider, code", [("aws.primary", "use1"), ("aws.secondary", "usw2")])
def test_public_subnets_one_per_zone_routed_to_an_internet_gateway(doc, provider, code):
    subnets = [
        b
        for b in resources(doc, "aws_subnet").values()
        if b["provider"] == provider and b["tags"].get("Tier") == "public"
    ]
    assert len(subnets) == 3
    assert all(b["map_public_ip_on_launch"] is False for b in subnets)
    # carved from the VPC's last /19 block, never a private subnet
    prefix = "10.10" if code == "use1" else "10.20"
    assert [b["cidr_block"] for b in subnets] == [
        f"{prefix}.224.0/22",
        f"{prefix}.228.0/22",
        f"{prefix}.232.0/22",
    ]
    private = [
        b["availability_zone_id"]
        for b in resources(doc, "aws_subnet").values()
        if b["provider"] == provider and b["tags"].get("Tier") == "private"
    ]
    assert [b["availability_zone_id"] for b in subnets] == private
    assert_resource(
        doc,
        "aws_internet_gateway",
        {"provider": provider, "tags": {"Name": f"dbdr-edge-{code}-test"}},
    )
    gateway = _ref(doc, "aws_internet_gateway", lambda b: b["provider"] == provider)
    routes = [b for b in resources(doc, "aws_route").values() if b["provider"] == provider]
    assert len(routes) == 1
    assert routes[0]["destination_cidr_block"] == "0.0.0.0/0"
    assert routes[0]["gateway_id"].startswith(gateway)
    table = routes[0]["route_table_id"].split(".id")[0]
    associations = [
        b
        for b in resources(doc, "aws_route_table_association").values()
        if b["route_table_id"].startswith(table)
    ]
    assert len(associations) == 3


def test_the_nlb_is_public_cross_zone_logged_and_waits_for_the_gateway(doc):
    nlb = _load_balancer(
        doc,
        "dbdr-nlb-usw2-test",
        provider="aws.secondary",
        load_balancer_type="network",
        internal=False,
        enable_cross_zone_load_balancing=True,
        access_logs={"enabled": True, "prefix": "nlb"},
    )
    assert len(nlb["subnets"]) == 3 and len(nlb["security_groups"]) == 1
    waits = " ".join(nlb["depends_on"])
    assert "aws_internet_gateway." in waits and "aws_route." in waits
    assert "aws_s3_bucket_policy." in waits


def test_the_alb_is_internal_in_the_private_subnets_dropping_invalid_headers(doc):
    alb = _load_balancer(
        doc,
        "dbdr-alb-use1-test",
        provider="aws.primary",
        load_balancer_type="application",
        internal=True,
        drop_invalid_header_fields=True,
        access_logs={"prefix": "alb"},
    )
    assert all("PrivateSubnet" in s for s in alb["subnets"])
    assert any("aws_s3_bucket_policy." in d for d in alb["depends_on"])


def test_the_nlb_targets_the_alb_once_the_alb_listens_on_the_same_port(doc):
    for provider, code in (("aws.primary", "use1"), ("aws.secondary", "usw2")):
        group = _ref(
            doc, "aws_lb_target_group", lambda b, c=code: b["name"] == f"dbdr-nlb-targets-{c}-test"
        )
        alb = _ref(doc, "aws_lb", lambda b, c=code: b["name"] == f"dbdr-alb-{c}-test")
        (attachment,) = [
            b
            for b in resources(doc, "aws_lb_target_group_attachment").values()
            if b["target_group_arn"].startswith(group)
        ]
        assert attachment["provider"] == provider
        assert attachment["target_id"].startswith(alb) and attachment["port"] == 443
        (listener_dep,) = attachment["depends_on"]
        listener = resources(doc, "aws_lb_listener")[listener_dep.split(".")[1]]
        assert listener["load_balancer_arn"].startswith(alb) and listener["port"] == 443


def test_the_alb_invokes_the_function_through_a_lambda_target_group(doc):
    targets = _named(doc, "aws_lb_target_group", "dbdr-alb-targets-use1-test")
    assert targets["target_type"] == "lambda"
    assert targets["lambda_multi_value_headers_enabled"] is False
    assert targets["health_check"]["enabled"] is True
    assert targets["health_check"]["path"] == "/health"
    assert "port" not in targets and "protocol" not in targets and "vpc_id" not in targets
    group = _ref(doc, "aws_lb_target_group", lambda b: b["name"] == "dbdr-alb-targets-use1-test")
    (permission,) = [
        b
        for b in resources(doc, "aws_lambda_permission").values()
        if b["source_arn"].startswith(group)
    ]
    assert permission["principal"] == "elasticloadbalancing.amazonaws.com"
    assert permission["function_name"] == "dbdr-service-use1-test"
    (attachment,) = [
        b
        for b in resources(doc, "aws_lb_target_group_attachment").values()
        if b["target_group_arn"].startswith(group)
    ]
    function = _ref(
        doc, "aws_lambda_function", lambda b: b["function_name"] == "dbdr-service-use1-test"
    )
    assert attachment["target_id"].startswith(function)
    assert any(d.startswith("aws_lambda_permission.") for d in attachment["depends_on"])


def test_security_groups_chain_clients_to_the_nlb_to_the_alb(doc):
    nlb_group = _ref(doc, "aws_security_group", lambda b: b["name"] == "dbdr-nlb-usw2-test")
    alb_group = _ref(doc, "aws_security_group", lambda b: b["name"] == "dbdr-alb-usw2-test")

    def rules(rtype, group):
        return [
            b for b in resources(doc, rtype).values() if b["security_group_id"].startswith(group)
        ]

    (clients,) = rules("aws_vpc_security_group_ingress_rule", nlb_group)
    assert (clients["cidr_ipv4"], clients["from_port"], clients["to_port"]) == (
        "0.0.0.0/0",
        443,
        443,
    )
    (to_alb,) = rules("aws_vpc_security_group_egress_rule", nlb_group)
    assert to_alb["referenced_security_group_id"].startswith(alb_group)
    assert to_alb["from_port"] == to_alb["to_port"] == 443
    alb_in = rules("aws_vpc_security_group_ingress_rule", alb_group)
    assert {
        r.get("referenced_security_group_id", r.get("cidr_ipv4")).split(".id")[0] for r in alb_in
    } == {
        nlb_group,
        "10.20.0.0/16",
    }
    assert all(r["from_port"] == r["to_port"] == 443 for r in alb_in)
    # the ALB sends nothing over its interfaces: Lambda targets are invoked by ELB
    assert rules("aws_vpc_security_group_egress_rule", alb_group) == []
    assert all(
        "egress" not in b
        for b in resources(doc, "aws_security_group").values()
        if b["name"].startswith(("dbdr-nlb", "dbdr-alb"))
    )


@pytest.mark.parametrize("provider, code", [("aws.primary", "use1"), ("aws.secondary", "usw2")])
def test_the_access_log_bucket_is_hardened_sse_s3_and_expiring(doc, provider, code):
    (name,) = [
        n
        for n, b in resources(doc, "aws_s3_bucket").items()
        if b["bucket"] == f"dbdr-access-logs-{code}-test"
    ]
    bucket = resources(doc, "aws_s3_bucket")[name]
    assert bucket["provider"] == provider and bucket["force_destroy"] is True
    ref = f"${{aws_s3_bucket.{name}.id}}"
    assert_resource(
        doc,
        "aws_s3_bucket_server_side_encryption_configuration",
        {
            "provider": provider,
            "bucket": ref,
            "rule": [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
        },
    )
    assert_resource(
        doc,
        "aws_s3_bucket_versioning",
        {"bucket": ref, "versioning_configuration": {"status": "Enabled"}},
    )
    assert_resource(
        doc,
        "aws_s3_bucket_public_access_block",
        {
            "bucket": ref,
            "block_public_acls": True,
            "block_public_policy": True,
            "ignore_public_acls": True,
            "restrict_public_buckets": True,
        },
    )
    assert_resource(
        doc,
        "aws_s3_bucket_ownership_controls",
        {"bucket": ref, "rule": {"object_ownership": "BucketOwnerEnforced"}},
    )
    assert_resource(
        doc,
        "aws_s3_bucket_lifecycle_configuration",
        {"bucket": ref, "rule": [{"status": "Enabled", "expiration": [{"days": 90}]}]},
    )


def test_the_bucket_policy_admits_each_load_balancer_s_log_delivery_only(doc):
    (name,) = [
        n
        for n, b in resources(doc, "aws_s3_bucket").items()
        if b["bucket"] == "dbdr-access-logs-use1-test"
    ]
    (policy,) = [
        json.loads(b["policy"])
        for b in resources(doc, "aws_s3_bucket_policy").values()
        if b["bucket"] == f"${{aws_s3_bucket.{name}.id}}"
    ]
    statements = {s["Sid"]: s for s in policy["Statement"]}
    arn = f"${{aws_s3_bucket.{name}.arn}}"
    assert statements["DenyInsecureTransport"]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    alb = statements["AlbAccessLogs"]
    # us-east-1 predates August 2022: the regional ELB account writes the ALB's logs
    assert alb["Principal"]["AWS"].startswith("${data.aws_elb_service_account.")
    assert alb["Resource"].startswith(f"{arn}/alb/AWSLogs/${{data.aws_caller_identity.")
    write = statements["NlbAccessLogsWrite"]
    assert write["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert write["Resource"].startswith(f"{arn}/nlb/AWSLogs/")
    assert write["Condition"]["StringEquals"]["s3:x-amz-acl"] == "bucket-owner-full-control"
    assert "aws:SourceAccount" in write["Condition"]["StringEquals"]
    assert write["Condition"]["ArnLike"]["aws:SourceArn"].startswith("arn:${data.aws_partition.")
    acl = statements["NlbAccessLogsAclCheck"]
    assert acl["Action"] == "s3:GetBucketAcl" and acl["Resource"] == arn


def test_a_region_opened_after_august_2022_grants_the_log_delivery_principal():
    # Given an edge in eu-central-2 (Zurich, 2022-11)
    t = new_stack()
    base = regional_base(t, secondary_region="eu-central-2")
    edge(t, base, "secondary")
    doc = t.synth()
    # Then its ALB logs are granted to the service principal, with no ELB account lookup
    (policy,) = [json.loads(b["policy"]) for b in resources(doc, "aws_s3_bucket_policy").values()]
    (alb,) = [s for s in policy["Statement"] if s["Sid"] == "AlbAccessLogs"]
    assert alb["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert "aws_elb_service_account" not in doc.get("data", {})


def test_attributes_expose_what_the_accelerator_and_dashboards_wire(built):
    edges, doc = built
    secondary = edges["secondary"]
    stack = TerraformStack.of(secondary)

    def resolve(value):
        resolver = DefaultTokenResolver(StringConcat())
        return Tokenization.resolve(value, scope=stack, preparing=False, resolver=resolver)

    nlb = _ref(doc, "aws_lb", lambda b: b["name"] == "dbdr-nlb-usw2-test")
    alb = _ref(doc, "aws_lb", lambda b: b["name"] == "dbdr-alb-usw2-test")
    assert secondary.region == SECONDARY and secondary.port == 443
    assert resolve(secondary.nlb_arn) == f"{nlb}.arn}}"
    assert resolve(secondary.nlb_dns_name) == f"{nlb}.dns_name}}"
    assert resolve(secondary.nlb_zone_id) == f"{nlb}.zone_id}}"
    assert resolve(secondary.alb_arn) == f"{alb}.arn}}"
    assert len(secondary.public_subnet_ids) == 3
    assert resolve(secondary.nlb_dimensions)["LoadBalancer"] == f"{nlb}.arn_suffix}}"
    assert resolve(secondary.alb_dimensions)["LoadBalancer"] == f"{alb}.arn_suffix}}"
    targets = _ref(doc, "aws_lb_target_group", lambda b: b["name"] == "dbdr-nlb-targets-usw2-test")
    assert resolve(secondary.nlb_dimensions)["TargetGroup"] == f"{targets}.arn_suffix}}"


def _invalid(**overrides):
    t = new_stack()
    base = regional_base(t, secondary_cidr=overrides.pop("secondary_cidr", "10.20.0.0/16"))
    edge(t, base, "secondary", **overrides)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"port": 0}, "port must be 1..65535, got 0"),
        ({"port": 65536}, "port must be 1..65535, got 65536"),
        ({"health_path": "health"}, "health_path must start with '/'"),
        (
            {"certificate_arn": CERTIFICATE},
            f"certificate_arn must be an ACM certificate ARN in {SECONDARY}",
        ),
        ({"client_cidrs": ()}, "client_cidrs must name at least one network"),
        ({"client_cidrs": ("internet",)}, "client_cidrs must be IPv4 networks.*'internet'"),
        ({"log_expiration_days": 0}, "log_expiration_days must be 1..3650, got 0"),
        (
            {"secondary_cidr": "10.20.0.0/23"},
            "vpc cidr 10.20.0.0/23 is too small for public subnets",
        ),
    ],
)
def test_invalid_props_are_refused_naming_the_field(overrides, message):
    with pytest.raises(ValueError, match=message):
        _invalid(**overrides)
