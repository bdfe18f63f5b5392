"""EventBridge global endpoints, which moto 5.2.5's ``events`` lacks (it has buses, rules,
targets, archives, replays, connections and API destinations), served as the EventBridge API
Reference documents them and as the Terraform provider 5.100.0 (``aws_cloudwatch_event_endpoint``)
calls them.

(x) Global endpoints (CreateEndpoint, DescribeEndpoint, UpdateEndpoint, ListEndpoints,
    DeleteEndpoint). AWS: an endpoint of a Region names exactly two event buses of the same
    name in two Regions (``EventBuses``), a Route 53 health check that decides whether the
    primary Region is healthy (``RoutingConfig.FailoverConfig.Primary.HealthCheck``) and the
    Region events go to when it is not (``Secondary.Route``); ``ReplicationConfig.State``
    (default ``ENABLED``, which needs a ``RoleArn``) replicates events to the other bus. Create
    answers ``State`` CREATING and Update UPDATING, then the endpoint becomes ACTIVE (the
    provider waits for it, then reads ``Arn``, ``Description``, ``EndpointUrl``,
    ``EventBuses``, ``Name``, ``ReplicationConfig``, ``RoleArn`` and ``RoutingConfig``); an
    unknown name is ResourceNotFoundException, which the provider's delete waiter takes as
    gone. moto: HTTP 500 "not implemented" for all five. Here endpoints live on moto's
    regional events backend (so ``/moto-api/reset`` empties them); a CREATING or UPDATING
    endpoint is ACTIVE from the next read on, a deleted one is gone at once; the
    ``EndpointId`` is ``<10 letters and digits>.<3 letters>`` and the ``EndpointUrl``
    ``https://<EndpointId>.endpoint.events.amazonaws.com``, as AWS shows them.
    Refused as AWS refuses it (ValidationException unless said otherwise):
    - a name outside ``[\\.\\-_A-Za-z0-9]+`` or longer than 64, a description over 512, other
      than two ``EventBuses``, a ``HealthCheck``, ``Route``, bus or role ARN outside the
      service model's patterns, a ``ReplicationConfig.State`` other than ENABLED/DISABLED
      (AWS's "1 validation error detected: Value ... failed to satisfy constraint" message);
    - ``Provided role '<arn>' cannot be assumed by principal 'events.amazonaws.com'.`` for a
      role that does not exist or whose trust policy does not allow ``events.amazonaws.com``
      to ``sts:AssumeRole`` (the provider retries this one while IAM propagates, then fails;
      wording from the provider's acceptance run, terraform-provider-aws #25846);
    - two buses in one Region, buses of different names ("The names of the event buses must
      be identical in each Region", API Reference), a bus that does not exist, a health
      check that does not exist in Route 53, a ``Route`` that is not the Region of one of the
      buses, replication ENABLED without a ``RoleArn`` (API Reference, ReplicationConfig);
    - a second endpoint of the same name in the Region: ResourceAlreadyExistsException.
    Still more lenient than AWS: the messages of the rules in the last two bullets are the
    emulator's (AWS's wording is not documented); the order of the two buses is kept as given
    and not checked (the product lists the primary first; the primary is the bus outside
    ``Route``); the endpoint's own Region need not be one of the buses' Regions; the role's
    trust conditions and permissions are not checked; no LimitExceededException.
(y) ``PutEvents`` with ``EndpointId``. AWS: the SDK sends the call to the endpoint's host
    (``<EndpointId>.endpoint.events.amazonaws.com``) signed with SigV4a (credential scope
    ``<key>/<date>/events/aws4_request``, ``X-Amz-Region-Set: *``); EventBridge puts the
    entries on the same-named bus of the primary Region while its health check is healthy,
    of the secondary Region while it is not, and with replication ENABLED replicates them to
    the other bus too (managed rules; new event IDs). boto3 can only sign SigV4a with
    ``botocore[crt]`` (awscrt): without it, ``put_events(EndpointId=...)`` raises
    MissingDependencyException before sending, here as on Lambda. moto routes a SigV4a
    request to S3 (its scope has no Region) and ignores ``EndpointId``. Here a SigV4a
    EventBridge request reaches ``events`` (signatures are not verified, as everywhere in
    moto) and a ``PutEvents`` naming an ``EndpointId`` is delivered as AWS does: the Region is
    chosen from the health check the emulator models (an alarm-based check, route53.py (f):
    the alarm's state, ``InsufficientDataHealthStatus`` for INSUFFICIENT_DATA or a missing
    alarm, ``Inverted`` applied, a disabled check healthy; any other check healthy, as moto
    does not probe), each entry's ``EventBusName`` (name or ARN) is read as the bus name in
    that Region, and replication delivers to the other Region's bus. So a drill that sets the
    health check's alarm to ALARM sees the events reach the secondary Region. An unknown
    ``EndpointId`` answers ResourceNotFoundException (AWS: the host does not resolve).
    ``PutEvents`` without ``EndpointId`` is moto's, to the caller's Region. Still more
    lenient than AWS: replication is synchronous, and failover is immediate (AWS: minutes).
(z) ``DeleteEventBus`` of a bus that has rules. AWS: ValidationException "EventBus can't be
    deleted since it has rules." (as users report it, e.g. sst #4325); an endpoint with
    replication ENABLED puts managed rules on both its buses, so its buses cannot be deleted
    before it. moto deletes the bus and its rules. Here both refuse as AWS does. Still more
    lenient than AWS: the managed rules are not listed by ``ListRules``, and a bus of an
    endpoint without replication can be deleted (AWS's answer is not documented).
"""

