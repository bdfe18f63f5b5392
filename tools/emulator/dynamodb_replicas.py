"""DynamoDB global tables version 2019.11.21 (replicas): what moto 5.2.5 lacks on the path of
an ``aws_dynamodb_table`` with a ``replica`` block and of the code that writes in one region
and reads in the other, added as the DynamoDB API Reference (UpdateTable ``ReplicaUpdates``,
DeleteTable, TableDescription ``Replicas``/``GlobalTableVersion``) and the global tables
developer guide document it.

moto ignores ``ReplicaUpdates``: ``UpdateTable`` answers 200 and nothing happens, so the
provider 5.100.0 waits for a ``Replicas[].ReplicaStatus`` of ACTIVE that never comes, and
the replica region has no table to read from. AWS, and here:

(ga) Replica creation. ``UpdateTable`` with ``ReplicaUpdates=[{"Create": {"RegionName",
     "KMSMasterKeyId"}}]`` creates the table in that region: same key schema, attributes,
     indexes, billing mode, TTL and stream view type; its own ARN, stream and encryption
     key; no tags, point-in-time recovery off and deletion protection off (those stay
     regional: the provider propagates tags and sets PITR there itself). A table with no
     stream gets a NEW_AND_OLD_IMAGES one (AWS enables it; a KEYS_ONLY or other stream is
     kept as it is, so there is no stream prerequisite to refuse). ``DescribeTable`` of any
     member lists the *other* members in ``Replicas`` (``RegionName``, ``ReplicaStatus``,
     ``KMSMasterKeyId`` when a customer managed key encrypts it) and says
     ``GlobalTableVersion`` "2019.11.21"; with one member left it is a regional table again
     (its stream stays on).
(gb) Transitions. The ``UpdateTable`` answer, and the first ``DescribeTable`` of a member
     after it (in any region), show the change in progress: the calling region's table
     UPDATING and the new replica CREATING (or the removed one DELETING, its own table
     DELETING); every later read shows the outcome (ACTIVE, or the replica gone and its table
     deleted in its region). AWS takes seconds to minutes; here it is one read, so the
     provider's waiters (CREATING -> ACTIVE, replica gone, table ACTIVE) finish at once.
(gc) Replication. Items written to any member (PutItem, UpdateItem, DeleteItem, batches,
     transactions, PartiQL) are in every member at once, last writer wins, and each
     member's stream records the change with the images its view type asks for. AWS
     replicates asynchronously (usually within a second); here a read in the other region
     right after a write already sees it, so a test cannot catch code that relies on
     read-your-writes across regions.
(gd) Tags. AWS ``TagResource`` replaces the value of a key the table already has; moto adds a
     second tag of that key, so after a tag change (including the provider's
     ``propagate_tags`` to a replica) ``ListTagsOfResource`` answers both and every plan
     shows a diff. Here the value is replaced.

Refused as AWS refuses (each has a test in
``tests/tools/emulator/test_emulator_dynamodb_replicas.py``); AWS documents the codes, the
texts are AWS's as observed by users and tools that record them (ack-api-quirks' DynamoDB
table-replicas findings, ScyllaDB's DynamoDB-compatibility tests, provider issues):

- Create or Delete of the table's own region: ValidationException "Cannot add or delete the
  local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as
  required."
- Create of a region that is already a member, or that has a table of that name:
  ValidationException "Failed to create a the new replica of table with name: '<name>'
  because one or more replicas already existed as tables." (sic; the provider retries it as
  an Update).
- Delete or Update of a region that is no member: ValidationException "Update global table
  operation failed because one or more replicas were not part of the global table. Please
  retry the request without these replicas: [<region>]."; an Update with nothing to change:
  ValidationException "There are no actions specified in the Replica Update Action of the
  request."
- A table encrypted with a customer managed key: a Create without ``KMSMasterKeyId`` is
  ValidationException "One or more parameter values were invalid: KMSMasterKeyId must be
  specified for each replica."; the AWS managed key there is "One or more parameter values
  were invalid: All replica keys must either be Customer Managed CMK or AWS Managed CMK.";
  a key ARN of another region is "KMS validation error for region <region>:
  com.amazonaws.services.kms.model.NotFoundException: Invalid arn <key region>", and a key
  the replica region does not have "KMS validation error for region <region>:
  com.amazonaws.services.kms.model.NotFoundException: Key '<arn>' does not exist" (AWS
  appends the KMS request details, left out here). A key id or alias is resolved in the
  replica region and read back as its ARN.
- While a replica is being created or deleted: any ``UpdateTable`` of a member (another
  replica change, streams, deletion protection, ...) and ``DeleteTable`` of the UPDATING or
  CREATING table are ResourceInUseException "Attempt to change a resource which is still in
  use: Table is being updated: <name>" (DeleteTable: API Reference; the wording is the one
  the provider quotes). ``DeleteTable`` of a DELETING replica answers without error.
- Disabling the stream of a member: ValidationException "One or more parameter values were
  invalid: Disabling Stream is not allowed for a Global Table replica."
- ``DeleteTable`` of the table that created a replica (or ``ReplicaUpdates`` Delete of its
  region) while that replica, added less than 24 hours ago, is still a member:
  ValidationException "Replica cannot be deleted because it has acted as a source region for
  new replica(s) being added to the table in the last 24 hours." (developer guide, global
  tables best practices). So Terraform deletes the replicas first, as the provider does;
  ``DeleteTable`` of a replica that created none removes it from the global table.

Still more lenient than AWS: a CREATING replica already answers every call (AWS: only
DescribeTable); settings other than the key schema are copied once, at creation (AWS fans
GSI, TTL, billing and throughput changes out to every replica); several replica actions in
one call are applied one by one, so the second is refused as in use (AWS:
ValidationException); ``ReplicaUpdates`` may be combined with other changes (refused by
AWS); provisioned tables need no auto scaling; replica overrides (throughput, table class,
indexes) and ``Update`` of a replica's key are accepted and ignored, as is a replica key for a table
without a customer managed key; regions are not checked
against the ones global tables support; multi-Region strong consistency (witnesses) is not
modelled.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from moto.core.utils import utcnow
from moto.dynamodb.exceptions import (
    MockValidationException,
    ResourceInUseException,
)
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from tools.emulator.patching import install

GLOBAL_TABLE_VERSION = "2019.11.21"
DEFAULT_KEY_ALIAS = "alias/aws/dynamodb"
SOURCE_RULE_SECONDS = 24 * 3600
_GROUPS = "_dbdr_replication_groups"  # attribute of a DynamoDBBackend (emptied by its reset)

LOCAL_REGION = (
    "Cannot add or delete the local region through ReplicaUpdates. "
    "Use CreateTable, DeleteTable, or UpdateTable as required."
)
ALREADY_EXISTED = (
    "Failed to create a the new replica of table with name: '{name}' "
    "because one or more replicas already existed as tables."
)
NOT_A_MEMBER = (
    "Update global table operation failed because one or more replicas were not part of the "
    "global table. Please retry the request without these replicas: [{region}]."
)
NO_ACTIONS = "There are no actions specified in the Replica Update Action of the request."
KEY_REQUIRED = (
    "One or more parameter values were invalid: KMSMasterKeyId must be specified for each replica."
)
KEY_KINDS = (
    "One or more parameter values were invalid: All replica keys must either be "
    "Customer Managed CMK or AWS Managed CMK."
)
KMS_ERROR = "KMS validation error for region {region}: com.amazonaws.services.kms.model.{detail}"
IN_USE = "Attempt to change a resource which is still in use: Table is being updated: {name}"
STREAM_REQUIRED = (
    "One or more parameter values were invalid: "
    "Disabling Stream is not allowed for a Global Table replica."
)
SOURCE_RULE = (
    "Replica cannot be deleted because it has acted as a source region for new replica(s) "
    "being added to the table in the last 24 hours."
)


@dataclass
class _Member:
    """One region's table in a global table."""

    region: str
    status: str = "ACTIVE"  # CREATING, ACTIVE or DELETING
    kms_key_arn: str | None = None  # a customer managed key, reported in Replicas[]
    source_region: str | None = None  # the region whose UpdateTable created it
    added_at: float = field(default_factory=time.time)


