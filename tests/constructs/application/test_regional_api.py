"""RegionalApi: a regional REST API in front of the region's service, its stage and logs, its
Route 53 health check and, optionally, a custom domain with an imported certificate or one
validated by DNS in a public zone."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import pytest

from constructs_lib.application.regional_api import RegionalApi, RegionalApiProps
from support.matchers import assert_no_resource, assert_only, assert_resource, resources
from support.stacks import PRIMARY, SECONDARY, new_stack, regional_service

ACCOUNT = "123456789012"
ZONE_ID = "Z0123456789ABCDEFGHIJ"
UUID = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
IMPORTED = f"arn:aws:acm:{SECONDARY}:{ACCOUNT}:certificate/{UUID}"
_CASES = itertools.count()


@dataclass
class Built:
    doc: Any
    apis: dict[str, RegionalApi]


def _region(t, role: str) -> dict:
    """The props of a RegionalApi in ``role``'s region but its own: the region's key and a
    RegionalService there."""
    placed, service = regional_service(t, role)
    return dict(placed, service=service)


def _build(**by_role: dict) -> Built:
    """A stack with a RegionalApi in each region named in ``by_role`` (role -> overrides),
    and outputs of the attributes main.py wires, to see what they resolve to."""
    from cdktf import TerraformOutput

    t = new_stack()
    apis = {}
    for role, overrides in by_role.items():
        api = RegionalApi(t.stack, f"{role}Api", RegionalApiProps(**_region(t, role), **overrides))
        apis[role] = api
        wired = {
            "invoke_host": api.invoke_host,
            "health_path": api.health_path,
            "health_check_id": api.health_check_id,
            "stage_arn": api.stage_arn,
            "execution_arn": api.execution_arn,
            "api_id": api.api_id,
            "stage_name": api.stage_name,
        }
        if api.custom_domain is not None:
            wired["regional_domain_name"] = api.custom_domain.regional_domain_name
            wired["regional_zone_id"] = api.custom_domain.regional_zone_id
            wired["certificate_arn"] = api.custom_domain.certificate_arn
        for name, value in wired.items():
            TerraformOutput(t.stack, f"{role}_{name}", value=value)
    return Built(t.synth(), apis)


@pytest.fixture(scope="module")
def plain():
    """Minimal props in the secondary region: no custom domain."""
    return _build(secondary={})


@pytest.fixture(scope="module")
def domains():
    """Both regions with the same custom domain name: the primary validates a new
    certificate in a public zone, the secondary uses an imported one."""
    return _build(
        primary={"domain_name": "api.example.com", "public_zone_id": ZONE_ID},
        secondary={"domain_name": "api.example.com", "certificate_arn": IMPORTED},
    )


def _ref(doc, rtype: str, prefix: str, attribute: str) -> str:
    """``${<type>.<name>.<attribute>}`` of the one ``rtype`` whose name starts with prefix."""
    (name,) = [n for n in resources(doc, rtype) if n.startswith(prefix)]
    return f"${{{rtype}.{name}.{attribute}}}"


def _data_ref(doc, dtype: str, prefix: str, attribute: str) -> str:
    (name,) = [n for n in doc["data"][dtype] if n.startswith(prefix)]
    return f"${{data.{dtype}.{name}.{attribute}}}"


def _outputs(doc, role: str) -> dict[str, str]:
    prefix = f"{role}_"
    return {
        name[len(prefix) :]: body["value"]
        for name, body in doc["output"].items()
        if name.startswith(prefix)
    }


# Minimal props -----------------------------------------------------------------------------


def test_the_api_is_regional_and_sends_every_path_to_the_service(plain):
    doc = plain.doc
    api = assert_only(
        doc,
        "aws_api_gateway_rest_api",
        {
            "provider": "aws.secondary",
            "name": "dbdr-api-usw2-test",
            "endpoint_configuration": {"types": ["REGIONAL"]},
            "disable_execute_api_endpoint": False,
            "lifecycle": {"create_before_destroy": True},
        },
    )
    api_id = _ref(doc, "aws_api_gateway_rest_api", "secondaryApi", "id")
    root = _ref(doc, "aws_api_gateway_rest_api", "secondaryApi", "root_resource_id")
    assert_only(
        doc,
        "aws_api_gateway_resource",
        {
            "provider": "aws.secondary",
            "rest_api_id": api_id,
            "parent_id": root,
            "path_part": "{proxy+}",
        },
    )
    proxy = _ref(doc, "aws_api_gateway_resource", "secondaryApi_Proxy", "id")
    invoke_arn = _ref(doc, "aws_lambda_function", "secondaryService", "invoke_arn")
    for resource_id in (root, proxy):
        assert_resource(
            doc,
            "aws_api_gateway_method",
            {
                "provider": "aws.secondary",
                "rest_api_id": api_id,
                "resource_id": resource_id,
                "http_method": "ANY",
                "authorization": "NONE",
            },
        )
        assert_resource(
            doc,
            "aws_api_gateway_integration",
            {
                "provider": "aws.secondary",
                "resource_id": resource_id,
                "type": "AWS_PROXY",
                "integration_http_method": "POST",
                "uri": invoke_arn,
            },
        )
    assert len(resources(doc, "aws_api_gateway_method")) == 2
    assert len(resources(doc, "aws_api_gateway_integration")) == 2
    assert "description" in api


def test_the_deployment_follows_every_change_and_replaces_itself_before_destroying(plain):
    doc = plain.doc
    deployment = assert_only(
        doc,
        "aws_api_gateway_deployment",
        {"provider": "aws.secondary", "lifecycle": {"create_before_destroy": True}},
    )
    redeployment = deployment["triggers"]["redeployment"]
    assert redeployment.startswith("${sha1(jsonencode([")
    for rtype in (
        "aws_api_gateway_resource",
        "aws_api_gateway_method",
        "aws_api_gateway_integration",
    ):
        for name in resources(doc, rtype):
            assert f"{rtype}.{name}.id" in redeployment
    assert sorted(deployment["depends_on"]) == sorted(
        f"aws_api_gateway_integration.{name}"
        for name in resources(doc, "aws_api_gateway_integration")
    )


def test_the_stage_traces_and_logs_every_request_to_an_encrypted_group(plain):
    doc = plain.doc
    key_arn = _ref(doc, "aws_kms_key", "secondaryKey", "arn")
    assert_resource(
        doc,
        "aws_cloudwatch_log_group",
        {
            "provider": "aws.secondary",
            "name": "/aws/apigateway/dbdr-api-access-usw2-test",
            "kms_key_id": key_arn,
            "retention_in_days": 365,
        },
    )
    api_id = _ref(doc, "aws_api_gateway_rest_api", "secondaryApi", "id")
    # the group API Gateway writes execution logs to, made first with the same key
    assert_resource(
        doc,
        "aws_cloudwatch_log_group",
        {
            "provider": "aws.secondary",
            "name": f"API-Gateway-Execution-Logs_{api_id}/live",
            "kms_key_id": key_arn,
            "retention_in_days": 365,
        },
    )
    stage = assert_only(
        doc,
        "aws_api_gateway_stage",
        {
            "provider": "aws.secondary",
            "stage_name": "live",
            "xray_tracing_enabled": True,
            "rest_api_id": api_id,
            "deployment_id": _ref(doc, "aws_api_gateway_deployment", "secondaryApi", "id"),
            "access_log_settings": {
                "destination_arn": _ref(
                    doc, "aws_cloudwatch_log_group", "secondaryApi_AccessLogs", "arn"
                )
            },
        },
    )
    fields = json.loads(stage["access_log_settings"]["format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["status"] == "$context.status"
    assert fields["integrationError"] == "$context.integration.error"
    (account,) = resources(doc, "aws_api_gateway_account")
    (execution_logs,) = [
        n for n in resources(doc, "aws_cloudwatch_log_group") if "ExecutionLogs" in n
    ]
    assert sorted(stage["depends_on"]) == [
        f"aws_api_gateway_account.{account}",
        f"aws_cloudwatch_log_group.{execution_logs}",
    ]


def test_every_method_is_throttled_and_logs_errors_without_bodies(plain):
    doc = plain.doc
    settings = assert_only(
        doc,
        "aws_api_gateway_method_settings",
        {
            "provider": "aws.secondary",
            "method_path": "*/*",
            "stage_name": _ref(doc, "aws_api_gateway_stage", "secondaryApi", "stage_name"),
            "settings": {
                "logging_level": "ERROR",
                "data_trace_enabled": False,
                "metrics_enabled": True,
                "throttling_rate_limit": 100,
                "throttling_burst_limit": 200,
                "caching_enabled": False,
            },
        },
    )
    assert any(d.startswith("aws_api_gateway_account.") for d in settings["depends_on"])


def test_the_region_s_logging_role_is_set_and_cleared_on_destroy(plain):
    doc = plain.doc
    assert_resource(
        doc, "aws_iam_role", {"provider": "aws.secondary", "name": "dbdr-api-logs-usw2-test"}
    )
    (role,) = [r for r in resources(doc, "aws_iam_role").values() if "api-logs" in r["name"]]
    (statement,) = json.loads(role["assume_role_policy"])["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert "aws:SourceAccount" in statement["Condition"]["StringEqualsIfExists"]
    assert_resource(
        doc,
        "aws_iam_role_policy_attachment",
        {
            "provider": "aws.secondary",
            "role": _ref(doc, "aws_iam_role", "secondaryApi_LoggingRole", "name"),
        },
    )
    (attachment,) = [
        (n, b)
        for n, b in resources(doc, "aws_iam_role_policy_attachment").items()
        if n.startswith("secondaryApi")
    ]
    assert attachment[1]["policy_arn"].endswith(
        ":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    )
    assert_only(
        doc,
        "aws_api_gateway_account",
        {
            "provider": "aws.secondary",
            "cloudwatch_role_arn": _ref(doc, "aws_iam_role", "secondaryApi_LoggingRole", "arn"),
            "reset_on_delete": True,
            "depends_on": [f"aws_iam_role_policy_attachment.{attachment[0]}"],
        },
    )


def test_only_this_api_may_invoke_the_function(plain):
    doc = plain.doc
    permission = assert_only(
        doc,
        "aws_lambda_permission",
        {
            "provider": "aws.secondary",
            "function_name": "dbdr-service-usw2-test",
            "principal": "apigateway.amazonaws.com",
            "action": "lambda:InvokeFunction",
            "source_arn": _ref(doc, "aws_api_gateway_rest_api", "secondaryApi", "execution_arn")
            + "/*/*",
        },
    )
    (function,) = resources(doc, "aws_lambda_function")
    assert permission["depends_on"] == [f"aws_lambda_function.{function}"]


def test_route53_probes_the_health_route_on_the_invoke_host(plain):
    doc = plain.doc
    host = (
        _ref(doc, "aws_api_gateway_rest_api", "secondaryApi", "id")
        + f".execute-api.{SECONDARY}."
        + _data_ref(doc, "aws_partition", "secondaryApi", "dns_suffix")
    )
    assert_only(
        doc,
        "aws_route53_health_check",
        {
            "provider": "aws.secondary",
            "type": "HTTPS",
            "fqdn": host,
            "port": 443,
            "resource_path": "/live/health",
            "enable_sni": True,
            "request_interval": 30,
            "failure_threshold": 3,
            "measure_latency": True,
            "tags": {"Name": "dbdr-api-health-usw2-test"},
        },
    )
    assert "regions" not in only_health(doc)  # Route 53's default checker regions
    wired = _outputs(doc, "secondary")
    assert wired["invoke_host"] == host
    assert wired["health_path"] == "/live/health"
    assert wired["health_check_id"] == _ref(doc, "aws_route53_health_check", "secondaryApi", "id")
    assert wired["stage_arn"] == _ref(doc, "aws_api_gateway_stage", "secondaryApi", "arn")
    assert wired["stage_name"] == _ref(doc, "aws_api_gateway_stage", "secondaryApi", "stage_name")
    assert wired["execution_arn"] == _ref(
        doc, "aws_api_gateway_rest_api", "secondaryApi", "execution_arn"
    )
    assert wired["api_id"] == _ref(doc, "aws_api_gateway_rest_api", "secondaryApi", "id")


def only_health(doc) -> dict:
    (check,) = resources(doc, "aws_route53_health_check").values()
    return check


def test_without_a_domain_there_is_no_custom_domain_at_all(plain):
    doc = plain.doc
    for rtype in (
        "aws_acm_certificate",
        "aws_acm_certificate_validation",
        "aws_route53_record",
        "aws_api_gateway_domain_name",
        "aws_api_gateway_base_path_mapping",
    ):
        assert_no_resource(doc, rtype)
    assert plain.apis["secondary"].custom_domain is None


def test_an_account_whose_logging_role_is_owned_elsewhere_is_left_alone():
    built = _build(secondary={"manage_account_logging_role": False})
    doc = built.doc
    assert_no_resource(doc, "aws_api_gateway_account")
    assert not [r for r in resources(doc, "aws_iam_role").values() if "api-logs" in r["name"]]
    stage = assert_only(doc, "aws_api_gateway_stage", {"provider": "aws.secondary"})
    assert [d for d in stage["depends_on"] if "aws_api_gateway_account" in d] == []


# Custom domains ----------------------------------------------------------------------------


def test_every_resource_is_in_its_own_region(domains):
    doc = domains.doc
    for rtype, blocks in doc["resource"].items():
        for name, body in blocks.items():
            role = "primary" if name.startswith("primary") else "secondary"
            assert body["provider"] == f"aws.{role}", (rtype, name)
    for role in ("primary", "secondary"):
        assert_resource(doc, "aws_api_gateway_rest_api", {"provider": f"aws.{role}"})
        assert_resource(doc, "aws_api_gateway_stage", {"provider": f"aws.{role}"})
        assert_resource(doc, "aws_api_gateway_domain_name", {"provider": f"aws.{role}"})
        assert_resource(doc, "aws_route53_health_check", {"provider": f"aws.{role}"})


def test_a_public_zone_validates_a_new_certificate_of_the_region_by_dns(domains):
    doc = domains.doc
    certificate = assert_only(
        doc,
        "aws_acm_certificate",
        {
            "provider": "aws.primary",
            "domain_name": "api.example.com",
            "validation_method": "DNS",
            "options": {"certificate_transparency_logging_preference": "ENABLED"},
            "lifecycle": {"create_before_destroy": True},
        },
    )
    assert "subject_alternative_names" not in certificate
    options = _ref(doc, "aws_acm_certificate", "primaryApi", "domain_validation_options")[2:-1]

    def field(name: str) -> str:
        # a static record per validated name, its values from the certificate at apply
        return f'${{[for o in {options} : o.{name} if o.domain_name == "api.example.com"][0]}}'

    record = assert_only(
        doc,
        "aws_route53_record",
        {
            "provider": "aws.primary",
            "zone_id": ZONE_ID,
            "name": field("resource_record_name"),
            "type": field("resource_record_type"),
            "records": [field("resource_record_value")],
            "ttl": 60,
            "allow_overwrite": True,
        },
    )
    assert "for_each" not in record  # Terraform could not plan its keys
    (record_name,) = resources(doc, "aws_route53_record")
    validation = assert_only(
        doc,
        "aws_acm_certificate_validation",
        {
            "provider": "aws.primary",
            "certificate_arn": _ref(doc, "aws_acm_certificate", "primaryApi", "arn"),
        },
    )
    assert validation["validation_record_fqdns"] == [f"${{aws_route53_record.{record_name}.fqdn}}"]
    # the domain takes the certificate only once it is issued
    issued = _ref(doc, "aws_acm_certificate_validation", "primaryApi", "certificate_arn")
    assert_resource(
        doc,
        "aws_api_gateway_domain_name",
        {
            "provider": "aws.primary",
            "domain_name": "api.example.com",
            "regional_certificate_arn": issued,
            "endpoint_configuration": {"types": ["REGIONAL"]},
            "security_policy": "TLS_1_2",
        },
    )
    assert _outputs(doc, "primary")["certificate_arn"] == issued


def test_an_imported_certificate_is_used_as_given(domains):
    doc = domains.doc
    assert_no_resource(doc, "aws_acm_certificate", {"provider": "aws.secondary"})
    domain = _ref(doc, "aws_api_gateway_domain_name", "secondaryApi", "domain_name")
    assert_resource(
        doc,
        "aws_api_gateway_domain_name",
        {
            "provider": "aws.secondary",
            "domain_name": "api.example.com",
            "regional_certificate_arn": IMPORTED,
            "endpoint_configuration": {"types": ["REGIONAL"]},
            "security_policy": "TLS_1_2",
        },
    )
    assert_resource(
        doc,
        "aws_api_gateway_base_path_mapping",
        {
            "provider": "aws.secondary",
            "domain_name": domain,
            "api_id": _ref(doc, "aws_api_gateway_rest_api", "secondaryApi", "id"),
            "stage_name": _ref(doc, "aws_api_gateway_stage", "secondaryApi", "stage_name"),
        },
    )
    assert domains.apis["secondary"].custom_domain.certificate_arn == IMPORTED
    assert _outputs(doc, "secondary")["certificate_arn"] == IMPORTED


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_the_custom_domain_exposes_its_alias_target(domains, role):
    doc = domains.doc
    wired = _outputs(doc, role)
    prefix = f"{role}Api"
    assert wired["regional_domain_name"] == _ref(
        doc, "aws_api_gateway_domain_name", prefix, "regional_domain_name"
    )
    assert wired["regional_zone_id"] == _ref(
        doc, "aws_api_gateway_domain_name", prefix, "regional_zone_id"
    )
    assert len(resources(doc, "aws_api_gateway_base_path_mapping")) == 2


# Validation --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base():
    """A stack with the secondary region's key and service; each case adds an API."""
    t = new_stack()
    return t, _region(t, "secondary")


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {
                "domain_name": "api.example.com",
                "certificate_arn": IMPORTED.replace(SECONDARY, PRIMARY),
            },
            "certificate_arn must be in us-west-2 .* got one in us-east-1",
        ),
        (
            {
                "domain_name": "api.example.com",
                "certificate_arn": f"arn:aws:iam::{ACCOUNT}:server-certificate/api",
            },
            "certificate_arn must be an ACM certificate ARN",
        ),
        ({"domain_name": "api.example.com"}, "domain_name needs exactly one of"),
        (
            {
                "domain_name": "api.example.com",
                "certificate_arn": IMPORTED,
                "public_zone_id": ZONE_ID,
            },
            "domain_name needs exactly one of",
        ),
        ({"certificate_arn": IMPORTED}, "certificate_arn is only used with a domain_name"),
        ({"public_zone_id": ZONE_ID}, "public_zone_id is only used with a domain_name"),
        (
            {"domain_name": "API.example.com", "public_zone_id": ZONE_ID},
            "domain_name must be a lowercase host name",
        ),
        (
            {"domain_name": "*.example.com", "public_zone_id": ZONE_ID},
            "domain_name must be a lowercase host name",
        ),
        (
            {"domain_name": "api.example.com", "public_zone_id": f"/hostedzone/{ZONE_ID}"},
            "public_zone_id must be a hosted zone id",
        ),
        ({"stage_name": "live stage"}, "stage_name must be 1..128 letters"),
        ({"throttling_rate_limit": 0}, "throttling_rate_limit must be > 0"),
        ({"throttling_burst_limit": 0}, "throttling_burst_limit must be >= 1"),
        ({"health_check_interval_seconds": 20}, "health_check_interval_seconds must be 10 or 30"),
        ({"health_check_failure_threshold": 11}, "health_check_failure_threshold must be 1..10"),
    ],
)
def test_invalid_props_are_refused_naming_the_field(base, overrides, message):
    t, placed = base
    with pytest.raises(ValueError, match=message):
        RegionalApi(t.stack, f"Api{next(_CASES)}", RegionalApiProps(**placed, **overrides))