from __future__ import annotations

import json
import re
import string
from typing import Any

from moto.moto_api._internal import mock_random

from tools.emulator.patching import install

PRINCIPAL = "events.amazonaws.com"
SIGV4A = "AWS4-ECDSA-P256-SHA256"
# Patterns and lengths of the service model (botocore events 2015-10-07).
_NAME = re.compile(r"^[\.\-_A-Za-z0-9]+$")
_BUS_ARN = re.compile(r"^arn:aws[a-z-]*:events:([a-z]+-[a-z-]+-\d+):(\d{12}):event-bus/([\w.-]+)$")
_HEALTH_CHECK = re.compile(r"^arn:aws([a-z]|\-)*:route53:::healthcheck/([\-a-z0-9]+)$")
_ROUTE = re.compile(r"^[\-a-z0-9]+$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$")
_STATES = ("ENABLED", "DISABLED")


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_endpoints()
    _patch_put_events_to_endpoint()
    _patch_event_bus_deletion()


# -- helpers ---------------------------------------------------------------------------------


def _endpoints(backend: Any) -> dict[str, dict[str, Any]]:
    """The endpoints of a regional events backend (name -> record), kept on the backend."""
    return backend.__dict__.setdefault("endpoints", {})


def _validation(message: str) -> Exception:
    from moto.events.exceptions import ValidationException

    return ValidationException(message)


def _constraint(value: Any, field: str, constraint: str) -> Exception:
    """AWS's wording for a value outside the service model's constraints."""
    return _validation(
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
        f"constraint: {constraint}"
    )


def _not_found(name: str) -> Exception:
    from moto.events.exceptions import ResourceNotFoundException

    return ResourceNotFoundException(f"Endpoint {name} does not exist.")


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise _validation("Parameter Name is required.")
    if len(name) > 64:
        raise _constraint(name, "name", "Member must have length less than or equal to 64")
    if not _NAME.match(name):
        raise _constraint(
            name, "name", r"Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+"
        )
    return name


def _role_trusts_events(account_id: str, role_arn: str) -> bool:
    """Whether ``role_arn`` exists and its trust policy lets EventBridge assume it."""
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    partition = role_arn.split(":")[1] if role_arn.count(":") >= 5 else "aws"
    backend = iam_backends[account_id][get_partition(partition)]
    role = next((r for r in backend.get_roles() if r.arn == role_arn), None)
    if role is None:
        return False
    try:
        document = json.loads(role.assume_role_policy_document or "{}")
    except ValueError:
        return False

    def listed(value: Any) -> list[Any]:
        return [value] if isinstance(value, str | dict) else list(value or [])

    for statement in listed(document.get("Statement")):
        principal = statement.get("Principal") or {}
        if isinstance(principal, dict):
            principals = listed(principal.get("Service")) + listed(principal.get("AWS"))
        else:
            principals = listed(principal)  # "*"
        actions = listed(statement.get("Action"))
        if (
            statement.get("Effect") == "Allow"
            and any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions)
            and any(p in (PRINCIPAL, "*") for p in principals)
        ):
            return True
    return False


