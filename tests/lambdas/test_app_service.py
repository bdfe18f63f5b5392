"""The application tier's regional service (dr_lambdas/app_service) against moto, in the
region it is deployed to: its health route, its items and the events it records."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from moto import mock_aws

from dr_lambdas.app_service import handler
from dr_lambdas.contract import ServiceEnv as E
from support.emulator_checks import create_app_table

REGION = "us-east-2"
TABLE = "dbdr-app-table-test"
PATH = "/dbdr/test/app/"
WRITER = f"{PATH}database/writer"
ENV = {E.TABLE_NAME: TABLE, E.CONFIG_PATH: PATH, E.WRITER_PARAMETER: WRITER}


@pytest.fixture()
def region(monkeypatch, fast_moto):
    """The service's region with its table and replicated configuration in place."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    handler._CLIENTS.clear()
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_app_table(dynamodb, TABLE)
        ssm = boto3.client("ssm", region_name=REGION)
        ssm.put_parameter(Name=WRITER, Value="writer.db.internal", Type="SecureString")
        ssm.put_parameter(Name=f"{PATH}flags/maintenance", Value="off", Type="SecureString")
        yield {"dynamodb": dynamodb, "ssm": ssm}


def call(method: str, path: str, body: str | None = None, **extra) -> tuple[int, dict]:
    answer = handler.lambda_handler(
        {"httpMethod": method, "path": path, "body": body, **extra}, None, ENV
    )
    assert answer["headers"] == {"Content-Type": "application/json"}
    return answer["statusCode"], json.loads(answer["body"])


def test_health_is_ok_when_table_configuration_and_writer_answer(region):
    status, body = call("GET", "/health")
    assert status == 200
    assert body == {
        "status": "ok",
        "region": REGION,
        "checks": {
            "table": f"{TABLE} ACTIVE",
            "config": f"{PATH} readable",
            "writer": "writer.db.internal",
        },
    }


def test_health_names_the_first_dependency_that_does_not_answer(region):
    # Given the writer's parameter was never replicated to this region
    region["ssm"].delete_parameter(Name=WRITER)
    status, body = call("GET", "/health")
    # Then the region is unhealthy, and the answer says why
    assert status == 503
    assert body["status"] == "unhealthy"
    assert set(body["checks"]) == {"table", "config"}
    assert body["writer"].startswith("ParameterNotFound")


def test_health_without_configuration_is_unhealthy(region):
    region["ssm"].delete_parameters(Names=[WRITER, f"{PATH}flags/maintenance"])
    status, body = call("GET", "/health")
    assert (status, body["config"]) == (503, f"no parameter under {PATH}")


def test_health_without_the_table_is_unhealthy(region):
    region["dynamodb"].delete_table(TableName=TABLE)
    status, body = call("GET", "/health")
    assert status == 503 and body["checks"] == {}
    assert "ResourceNotFoundException" in body["table"]


def test_an_item_written_is_read_back_with_the_region_that_wrote_it(region):
    status, written = call("PUT", "/items/order-1", json.dumps({"value": {"qty": 2}}))
    assert status == 200 and written["written_in"] == REGION
    status, read = call("GET", "/items/order-1")
    assert status == 200
    assert (read["id"], read["value"], read["written_in"]) == ("order-1", {"qty": 2}, REGION)
    stored = region["dynamodb"].get_item(
        TableName=TABLE, Key={"pk": {"S": "item#order-1"}, "sk": {"S": "item"}}
    )["Item"]
    assert json.loads(stored["value"]["S"]) == {"qty": 2}


def test_a_load_balancer_s_base64_body_is_decoded(region):
    body = base64.b64encode(json.dumps({"value": "x"}).encode()).decode()
    status, written = call("PUT", "/items/b64", body, isBase64Encoded=True)
    assert (status, written["value"]) == (200, "x")


@pytest.mark.parametrize(
    "method, path, body, status, error",
    [
        ("GET", "/items/missing", None, 404, "no item missing"),
        ("PUT", "/items/bad id", json.dumps({"value": 1}), 400, "item id must be"),
        ("PUT", "/items/x", "not json", 400, "the body is not JSON"),
        ("PUT", "/items/x", json.dumps({"other": 1}), 400, 'the body must be {"value": ...}'),
        ("PUT", "/items/x", json.dumps({"value": "a" * 5000}), 400, "at most 4096 bytes"),
        ("PUT", "/items/x", None, 400, "at most 4096 bytes"),
        ("DELETE", "/items/x", None, 405, "GET or PUT"),
        ("POST", "/health", None, 405, "GET"),
        ("GET", "/admin", None, 404, "no route GET /admin"),
    ],
)
def test_requests_it_cannot_serve_are_answered_with_the_reason(
    region, method, path, body, status, error
):
    got, answer = call(method, path, body)
    assert got == status and error in answer["error"]
    # and nothing was written
    assert region["dynamodb"].scan(TableName=TABLE)["Items"] == []


def test_an_event_from_the_bus_is_recorded_with_the_region_that_received_it(region):
    event = {
        "id": "evt-1",
        "source": "dbdr.app",
        "detail-type": "order placed",
        "detail": {"order": 1},
    }
    assert handler.lambda_handler(event, None, ENV) == {"recorded": "evt-1", "region": REGION}
    stored = region["dynamodb"].get_item(
        TableName=TABLE, Key={"pk": {"S": "event#evt-1"}, "sk": {"S": "event"}}
    )["Item"]
    assert stored["received_in"] == {"S": REGION}
    assert json.loads(stored["detail"]["S"]) == {"order": 1}


def test_a_missing_variable_is_a_deploy_error_not_an_answer(region):
    with pytest.raises(KeyError, match="TABLE_NAME is required"):
        handler.lambda_handler({"httpMethod": "GET", "path": "/health"}, None, {})