def test_a_shared_name_gets_its_own_domain_on_the_same_certificate_with_further_names():
    # Given the regional name, the name both regions answer for, and the application's name
    doc = _build(
        primary={
            "domain_name": "api-use1.example.com",
            "shared_domain_name": "api.example.com",
            "certificate_names": ("example.com",),
            "public_zone_id": ZONE_ID,
        }
    ).doc
    # Then one certificate covers the three names
    assert_only(
        doc,
        "aws_acm_certificate",
        {
            "domain_name": "api-use1.example.com",
            "subject_alternative_names": ["api.example.com", "example.com"],
        },
    )
    # and the API answers on both its own and the shared name, with the issued certificate
    issued = _ref(doc, "aws_acm_certificate_validation", "primaryApi", "certificate_arn")
    domains = resources(doc, "aws_api_gateway_domain_name").values()
    assert sorted(d["domain_name"] for d in domains) == ["api-use1.example.com", "api.example.com"]
    assert {d["regional_certificate_arn"] for d in domains} == {issued}
    mapped = [
        m["domain_name"] for m in resources(doc, "aws_api_gateway_base_path_mapping").values()
    ]
    assert sorted(mapped) == sorted(
        _ref(doc, "aws_api_gateway_domain_name", f"primaryApi_{id}", "domain_name")
        for id in ("Domain", "SharedDomain")
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"shared_domain_name": "api.example.com"}, "shared_domain_name needs a domain_name"),
        (
            {
                "domain_name": "api-use1.example.com",
                "certificate_arn": IMPORTED.replace(SECONDARY, PRIMARY),
                "certificate_names": ("example.com",),
            },
            "certificate_names are names of the certificate this construct requests",
        ),
        (
            {
                "domain_name": "api-use1.example.com",
                "public_zone_id": ZONE_ID,
                "shared_domain_name": "API.example.com",
            },
            "shared_domain_name must be lowercase host names",
        ),
    ],
)
def test_shared_and_further_names_are_checked(overrides, message):
    with pytest.raises(ValueError, match=message):
        _build(primary=overrides)
