"""EndpointParameters: the same parameter hierarchy in both regions; host names and port as
plain Strings, the secret's ARN as a SecureString under each region's own key."""

import pytest

from constructs_lib.dns.endpoint_parameters import EndpointParameters, EndpointParametersProps
from constructs_lib.security.regional_key import KeyedRegion
from support.matchers import assert_resource, resources
from support.stacks import NAMER, PRIMARY, SECONDARY, database_stack

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dbdr/test/master-AbCdEf"
LEAVES = [
    "writer-dns-name",
    "reader-dns-name",
    "primary-endpoint",
    "secondary-endpoint",
    "port",
    "master-secret-arn",
]


def _props(base, database, **overrides):
    props = dict(
        namer=NAMER,
        path="/dbdr/test",
        regions=[
            KeyedRegion(provider=base[role][0], region=base[role][1], key=base[role][2])
            for role in ("primary", "secondary")
        ],
        writer_dns_name="writer.db-test.internal",
        reader_dns_name="reader.db-test.internal",
        primary=database.primary,
        secondary=database.secondary,
        port=5432,
        secret_arn=SECRET_ARN,
    )
    props.update(overrides)
    return EndpointParametersProps(**props)


def _build(kind):
    t, base, database = database_stack(kind)
    return t, EndpointParameters(t.stack, "Parameters", _props(base, database))


def synth(kind):
    t, _ = _build(kind)
    return t.synth()


def _by_region(doc):
    """provider alias -> {parameter name: body}"""
    regions = {}
    for body in resources(doc, "aws_ssm_parameter").values():
        regions.setdefault(body["provider"], {})[body["name"]] = body
    return regions


def test_both_regions_hold_the_same_six_parameters_under_the_path(aurora_doc):
    regions = _by_region(aurora_doc)
    assert len(resources(aurora_doc, "aws_ssm_parameter")) == 12
    assert set(regions) == {"aws.primary", "aws.secondary"}
    for alias, parameters in regions.items():
        assert sorted(parameters) == sorted(f"/dbdr/test/{leaf}" for leaf in LEAVES)
        for name, body in parameters.items():
            assert_resource(
                aurora_doc,
                "aws_ssm_parameter",
                {"provider": alias, "name": name, "tier": "Standard"},
            )
            assert body["description"].startswith("dbdr (test): ")
    values = [{n: p["value"] for n, p in parameters.items()} for parameters in regions.values()]
    assert values[0] == values[1]  # one truth, readable in either region


def test_dns_names_and_port_are_plain_strings(aurora_doc):
    for alias, parameters in _by_region(aurora_doc).items():
        for leaf, value in (
            ("writer-dns-name", "writer.db-test.internal"),
            ("reader-dns-name", "reader.db-test.internal"),
            ("port", "5432"),
        ):
            assert_resource(
                aurora_doc,
                "aws_ssm_parameter",
                {"provider": alias, "name": f"/dbdr/test/{leaf}", "type": "String", "value": value},
            )
        strings = [p for p in parameters.values() if p["type"] == "String"]
        assert sorted(p["name"].rsplit("/", 1)[1] for p in strings) == [
            "port",
            "primary-endpoint",
            "reader-dns-name",
            "secondary-endpoint",
            "writer-dns-name",
        ]
        assert all("key_id" not in p for p in strings)


# kind -> the member resource, and its attribute that is the writer's host name
WRITER_HOSTS = {
    "aurora": ("aws_rds_cluster", "endpoint"),  # the cluster (writer) endpoint
    "rds": ("aws_db_instance", "address"),  # the instance's host name
}


def test_member_endpoints_are_each_members_writer_host_name(kind_doc):
    kind, doc = kind_doc
    resource, attribute = WRITER_HOSTS[kind]
    for parameters in _by_region(doc).values():
        for role in ("Primary", "Secondary"):
            value = parameters[f"/dbdr/test/{role.lower()}-endpoint"]["value"]
            assert value.startswith(f"${{{resource}.Database_{role}_")
            assert value.endswith(f".{attribute}}}")


def test_secret_arn_is_a_securestring_under_each_regions_own_key(aurora_doc):
    keys = {body["provider"]: name for name, body in resources(aurora_doc, "aws_kms_key").items()}
    for alias in _by_region(aurora_doc):
        assert_resource(
            aurora_doc,
            "aws_ssm_parameter",
            {
                "provider": alias,
                "name": "/dbdr/test/master-secret-arn",
                "type": "SecureString",
                "key_id": f"${{aws_kms_key.{keys[alias]}.arn}}",
                "value": SECRET_ARN,
            },
        )


def test_exposed_names_and_resources_match_what_was_synthesized():
    t, construct = _build("aurora")
    regions = _by_region(t.synth())
    assert sorted(construct.parameter_names) == sorted(regions["aws.primary"])
    assert set(construct.parameters) == {PRIMARY, SECONDARY}
    for region in (PRIMARY, SECONDARY):
        assert sorted(construct.parameters[region]) == sorted(construct.parameter_names)


@pytest.fixture(scope="module")
def unsynthesized():
    """A stack with a global database, never synthesized: for validation."""
    return database_stack()


def _only_primary(base):
    return [KeyedRegion(provider=base["primary"][0], region=PRIMARY, key=base["primary"][2])]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"path": "dbdr/test"}, "path must start with '/', got 'dbdr/test'"),
        ({"path": "/dbdr/test/"}, "path must not end with '/', got '/dbdr/test/'"),
        (
            {"path": "/dbdr//test"},
            "path must be '/'-separated non-empty levels of letters, "
            "digits and _.-, got '/dbdr//test'",
        ),
        (
            {"path": "/aws/dbdr"},
            r"path must not begin with 'aws' or 'ssm' \(reserved by AWS\), "
            "got '/aws/dbdr'",
        ),
        ({"path": "/a" * 15}, r"path must have at most 14 levels \(SSM allows 15 with the leaf\)"),
        (
            _only_primary,
            "regions must be the two database regions us-east-1, us-west-2 once each, "
            "got us-east-1",
        ),
        ({"port": 0}, "port must be 1..65535, got 0"),
        ({"reader_dns_name": ""}, "reader_dns_name must not be empty, got ''"),
        (
            {"secret_arn": "dbdr/test/master"},
            r"secret_arn must be a Secrets Manager ARN \(arn:...\), got 'dbdr/test/master'",
        ),
    ],
)
def test_invalid_props_are_rejected(unsynthesized, overrides, message):
    t, base, database = unsynthesized
    if callable(overrides):
        overrides = {"regions": overrides(base)}
    with pytest.raises(ValueError, match=message):
        EndpointParameters(
            t.stack, f"Parameters{len(t.stack.node.children)}", _props(base, database, **overrides)
        )
