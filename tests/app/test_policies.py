"""Policies over every synthesized resource, driven by the JSON and the provider's schema,
in the default (destroyable), production and variant configurations."""

from __future__ import annotations

import json
import re

import pytest

from support.apps import APPS

NAMING_ARGUMENTS = {
    "name",
    "identifier",
    "cluster_identifier",
    "global_cluster_identifier",
    "function_name",
    "alarm_name",
    "bucket",
    "final_snapshot_identifier",
    "name_prefix",
    "role_name",
    "topic_name",
    "queue_name",
    "table_name",
}
# Encryption arguments that the schema offers but that do not apply here, with the reason.
ENCRYPTION_EXEMPT = {
    (
        "aws_rds_cluster",
        "master_user_secret_kms_key_id",
    ): "only used by RDS-managed master passwords, which global clusters cannot use",
    (
        "aws_rds_cluster",
        "performance_insights_kms_key_id",
    ): "cluster-level Performance Insights is for Multi-AZ DB clusters; Aurora enables it "
    "per instance, where the same policy checks the key",
    (
        "aws_db_instance",
        "master_user_secret_kms_key_id",
    ): "only used by RDS-managed master passwords, which cross-region replicas cannot use",
}
# IAM statements allowed to name Resource "*", with the AWS reason. A key policy's statements
# are not listed: in a key policy, Resource "*" means the key itself (KMS developer guide,
# "Key policies in AWS KMS").
PUT_METRIC_DATA = "cloudwatch:PutMetricData has no resource-level permissions; limited by namespace"
STAR_RESOURCE_ALLOWLIST = {
    "PublishCanaryMetrics": PUT_METRIC_DATA,
    "PublishFailoverMetric": PUT_METRIC_DATA,
    "ReadHealthMetrics": "cloudwatch:GetMetricData / GetMetricStatistics have no "
    "resource-level permissions",
}
# What the application tier adds (app_tier on).
APP_TIER_STAR_ALLOWLIST = {
    "DescribeParameters": "ssm:DescribeParameters has no resource-level permissions; "
    "limited to the two regions",
}


@pytest.fixture(params=APPS)
def app(request):
    return request.getfixturevalue(request.param)


def _resources(doc):
    for rtype, blocks in doc.get("resource", {}).items():
        for name, body in blocks.items():
            yield rtype, name, body


def _literal(value) -> bool:
    return isinstance(value, str) and "${" not in value


def test_every_naming_argument_carries_the_environment_suffix(app):
    suffix = app.config.environment_suffix
    pattern = re.compile(rf"(^|[-./]){re.escape(suffix)}($|[-./])")
    checked, unsuffixed = 0, []
    # The application's public names are the user's own (app_domain_name and names under it).
    domain = app.config.app_domain_name

    def users_own(value: str) -> bool:
        return bool(domain) and (value == domain or value.endswith(f".{domain}"))

    for rtype, _, body in _resources(app.doc):
        for argument in NAMING_ARGUMENTS & set(body):
            if _literal(body[argument]) and not users_own(body[argument]):
                checked += 1
                if not pattern.search(body[argument]):
                    unsuffixed.append((rtype, argument, body[argument]))
    assert checked > 30
    assert unsuffixed == []


def test_every_taggable_resource_gets_the_required_tags(app, provider_schema):
    required = {
        k: app.config.required_tags[k]
        for k in ("Environment", "Project", "CostCenter", "DisasterRecovery")
    }
    defaults = {p["alias"]: p["default_tags"][0]["tags"] for p in app.doc["provider"]["aws"]}
    schemas = provider_schema["resource_schemas"]
    taggable = 0
    for rtype, name, body in _resources(app.doc):
        if "tags" not in schemas[rtype]["block"]["attributes"]:
            continue
        taggable += 1
        effective = {**defaults[body["provider"].split(".")[1]], **body.get("tags", {})}
        assert {k: effective.get(k) for k in required} == required, f"{rtype}.{name}"
    assert taggable > 30


def _key_providers(doc) -> dict[str, str]:
    return {
        f"${{aws_kms_key.{name}.arn}}": body["provider"]
        for name, body in doc["resource"]["aws_kms_key"].items()
    }


def test_every_encryption_argument_uses_the_customer_managed_key_of_its_own_region(
    app, provider_schema
):
    keys = _key_providers(app.doc)
    schemas = provider_schema["resource_schemas"]
    checked, problems = 0, []
    for rtype, name, body in _resources(app.doc):
        attributes = schemas[rtype]["block"]["attributes"]
        for argument, spec in attributes.items():
            if not re.search(r"kms_(master_)?key_(id|arn)$", argument) or not spec.get("optional"):
                continue
            if (rtype, argument) in ENCRYPTION_EXEMPT:
                assert argument not in body, f"{rtype}.{name} sets exempt {argument}"
                continue
            checked += 1
            if keys.get(body.get(argument)) != body["provider"]:
                problems.append((rtype, name, argument, body.get(argument)))
        if attributes.get("storage_encrypted", {}).get("optional"):  # settable, so set it
            checked += 1
            if body.get("storage_encrypted") is not True:
                problems.append((rtype, name, "storage_encrypted", body.get("storage_encrypted")))
    assert checked >= 12  # clusters, instances (Performance Insights), log groups, topics
    assert problems == []


