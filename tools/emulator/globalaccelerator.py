"""AWS Global Accelerator (standard accelerators), which moto 5.2.5 does not have at all.

moto has no ``globalaccelerator`` backend: a request signed for it is routed nowhere and the
server fails (HTTP 500), so neither ``aws_globalaccelerator_*`` resources nor boto3 can be
used. This module adds the service to moto's server: a backend (one per account, not per
region: the service is global and AWS serves its API from us-west-2 only; the provider
5.100.0 signs for us-west-2 even with an ``endpoints`` override, and every signing region
reaches the same state here) and a JSON-protocol response class
(``X-Amz-Target: GlobalAccelerator_V20180706.<Action>``), routed by the credential scope's
service name like moto's own services. Its state lives in a moto ``BackendDict``, so
``/moto-api/reset`` (:meth:`Emulator.reset`) empties it with the rest.

What AWS does (API Reference 2018-08-08), as served here:

- Accelerators (Create, Describe, Update, List, Delete; DescribeAcceleratorAttributes,
  UpdateAcceleratorAttributes): ARN ``arn:aws:globalaccelerator::<account>:accelerator/<uuid>``,
  two static IPv4 addresses (an IPv6 set too for ``DUAL_STACK``), a DNS name under
  ``awsglobalaccelerator.com`` (the provider answers the Route 53 zone ``Z2BJ6XQ5FK7U4H``
  itself). Each change (of the accelerator, its attributes, a listener or an endpoint group)
  puts the accelerator ``IN_PROGRESS``; the next ``DescribeAccelerator`` reports that once,
  and later ones ``DEPLOYED`` (the provider waits for ``DEPLOYED`` after each change).
  ``ListAccelerators`` reports the status without moving it on.
- Listeners (Create, Describe, Update, List, Delete): ARN ``<accelerator>/listener/<8 hex>``,
  ``ClientAffinity`` ``NONE`` by default.
- Endpoint groups (Create, Describe, Update, List, Delete): ARN
  ``<listener>/endpoint-group/<12 hex>``; defaults as documented (traffic dial 100, health
  check on the listener's first port over TCP every 30 s, threshold 3, path ``/`` for HTTP(S),
  endpoint weight 128). ``EndpointDescriptions`` carry a ``HealthState``: ``HEALTHY`` while
  the endpoint exists in the group's region, ``UNHEALTHY`` (with a ``HealthReason``) once it
  is gone.
- Tags (TagResource, UntagResource, ListTagsForResource) on any of the three, and
  ``ListCrossAccountResources`` (which the provider reads for every endpoint group): this
  account has no cross-account attachments, so it is always empty.

Where it refuses what AWS refuses (each with a test in
``tests/tools/emulator/test_emulator_globalaccelerator.py``; HTTP 400, JSON ``__type``):

- ``DeleteAccelerator`` of an accelerator that is enabled, or whose disabling is still
  ``IN_PROGRESS``: AcceleratorNotDisabledException (API Reference, DeleteAccelerator: "you
  must disable it"; the AWS Load Balancer Controller's Global Accelerator manager retries on
  it "if the accelerator is still in the process of being disabled").
- ``DeleteAccelerator`` with listeners: AssociatedListenerFoundException, "Cannot delete
  accelerator <arn> because an associated listener was found." (terraform-provider-aws
  #11317).
- ``DeleteListener`` with endpoint groups: AssociatedEndpointGroupFoundException (API
  Reference, DeleteListener).
- A second endpoint group in the same region on one listener:
  EndpointGroupAlreadyExistsException (CreateEndpointGroupRequest: "A listener can have only
  one endpoint group in a specific Region").
- An endpoint that does not exist in the group's region (a load balancer ARN that region's
  ELBv2 does not know, as for an NLB of another region; an EC2 instance or Elastic IP
  allocation that region's EC2 does not know): InvalidArgumentException, for a load balancer
  "'<arn>' is not a valid load balancer ARN" (the answer AWS gives, terraform-provider-aws
  #28536).
- Port ranges with a port outside 1-65535, ``FromPort`` above ``ToPort``, or overlapping
  another range of the accelerator's listeners of the same protocol:
  InvalidPortRangeException.
- Values outside their documented ranges: traffic dial 0-100, health check port 1-65535,
  interval 10-30, threshold 1-10, weight 0-255, the health check path's pattern, the enums
  (protocol, client affinity, IP address type, health check protocol), the accelerator name
  (64 characters of letters, digits, periods, hyphens, not starting or ending with a hyphen
  or period), an unknown endpoint group region, flow logs enabled without an existing S3
  bucket, ``IpAddresses`` (no BYOIP pool exists here): InvalidArgumentException.
- Unknown ARNs: AcceleratorNotFoundException, ListenerNotFoundException,
  EndpointGroupNotFoundException (the provider treats these as "gone" on read and delete).

Still more lenient than AWS: health is not derived from the endpoints' targets (an existing
load balancer is ``HEALTHY``); a load balancer can be deleted while it is an endpoint;
changes are not refused while another is ``IN_PROGRESS`` (TransactionInProgressException);
no quotas (LimitExceededException); the flow-log bucket's policy is not checked; custom
routing accelerators, cross-account attachments, BYOIP and ``AddEndpoints`` /
``RemoveEndpoints`` are not served (HTTP 500); error messages other than those quoted above
are the API Reference's descriptions, not necessarily AWS's wording.
"""