@dataclass
class _Group:
    """A global table: its members by region, in the order they joined."""

    account_id: str
    name: str
    members: dict[str, _Member] = field(default_factory=dict)
    updating_region: str | None = None  # the region whose table is UPDATING, if any

    @property
    def busy(self) -> bool:
        return self.updating_region is not None or any(
            m.status != "ACTIVE" for m in self.members.values()
        )


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_describe()
    _patch_update_table()
    _patch_delete_table()
    _patch_replication()
    _patch_tags()


# -- state ---------------------------------------------------------------------------------


def _backend(account_id: str, region: str) -> DynamoDBBackend:
    return dynamodb_backends[account_id][region]


def _groups(backend: DynamoDBBackend) -> dict[str, _Group]:
    return backend.__dict__.setdefault(_GROUPS, {})


def _group_of(table: Table) -> _Group | None:
    """The global table ``table`` belongs to (None for a regional table or a copy of one)."""
    backend = _backend(table.account_id, table.region_name)
    if backend.tables.get(table.name) is not table:
        return None  # e.g. the copy a backup keeps
    return _groups(backend).get(table.name)


def _member_table(group: _Group, region: str) -> Table | None:
    return _backend(group.account_id, region).tables.get(group.name)


def _join(group: _Group, member: _Member) -> None:
    group.members[member.region] = member
    _groups(_backend(group.account_id, member.region))[group.name] = group