def test_no_rule_opens_any_port_to_the_internet_but_the_public_edge_listener(app):
    rules, public = 0, []
    for rtype, name, body in _resources(app.doc):
        if rtype == "aws_vpc_security_group_ingress_rule":
            rules += 1
            if body.get("cidr_ipv4") == "0.0.0.0/0" or body.get("cidr_ipv6") == "::/0":
                public.append((body["//"]["metadata"]["path"], body["from_port"], body["to_port"]))
        if rtype in ("aws_security_group", "aws_default_security_group", "aws_security_group_rule"):
            text = json.dumps(body)
            assert "0.0.0.0/0" not in text and "::/0" not in text, f"{rtype}.{name}"
    assert rules >= 2
    # Only the application tier's internet-facing NLB admits the internet, on its listener.
    expected = (
        [(f"dbdr/{role}Edge/NlbClients0", 443, 443) for role in ("Primary", "Secondary")]
        if app.config.app_tier
        else []
    )
    assert sorted(public) == expected


def test_default_profile_is_destroyable(default_app):
    doc = default_app.doc
    assert '"prevent_destroy"' not in json.dumps(doc)
    clusters = list(doc["resource"]["aws_rds_cluster"].values())
    assert clusters and all(
        c["skip_final_snapshot"] is True and c["deletion_protection"] is False for c in clusters
    )
    (global_cluster,) = doc["resource"]["aws_rds_global_cluster"].values()
    assert (
        global_cluster["force_destroy"] is True and global_cluster["deletion_protection"] is False
    )
    assert {k["deletion_window_in_days"] for k in doc["resource"]["aws_kms_key"].values()} == {7}


def test_production_profile_protects_and_snapshots(production_app):
    doc = production_app.doc
    clusters = list(doc["resource"]["aws_rds_cluster"].values())
    assert all(
        c["deletion_protection"] is True
        and c["skip_final_snapshot"] is False
        and c["final_snapshot_identifier"].startswith("dbdr-final-")
        for c in clusters
    )
    (global_cluster,) = doc["resource"]["aws_rds_global_cluster"].values()
    assert (
        global_cluster["deletion_protection"] is True and global_cluster["force_destroy"] is False
    )
    assert {k["deletion_window_in_days"] for k in doc["resource"]["aws_kms_key"].values()} == {30}


def managed_password_violations(doc) -> list[str]:
    """Clusters in a global database, and instances in a cross-region replication pair, that
    ask RDS to manage the master password: AWS refuses both (rds-secrets-manager.html,
    limitations); moto does not."""
    resources = doc["resource"]
    clusters = [
        name
        for name, body in resources.get("aws_rds_cluster", {}).items()
        if (body.get("global_cluster_identifier") or body.get("replication_source_identifier"))
        and body.get("manage_master_user_password")
    ]
    replicated = bool(
        any(b.get("replicate_source_db") for b in resources.get("aws_db_instance", {}).values())
    )
    instances = [
        name
        for name, body in resources.get("aws_db_instance", {}).items()
        if replicated and body.get("manage_master_user_password")
    ]
    return clusters + instances


def test_no_rds_managed_password_on_replicated_databases_and_the_guard_can_fail(app):
    assert managed_password_violations(app.doc) == []
    doctored = json.loads(json.dumps(app.doc))
    database_type = (
        "aws_rds_cluster" if "aws_rds_cluster" in doctored["resource"] else "aws_db_instance"
    )
    next(iter(doctored["resource"][database_type].values()))["manage_master_user_password"] = True
    assert len(managed_password_violations(doctored)) == 1


def test_no_password_or_secret_value_in_the_synthesized_json_or_outputs(app):
    text = json.dumps(app.doc)
    # The only "password" allowed is the JSON key read from the ephemeral secret value.
    assert '"master_password"' not in text and '"password"' not in text.replace(
        '[\\"password\\"]', ""
    )
    assert "aws_secretsmanager_secret_version" not in json.dumps(app.doc.get("data", {}))
    assert "ephemeral" in app.doc  # the password is only read ephemerally
    assert "secret_string" not in json.dumps(app.doc["output"])


def _statements(doc):
    """Every IAM or key policy statement: (resource type, sid, statement)."""
    for name, body in doc.get("data", {}).get("aws_iam_policy_document", {}).items():
        for i, statement in enumerate(body.get("statement", [])):
            yield (
                "aws_iam_policy_document",
                statement.get("sid", f"{name}[{i}]"),
                {"Resource": statement.get("resources", [])},
            )
    for rtype, name, body in _resources(doc):
        for argument in ("policy", "assume_role_policy"):
            if rtype.startswith("aws_iam_policy_document") or argument not in body:
                continue
            if isinstance(body[argument], str) and body[argument].lstrip().startswith("{"):
                for i, statement in enumerate(json.loads(body[argument])["Statement"]):
                    yield rtype, statement.get("Sid", f"{name}[{i}]"), statement


def _resource_list(statement: dict) -> list:
    """A statement's Resource, a string or a list, as a list."""
    resource = statement.get("Resource", [])
    return [resource] if isinstance(resource, str) else resource


def test_every_resource_star_statement_is_allowlisted_with_its_reason(app):
    statements = list(_statements(app.doc))
    assert len(statements) > 8
    star = {
        sid for rtype, sid, s in statements if rtype != "aws_kms_key" and "*" in _resource_list(s)
    }
    allowed = set(STAR_RESOURCE_ALLOWLIST) | (
        set(APP_TIER_STAR_ALLOWLIST) if app.config.app_tier else set()
    )
    assert star - allowed == set()
    assert allowed - star == set()  # no stale entries