def _validated(account_id: str, config: dict[str, Any]) -> None:
    """Check an endpoint's whole configuration (create, or update merged) as AWS does; one
    that says no replication state gets the default, ENABLED."""
    from moto.events.models import events_backends
    from moto.route53.models import route53_backends

    description = config.get("Description")
    if description is not None and len(description) > 512:
        raise _constraint(
            description, "description", "Member must have length less than or equal to 512"
        )
    buses = config.get("EventBuses") or []
    if len(buses) != 2:
        bound = "greater" if len(buses) < 2 else "less"
        raise _constraint(
            buses, "eventBuses", f"Member must have length {bound} than or equal to 2"
        )
    parts = []
    for index, bus in enumerate(buses):
        arn = (bus or {}).get("EventBusArn") or ""
        match = _BUS_ARN.match(arn)
        if not match:
            raise _constraint(
                arn,
                f"eventBuses.{index + 1}.member.eventBusArn",
                f"Member must satisfy regular expression pattern: {_BUS_ARN.pattern}",
            )
        parts.append(match.groups())  # (region, account, name)
    (first_region, _, first_name), (second_region, _, second_name) = parts
    if first_name != second_name:
        raise _validation(
            "The names of the event buses must be identical in each Region: "
            f"{first_name}, {second_name}."
        )
    if first_region == second_region:
        raise _validation(f"The event buses must be in two different Regions: {first_region}.")
    for (region, bus_account, name), bus in zip(parts, buses, strict=True):
        if name not in events_backends[bus_account][region].event_buses:
            raise _validation(f"Event bus {bus['EventBusArn']} does not exist.")

    failover = ((config.get("RoutingConfig") or {}).get("FailoverConfig")) or {}
    health_check = (failover.get("Primary") or {}).get("HealthCheck") or ""
    route = (failover.get("Secondary") or {}).get("Route") or ""
    match = _HEALTH_CHECK.match(health_check)
    if not match:
        raise _constraint(
            health_check,
            "routingConfig.failoverConfig.primary.healthCheck",
            f"Member must satisfy regular expression pattern: {_HEALTH_CHECK.pattern}",
        )
    if match.group(2) not in route53_backends[account_id]["aws"].health_checks:
        raise _validation(f"Health check {health_check} does not exist.")
    if not (9 <= len(route) <= 20 and _ROUTE.match(route)):
        raise _constraint(
            route,
            "routingConfig.failoverConfig.secondary.route",
            "Member must satisfy regular expression pattern: ^[\\-a-z0-9]+$",
        )
    if route not in (first_region, second_region):
        raise _validation(
            f"The secondary Region {route} must be the Region of one of the event buses: "
            f"{first_region}, {second_region}."
        )

    state = (config.get("ReplicationConfig") or {}).get("State") or "ENABLED"
    if state not in _STATES:
        raise _constraint(
            state,
            "replicationConfig.state",
            "Member must satisfy enum value set: [ENABLED, DISABLED]",
        )
    role_arn = config.get("RoleArn") or ""
    if role_arn and not _ROLE_ARN.match(role_arn):
        raise _constraint(
            role_arn,
            "roleArn",
            f"Member must satisfy regular expression pattern: {_ROLE_ARN.pattern}",
        )
    if state == "ENABLED" and not role_arn:
        raise _validation("RoleArn is required when event replication is ENABLED.")
    if role_arn and not _role_trusts_events(account_id, role_arn):
        raise _validation(
            f"Provided role '{role_arn}' cannot be assumed by principal '{PRINCIPAL}'."
        )
    if not (config.get("ReplicationConfig") or {}).get("State"):
        config["ReplicationConfig"] = {"State": state}


# What CreateEndpoint and UpdateEndpoint take, and the part of their answers they share.
_SETTINGS = ("Description", "RoutingConfig", "ReplicationConfig", "EventBuses", "RoleArn")
_ANSWERED = ("Name", "Arn", "RoutingConfig", "ReplicationConfig", "EventBuses", "RoleArn")


def _existing(backend: Any, name: str) -> dict[str, Any]:
    """The record of the endpoint ``name`` in ``backend``'s Region; ResourceNotFound if none."""
    record = _endpoints(backend).get(name)
    if record is None:
        raise _not_found(name)
    return record


def _view(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: record[key] for key in keys if record.get(key) is not None}


_FULL = (
    "Name",
    "Description",
    "Arn",
    "RoutingConfig",
    "ReplicationConfig",
    "EventBuses",
    "RoleArn",
    "EndpointId",
    "EndpointUrl",
    "State",
    "StateReason",
    "CreationTime",
    "LastModifiedTime",
)


def _settled(record: dict[str, Any]) -> dict[str, Any]:
    """A CREATING or UPDATING endpoint is ACTIVE from its next read on."""
    if record["State"] in ("CREATING", "UPDATING"):
        record["State"] = "ACTIVE"
    return record