def _leave(group: _Group, region: str) -> None:
    """``region`` is no member any more; a group of one is a regional table again."""
    group.members.pop(region, None)
    _groups(_backend(group.account_id, region)).pop(group.name, None)
    if len(group.members) == 1:
        (last,) = group.members
        _groups(_backend(group.account_id, last)).pop(group.name, None)
        group.members.clear()


def _settle(group: _Group) -> None:
    """Complete the change in progress (gb): CREATING -> ACTIVE, DELETING -> gone."""
    group.updating_region = None
    for region, member in list(group.members.items()):
        if member.status == "CREATING":
            member.status = "ACTIVE"
        elif member.status == "DELETING":
            _backend(group.account_id, region).tables.pop(group.name, None)
            _leave(group, region)


# -- DescribeTable (ga, gb) ----------------------------------------------------------------


def _patch_describe() -> None:
    original_describe = Table.describe
    original_describe_table = DynamoDBBackend.describe_table

    def describe(self: Table, base_key: str = "TableDescription") -> dict[str, Any]:
        result = original_describe(self, base_key)
        group = _group_of(self)
        if group is None or self.region_name not in group.members:
            return result
        description = result[base_key]
        own = group.members[self.region_name]
        if own.status != "ACTIVE":
            description["TableStatus"] = own.status
        elif group.updating_region == self.region_name:
            description["TableStatus"] = "UPDATING"
        description["GlobalTableVersion"] = GLOBAL_TABLE_VERSION
        description["Replicas"] = [
            _replica_description(member)
            for region, member in group.members.items()
            if region != self.region_name
        ]
        return result

    def describe_table(self: DynamoDBBackend, name: str) -> dict[str, Any]:
        result = original_describe_table(self, name)
        table = self.tables.get(result["Table"]["TableName"])
        group = _group_of(table) if table is not None else None
        if group is not None and group.busy:
            _settle(group)  # this read showed the transition; the next one the outcome
        return result

    install(Table, describe)
    install(DynamoDBBackend, describe_table)


def _replica_description(member: _Member) -> dict[str, Any]:
    description: dict[str, Any] = {"RegionName": member.region, "ReplicaStatus": member.status}
    if member.kms_key_arn:
        description["KMSMasterKeyId"] = member.kms_key_arn
    return description


# -- UpdateTable (ga, gb) --------------------------------------------------------------------


def _patch_update_table() -> None:
    original = DynamoHandler.update_table

    def update_table(self: DynamoHandler) -> Any:
        backend = self.dynamodb_backend
        table = backend.get_table(self.body["TableName"])
        group = _group_of(table)
        updates = self.body.get("ReplicaUpdates")
        if updates:
            for update in updates:
                _replica_update(backend, table, update)
            return DynamoResult(table.describe())
        if group is not None:
            if group.busy:
                raise ResourceInUseException(IN_USE.format(name=table.name))
            stream = self.body.get("StreamSpecification") or {}
            if stream and not stream.get("StreamEnabled"):
                raise MockValidationException(STREAM_REQUIRED)
        return original(self)

    install(DynamoHandler, update_table)