from __future__ import annotations

import json
import random
import re
import threading
import uuid
from datetime import UTC, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import JsonRESTError
from moto.core.responses import BaseResponse

SERVICE = "globalaccelerator"
DEFAULT_WEIGHT = 128
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$")
_HEALTH_CHECK_PATH = re.compile(r"^/[-a-zA-Z0-9@:%_\\+.~#?&/=]*$")
_ARN = re.compile(
    r"^arn:aws:globalaccelerator::(?P<account>\d{12}):accelerator/(?P<accelerator>[0-9a-f-]+)"
    r"(?:/listener/(?P<listener>[0-9a-f]+)(?:/endpoint-group/(?P<group>[0-9a-f]+))?)?$"
)


class GlobalAcceleratorError(JsonRESTError):
    code = 400


def _error(code: str, message: str) -> GlobalAcceleratorError:
    return GlobalAcceleratorError(code, message)


def _invalid(message: str) -> GlobalAcceleratorError:
    return _error("InvalidArgumentException", message)


def _now() -> float:
    return datetime.now(UTC).timestamp()


@cache
def _regions() -> frozenset[str]:
    import boto3

    session = boto3.session.Session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("ec2", partition_name=partition)
    )


def _check_range(name: str, value: Any, low: float, high: float) -> None:
    if value is not None and not low <= value <= high:
        raise _invalid(f"{name} must be between {low:g} and {high:g}, got {value}")


