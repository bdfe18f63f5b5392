"""ReplicatedConfiguration: parameters in the primary region under /<project>/<suffix>/app,
copied to the secondary region by a function on every change, on a schedule, at apply and
(deleted) at destroy."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformOutput

from constructs_lib.application.replicated_configuration import (
    ReplicatedConfiguration,
    ReplicatedConfigurationProps,
)
from constructs_lib.naming import Namer
from dr_lambdas.config_replicator import ReplicatorEnv as E
from support.matchers import (
    assert_no_resource,
    assert_only,
    assert_resource,
    assert_terraform_validates,
    only,
    resources,
)
from support.stacks import NAMER, PRIMARY, SECONDARY, keyed_regions, new_stack

PATH = "/dbdr/test/app"
PARAMETERS = {"database/writer-dns-name": "writer.db-test.internal", "flags/new-checkout": "off"}


def _regions(t, *, dead_letters: bool = True, secondary_region: str = SECONDARY) -> dict:
    """A key per region; with ``dead_letters``, EventBridge may use the primary's for the
    dead-letter queue of the change rule."""
    return keyed_regions(
        t,
        secondary_region=secondary_region,
        application_events=("primary",) if dead_letters else (),
    )


def _props(regions, **overrides) -> ReplicatedConfigurationProps:
    values = dict(
        namer=NAMER,
        primary=regions["primary"],
        secondary=regions["secondary"],
        parameters=PARAMETERS,
    )
    values.update(overrides)
    return ReplicatedConfigurationProps(**values)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The construct with minimal props, fully synthesized (checkov skip comments included)
    into a directory of its own; the construct is returned for its attributes."""
    t = new_stack()
    config = ReplicatedConfiguration(t.stack, "Configuration", _props(_regions(t)))
    for region in (PRIMARY, SECONDARY):
        TerraformOutput(t.stack, f"arns_{region}", value=config.parameter_arns[region])
    TerraformOutput(t.stack, "function_arn", value=config.function.arn)
    return config, *t.full_synth(tmp_path_factory.mktemp("replicated-configuration"))


@pytest.fixture(scope="module")
def doc(built):
    return built[1]


def _ref(doc: dict, rtype: str, attribute: str, **match) -> str:
    """``${rtype.<name>.attribute}`` of the one ``rtype`` whose body has ``match``."""
    (name,) = [
        n
        for n, body in resources(doc, rtype).items()
        if all(body.get(k) == v for k, v in match.items())
    ]
    return f"${{{rtype}.{name}.{attribute}}}"


def _key_arn(doc, role: str) -> str:
    return _ref(doc, "aws_kms_key", "arn", provider=f"aws.{role}")


def _statements(doc) -> dict[str, dict]:
    policy = json.loads(only(doc, "aws_iam_role_policy")["policy"])
    return {s["Sid"]: s for s in policy["Statement"]}


# -- parameters ----------------------------------------------------------------------------


def test_parameters_are_secure_strings_under_the_app_path_in_the_primary_region_only(doc):
    for name, value in PARAMETERS.items():
        assert_resource(
            doc,
            "aws_ssm_parameter",
            {
                "provider": "aws.primary",
                "name": f"{PATH}/{name}",
                "type": "SecureString",
                "tier": "Standard",
                "key_id": _key_arn(doc, "primary"),
                "value": value,
            },
        )
    assert len(resources(doc, "aws_ssm_parameter")) == len(PARAMETERS)
    assert_no_resource(doc, "aws_ssm_parameter", {"provider": "aws.secondary"})


def test_the_path_is_a_level_below_the_endpoint_parameters(built):
    # EndpointParameters writes /<project>/<suffix>/<leaf> in both regions; the replicator's
    # deletions stay under a level of their own
    config, _, _ = built
    from constructs_lib.dns.endpoint_parameters import GLOBAL_WRITER_ENDPOINT, LEAVES

    assert config.path == PATH
    for leaf in (*LEAVES, GLOBAL_WRITER_ENDPOINT):
        assert not f"/dbdr/test/{leaf}".startswith(f"{config.path}/")