def _endpoint_by_id(account_id: str, endpoint_id: str) -> dict[str, Any] | None:
    from moto.events.models import events_backends

    for backend in events_backends[account_id].values():
        for record in _endpoints(backend).values():
            if record["EndpointId"] == endpoint_id:
                return record
    return None


def _primary_is_healthy(account_id: str, health_check_arn: str) -> bool:
    """The status Route 53 reports for the endpoint's health check, as the emulator models
    it: alarm-based checks follow their alarm (route53.py (f)); others are healthy."""
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.route53.models import route53_backends

    check_id = health_check_arn.rsplit("/", 1)[-1]
    check = route53_backends[account_id]["aws"].health_checks.get(check_id)
    if check is None or check.disabled:
        return True
    alarm_identifier = getattr(check, "alarm_identifier", None)
    if check.type_ != "CLOUDWATCH_METRIC" or not alarm_identifier:
        healthy = True
    else:
        alarms = cloudwatch_backends[account_id][alarm_identifier["Region"]].alarms
        alarm = alarms.get(alarm_identifier["Name"])
        state = alarm.state_value if alarm is not None else "INSUFFICIENT_DATA"
        if state == "INSUFFICIENT_DATA":
            insufficient = getattr(check, "insufficient_data_health_status", None)
            healthy = insufficient != "Unhealthy"  # Healthy, or LastKnownStatus (healthy)
        else:
            healthy = state == "OK"
    return healthy != bool(check.inverted)


# -- (x) global endpoints ------------------------------------------------------------------


def _patch_endpoints() -> None:
    """(x) CreateEndpoint, DescribeEndpoint, UpdateEndpoint, ListEndpoints, DeleteEndpoint."""
    from moto.core.utils import unix_time
    from moto.events.exceptions import ResourceAlreadyExistsException
    from moto.events.models import events_backends
    from moto.events.responses import EventsHandler

    def create_endpoint_response(self: EventsHandler) -> str:
        name = _check_name(self._get_param("Name"))
        config = {key: self._get_param(key) for key in _SETTINGS}
        backend = self.events_backend
        if name in _endpoints(backend):
            raise ResourceAlreadyExistsException(f"Endpoint {name} already exists.")
        _validated(self.current_account, config)
        alphabet = string.ascii_lowercase + string.digits
        endpoint_id = (
            "".join(mock_random.choice(alphabet) for _ in range(10))
            + "."
            + "".join(mock_random.choice(string.ascii_lowercase) for _ in range(3))
        )
        now = unix_time()
        record = {
            **{key: value for key, value in config.items() if value is not None},
            "Name": name,
            "Arn": f"arn:{self.partition}:events:{self.region}:{self.current_account}:"
            f"endpoint/{name}",
            "EndpointId": endpoint_id,
            "EndpointUrl": f"https://{endpoint_id}.endpoint.events.amazonaws.com",
            "State": "CREATING",
            "CreationTime": now,
            "LastModifiedTime": now,
        }
        _endpoints(backend)[name] = record
        return json.dumps(_view(record, *_ANSWERED, "State"))

    def home_backend(self: EventsHandler) -> Any:
        region = self._get_param("HomeRegion") or self.region
        return events_backends[self.current_account][region]

    def describe_endpoint_response(self: EventsHandler) -> str:
        record = _existing(home_backend(self), _check_name(self._get_param("Name")))
        return json.dumps(_view(_settled(record), *_FULL))

    def update_endpoint_response(self: EventsHandler) -> str:
        record = _existing(self.events_backend, _check_name(self._get_param("Name")))
        changes = {
            key: self._get_param(key) for key in _SETTINGS if self._get_param(key) is not None
        }
        merged = {**record, **changes}
        _validated(self.current_account, merged)
        if merged.get("RoleArn") == "":
            merged.pop("RoleArn")
        record.clear()
        record.update(merged, State="UPDATING", LastModifiedTime=unix_time())
        return json.dumps(_view(record, *_ANSWERED, "EndpointId", "EndpointUrl", "State"))

    def list_endpoints_response(self: EventsHandler) -> str:
        prefix = self._get_param("NamePrefix") or ""
        records = sorted(
            (r for r in _endpoints(home_backend(self)).values() if r["Name"].startswith(prefix)),
            key=lambda r: r["Name"],
        )
        start = int(self._get_param("NextToken") or 0)
        size = int(self._get_param("MaxResults") or 100)
        page = records[start : start + size]
        result: dict[str, Any] = {"Endpoints": [_view(_settled(r), *_FULL) for r in page]}
        if start + size < len(records):
            result["NextToken"] = str(start + size)
        return json.dumps(result)

    def delete_endpoint_response(self: EventsHandler) -> str:
        name = _check_name(self._get_param("Name"))
        if _endpoints(self.events_backend).pop(name, None) is None:
            raise _not_found(name)
        return "{}"

    install(
        EventsHandler,
        create_endpoint_response,
        describe_endpoint_response,
        update_endpoint_response,
        list_endpoints_response,
        delete_endpoint_response,
    )


