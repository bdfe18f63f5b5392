"""lambda_handler: keep the target region's parameters under PARAMETER_PATH equal to the
source region's.

Events:

- a Parameter Store change (EventBridge, ``source`` ``aws.ssm``, ``detail-type``
  ``Parameter Store Change``, ``detail.name`` and ``detail.operation``) from the source
  region: the named parameter is synced; a name outside the path is ignored;
- ``{"reconcile": true}`` (the schedule): every parameter under the path is compared in both
  regions; what differs is synced, what exists only in the target is deleted;
- the same input sent by Terraform's ``aws_lambda_invocation`` (``lifecycle_scope`` CRUD,
  ``terraform_key`` ``tf``): ``{"reconcile": true, "tf": {"action": ..., "prev_input": ...}}``;
  ``create`` and ``update`` reconcile (the first copy at apply time), ``delete`` removes
  every copy under the path from the target region, so a destroyed stack leaves nothing
  behind there (the copies are not in Terraform's state).

Anything else is refused with a ``ValueError`` naming what is wrong.

The current state decides, never the event: a sync reads the parameter in the source region
and copies it (same value, type, description, tier, data type and allowed pattern; a
SecureString is re-encrypted with TARGET_KEY_ARN, since a KMS key never leaves its region),
or deletes the copy when the source has none. EventBridge may deliver events late, twice or
out of order (eb-rule-event-delivery), and a Delete processed after a later re-Create then
still copies. A copy that already equals its source is not written again, so a reconcile
does not add a version per run (Parameter Store keeps 100 versions). Values are never
logged: they may be secret.

A listing is bounded (MAX_PARAMETERS, MAX_PAGES): a path holding more is refused before any
write, so an incomplete listing never deletes copies whose source it did not see.
Only the standard library is imported at module level; boto3 when the first client is made.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dr_lambdas.common import Clients, env_str, log
from dr_lambdas.config_replicator import ReplicatorEnv as E

SOURCE, DETAIL_TYPE = "aws.ssm", "Parameter Store Change"
# The operations a "Parameter Store Change" event carries (Systems Manager user guide,
# "Monitoring Systems Manager events with Amazon EventBridge"); every one is answered by a
# sync of the current state.
OPERATIONS = frozenset({"Create", "Update", "Delete", "LabelParameterVersion"})
TERRAFORM_KEY = "tf"  # aws_lambda_invocation's default terraform_key
TERRAFORM_ACTIONS = frozenset({"create", "update", "delete"})
RECONCILE = {"reconcile": True}
# Bounds of one listing: GetParametersByPath answers at most 10 per page, DescribeParameters
# 50, and either may answer short pages; a path holding more is refused.
MAX_PARAMETERS = 500
MAX_PAGES = 100
DELETE_BATCH = 10  # DeleteParameters takes at most 10 names
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 10
# PutParameter's default throughput is low; botocore's standard retry mode backs off on
# throttling.
MAX_ATTEMPTS = 5
_PATH = re.compile(r"^(/[A-Za-z0-9_.-]+)+$")
# Terraform invokes the function right after creating its role policy, which IAM may not
# apply everywhere for a few seconds (IAM user guide, "Changes that I make are not always
# immediately visible"): the first reconcile retries an access denial this often.
ACCESS_RETRIES, ACCESS_RETRY_SECONDS = 4, 5
_ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException"})
_sleep = time.sleep  # tests give a fast one

ClientFactory = Callable[[str, str], Any]


class Refused(ValueError):
    """An event this function does not take."""


@dataclass(frozen=True)
class Config:
    source_region: str
    target_region: str
    path: str
    target_key_arn: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        config = cls(
            source_region=env_str(environ, E.SOURCE_REGION),
            target_region=env_str(environ, E.TARGET_REGION),
            path=env_str(environ, E.PARAMETER_PATH),
            target_key_arn=env_str(environ, E.TARGET_KEY_ARN),
        )
        if not _PATH.match(config.path):
            raise ValueError(
                f"{E.PARAMETER_PATH} must be '/'-separated levels of letters, digits and _.-"
                f" without a trailing '/', got {config.path!r}"
            )
        if config.source_region == config.target_region:
            raise ValueError(
                f"{E.SOURCE_REGION} and {E.TARGET_REGION} must differ, "
                f"both are {config.source_region!r}"
            )
        if not config.target_key_arn.startswith("arn:"):
            raise ValueError(
                f"{E.TARGET_KEY_ARN} must be a KMS key ARN, got {config.target_key_arn!r}"
            )
        return config

    def under_path(self, name: str) -> bool:
        return name.startswith(self.path + "/")


@dataclass(frozen=True)
class Parameter:
    """What is copied of a parameter (its value decrypted) and the key it is encrypted with."""

    name: str
    type: str
    value: str
    description: str
    tier: str
    data_type: str
    allowed_pattern: str
    key_id: str

    def copy_of(self, source: Parameter, target_key_arn: str) -> bool:
        """Whether this (target) parameter already is what a copy of ``source`` would be."""
        same = (
            self.type,
            self.value,
            self.description,
            self.tier,
            self.data_type,
            self.allowed_pattern,
        ) == (
            source.type,
            source.value,
            source.description,
            source.tier,
            source.data_type,
            source.allowed_pattern,
        )
        return same and (self.type != "SecureString" or self.key_id == target_key_arn)


def _parameter(value: Mapping[str, Any], metadata: Mapping[str, Any]) -> Parameter:
    return Parameter(
        name=value["Name"],
        type=value["Type"],
        value=value["Value"],
        description=metadata.get("Description", ""),
        tier=metadata.get("Tier", "Standard"),
        data_type=value.get("DataType", "text"),
        allowed_pattern=metadata.get("AllowedPattern", ""),
        key_id=metadata.get("KeyId", ""),
    )


# -- reading ------------------------------------------------------------------------------


def read_one(ssm: Any, name: str) -> Parameter | None:
    """The parameter ``name`` with its metadata, or None when it does not exist."""
    try:
        value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    except ssm.exceptions.ParameterNotFound:
        return None
    found = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
    )["Parameters"]
    return _parameter(value, found[0]) if found else None  # deleted in between: gone


def _pages(call: Callable[..., dict], key: str, what: str, **arguments: Any) -> list[dict]:
    items: list[dict] = []
    token = None
    for _ in range(MAX_PAGES):
        page = call(**arguments, **({"NextToken": token} if token else {}))
        items.extend(page.get(key, []))
        if len(items) > MAX_PARAMETERS:
            break
        token = page.get("NextToken")
        if not token:
            return items
    raise RuntimeError(
        f"{what}: more than {MAX_PARAMETERS} parameters or {MAX_PAGES} pages; "
        "refusing to reconcile from an incomplete listing"
    )


def read_all(ssm: Any, path: str, where: str) -> tuple[dict[str, Parameter], set[str]]:
    """Every parameter under ``path`` (recursively), and the names seen by only one of the
    two listings (changed between them: each is re-read on its own)."""
    values = _pages(
        ssm.get_parameters_by_path,
        "Parameters",
        f"{path} in {where}",
        Path=path,
        Recursive=True,
        WithDecryption=True,
        MaxResults=10,
    )
    metadata = _pages(
        ssm.describe_parameters,
        "Parameters",
        f"{path} in {where}",
        ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [path]}],
        MaxResults=50,
    )
    meta_by_name = {m["Name"]: m for m in metadata}
    found = {
        v["Name"]: _parameter(v, meta_by_name[v["Name"]])
        for v in values
        if v["Name"] in meta_by_name
    }
    unsettled = ({v["Name"] for v in values} ^ set(meta_by_name)) - set(found)
    return found, unsettled


def _names(ssm: Any, path: str, where: str) -> list[str]:
    pages = _pages(
        ssm.get_parameters_by_path,
        "Parameters",
        f"{path} in {where}",
        Path=path,
        Recursive=True,
        WithDecryption=False,
        MaxResults=10,
    )
    return sorted(p["Name"] for p in pages)


# -- writing ------------------------------------------------------------------------------


def _delete(ssm: Any, name: str) -> bool:
    """Delete ``name``; False when it did not exist."""
    try:
        ssm.delete_parameter(Name=name)
    except ssm.exceptions.ParameterNotFound:
        return False
    return True


def _put(ssm: Any, source: Parameter, existing: Parameter | None, key_arn: str) -> None:
    # PutParameter cannot change a parameter's type, nor move an Advanced parameter back to
    # Standard (parameter-store-advanced-parameters.html): such a copy is replaced.
    if existing is not None and (
        existing.type != source.type or (existing.tier, source.tier) == ("Advanced", "Standard")
    ):
        _delete(ssm, source.name)
    arguments: dict[str, Any] = {
        "Name": source.name,
        "Value": source.value,
        "Type": source.type,
        "Description": source.description,
        "Tier": source.tier,
        "DataType": source.data_type,
        "Overwrite": True,
    }
    if source.allowed_pattern:
        arguments["AllowedPattern"] = source.allowed_pattern
    if source.type == "SecureString":
        arguments["KeyId"] = key_arn
    ssm.put_parameter(**arguments)


def sync_one(config: Config, clients: ClientFactory, name: str) -> str:
    """Make the target's ``name`` what the source's is now: "copied", "unchanged",
    "deleted" or "absent" (in neither region)."""
    source_ssm = clients("ssm", config.source_region)
    target_ssm = clients("ssm", config.target_region)
    source = read_one(source_ssm, name)
    if source is None:
        return "deleted" if _delete(target_ssm, name) else "absent"
    existing = read_one(target_ssm, name)
    if existing is not None and existing.copy_of(source, config.target_key_arn):
        return "unchanged"
    _put(target_ssm, source, existing, config.target_key_arn)
    return "copied"


def reconcile(config: Config, clients: ClientFactory) -> dict[str, Any]:
    source, source_unsettled = read_all(
        clients("ssm", config.source_region), config.path, config.source_region
    )
    target, target_unsettled = read_all(
        clients("ssm", config.target_region), config.path, config.target_region
    )
    outcome: dict[str, list[str]] = {"copied": [], "deleted": [], "unchanged": [], "absent": []}
    for name in sorted(set(source) | set(target) | source_unsettled | target_unsettled):
        if (
            name in source
            and name in target
            and target[name].copy_of(source[name], config.target_key_arn)
        ):
            outcome["unchanged"].append(name)
            continue
        # Re-read at the source just before writing: a change made since the listing wins.
        outcome[sync_one(config, clients, name)].append(name)
    return {"status": "reconciled", **outcome}


def teardown(config: Config, clients: ClientFactory) -> dict[str, Any]:
    """Delete every copy under the path in the target region (the stack is destroyed)."""
    ssm = clients("ssm", config.target_region)
    names = _names(ssm, config.path, config.target_region)
    deleted: list[str] = []
    for start in range(0, len(names), DELETE_BATCH):
        answer = ssm.delete_parameters(Names=names[start : start + DELETE_BATCH])
        deleted.extend(answer.get("DeletedParameters", []))
    return {"status": "torn_down", "deleted": sorted(deleted)}


# -- events -------------------------------------------------------------------------------


def classify(event: Any, config: Config) -> tuple[str, str]:
    """("change", name), ("reconcile", "") or ("teardown", ""); raises Refused."""
    if not isinstance(event, dict):
        raise Refused(f"event must be a JSON object, got {type(event).__name__}")
    if event == RECONCILE:
        return "reconcile", ""
    if TERRAFORM_KEY in event:
        extra = set(event) - {TERRAFORM_KEY, "reconcile"}
        terraform = event[TERRAFORM_KEY]
        action = terraform.get("action") if isinstance(terraform, dict) else None
        if extra or event.get("reconcile") is not True or action not in TERRAFORM_ACTIONS:
            raise Refused(
                "a Terraform invocation must be {'reconcile': true, 'tf': {'action': "
                f"create|update|delete}}}}, got {_shape(event)}"
            )
        return ("teardown" if action == "delete" else "reconcile"), ""
    if "source" in event or "detail-type" in event or "detail" in event:
        return "change", _changed_name(event, config)
    raise Refused(
        "event must be a Parameter Store Change from EventBridge or {'reconcile': true}, "
        f"got {_shape(event)}"
    )


def _changed_name(event: dict, config: Config) -> str:
    if event.get("source") != SOURCE or event.get("detail-type") != DETAIL_TYPE:
        raise Refused(
            f"only {SOURCE} '{DETAIL_TYPE}' events are taken, got source "
            f"{event.get('source')!r}, detail-type {event.get('detail-type')!r}"
        )
    if event.get("region") != config.source_region:
        raise Refused(
            f"a change must come from the source region {config.source_region}, "
            f"got region {event.get('region')!r}"
        )
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise Refused(f"a Parameter Store Change needs a detail object, got {detail!r}")
    name, operation = detail.get("name"), detail.get("operation")
    if not isinstance(name, str) or not name.startswith("/"):
        raise Refused(f"detail.name must be a parameter name starting with '/', got {name!r}")
    if operation not in OPERATIONS:
        raise Refused(
            f"detail.operation must be one of {', '.join(sorted(OPERATIONS))}, got {operation!r}"
        )
    return name


def _shape(event: dict) -> str:
    """The event's keys (never its values, which may be anything)."""
    return "{" + ", ".join(sorted(map(str, event))) + "}"


