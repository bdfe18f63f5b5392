"""The recovery budget: worst-case RTO and RPO from the configuration, checked at synth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from constructs_lib.config import load_config
from constructs_lib.recovery_budget import (
    UNREACHABLE_REGION_SECONDS,
    detection_scenarios,
    recovery_budget,
    render_markdown,
    render_text,
)
from dr_lambdas.contract import (
    CANARY_ALARM_PERIOD_SECONDS,
    CANARY_ALARM_PERIODS,
    CANARY_CONNECT_TIMEOUT_SECONDS,
    CANARY_FAST_ALARM_PERIODS,
    CANARY_PERIOD_SECONDS,
    CANARY_TIMEOUT_SECONDS,
    HEALTH_WINDOW_SECONDS,
    WATCHDOG_PERIOD_SECONDS,
    WRITER_POLL_SECONDS,
    rate,
)
from dr_lambdas.orchestrator import handler
from support.apps import run_main
from support.matchers import resources

ROOT = Path(__file__).resolve().parents[2]


def budget(**env: str):
    return recovery_budget(load_config(env, {}))


def steps(b) -> dict[str, float]:
    return {step.name: step.seconds for step in b.rto_steps}


# -- the numbers ------------------------------------------------------------------------------


def test_default_aurora_budget_is_at_most_two_minutes():
    # Probes every 10 s (3 s timeouts, endpoint then reader: 6 s), 2 breaching periods,
    # evaluated every 10 s, 10 s delivery; a lost region adds its 6 s API timeouts
    b = budget()
    assert detection_scenarios(load_config({}, {})) == {
        "database down": 10 + 6 + 10 + 10 + 10,
        "region lost": 46 + 6,
        "silent writer": 2 * 10 + 10 + 10,
    }
    # Aurora moves the global writer endpoint itself: only its DNS TTL is left
    assert steps(b) == {"detection": 52, "promotion": 60 + 2, "DNS TTL": 5}
    assert b.rto_worst_seconds == 119 <= 120 and b.meets_rto
    assert b.rpo_worst_seconds == 60 and b.meets_rpo and b.problems() == []


def test_failover_records_wait_for_the_health_stream_and_the_ttl():
    b = budget(DR_DNS_ROUTING="failover")
    assert steps(b) == {"detection": 52, "promotion": 62, "DNS health": 66, "DNS TTL": 30}
    assert b.rto_worst_seconds == 210


def test_weighted_records_wait_for_propagation_instead_of_the_health_stream():
    b = budget(DR_DNS_ROUTING="weighted")
    assert steps(b) == {"detection": 52, "promotion": 62, "DNS change": 60, "DNS TTL": 30}
    assert "control-plane call" in {s.name: s.source for s in b.rto_steps}["DNS change"]
    assert b.rto_worst_seconds == 204


def test_rds_replica_pays_for_a_promotion_of_several_minutes():
    b = budget(DR_DATABASE_MODE="rds-replica")
    assert steps(b)["promotion"] == 602 and b.rto_worst_seconds == 750
    (problem,) = b.problems()
    assert problem.startswith(
        "worst-case RTO 750 s exceeds rto_seconds 300 "
        "(largest: promotion 602 s, DNS health 66 s, detection 52 s)"
    )
    assert "raise rto_seconds or use aurora-global" in problem


def test_probing_every_minute_costs_less_and_leaves_the_watchdog_to_detect():
    config = load_config({"DR_PROBE_INTERVAL_SECONDS": "60"}, {})
    # A 60 s period alarm is evaluated every minute; the watchdog is faster for a failed
    # probe, and the health window for a silent writer
    assert detection_scenarios(config) == {
        "database down": 60 + 6 + 60,
        "region lost": 60 + 6,
        "silent writer": 120 + 60,
    }
    assert budget(DR_PROBE_INTERVAL_SECONDS="60").rto_worst_seconds == 180 + 62 + 5


def test_the_rpo_cap_bounds_the_data_an_automatic_failover_may_lose():
    b = budget(DR_GLOBAL_DB_RPO_SECONDS="30")
    assert b.rpo_worst_seconds == 30 and b.meets_rpo


# -- both sides of every limit ----------------------------------------------------------------

LIMITS = [
    # (what, settings that just hold, settings that just fail)
    ("rto_seconds", {"DR_RTO_SECONDS": "119"}, {"DR_RTO_SECONDS": "118"}),
    (
        "dns_ttl_seconds",
        {"DR_DNS_ROUTING": "failover", "DR_DNS_TTL_SECONDS": "60", "DR_RTO_SECONDS": "240"},
        {"DR_DNS_ROUTING": "failover", "DR_DNS_TTL_SECONDS": "60", "DR_RTO_SECONDS": "239"},
    ),
    (
        "weighted",
        {"DR_DNS_ROUTING": "weighted", "DR_RTO_SECONDS": "204"},
        {"DR_DNS_ROUTING": "weighted", "DR_RTO_SECONDS": "203"},
    ),
    (
        "rds-replica",
        {"DR_DATABASE_MODE": "rds-replica", "DR_RTO_SECONDS": "750"},
        {"DR_DATABASE_MODE": "rds-replica", "DR_RTO_SECONDS": "749"},
    ),
    (
        "probe_interval_seconds",
        {"DR_PROBE_INTERVAL_SECONDS": "60", "DR_RTO_SECONDS": "247"},
        {"DR_PROBE_INTERVAL_SECONDS": "60", "DR_RTO_SECONDS": "246"},
    ),
    ("rpo-lag alarm", {"DR_RPO_LAG_THRESHOLD_MS": "60000"}, {"DR_RPO_LAG_THRESHOLD_MS": "60001"}),
    ("rpo_seconds", {"DR_RPO_SECONDS": "30"}, {"DR_RPO_SECONDS": "29"}),
    (
        "mysql lag alarm",
        {"DR_ENGINE": "aurora-mysql", "DR_REPLICATION_LAG_THRESHOLD_MS": "60000"},
        {"DR_ENGINE": "aurora-mysql", "DR_REPLICATION_LAG_THRESHOLD_MS": "60001"},
    ),
    (
        "replica lag alarm",
        {
            "DR_DATABASE_MODE": "rds-replica",
            "DR_RTO_SECONDS": "900",
            "DR_REPLICA_LAG_THRESHOLD_SECONDS": "60",
        },
        {
            "DR_DATABASE_MODE": "rds-replica",
            "DR_RTO_SECONDS": "900",
            "DR_REPLICA_LAG_THRESHOLD_SECONDS": "61",
        },
    ),
    ("global_db_rpo", {"DR_GLOBAL_DB_RPO_SECONDS": "60"}, {"DR_GLOBAL_DB_RPO_SECONDS": "61"}),
    (
        "automatic_failover",
        {"DR_AUTOMATIC_FAILOVER": "false", "DR_RTO_SECONDS": "0"},
        {"DR_AUTOMATIC_FAILOVER": "false"},
    ),
]


@pytest.mark.parametrize("what, holds, fails", LIMITS, ids=[limit[0] for limit in LIMITS])
def test_each_limit_holds_on_one_side_and_fails_on_the_other(what, holds, fails):
    inside, outside = budget(**holds), budget(**fails)
    assert inside.meets_objectives and inside.problems() == []
    assert not outside.meets_objectives and len(outside.problems()) == 1


def test_rpo_problems_name_the_setting_and_its_value():
    (problem,) = budget(DR_GLOBAL_DB_RPO_SECONDS="61").problems()
    assert problem.startswith("rds.global_db_rpo 61 s exceeds rpo_seconds 60")
    (problem,) = budget(DR_RPO_LAG_THRESHOLD_MS="90000").problems()
    assert problem.startswith("AuroraGlobalDBRPOLag alarm threshold 90 s exceeds rpo_seconds 60")
    (problem,) = budget(DR_AUTOMATIC_FAILOVER="false").problems()
    assert "failover waits for a person" in problem


def test_tables_show_every_step_and_the_verdicts():
    text = render_text(budget())
    assert text.splitlines()[0] == (
        "recovery budget (aurora-global, global-endpoint DNS, automatic failover)"
    )
    for fragment in (
        "detection",
        "52 s",
        "promotion",
        "DNS TTL",
        "rto_seconds 300: met, 181 s to spare",
        "rpo_seconds 60: met",
    ):
        assert fragment in text
    failing = render_text(budget(DR_DATABASE_MODE="rds-replica"))
    assert "rto_seconds 300: NOT MET by 450 s" in failing
    markdown = render_markdown(budget())
    assert "| **worst case** | **119** | rto_seconds 300: met, 181 s to spare |" in markdown
    assert "| rds.global_db_rpo | not set |" in markdown


# -- the budget is the budget of what is synthesized -----------------------------------------


def _orchestrators(doc):
    return {
        f["provider"]: f
        for f in resources(doc, "aws_lambda_function").values()
        if "DR_MODE" in f["environment"]["variables"]
    }


def _canaries(doc):
    return {
        f["provider"]: f
        for f in resources(doc, "aws_lambda_function").values()
        if "DB_HOST" in f["environment"]["variables"]
    }


@pytest.mark.parametrize("app", ["default_app", "rds_app"])
def test_synthesized_schedules_windows_and_timeouts_are_the_budgets(app, request):
    synthesized = request.getfixturevalue(app)
    doc, config = synthesized.doc, synthesized.config
    schedules = sorted(
        r["schedule_expression"] for r in resources(doc, "aws_cloudwatch_event_rule").values()
    )
    # two canaries and the secondary's watchdog
    assert schedules == sorted([rate(CANARY_PERIOD_SECONDS)] * 2 + [rate(WATCHDOG_PERIOD_SECONDS)])
    canaries = _canaries(doc)
    for canary in canaries.values():
        variables = canary["environment"]["variables"]
        assert variables["CONNECT_TIMEOUT_SECONDS"] == str(CANARY_CONNECT_TIMEOUT_SECONDS)
        assert variables["PROBE_INTERVAL_SECONDS"] == str(config.probe_interval_seconds)
        assert canary["timeout"] == CANARY_TIMEOUT_SECONDS
    alarms = resources(doc, "aws_cloudwatch_metric_alarm").values()
    # The fast path: the one-second copies, one period per probe interval
    fast = [a for a in alarms if a["metric_name"].endswith("HighRes")]
    assert sorted(a["metric_name"] for a in fast) == [
        "ConnectivityOkHighRes",
        "ConnectivityOkHighRes",
        "PeerConnectivityOkHighRes",
        "PeerConnectivityOkHighRes",
    ]
    assert all(
        (a["period"], a["evaluation_periods"], a["datapoints_to_alarm"])
        == (config.probe_interval_seconds, CANARY_FAST_ALARM_PERIODS, CANARY_FAST_ALARM_PERIODS)
        for a in fast
    )
    canary_alarms = [a for a in alarms if a["metric_name"] in ("ConnectivityOk", "IsWriter")]
    assert len(canary_alarms) == 4 and all(
        (a["period"], a["evaluation_periods"])
        == (CANARY_ALARM_PERIOD_SECONDS, CANARY_ALARM_PERIODS)
        for a in canary_alarms
    )
    writer_health = [a for a in alarms if "writer-health" in a["alarm_name"]]
    assert [(a["period"], a["evaluation_periods"]) for a in writer_health] == [
        (config.alarm_period_seconds, config.alarm_evaluation_periods)
    ]
    for provider, orchestrator in _orchestrators(doc).items():
        variables = orchestrator["environment"]["variables"]
        assert variables["HEALTH_WINDOW_SECONDS"] == str(HEALTH_WINDOW_SECONDS)
        assert variables["POLL_SECONDS"] == str(WRITER_POLL_SECONDS)
        # each copy runs its own region's canary once the writer moved there
        assert variables["CANARY_FUNCTION"] == canaries[provider]["function_name"]
    records = resources(doc, "aws_route53_record").values()
    assert {r["ttl"] for r in records} == {config.dns_ttl_seconds}
    (composite,) = resources(doc, "aws_cloudwatch_composite_alarm").values()
    assert "_ConnectivityFastAlarm_" in composite["alarm_rule"]  # the fast path's trigger
    assert UNREACHABLE_REGION_SECONDS == (handler.CONNECT_TIMEOUT_SECONDS * handler.MAX_ATTEMPTS)


def test_orchestrator_may_run_only_its_own_regions_canary(default_app):
    functions = default_app.doc["resource"]["aws_lambda_function"]
    canaries = _canaries(default_app.doc)
    policies = [
        p
        for p in resources(default_app.doc, "aws_iam_role_policy").values()
        if "RefreshWriterHealth" in p["policy"]
    ]
    assert len(policies) == 2
    for policy in policies:
        (statement,) = [
            s
            for s in json.loads(policy["policy"])["Statement"]
            if s["Sid"] == "RefreshWriterHealth"
        ]
        assert statement["Action"] == ["lambda:InvokeFunction"]
        # "${aws_lambda_function.<name>.arn}": that function is this region's canary
        name = statement["Resource"].removeprefix("${aws_lambda_function.").split(".")[0]
        assert functions[name] is canaries[policy["provider"]]


# -- at synth ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env, message",
    [
        (
            {"DR_DATABASE_MODE": "rds-replica"},
            "worst-case RTO 750 s exceeds rto_seconds 300 (largest: promotion 602 s",
        ),
        (
            {"DR_RPO_LAG_THRESHOLD_MS": "90000"},
            "AuroraGlobalDBRPOLag alarm threshold 90 s exceeds rpo_seconds 60",
        ),
    ],
)
def test_synth_stops_with_the_table_and_one_error_line_when_objectives_fail(env, message, tmp_path):
    result = run_main(env, tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: the configuration cannot meet its recovery objectives: ")
    assert message in line
    assert "recovery budget (" in result.stdout and "NOT MET" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_the_application_tier_s_paths_are_reported_against_the_rto_without_failing_it():
    # Given the tier on with a two-minute objective
    b = budget(DR_APP_TIER="true", DR_RTO_SECONDS="120")
    tier = {s.name: s.seconds for s in b.tier_steps}
    # Then each path is added up from the settings the tier synthesizes
    assert tier == {
        "edge: accelerator reroutes": 3 * 10 + 10,
        "API name: failover record": 3 * 30 + 60,
        "events: global endpoint": 420,
        "configuration: missed change healed": 900,
    }
    # and they run in parallel with the database: its worst case and verdict are unchanged
    assert b.rto_worst_seconds == budget(DR_RTO_SECONDS="120").rto_worst_seconds
    assert b.meets_objectives
    text = render_text(b)
    assert "application tier (in parallel with the database)" in text
    assert "events: global endpoint                 420 s" in text
    assert "beyond rto_seconds 120" in text and "within rto_seconds" in text
    assert "| events: global endpoint | 420 |" in render_markdown(b)
    # and with the tier off there is no such section
    assert budget().tier_steps == () and "application tier" not in render_text(budget())
