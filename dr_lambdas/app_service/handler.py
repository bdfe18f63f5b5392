"""The regional service of the application tier: one function per region, the same code and
configuration, each reading and writing only its own region's resources.

It answers three kinds of invocation:

- **HTTP** through API Gateway (REST, Lambda proxy integration, payload version 1.0) or an
  Application Load Balancer target group; both send ``httpMethod``, ``path`` and ``body``
  and take ``statusCode``, ``headers`` and ``body`` back (API Gateway developer guide,
  "Lambda proxy integration"; ELB user guide, "Lambda functions as targets").

  - ``GET /health``: 200 when every regional dependency answers, else 503 naming the
    first that does not: the global table's replica in this region is ``ACTIVE``, the
    replicated configuration has parameters under ``CONFIG_PATH``, and the parameter
    ``WRITER_PARAMETER`` names the database writer. Route 53 and Global Accelerator health
    checks read this route, so it must not report a region healthy that cannot serve.
  - ``GET /items/<id>`` and ``PUT /items/<id>`` (body ``{"value": ...}``): read and write an
    item of the global table in this region. DynamoDB replicates it to the other region
    (last writer wins); the answer says which region wrote it.

- **EventBridge** events from this region's bus (``detail-type`` and ``source``): the event
  is recorded in the global table (``pk = "event#<id>"``), so a drill can see which
  region received it.

Configuration errors (a missing variable) raise: they are deploy bugs, visible in the
function's ``Errors`` metric. Dependency failures are answers (503), never exceptions.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from typing import Any

from dr_lambdas.common import Clients, env_str, log
from dr_lambdas.contract import ServiceEnv as E

# Items: ids of at most 128 URL-safe characters; bodies of at most 4 KiB, far below
# DynamoDB's 400 KB item limit, so a caller cannot fill the table with one request.
ITEM_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
MAX_BODY_BYTES = 4096
ITEMS_PREFIX = "/items/"

# Health checks give up fast: Route 53 waits 4 s for an answer and Global Accelerator 5 s.
_CLIENTS = Clients(connect_timeout=1, read_timeout=2, max_attempts=2)


def _client(service: str) -> Any:
    return _CLIENTS(service, os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "unknown"


def _answer(status: int, body: dict) -> dict:
    """An HTTP answer both API Gateway and an ALB accept."""
    return {
        "statusCode": status,
        "statusDescription": f"{status} {'OK' if status < 400 else 'Error'}",
        "headers": {"Content-Type": "application/json"},
        "isBase64Encoded": False,
        "body": json.dumps(body, sort_keys=True),
    }


def health(environ: dict[str, str]) -> dict:
    """Each regional dependency, in order; the first that fails makes the region unhealthy."""
    from botocore.exceptions import BotoCoreError, ClientError

    table, path = env_str(environ, E.TABLE_NAME), env_str(environ, E.CONFIG_PATH)
    writer_parameter = env_str(environ, E.WRITER_PARAMETER)
    region = _region()
    checks: dict[str, str] = {}
    try:
        described = _client("dynamodb").describe_table(TableName=table)["Table"]
        status = described.get("TableStatus")
        if status != "ACTIVE":
            return _unhealthy(region, checks, "table", f"table {table} is {status}")
        checks["table"] = f"{table} ACTIVE"
        parameters = _client("ssm").get_parameters_by_path(
            Path=path, Recursive=True, MaxResults=10
        )["Parameters"]
        if not parameters:
            return _unhealthy(region, checks, "config", f"no parameter under {path}")
        checks["config"] = f"{path} readable"
        writer = _client("ssm").get_parameter(Name=writer_parameter, WithDecryption=True)
        value = writer["Parameter"]["Value"].strip()
        if not value:
            return _unhealthy(region, checks, "writer", f"{writer_parameter} is empty")
        checks["writer"] = value
    except (BotoCoreError, ClientError) as exc:
        step = ("table", "config", "writer")[len(checks)]
        return _unhealthy(region, checks, step, f"{type(exc).__name__}: {exc}")
    return _answer(200, {"status": "ok", "region": region, "checks": checks})


def _unhealthy(region: str, checks: dict[str, str], failed: str, reason: str) -> dict:
    log("unhealthy", region=region, check=failed, reason=reason)
    return _answer(503, {"status": "unhealthy", "region": region, "checks": checks, failed: reason})


def item(environ: dict[str, str], method: str, item_id: str, body: str | None) -> dict:
    """Read or write one item of the global table in this region."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not ITEM_ID.match(item_id):
        return _answer(400, {"error": "item id must be 1-128 of A-Z a-z 0-9 _ . -"})
    table, key = (
        env_str(environ, E.TABLE_NAME),
        {"pk": {"S": f"item#{item_id}"}, "sk": {"S": "item"}},
    )
    dynamodb = _client("dynamodb")
    try:
        if method == "GET":
            found = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            if not found:
                return _answer(404, {"error": f"no item {item_id}"})
            return _answer(200, _item_body(item_id, found))
        try:
            value = _value(body)
        except BadRequest as exc:
            return _answer(400, {"error": str(exc)})
        written = {
            **key,
            "value": {"S": json.dumps(value, sort_keys=True)},
            "written_in": {"S": _region()},
            "written_at": {"N": f"{time.time():.3f}"},
        }
        dynamodb.put_item(TableName=table, Item=written)
        return _answer(200, _item_body(item_id, written))
    except (BotoCoreError, ClientError) as exc:
        log("table_unavailable", item=item_id, error=f"{type(exc).__name__}: {exc}")
        return _answer(503, {"error": f"the table is unavailable: {type(exc).__name__}"})