def test_exposes_names_and_arns_in_both_regions(built):
    config, doc, _ = built
    assert config.parameter_names == [f"{PATH}/{name}" for name in PARAMETERS]
    outputs = {name: body["value"] for name, body in doc["output"].items()}
    for region in (PRIMARY, SECONDARY):
        arns = outputs[f"arns_{region}"]
        assert [a.split(":parameter")[1] for a in arns] == config.parameter_names
        assert all(f":ssm:{region}:" in a for a in arns)
    assert outputs["function_arn"] == _ref(doc, "aws_lambda_function", "arn")
    assert config.rule is config.node.find_child("Changes")
    assert config.function.function_name == "dbdr-config-replicator-use1-test"


def test_reader_statements_read_the_path_and_decrypt_through_ssm_in_that_region(built):
    config, _, _ = built
    for region in (PRIMARY, SECONDARY):
        read, decrypt = config.reader_statements(region)
        assert read["Resource"] == [config.path_arns[region], f"{config.path_arns[region]}/*"]
        assert decrypt["Resource"] == config.key_arns[region]
        assert decrypt["Condition"]["StringEquals"] == {
            "kms:ViaService": f"ssm.{region}.amazonaws.com"
        }
    with pytest.raises(ValueError, match="region must be one of us-east-1, us-west-2"):
        config.reader_statements("eu-west-1")


# -- the function --------------------------------------------------------------------------


def test_the_function_runs_in_the_primary_with_its_whole_environment(doc):
    function = assert_only(
        doc,
        "aws_lambda_function",
        {
            "provider": "aws.primary",
            "function_name": "dbdr-config-replicator-use1-test",
            "handler": "dr_lambdas.config_replicator.handler.lambda_handler",
            "kms_key_arn": _key_arn(doc, "primary"),
            "timeout": 120,
        },
    )
    assert function["environment"]["variables"] == {
        E.SOURCE_REGION: PRIMARY,
        E.TARGET_REGION: SECONDARY,
        E.PARAMETER_PATH: PATH,
        E.TARGET_KEY_ARN: _key_arn(doc, "secondary"),
    }
    assert set(function["environment"]["variables"]) == set(E.ALL)


def test_the_role_reads_the_primary_path_and_writes_the_secondary_path_only(doc):
    statements = _statements(doc)
    read, write = statements["ReadSourceParameters"], statements["WriteTargetParameters"]
    assert read["Action"] == ["ssm:GetParameter", "ssm:GetParametersByPath"]
    assert all(f":ssm:{PRIMARY}:" in r for r in read["Resource"])
    assert [r.rsplit(":parameter", 1)[1] for r in read["Resource"]] == [PATH, f"{PATH}/*"]
    assert sorted(write["Action"]) == [
        "ssm:DeleteParameter",
        "ssm:DeleteParameters",
        "ssm:GetParameter",
        "ssm:GetParametersByPath",
        "ssm:PutParameter",
    ]
    assert all(f":ssm:{SECONDARY}:" in r for r in write["Resource"])
    assert [r.rsplit(":parameter", 1)[1] for r in write["Resource"]] == [PATH, f"{PATH}/*"]
    # DescribeParameters has no resource-level permissions: limited to the two regions
    describe = statements["DescribeParameters"]
    assert (describe["Action"], describe["Resource"]) == (["ssm:DescribeParameters"], "*")
    assert describe["Condition"] == {"StringEquals": {"aws:RequestedRegion": [PRIMARY, SECONDARY]}}


@pytest.mark.parametrize(
    "sid, role, region, actions",
    [
        ("DecryptSourceParameters", "primary", PRIMARY, ["kms:Decrypt"]),
        (
            "EncryptTargetParameters",
            "secondary",
            SECONDARY,
            ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        ),
    ],
)
def test_each_key_is_used_only_through_ssm_of_its_region_for_the_path(
    doc, sid, role, region, actions
):
    statement = _statements(doc)[sid]
    assert sorted(statement["Action"]) == actions
    assert statement["Resource"] == _key_arn(doc, role)
    condition = statement["Condition"]
    assert condition["StringEquals"] == {"kms:ViaService": f"ssm.{region}.amazonaws.com"}
    context = condition["StringLike"]["kms:EncryptionContext:PARAMETER_ARN"]
    assert f":ssm:{region}:" in context and context.endswith(f":parameter{PATH}/*")