def _replica_update(backend: DynamoDBBackend, table: Table, update: dict[str, Any]) -> None:
    (action, details), *_ = update.items() or [("", {})]
    details = details or {}
    region = details.get("RegionName", "")
    if action not in ("Create", "Delete", "Update"):
        raise MockValidationException(NO_ACTIONS)
    if action in ("Create", "Delete") and region == backend.region_name:
        raise MockValidationException(LOCAL_REGION)
    group = _group_of(table)
    if action == "Create":
        _create_replica(backend, table, group, region, details.get("KMSMasterKeyId"))
        return
    if group is None or region not in group.members:
        raise MockValidationException(NOT_A_MEMBER.format(region=region))
    if action == "Delete":
        _delete_replica(backend, table, group, region)
    elif set(details) <= {"RegionName"}:
        raise MockValidationException(NO_ACTIONS)
    elif group.busy:
        raise ResourceInUseException(IN_USE.format(name=table.name))


def _create_replica(
    backend: DynamoDBBackend,
    table: Table,
    group: _Group | None,
    region: str,
    key: str | None,
) -> None:
    account_id = backend.account_id
    if (group is not None and region in group.members) or table.name in _backend(
        account_id, region
    ).tables:
        raise MockValidationException(ALREADY_EXISTED.format(name=table.name))
    if group is not None and group.busy:
        raise ResourceInUseException(IN_USE.format(name=table.name))
    replica_key = _replica_key(table, region, key)
    if group is None:
        group = _Group(account_id=account_id, name=table.name)
        _join(group, _Member(region=backend.region_name, kms_key_arn=_customer_key(table)))
    if not (table.stream_specification or {}).get("StreamEnabled"):
        table.set_stream_specification(
            {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        )
    _backend(account_id, region).tables[table.name] = _replica_table(table, region, replica_key)
    _join(
        group,
        _Member(
            region=region,
            status="CREATING",
            kms_key_arn=replica_key if _customer_key(table) else None,
            source_region=backend.region_name,
        ),
    )
    group.updating_region = backend.region_name


def _delete_replica(backend: DynamoDBBackend, table: Table, group: _Group, region: str) -> None:
    if group.busy:
        raise ResourceInUseException(IN_USE.format(name=table.name))
    _check_source_rule(group, region)
    group.members[region].status = "DELETING"
    group.updating_region = backend.region_name


def _check_source_rule(group: _Group, region: str) -> None:
    """AWS keeps a table that created a replica less than 24 hours ago while that replica is
    a member."""
    now = time.time()
    for member in group.members.values():
        if member.source_region == region and now - member.added_at < SOURCE_RULE_SECONDS:
            raise MockValidationException(SOURCE_RULE)


def _replica_table(source: Table, region: str, key: str | None) -> Table:
    """The replica region's table: the source's schema and settings, its own identity, the
    same items (gc)."""
    replica = copy.copy(source)
    replica.region_name = region
    replica.table_arn = replica._generate_arn(source.name)
    replica.created_at = utcnow()
    replica.tags = []
    replica.deletion_protection_enabled = False
    replica.lambda_event_source_mappings = {}
    replica.continuous_backups = {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
    }
    for attribute in ("attr", "schema", "throughput", "warm_throughput", "ttl"):
        setattr(replica, attribute, copy.deepcopy(getattr(source, attribute)))
    replica.indexes = copy.deepcopy(source.indexes)
    replica.global_indexes = copy.deepcopy(source.global_indexes)
    replica.items = source.items  # one item store for every member (gc)
    replica.stream_shard = None
    replica.latest_stream_label = None
    replica.set_stream_specification(copy.deepcopy(source.stream_specification))
    sse = source.sse_specification
    if sse and sse.get("Enabled"):
        replica.sse_specification = {**sse, "KMSMasterKeyId": key}
        if key is None:
            replica.sse_specification["KMSMasterKeyId"] = replica._get_default_encryption_key(
                source.account_id, region
            )
    return replica


# -- keys ------------------------------------------------------------------------------------


def _kms(account_id: str, region: str) -> Any:
    from moto.kms.models import kms_backends

    return kms_backends[account_id][region]


def _customer_key(table: Table) -> str | None:
    """The customer managed key that encrypts ``table``, or None (AWS owned or managed)."""
    sse = table.sse_specification
    if not sse or not sse.get("Enabled") or not sse.get("KMSMasterKeyId"):
        return None
    kms = _kms(table.account_id, table.region_name)
    default = (
        kms.describe_key(DEFAULT_KEY_ALIAS).arn if kms.alias_exists(DEFAULT_KEY_ALIAS) else None
    )
    if sse["KMSMasterKeyId"] == default:
        return None
    return sse["KMSMasterKeyId"]


def _replica_key(table: Table, region: str, key: str | None) -> str | None:
    """The ARN of the key that will encrypt the replica in ``region`` (None: AWS's choice)."""
    if _customer_key(table) is None:
        return None
    if not key:
        raise MockValidationException(KEY_REQUIRED)
    if key.endswith(DEFAULT_KEY_ALIAS):
        raise MockValidationException(KEY_KINDS)
    if key.startswith("arn:"):
        key_region = key.split(":")[3]
        if key_region != region:
            raise MockValidationException(
                KMS_ERROR.format(
                    region=region, detail=f"NotFoundException: Invalid arn {key_region}"
                )
            )
    kms = _kms(table.account_id, region)
    try:
        return kms.describe_key(key).arn
    except Exception:  # moto's NotFoundException for an unknown id, alias or ARN
        arn = key
        if not key.startswith("arn:"):
            arn = f"arn:aws:kms:{region}:{table.account_id}:key/{key}"
        raise MockValidationException(
            KMS_ERROR.format(region=region, detail=f"NotFoundException: Key '{arn}' does not exist")
        ) from None


# -- DeleteTable -----------------------------------------------------------------------------


def _patch_delete_table() -> None:
    original = DynamoDBBackend.delete_table

    def delete_table(self: DynamoDBBackend, name: str) -> Table:
        table = self.get_table(name)
        group = _group_of(table)
        if group is None or self.region_name not in group.members:
            return original(self, name)
        own = group.members[self.region_name]
        if own.status == "DELETING":
            return table  # AWS: already DELETING, no error
        if own.status == "CREATING" or group.updating_region == self.region_name:
            raise ResourceInUseException(IN_USE.format(name=table.name))
        _check_source_rule(group, self.region_name)
        deleted = original(self, name)  # deletion protection is checked here
        _leave(group, self.region_name)
        return deleted

    install(DynamoDBBackend, delete_table)


# -- replication of items (gc) -----------------------------------------------------------------


def _patch_replication() -> None:
    original_add = StreamShard.add
    original_transact = DynamoDBBackend.transact_write_items

    def add(self: StreamShard, old: Any, new: Any) -> None:
        original_add(self, old, new)
        group = _group_of(self.table)
        if group is None:
            return
        for region in group.members:
            peer = _member_table(group, region)
            if peer is not None and peer is not self.table and peer.stream_shard is not None:
                original_add(peer.stream_shard, old, new)

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        try:
            original_transact(self, transact_items)
        except Exception:
            # moto rolls back by putting deep copies of the tables in place, with item stores
            # of their own: give the other members the restored store.
            for table in list(self.tables.values()):
                group = _group_of(table)
                for region in group.members if group is not None else ():
                    peer = _member_table(group, region)
                    if peer is not None and peer is not table:
                        peer.items = table.items
            raise

    install(StreamShard, add)
    install(DynamoDBBackend, transact_write_items)


# -- tags (gd) -------------------------------------------------------------------------------


def _patch_tags() -> None:
    def tag_resource(self: DynamoDBBackend, arn: str, tags: dict[str, str]) -> None:
        for table in self.tables.values():
            if table.table_arn == arn:
                kept = [tag for tag in table.tags if tag["Key"] not in tags]
                table.tags = kept + [{"Key": k, "Value": v} for k, v in tags.items()]

    install(DynamoDBBackend, tag_resource)