class BadRequest(ValueError):
    """What the caller sent cannot be stored (answered with 400)."""


def _value(body: str | None) -> Any:
    if body is None or len(body.encode()) > MAX_BODY_BYTES:
        raise BadRequest(f"a JSON body of at most {MAX_BODY_BYTES} bytes is required")
    try:
        document = json.loads(body)
    except ValueError:
        raise BadRequest("the body is not JSON") from None
    if not isinstance(document, dict) or "value" not in document:
        raise BadRequest('the body must be {"value": ...}')
    return document["value"]


def _item_body(item_id: str, stored: dict) -> dict:
    return {
        "id": item_id,
        "value": json.loads(stored["value"]["S"]),
        "written_in": stored["written_in"]["S"],
        "written_at": float(stored["written_at"]["N"]),
        "served_by": _region(),
    }


def record_event(environ: dict[str, str], event: dict) -> dict:
    """Keep an EventBridge event in the global table, with the region that received it."""
    table = env_str(environ, E.TABLE_NAME)
    event_id = str(event.get("id") or "")
    if not event_id:
        raise ValueError("an EventBridge event without an id")
    _client("dynamodb").put_item(
        TableName=table,
        Item={
            "pk": {"S": f"event#{event_id}"},
            "sk": {"S": "event"},
            "source": {"S": str(event.get("source"))},
            "detail_type": {"S": str(event.get("detail-type"))},
            "detail": {"S": json.dumps(event.get("detail", {}), sort_keys=True)},
            "received_in": {"S": _region()},
        },
    )
    log("event_recorded", id=event_id, source=event.get("source"))
    return {"recorded": event_id, "region": _region()}


def lambda_handler(event: dict, context: Any = None, environ: dict[str, str] | None = None) -> dict:
    environ = dict(os.environ) if environ is None else environ
    if "detail-type" in event and "source" in event:
        return record_event(environ, event)
    method, path = event.get("httpMethod"), event.get("path") or ""
    if path == "/health":
        return health(environ) if method in ("GET", "HEAD") else _answer(405, {"error": "GET"})
    if path.startswith(ITEMS_PREFIX):
        if method not in ("GET", "PUT"):
            return _answer(405, {"error": "GET or PUT"})
        body = event.get("body")
        if body is not None and event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        return item(environ, method, path.removeprefix(ITEMS_PREFIX), body)
    return _answer(404, {"error": f"no route {method} {path}"})