# -- triggers ------------------------------------------------------------------------------


def test_the_change_rule_matches_parameter_store_changes_under_the_path(doc):
    assert_resource(
        doc,
        "aws_cloudwatch_event_rule",
        {"provider": "aws.primary", "name": "dbdr-config-changes-use1-test"},
    )
    (rule,) = [
        body
        for body in resources(doc, "aws_cloudwatch_event_rule").values()
        if body["name"] == "dbdr-config-changes-use1-test"
    ]
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.ssm"],
        "detail-type": ["Parameter Store Change"],
        "detail": {
            "name": [{"prefix": f"{PATH}/"}],
            "operation": ["Create", "Update", "Delete"],
        },
    }


def test_change_events_reach_the_function_with_retries_and_a_dead_letter_queue(doc):
    rule = _ref(doc, "aws_cloudwatch_event_rule", "name", name="dbdr-config-changes-use1-test")
    queue = _ref(doc, "aws_sqs_queue", "arn")
    assert_resource(
        doc,
        "aws_cloudwatch_event_target",
        {
            "provider": "aws.primary",
            "rule": rule,
            "arn": _ref(doc, "aws_lambda_function", "arn"),
            "retry_policy": {"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 10},
            "dead_letter_config": {"arn": queue},
        },
    )
    assert_resource(
        doc,
        "aws_sqs_queue",
        {
            "provider": "aws.primary",
            "name": "dbdr-config-replicator-dlq-use1-test",
            "kms_master_key_id": _key_arn(doc, "primary"),
        },
    )
    assert_resource(
        doc,
        "aws_lambda_permission",
        {
            "provider": "aws.primary",
            "principal": "events.amazonaws.com",
            "source_arn": rule.replace(".name}", ".arn}"),
        },
    )


def test_only_the_change_rule_may_send_to_the_dead_letter_queue(doc):
    body = assert_only(
        doc,
        "aws_sqs_queue_policy",
        {"provider": "aws.primary", "queue_url": _ref(doc, "aws_sqs_queue", "url")},
    )
    (statement,) = json.loads(body["policy"])["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {
        "ArnEquals": {
            "aws:SourceArn": _ref(
                doc, "aws_cloudwatch_event_rule", "arn", name="dbdr-config-changes-use1-test"
            )
        }
    }


def test_the_primary_key_lets_eventbridge_rules_of_its_region_dead_letter(doc):
    (policy,) = [
        json.loads(body["policy"])
        for body in resources(doc, "aws_kms_key").values()
        if body["provider"] == "aws.primary"
    ]
    statement = {s["Sid"]: s for s in policy["Statement"]}["EventBridgeToEncryptedDeadLetterQueue"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    # exactly the change rule's dead-letter queue (and the event bus's), by encryption context
    queues = statement["Condition"]["StringEquals"]["kms:EncryptionContext:aws:sqs:arn"]
    assert any(q.endswith(":dbdr-config-replicator-dlq-use1-test") for q in queues), queues
    assert f":events:{PRIMARY}:" in statement["Condition"]["ArnLikeIfExists"]["aws:SourceArn"]


def test_a_full_reconcile_runs_every_15_minutes(doc):
    rule = _ref(doc, "aws_cloudwatch_event_rule", "name", name="dbdr-config-reconcile-use1-test")
    assert_resource(
        doc,
        "aws_cloudwatch_event_rule",
        {
            "provider": "aws.primary",
            "name": "dbdr-config-reconcile-use1-test",
            "schedule_expression": "rate(15 minutes)",
        },
    )
    assert_resource(
        doc,
        "aws_cloudwatch_event_target",
        {"provider": "aws.primary", "rule": rule, "input": '{"reconcile": true}'},
    )


def test_apply_copies_once_and_destroy_deletes_the_copies_after_the_schedule_is_gone(doc):
    invocation = assert_only(
        doc,
        "aws_lambda_invocation",
        {
            "provider": "aws.primary",
            "function_name": "dbdr-config-replicator-use1-test",
            "input": '{"reconcile": true}',
            "lifecycle_scope": "CRUD",
            "terraform_key": "tf",
        },
    )
    depends = set(invocation["depends_on"])
    for rtype in ("aws_ssm_parameter", "aws_iam_role_policy", "aws_lambda_function"):
        assert {f"{rtype}.{name}" for name in resources(doc, rtype)} <= depends
    (name,) = resources(doc, "aws_lambda_invocation")
    reconcile_rule = _ref(
        doc, "aws_cloudwatch_event_rule", "name", name="dbdr-config-reconcile-use1-test"
    )
    (schedule,) = [
        body
        for body in resources(doc, "aws_cloudwatch_event_target").values()
        if body["rule"] == reconcile_rule
    ]
    assert schedule["depends_on"] == [f"aws_lambda_invocation.{name}"]


def test_every_resource_is_in_the_primary_region(doc):
    for rtype, blocks in doc["resource"].items():
        if rtype in ("aws_kms_key", "aws_kms_alias"):
            continue
        for name, body in blocks.items():
            assert body["provider"] == "aws.primary", f"{rtype}.{name}"


def test_terraform_validates_it_without_warnings(built, tmp_path):
    _, _, stack_dir = built
    assert_terraform_validates(stack_dir, tmp_path)


# -- props ---------------------------------------------------------------------------------


def test_schedule_and_retries_follow_the_props():
    t = new_stack()
    ReplicatedConfiguration(
        t.stack,
        "Configuration",
        _props(_regions(t), reconcile_minutes=5, event_max_age_seconds=600, event_retry_attempts=3),
    )
    doc = t.synth()
    assert_resource(doc, "aws_cloudwatch_event_rule", {"schedule_expression": "rate(5 minutes)"})
    assert_resource(
        doc,
        "aws_cloudwatch_event_target",
        {"retry_policy": {"maximum_event_age_in_seconds": 600, "maximum_retry_attempts": 3}},
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"parameters": {}}, "parameters must name at least one parameter, got none"),
        ({"parameters": {"/flag": "on"}}, r"without a leading or trailing '/', got '/flag'"),
        ({"parameters": {"flag/": "on"}}, r"without a leading or trailing '/', got 'flag/'"),
        ({"parameters": {"a b": "on"}}, r"letters, digits and _\.- .*got 'a b'"),
        ({"parameters": {"/".join("x" * 13): "on"}}, "name may have at most 12 levels"),
        ({"parameters": {"x" * 1000: "on"}}, "name is too long for SSM"),
        ({"parameters": {"flag": ""}}, "value of 'flag' must not be empty, got ''"),
        ({"parameters": {"flag": "x" * 4097}}, "must be at most 4096 bytes .*got 4097"),
        ({"reconcile_minutes": 0}, r"reconcile_minutes must be 1\.\.1440, got 0"),
        ({"reconcile_minutes": 1441}, r"reconcile_minutes must be 1\.\.1440, got 1441"),
        ({"event_max_age_seconds": 59}, r"event_max_age_seconds must be 60\.\.86400, got 59"),
        ({"event_retry_attempts": 186}, r"event_retry_attempts must be 0\.\.185, got 186"),
        ({"event_retry_attempts": -1}, r"event_retry_attempts must be 0\.\.185, got -1"),
        ({"namer": Namer("ssmapp", "test")}, "namer.project must not begin with 'aws' or 'ssm'"),
        ({"secondary_region": PRIMARY}, "secondary.region must differ from primary.region"),
        ({"dead_letters": False}, "primary.key must be created with application_events"),
    ],
)
def test_invalid_props_are_rejected_before_any_resource(overrides, message):
    t = new_stack()
    overrides = dict(overrides)
    regions = _regions(
        t,
        dead_letters=overrides.pop("dead_letters", True),
        secondary_region=overrides.pop("secondary_region", SECONDARY),
    )
    with pytest.raises(ValueError, match=message):
        ReplicatedConfiguration(t.stack, "Configuration", _props(regions, **overrides))
    assert t.stack.node.find_child("Configuration").node.children == []


def test_a_token_value_is_not_checked():
    t = new_stack()
    regions = _regions(t)
    ReplicatedConfiguration(
        t.stack,
        "Configuration",
        _props(regions, parameters={"database/key": regions["primary"].key.arn}),
    )
    doc = t.synth()
    assert_resource(doc, "aws_ssm_parameter", {"value": _key_arn(doc, "primary")})