# -- (y) PutEvents through an endpoint -----------------------------------------------------


def _patch_put_events_to_endpoint() -> None:
    """(y) SigV4a requests reach ``events``; ``EndpointId`` picks the Region."""
    from moto.events.models import events_backends
    from moto.events.responses import EventsHandler
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original_infer = DomainDispatcherApplication.infer_service_region_host
    original_put_events = EventsHandler.put_events

    def infer_service_region_host(
        self: DomainDispatcherApplication, environ: dict[str, Any], path: str
    ) -> str | None:
        auth = environ.get("HTTP_AUTHORIZATION") or ""
        if auth.startswith(SIGV4A):
            # Credential=<key>/<date>/<service>/aws4_request: no Region in the scope.
            scope = auth.split(",")[0].split()[-1].split("/")
            if len(scope) == 4 and scope[2] == "events":
                regions = (environ.get("HTTP_X_AMZ_REGION_SET") or "").split(",")
                region = regions[0] if len(regions) == 1 and regions[0] != "*" else "us-east-1"
                return f"events.{region}.amazonaws.com"
        return original_infer(self, environ, path)

    def put_events_response(self: EventsHandler) -> str:
        endpoint_id = self._get_param("EndpointId")
        if not endpoint_id:
            return original_put_events(self)
        record = _endpoint_by_id(self.current_account, endpoint_id)
        if record is None:
            from moto.events.exceptions import ResourceNotFoundException

            raise ResourceNotFoundException(f"Endpoint {endpoint_id} does not exist.")
        account = record["Arn"].split(":")[4]
        buses = [_BUS_ARN.match(bus["EventBusArn"]).groups() for bus in record["EventBuses"]]
        failover = record["RoutingConfig"]["FailoverConfig"]
        secondary = failover["Secondary"]["Route"]
        primary = next(region for region, _, _ in buses if region != secondary)
        healthy = _primary_is_healthy(account, failover["Primary"]["HealthCheck"])
        routed, other = (primary, secondary) if healthy else (secondary, primary)

        def in_region(entry: dict[str, Any]) -> dict[str, Any]:
            bus = entry.get("EventBusName")
            return {**entry, "EventBusName": bus.rsplit("/", 1)[-1]} if bus else entry

        entries = [in_region(entry) for entry in self._get_param("Entries") or []]
        results = events_backends[account][routed].put_events(entries)
        if (record.get("ReplicationConfig") or {}).get("State", "ENABLED") == "ENABLED":
            delivered = [e for e, r in zip(entries, results, strict=True) if "EventId" in r]
            if delivered:
                events_backends[account][other].put_events(delivered)
        failed = len([r for r in results if "ErrorCode" in r])
        return json.dumps({"FailedEntryCount": failed, "Entries": results})

    install(DomainDispatcherApplication, infer_service_region_host)
    install(EventsHandler, put_events_response)


# -- (z) buses with rules ------------------------------------------------------------------


def _patch_event_bus_deletion() -> None:
    """(z) A bus with rules, or used by an endpoint that replicates, is not deleted."""
    from moto.events.models import EventsBackend, events_backends

    original = EventsBackend.delete_event_bus

    def replicated_by_an_endpoint(backend: EventsBackend, arn: str) -> bool:
        for other in events_backends[backend.account_id].values():
            for record in _endpoints(other).values():
                state = (record.get("ReplicationConfig") or {}).get("State", "ENABLED")
                buses = [bus.get("EventBusArn") for bus in record.get("EventBuses") or []]
                if state == "ENABLED" and arn in buses:
                    return True
        return False

    def delete_event_bus(self: EventsBackend, name: str) -> None:
        bus = self.event_buses.get(name)
        if bus is not None and (bus.rules or replicated_by_an_endpoint(self, bus.arn)):
            raise _validation("EventBus can't be deleted since it has rules.")
        original(self, name)

    install(EventsBackend, delete_event_bus)