def handle(event: Any, config: Config, clients: ClientFactory) -> dict[str, Any]:
    kind, name = classify(event, config)
    if kind == "change":
        if not config.under_path(name):
            log("config_ignored", name=name, path=config.path)
            return {"status": "ignored", "name": name, "reason": f"not under {config.path}/"}
        result = {"status": sync_one(config, clients, name), "name": name}
    elif kind == "reconcile":
        result = _patiently(lambda: reconcile(config, clients), terraform=TERRAFORM_KEY in event)
    else:
        result = teardown(config, clients)
    log("config_replicated", kind=kind, **result)
    return result


def _patiently(run: Callable[[], dict], *, terraform: bool) -> dict:
    """``run()``; when Terraform asks, retry an access denial while IAM settles."""
    for attempt in range(ACCESS_RETRIES if terraform else 0):
        try:
            return run()
        except Exception as error:  # botocore's ClientError, imported with boto3
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code not in _ACCESS_DENIED:
                raise
            log("config_access_denied_retry", attempt=attempt + 1, error=str(error))
            _sleep(ACCESS_RETRY_SECONDS * (attempt + 1))
    return run()


def lambda_handler(event: Any, context: Any = None) -> dict[str, Any]:
    try:
        clients = Clients(
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            max_attempts=MAX_ATTEMPTS,
        )
        return handle(event, Config.from_env(os.environ), clients)
    except Refused as refused:
        log("config_event_refused", error=str(refused))
        raise