def _check_enum(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise _invalid(f"{name} must be one of {', '.join(allowed)}, got {value}")


# Endpoint group settings kept as given: API name -> attribute of EndpointGroup.
_GROUP_SETTINGS = {
    "HealthCheckPort": "health_check_port",
    "HealthCheckProtocol": "health_check_protocol",
    "HealthCheckIntervalSeconds": "health_check_interval",
    "ThresholdCount": "threshold_count",
}


class EndpointGroup:
    def __init__(self, arn: str, region: str, listener: Listener) -> None:
        self.arn, self.region = arn, region
        self.traffic_dial = 100.0
        self.health_check_port = listener.port_ranges[0]["FromPort"]
        self.health_check_protocol = "TCP"
        self.health_check_path: str | None = None
        self.health_check_interval = 30
        self.threshold_count = 3
        self.endpoints: list[dict[str, Any]] = []
        self.port_overrides: list[dict[str, int]] = []
        self.tags: dict[str, str] = {}

    def describe(self, account: str) -> dict[str, Any]:
        described = {
            "EndpointGroupArn": self.arn,
            "EndpointGroupRegion": self.region,
            "EndpointDescriptions": [
                _describe_endpoint(account, self.region, e) for e in self.endpoints
            ],
            "TrafficDialPercentage": self.traffic_dial,
            **{key: getattr(self, attribute) for key, attribute in _GROUP_SETTINGS.items()},
            "PortOverrides": list(self.port_overrides),
        }
        path = self.health_check_path
        if path is None and self.health_check_protocol in ("HTTP", "HTTPS"):
            path = "/"
        if path is not None:
            described["HealthCheckPath"] = path
        return described


class Listener:
    def __init__(self, arn: str) -> None:
        self.arn = arn
        self.port_ranges: list[dict[str, int]] = []
        self.protocol = "TCP"
        self.client_affinity = "NONE"
        self.endpoint_groups: dict[str, EndpointGroup] = {}
        self.tags: dict[str, str] = {}

    def describe(self) -> dict[str, Any]:
        return {
            "ListenerArn": self.arn,
            "PortRanges": [dict(r) for r in self.port_ranges],
            "Protocol": self.protocol,
            "ClientAffinity": self.client_affinity,
        }


class Accelerator:
    def __init__(self, arn: str, name: str, ip_address_type: str, enabled: bool) -> None:
        self.arn, self.name = arn, name
        self.ip_address_type, self.enabled = ip_address_type, enabled
        self.created = self.modified = _now()
        label = uuid.uuid4().hex[:16]
        self.dns_name = f"a{label}.awsglobalaccelerator.com"
        self.dual_stack_dns_name = f"a{label}.dualstack.awsglobalaccelerator.com"
        # AWS allocates the two static addresses from its own ranges (e.g. 75.2.0.0/16 and
        # 99.83.0.0/16); they stay with the accelerator until it is deleted.
        self.ipv4 = [
            f"75.2.{random.randint(0, 255)}.{random.randint(1, 254)}",
            f"99.83.{random.randint(0, 255)}.{random.randint(1, 254)}",
        ]
        self.ipv6 = [
            f"2600:9000:a{random.randint(100, 999)}::{random.randint(1, 0xFFFF):x}",
            f"2600:9000:a{random.randint(100, 999)}::{random.randint(1, 0xFFFF):x}",
        ]
        self.attributes: dict[str, Any] = {"FlowLogsEnabled": False}
        self.listeners: dict[str, Listener] = {}
        self.tags: dict[str, str] = {}
        self.unseen_changes = 0

    def changed(self) -> None:
        """A change in flight: the next DescribeAccelerator reports IN_PROGRESS once."""
        self.modified = _now()
        self.unseen_changes = 1

    @property
    def status(self) -> str:
        return "IN_PROGRESS" if self.unseen_changes else "DEPLOYED"

    def describe(self) -> dict[str, Any]:
        ip_sets = [{"IpFamily": "IPv4", "IpAddresses": list(self.ipv4), "IpAddressFamily": "IPv4"}]
        described = {
            "AcceleratorArn": self.arn,
            "Name": self.name,
            "IpAddressType": self.ip_address_type,
            "Enabled": self.enabled,
            "IpSets": ip_sets,
            "DnsName": self.dns_name,
            "Status": self.status,
            "CreatedTime": self.created,
            "LastModifiedTime": self.modified,
        }
        if self.ip_address_type == "DUAL_STACK":
            ip_sets.append(
                {"IpFamily": "IPv6", "IpAddresses": list(self.ipv6), "IpAddressFamily": "IPv6"}
            )
            described["DualStackDnsName"] = self.dual_stack_dns_name
        return described


def _endpoint_problem(account: str, region: str, endpoint_id: str) -> str | None:
    """Why ``endpoint_id`` is not a usable endpoint in ``region`` (None: it is)."""
    if endpoint_id.startswith("arn:aws:elasticloadbalancing:"):
        from moto.elbv2.models import elbv2_backends

        balancer = elbv2_backends[account][region].load_balancers.get(endpoint_id)
        if balancer is None or balancer.type not in ("network", "application"):
            return f"'{endpoint_id}' is not a valid load balancer ARN"
        return None
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[account][region]
    if endpoint_id.startswith("i-"):
        if not any(i.id == endpoint_id for i in ec2.all_instances()):
            return f"The instance ID '{endpoint_id}' does not exist"
        return None
    if endpoint_id.startswith("eipalloc-"):
        if not any(a.allocation_id == endpoint_id for a in ec2.addresses):
            return f"The allocation ID '{endpoint_id}' does not exist"
        return None
    return f"Invalid endpoint ID: {endpoint_id}"


def _preserves_client_ip(account: str, region: str, endpoint_id: str) -> bool:
    if endpoint_id.startswith("arn:aws:elasticloadbalancing:"):
        from moto.elbv2.models import elbv2_backends

        balancer = elbv2_backends[account][region].load_balancers[endpoint_id]
        return balancer.type == "application"
    return endpoint_id.startswith("i-")


def _describe_endpoint(account: str, region: str, endpoint: dict[str, Any]) -> dict[str, Any]:
    described = dict(endpoint)
    problem = _endpoint_problem(account, region, endpoint["EndpointId"])
    if problem is None:
        described["HealthState"] = "HEALTHY"
    else:
        described["HealthState"] = "UNHEALTHY"
        described["HealthReason"] = "The endpoint no longer exists."
    return described


def _page(items: list[Any], params: dict[str, Any], key: str) -> dict[str, Any]:
    size = params.get("MaxResults") or 10
    _check_range("MaxResults", size, 1, 100)
    token = params.get("NextToken")
    try:
        start = int(token) if token else 0
    except ValueError:
        raise _error("InvalidNextTokenException", "There isn't a valid next token.") from None
    if not 0 <= start <= len(items):
        raise _error("InvalidNextTokenException", "There isn't a valid next token.")
    page: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        page["NextToken"] = str(start + size)
    return page


class GlobalAcceleratorBackend(BaseBackend):
    """The account's accelerators (one backend per account: the service is global)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.accelerators: dict[str, Accelerator] = {}
        self.tokens: dict[tuple[str, str], str] = {}  # (action, IdempotencyToken) -> ARN
        self.lock = threading.RLock()

    @property
    def _url_module(self) -> Any:  # moto derives routes from the backend's urls module
        return SimpleNamespace(
            url_bases=[r"https?://globalaccelerator\.(.+)\.amazonaws\.com"],
            url_paths={"{0}/$": GlobalAcceleratorResponse.dispatch},
        )

    # -- look-ups -------------------------------------------------------------------------

    def _parse(self, arn: str | None) -> re.Match:
        match = _ARN.match(arn or "")
        if match is None:
            raise _invalid(f"Invalid ARN {arn}")
        return match

    def accelerator(self, arn: str | None) -> Accelerator:
        match = self._parse(arn)
        accelerator_arn = arn.split("/listener/")[0]  # type: ignore[union-attr]
        found = self.accelerators.get(accelerator_arn)
        if found is None or match["account"] != self.account_id:
            raise _error(
                "AcceleratorNotFoundException",
                f"The accelerator that you specified doesn't exist: {accelerator_arn}",
            )
        return found

    def listener(self, arn: str | None) -> tuple[Accelerator, Listener]:
        if self._parse(arn)["listener"] is None:
            raise _invalid(f"Invalid listener ARN {arn}")
        listener_arn = arn.split("/endpoint-group/")[0]  # type: ignore[union-attr]
        accelerator = self.accelerators.get(listener_arn.split("/listener/")[0])
        found = accelerator.listeners.get(listener_arn) if accelerator else None
        if found is None:
            raise _error(
                "ListenerNotFoundException",
                f"The listener that you specified doesn't exist: {listener_arn}",
            )
        return accelerator, found  # type: ignore[return-value]

    def endpoint_group(self, arn: str | None) -> tuple[Accelerator, Listener, EndpointGroup]:
        if self._parse(arn)["group"] is None:
            raise _invalid(f"Invalid endpoint group ARN {arn}")
        accelerator = self.accelerators.get(arn.split("/listener/")[0])  # type: ignore[union-attr]
        listener = (
            accelerator.listeners.get(arn.split("/endpoint-group/")[0])  # type: ignore[union-attr]
            if accelerator
            else None
        )
        found = listener.endpoint_groups.get(arn) if listener else None  # type: ignore[arg-type]
        if found is None:
            raise _error(
                "EndpointGroupNotFoundException",
                f"The endpoint group that you specified doesn't exist: {arn}",
            )
        return accelerator, listener, found  # type: ignore[return-value]

    def tagged(self, arn: str | None) -> Accelerator | Listener | EndpointGroup:
        match = self._parse(arn)
        if match["group"]:
            return self.endpoint_group(arn)[2]
        if match["listener"]:
            return self.listener(arn)[1]
        return self.accelerator(arn)

    # -- accelerators -----------------------------------------------------------------------

    def create_accelerator(self, params: dict[str, Any]) -> Accelerator:
        name = params.get("Name") or ""
        if not _NAME.match(name) or ".." in name:
            raise _invalid(
                "The name can have a maximum of 64 characters, must contain only alphanumeric "
                "characters, periods (.), or hyphens (-), and must not begin or end with a "
                f"hyphen or period: {name!r}"
            )
        ip_type = params.get("IpAddressType") or "IPV4"
        _check_enum("IpAddressType", ip_type, ("IPV4", "DUAL_STACK"))
        if params.get("IpAddresses"):
            raise _invalid("IpAddresses must come from a BYOIP address pool; none exists")
        with self.lock:
            key = ("CreateAccelerator", params.get("IdempotencyToken") or "")
            if key[1] and key in self.tokens and self.tokens[key] in self.accelerators:
                return self.accelerators[self.tokens[key]]
            arn = f"arn:aws:globalaccelerator::{self.account_id}:accelerator/{uuid.uuid4()}"
            accelerator = Accelerator(arn, name, ip_type, params.get("Enabled", True))
            accelerator.tags = {t["Key"]: t["Value"] for t in params.get("Tags") or []}
            accelerator.changed()
            self.accelerators[arn] = accelerator
            if key[1]:
                self.tokens[key] = arn
            return accelerator

    def update_accelerator(self, params: dict[str, Any]) -> Accelerator:
        with self.lock:
            accelerator = self.accelerator(params.get("AcceleratorArn"))
            if params.get("IpAddresses"):
                raise _invalid("IpAddresses must come from a BYOIP address pool; none exists")
            if params.get("Name") is not None:
                if not _NAME.match(params["Name"]):
                    raise _invalid(f"Invalid accelerator name {params['Name']!r}")
                accelerator.name = params["Name"]
            if params.get("IpAddressType") is not None:
                _check_enum("IpAddressType", params["IpAddressType"], ("IPV4", "DUAL_STACK"))
                accelerator.ip_address_type = params["IpAddressType"]
            if params.get("Enabled") is not None:
                accelerator.enabled = bool(params["Enabled"])
            accelerator.changed()
            return accelerator

    def update_accelerator_attributes(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            accelerator = self.accelerator(params.get("AcceleratorArn"))
            attributes = dict(accelerator.attributes)
            for key in ("FlowLogsEnabled", "FlowLogsS3Bucket", "FlowLogsS3Prefix"):
                if params.get(key) is not None:
                    attributes[key] = params[key]
            if attributes.get("FlowLogsEnabled"):
                bucket = attributes.get("FlowLogsS3Bucket")
                if not bucket:
                    raise _invalid("FlowLogsS3Bucket is required when FlowLogsEnabled is true")
                from moto.s3.models import s3_backends

                if bucket not in s3_backends[self.account_id]["aws"].buckets:
                    raise _invalid(f"The S3 bucket {bucket} does not exist")
            accelerator.attributes = attributes
            accelerator.changed()
            return attributes

    def delete_accelerator(self, arn: str | None) -> None:
        with self.lock:
            accelerator = self.accelerator(arn)
            if accelerator.enabled or accelerator.unseen_changes:
                raise _error(
                    "AcceleratorNotDisabledException",
                    f"The accelerator {accelerator.arn} could not be deleted: it is not "
                    "disabled, or its disabling is still in progress.",
                )
            if accelerator.listeners:
                raise _error(
                    "AssociatedListenerFoundException",
                    f"Cannot delete accelerator {accelerator.arn} because an associated "
                    "listener was found.",
                )
            del self.accelerators[accelerator.arn]

    # -- listeners --------------------------------------------------------------------------

    def _check_listener(
        self, accelerator: Accelerator, listener_arn: str | None, ranges: Any, protocol: str
    ) -> list[dict[str, int]]:
        if not ranges or len(ranges) > 10:
            raise _invalid("PortRanges must have between 1 and 10 port ranges")
        checked = []
        for port_range in ranges:
            low, high = port_range.get("FromPort"), port_range.get("ToPort")
            if (
                not isinstance(low, int)
                or not isinstance(high, int)
                or not 1 <= low <= high <= 65535
            ):
                raise _error(
                    "InvalidPortRangeException",
                    f"The port numbers that you specified are not valid numbers: {low}-{high}",
                )
            checked.append({"FromPort": low, "ToPort": high})
        taken = [
            r
            for other in accelerator.listeners.values()
            if other.arn != listener_arn and other.protocol == protocol
            for r in other.port_ranges
        ]
        for index, port_range in enumerate(checked):
            for other in taken + checked[:index]:
                if (
                    port_range["FromPort"] <= other["ToPort"]
                    and other["FromPort"] <= (port_range["ToPort"])
                ):
                    raise _error(
                        "InvalidPortRangeException",
                        "The port numbers that you specified are not unique for this "
                        f"accelerator: {port_range['FromPort']}-{port_range['ToPort']}",
                    )
        return checked

    def create_listener(self, params: dict[str, Any]) -> Listener:
        with self.lock:
            accelerator = self.accelerator(params.get("AcceleratorArn"))
            key = ("CreateListener", params.get("IdempotencyToken") or "")
            if key[1] and self.tokens.get(key) in accelerator.listeners:
                return accelerator.listeners[self.tokens[key]]
            protocol = params.get("Protocol")
            _check_enum("Protocol", protocol, ("TCP", "UDP"))
            if protocol is None:
                raise _invalid("Protocol is required")
            affinity = params.get("ClientAffinity") or "NONE"
            _check_enum("ClientAffinity", affinity, ("NONE", "SOURCE_IP"))
            ranges = self._check_listener(accelerator, None, params.get("PortRanges"), protocol)
            listener = Listener(f"{accelerator.arn}/listener/{uuid.uuid4().hex[:8]}")
            listener.port_ranges, listener.protocol = ranges, protocol
            listener.client_affinity = affinity
            accelerator.listeners[listener.arn] = listener
            accelerator.changed()
            if key[1]:
                self.tokens[key] = listener.arn
            return listener

    def update_listener(self, params: dict[str, Any]) -> Listener:
        with self.lock:
            accelerator, listener = self.listener(params.get("ListenerArn"))
            protocol = params.get("Protocol") or listener.protocol
            _check_enum("Protocol", protocol, ("TCP", "UDP"))
            affinity = params.get("ClientAffinity") or listener.client_affinity
            _check_enum("ClientAffinity", affinity, ("NONE", "SOURCE_IP"))
            ranges = self._check_listener(
                accelerator,
                listener.arn,
                params.get("PortRanges") or listener.port_ranges,
                protocol,
            )
            listener.port_ranges, listener.protocol = ranges, protocol
            listener.client_affinity = affinity
            accelerator.changed()
            return listener

    def delete_listener(self, arn: str | None) -> None:
        with self.lock:
            accelerator, listener = self.listener(arn)
            if listener.endpoint_groups:
                raise _error(
                    "AssociatedEndpointGroupFoundException",
                    f"Cannot delete listener {listener.arn} because an associated endpoint "
                    "group was found.",
                )
            del accelerator.listeners[listener.arn]
            accelerator.changed()

    # -- endpoint groups --------------------------------------------------------------------

    def _configure_group(self, group: EndpointGroup, params: dict[str, Any]) -> None:
        """Check every setting first, then apply them all (a refused call changes nothing)."""
        _check_range("TrafficDialPercentage", params.get("TrafficDialPercentage"), 0, 100)
        _check_range("HealthCheckPort", params.get("HealthCheckPort"), 1, 65535)
        _check_range("HealthCheckIntervalSeconds", params.get("HealthCheckIntervalSeconds"), 10, 30)
        _check_range("ThresholdCount", params.get("ThresholdCount"), 1, 10)
        _check_enum(
            "HealthCheckProtocol", params.get("HealthCheckProtocol"), ("TCP", "HTTP", "HTTPS")
        )
        path = params.get("HealthCheckPath")
        if path is not None and (len(path) > 255 or not _HEALTH_CHECK_PATH.match(path)):
            raise _invalid(f"HealthCheckPath is not a valid path: {path!r}")
        endpoints = None
        if params.get("EndpointConfigurations") is not None:
            endpoints = []
            for configuration in params["EndpointConfigurations"]:
                endpoint_id = configuration.get("EndpointId")
                if not endpoint_id:
                    raise _invalid("EndpointId is required")
                problem = _endpoint_problem(self.account_id, group.region, endpoint_id)
                if problem:
                    raise _invalid(problem)
                weight = configuration.get("Weight", DEFAULT_WEIGHT)
                _check_range("Weight", weight, 0, 255)
                preserve = configuration.get("ClientIPPreservationEnabled")
                if preserve is None:  # AWS's default: on for ALBs and EC2 instances
                    preserve = _preserves_client_ip(self.account_id, group.region, endpoint_id)
                endpoints.append(
                    {
                        "EndpointId": endpoint_id,
                        "Weight": weight,
                        "ClientIPPreservationEnabled": bool(preserve),
                    }
                )
        overrides = None
        if params.get("PortOverrides") is not None:
            overrides = []
            for override in params["PortOverrides"]:
                for key in ("ListenerPort", "EndpointPort"):
                    _check_range(key, override.get(key), 1, 65535)
                overrides.append(
                    {
                        "ListenerPort": override.get("ListenerPort"),
                        "EndpointPort": override.get("EndpointPort"),
                    }
                )
        if params.get("TrafficDialPercentage") is not None:
            group.traffic_dial = float(params["TrafficDialPercentage"])
        for key, attribute in _GROUP_SETTINGS.items():
            if params.get(key) is not None:
                setattr(group, attribute, params[key])
        if path is not None:
            group.health_check_path = path
        if endpoints is not None:
            group.endpoints = endpoints
        if overrides is not None:
            group.port_overrides = overrides

    def create_endpoint_group(self, params: dict[str, Any]) -> EndpointGroup:
        with self.lock:
            self.accelerator(params.get("ListenerArn"))
            accelerator, listener = self.listener(params.get("ListenerArn"))
            key = ("CreateEndpointGroup", params.get("IdempotencyToken") or "")
            if key[1] and self.tokens.get(key) in listener.endpoint_groups:
                return listener.endpoint_groups[self.tokens[key]]
            region = params.get("EndpointGroupRegion")
            if region not in _regions():
                raise _invalid(f"EndpointGroupRegion is not a valid region: {region}")
            if any(g.region == region for g in listener.endpoint_groups.values()):
                raise _error(
                    "EndpointGroupAlreadyExistsException",
                    f"The endpoint group that you specified already exists: listener "
                    f"{listener.arn} has an endpoint group in {region}.",
                )
            arn = f"{listener.arn}/endpoint-group/{uuid.uuid4().hex[:12]}"
            group = EndpointGroup(arn, region, listener)
            self._configure_group(group, params)
            listener.endpoint_groups[arn] = group
            accelerator.changed()
            if key[1]:
                self.tokens[key] = arn
            return group

    def update_endpoint_group(self, params: dict[str, Any]) -> EndpointGroup:
        with self.lock:
            accelerator, _, group = self.endpoint_group(params.get("EndpointGroupArn"))
            self._configure_group(group, params)
            accelerator.changed()
            return group

    def delete_endpoint_group(self, arn: str | None) -> None:
        with self.lock:
            accelerator, listener, group = self.endpoint_group(arn)
            del listener.endpoint_groups[group.arn]
            accelerator.changed()


globalaccelerator_backends = BackendDict(
    GlobalAcceleratorBackend, SERVICE, use_boto3_regions=False, additional_regions=["aws"]
)


class GlobalAcceleratorResponse(BaseResponse):
    """The JSON protocol: one method per action (moto calls it by the action's snake_case)."""

    def __init__(self) -> None:
        super().__init__(service_name=SERVICE)

    @property
    def backend(self) -> GlobalAcceleratorBackend:
        return globalaccelerator_backends[self.current_account]["aws"]

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body or "{}")

    # accelerators
    def create_accelerator(self) -> str:
        accelerator = self.backend.create_accelerator(self.payload)
        return json.dumps({"Accelerator": accelerator.describe()})

    def describe_accelerator(self) -> str:
        backend = self.backend
        with backend.lock:
            accelerator = backend.accelerator(self.payload.get("AcceleratorArn"))
            described = accelerator.describe()
            accelerator.unseen_changes = max(0, accelerator.unseen_changes - 1)
        return json.dumps({"Accelerator": described})

    def list_accelerators(self) -> str:
        described = [a.describe() for a in self.backend.accelerators.values()]
        return json.dumps(_page(described, self.payload, "Accelerators"))

    def update_accelerator(self) -> str:
        accelerator = self.backend.update_accelerator(self.payload)
        return json.dumps({"Accelerator": accelerator.describe()})

    def delete_accelerator(self) -> str:
        self.backend.delete_accelerator(self.payload.get("AcceleratorArn"))
        return "{}"

    def describe_accelerator_attributes(self) -> str:
        accelerator = self.backend.accelerator(self.payload.get("AcceleratorArn"))
        return json.dumps({"AcceleratorAttributes": accelerator.attributes})

    def update_accelerator_attributes(self) -> str:
        attributes = self.backend.update_accelerator_attributes(self.payload)
        return json.dumps({"AcceleratorAttributes": attributes})

    # listeners
    def create_listener(self) -> str:
        return json.dumps({"Listener": self.backend.create_listener(self.payload).describe()})

    def describe_listener(self) -> str:
        listener = self.backend.listener(self.payload.get("ListenerArn"))[1]
        return json.dumps({"Listener": listener.describe()})

    def list_listeners(self) -> str:
        accelerator = self.backend.accelerator(self.payload.get("AcceleratorArn"))
        described = [listener.describe() for listener in accelerator.listeners.values()]
        return json.dumps(_page(described, self.payload, "Listeners"))

    def update_listener(self) -> str:
        return json.dumps({"Listener": self.backend.update_listener(self.payload).describe()})

    def delete_listener(self) -> str:
        self.backend.delete_listener(self.payload.get("ListenerArn"))
        return "{}"

    # endpoint groups
    def create_endpoint_group(self) -> str:
        group = self.backend.create_endpoint_group(self.payload)
        return json.dumps({"EndpointGroup": group.describe(self.current_account)})

    def describe_endpoint_group(self) -> str:
        group = self.backend.endpoint_group(self.payload.get("EndpointGroupArn"))[2]
        return json.dumps({"EndpointGroup": group.describe(self.current_account)})

    def list_endpoint_groups(self) -> str:
        listener = self.backend.listener(self.payload.get("ListenerArn"))[1]
        described = [g.describe(self.current_account) for g in listener.endpoint_groups.values()]
        return json.dumps(_page(described, self.payload, "EndpointGroups"))

    def update_endpoint_group(self) -> str:
        group = self.backend.update_endpoint_group(self.payload)
        return json.dumps({"EndpointGroup": group.describe(self.current_account)})

    def delete_endpoint_group(self) -> str:
        self.backend.delete_endpoint_group(self.payload.get("EndpointGroupArn"))
        return "{}"

    # tags
    def tag_resource(self) -> str:
        params = self.payload
        with self.backend.lock:
            resource = self.backend.tagged(params.get("ResourceArn"))
            resource.tags.update({t["Key"]: t["Value"] for t in params.get("Tags") or []})
        return "{}"

    def untag_resource(self) -> str:
        params = self.payload
        with self.backend.lock:
            resource = self.backend.tagged(params.get("ResourceArn"))
            for key in params.get("TagKeys") or []:
                resource.tags.pop(key, None)
        return "{}"

    def list_tags_for_resource(self) -> str:
        resource = self.backend.tagged(self.payload.get("ResourceArn"))
        tags = [{"Key": k, "Value": v} for k, v in resource.tags.items()]
        return json.dumps({"Tags": tags})

    # cross-account attachments: none exist in this account
    def list_cross_account_resources(self) -> str:
        params = self.payload
        if not params.get("ResourceOwnerAwsAccountId"):
            raise _invalid("ResourceOwnerAwsAccountId is required")
        if params.get("AcceleratorArn"):
            self.backend.accelerator(params["AcceleratorArn"])
        return json.dumps(_page([], params, "CrossAccountResources"))


def apply() -> None:
    """Route ``globalaccelerator`` requests to this module (called once by ``apply_patches``)."""
    import moto.backend_index as backend_index
    import moto.backends as backends

    # The server's dispatcher holds this very list, so appending reaches it.
    backend_index.backend_url_patterns.append(
        (SERVICE, re.compile(r"https?://globalaccelerator\.(.+)\.amazonaws\.com"))
    )
    original = backends.get_backend

    def get_backend(name: str) -> Any:
        if name == SERVICE:
            return globalaccelerator_backends
        return original(name)  # type: ignore[call-overload]

    backends.get_backend = get_backend  # type: ignore[assignment]
