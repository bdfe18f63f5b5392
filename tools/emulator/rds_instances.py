"""RDS DB instances in the "rds-replica" mode (an RDS PostgreSQL DB instance with a
cross-region read replica, failed over with PromoteReadReplica): what moto 5.2.5 gets wrong,
fixed as the RDS API Reference and the RDS User Guide document it.

(l) ``CreateDBInstanceReadReplica`` (User Guide, Working with DB instance read replicas).
    AWS: the replica is a new DB instance in the caller's region (a cross-region source is
    named by its ARN). It takes the source's engine, engine version, storage (size, type,
    IOPS, throughput), master user name, database name and encryption; everything else comes
    from the call or the region's defaults: instance class (the source's when omitted),
    Multi-AZ, subnet group, security groups, parameter and option groups (the source's in
    the same region, the engine's default ones across regions), monitoring, Performance
    Insights, log exports, IAM authentication, tags. An encrypted cross-region replica uses
    the ``KmsKeyId`` given for its region, a same-region one the source's key. Backups are
    disabled on a new replica (retention 0). ``ReadReplicaSourceDBInstanceIdentifier`` names
    the source as given, and the source lists the replica in
    ``ReadReplicaDBInstanceIdentifiers`` (by ARN across regions). Refused: a source without
    automated backups (InvalidDBInstanceState), and an encrypted source with a cross-region
    replica and no ``KmsKeyId`` (InvalidParameterCombination "Cannot create a cross region
    unencrypted read replica from encrypted source."). moto copies the source and sets the
    call's parameters one by one on a copy that keeps the source's region until the last
    one: a cross-region replica's ``DBSubnetGroupName`` is looked up in the source's region
    (DBSubnetGroupNotFoundFault, so the provider's create fails); the replica reports the
    source's log exports and Performance Insights; omitted settings keep the source's values
    and lists are shared with the source object; without a parameter group it keeps the
    source's, unknown in its region (HTTP 500 there); nothing is checked. Here the replica is
    built as a new DB instance, with the checks above. Still more lenient than AWS: it is
    "available" at once; ``PreSignedUrl``, ``SourceRegion`` and the KMS key are not checked;
    its backup and maintenance windows are the source's; replicas of replicas,
    ``ReplicaMode`` and ``SourceDBClusterIdentifier`` are not modelled.
(m) ``PromoteReadReplica`` and ``DeleteDBInstance`` (User Guide, Promoting a read replica;
    Considerations when deleting replicas). AWS: a promoted replica stands alone: it no
    longer reports its source and its source no longer lists it, wherever the two are;
    ``BackupRetentionPeriod`` / ``PreferredBackupWindow`` set its backups (documented
    default: 1 day). Unknown identifier: DBInstanceNotFound; not a replica:
    InvalidDBInstanceState. Deleting a replica removes it from its source's list; deleting a
    source promotes its same-region replicas and cuts the cross-region ones loose. moto only
    flips ``is_replica`` (both ends still linked, so a drill cannot observe the promotion;
    backup parameters ignored; an unknown identifier is HTTP 500; a non-replica is
    "promoted"), unlinks a deleted replica by identifier where a cross-region one is listed
    by ARN (HTTP 500 after the instance is gone: Terraform's destroy fails), and leaves the
    replicas of a deleted source pointing at it. Here both ends stay in step; without
    ``BackupRetentionPeriod`` a replica keeps an enabled retention or gets 1 day (keeping it
    is this emulator's reading of "Default: 1"). Still more lenient than AWS: promotion
    completes at once (AWS: "modifying" and a reboot first; wait for it as on AWS); the
    "backing-up" state that blocks a promotion is not modelled.
(n) DB parameter group parameters (DescribeDBParameters, ModifyDBParameterGroup,
    ResetDBParameterGroup). AWS: each parameter reports its ``Source`` ("user" once set with
    ModifyDBParameterGroup, else "engine-default" or "system"), the ``Source`` request
    parameter filters by it, and ``ResetDBParameterGroup`` returns the named parameters (or
    all) to their defaults and answers the group's name. moto reports no ``Source`` and
    ignores the filter; the Terraform provider (5.100.0) keeps only parameters with a
    ``Source``, so every plan after apply adds the ``parameter`` blocks of every
    ``aws_db_parameter_group`` again; ``ResetDBParameterGroup`` is HTTP 500, so removing a
    parameter cannot be applied. Here modified parameters are "user" and ``IsModifiable``,
    the filter applies and the reset works. Still more lenient than AWS: no engine defaults
    ("engine-default" and "system" parameters are never listed); names and values are not
    checked against the family (AWS: InvalidParameterValue); no ``ApplyType``, ``DataType``
    or ``AllowedValues``. DB *cluster* parameter groups are unchanged.
(o) ``DbiResourceId`` (API Reference, DBInstance): "the AWS Region-unique, immutable
    identifier for the DB instance" ("db-" and 26 upper-case letters and digits); the
    ``dbi-resource-id`` filter finds that one instance. moto gives every instance the same
    constant. The provider (5.100.0) uses it as an ``aws_db_instance``'s id and reads the
    instance back with that filter, so two instances in a region (a same-region replica, two
    stacks) are confused, and a primary and its replica share it (Performance Insights and
    Enhanced Monitoring name an instance by it). Here each new instance (Aurora members
    included) gets its own; snapshots keep their instance's, as in moto.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.rds.exceptions import (
    InvalidParameterCombination,
    InvalidParameterValue,
    RDSClientError,
)
from moto.rds.models import RDSBackend
from moto.rds.responses import RDSResponse

from tools.emulator.patching import install
from tools.emulator.rds_global import _regional_backends


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_instance_read_replicas()
    _patch_instance_replica_promotion_and_deletion()
    _patch_db_parameter_sources()
    _patch_instance_resource_ids()


def _replica_source(replica: Any) -> Any:
    """The DB instance ``replica`` replicates from (found by ARN in any region, or by identifier
    in the replica's region), or None when it no longer exists."""
    source_id = replica.source_db_instance_identifier or ""
    for backend in _regional_backends(replica.account_id):
        for candidate in list(backend.databases.values()):
            if candidate is not replica and (
                candidate.db_instance_arn == source_id
                or (
                    candidate.region == replica.region
                    and candidate.db_instance_identifier == source_id.lower()
                )
            ):
                return candidate
    return None


def _detach_replica(replica: Any) -> None:
    """End ``replica``'s replication: its source stops listing it (by identifier or ARN,
    whichever was recorded) and it no longer names a source."""
    source = _replica_source(replica)
    if source is not None:
        source.replicas[:] = [
            entry
            for entry in source.replicas
            if entry not in (replica.db_instance_identifier, replica.db_instance_arn)
        ]
    replica.is_replica = False
    replica.source_db_instance_identifier = None


def _patch_instance_read_replicas() -> None:
    """(l) A read replica is a new DB instance in the caller's region."""
    from moto.rds.exceptions import DBInstanceAlreadyExists
    from moto.rds.models import DBInstance

    def create_db_instance_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
        params = {key: value for key, value in dict(db_kwargs).items() if value is not None}
        identifier = params["db_instance_identifier"]
        source_id = params["source_db_instance_identifier"]
        if identifier in self.databases or identifier.lower() in self.databases:
            raise DBInstanceAlreadyExists()
        self._validate_db_identifier(identifier)
        source = self.find_db_from_id(source_id)  # DBInstanceNotFound when it does not exist
        same_region = source.region == self.region_name
        if not source.backup_retention_period:
            raise RDSClientError(
                "InvalidDBInstanceState",
                "Automated backups are not enabled for this database instance. To enable "
                "automated backups, use ModifyDBInstance to set the backup retention period "
                "to a non-zero value.",
            )
        if not same_region and source.storage_encrypted and not params.get("kms_key_id"):
            raise InvalidParameterCombination(
                "Cannot create a cross region unencrypted read replica from encrypted source."
            )
        settings: dict[str, Any] = {
            # Taken from the source.
            "engine": source.engine,
            "engine_version": source.engine_version,
            "allocated_storage": source.allocated_storage,
            "storage_type": source.storage_type,
            "iops": source.iops,
            "storage_throughput": source.storage_throughput,
            "master_username": source.master_username,
            "db_name": source.db_name,
            "character_set_name": source.character_set_name,
            "license_model": source.license_model,
            "port": source.port,
            "storage_encrypted": source.storage_encrypted,
            "db_instance_class": source.db_instance_class,
            "preferred_backup_window": source.preferred_backup_window,
            "preferred_maintenance_window": source.preferred_maintenance_window,
        }
        if same_region:
            settings.update(
                db_parameter_group_name=source.db_parameter_group_name,
                db_subnet_group_name=source._db_subnet_group_name,
            )
            if source.option_group_supplied:  # not moto's made-up default group name
                settings["option_group_name"] = source.option_group_name
            if source.storage_encrypted:
                settings["kms_key_id"] = source.kms_key_id
        for ignored in (
            "source_db_instance_identifier",
            "source_region",
            "pre_signed_url",
            "backup_retention_period",
            "master_user_password",
        ):
            params.pop(ignored, None)
        settings.update(params)
        settings.update(backup_retention_period=0, source_db_instance_identifier=source_id)
        if "preferred_maintenance_window" in settings:
            settings["preferred_maintenance_window"] = settings[
                "preferred_maintenance_window"
            ].lower()
        replica = DBInstance(self, **settings)
        replica.is_replica = True
        replica.replicas = []
        self.databases[identifier] = replica
        source.add_replica(replica)
        replica.add_event("DB_INSTANCE_CREATE")
        return replica

    install(RDSBackend, create_db_instance_read_replica)


def _patch_instance_replica_promotion_and_deletion() -> None:
    """(m) Promotion and deletion keep both ends of a replica's link in step."""
    from moto.rds.exceptions import DBInstanceNotFoundError

    original_delete = RDSBackend.delete_db_instance

    def promote_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
        identifier = db_kwargs["db_instance_identifier"]
        database = self.databases.get(identifier) or self.databases.get(identifier.lower())
        if database is None:
            raise DBInstanceNotFoundError(identifier)
        if not database.is_replica:
            raise RDSClientError(
                "InvalidDBInstanceState", f"DB Instance {identifier} is not a read replica."
            )
        retention = db_kwargs.get("backup_retention_period")
        window = db_kwargs.get("preferred_backup_window")
        if window:
            from moto.rds.utils import valid_preferred_maintenance_window

            message = valid_preferred_maintenance_window(
                database.preferred_maintenance_window, window
            )
            if message:
                raise InvalidParameterValue(message)
            database.preferred_backup_window = window
        _detach_replica(database)
        if retention is not None:
            database.backup_retention_period = int(retention)
        elif not database.backup_retention_period:
            database.backup_retention_period = 1
        return database

    def delete_db_instance(
        self: RDSBackend, db_instance_identifier: str, *args: Any, **kwargs: Any
    ) -> Any:
        database = self.databases.get(db_instance_identifier)
        if database is None or database.deletion_protection:
            # moto's own answers: DBInstanceNotFound, or the deletion-protection refusal.
            return original_delete(self, db_instance_identifier, *args, **kwargs)
        # moto's own unlinking (by identifier only, so it fails for a cross-region replica)
        # must not run; the links are cut here once moto has deleted the instance.
        is_replica = database.is_replica
        orphans = [
            candidate
            for backend in _regional_backends(self.account_id)
            for candidate in list(backend.databases.values())
            if candidate.is_replica and _replica_source(candidate) is database
        ]
        database.is_replica = False
        try:
            deleted = original_delete(self, db_instance_identifier, *args, **kwargs)
        finally:
            database.is_replica = is_replica
        if is_replica:
            _detach_replica(database)
        for replica in orphans:  # the source is gone: its replicas stand alone
            _detach_replica(replica)
        return deleted

    install(RDSBackend, promote_read_replica, delete_db_instance)


def _patch_db_parameter_sources() -> None:
    """(n) DB parameters report their ``Source``; ``ResetDBParameterGroup``."""
    from moto.rds.exceptions import DBParameterGroupNotFoundError

    def find_group(backend: RDSBackend, name: str | None) -> Any:
        group = backend.db_parameter_groups.get((name or "").lower())
        if group is None:
            raise DBParameterGroupNotFoundError(name)
        return group

    def describe_db_parameters_response(self: RDSResponse) -> ActionResult:
        group = find_group(self.backend, self.params.get("DBParameterGroupName"))
        source = self.params.get("Source")
        parameters = [
            {"ParameterName": name, **values, "Source": "user", "IsModifiable": True}
            for name, values in group.parameters.items()
        ]
        if source:
            parameters = [parameter for parameter in parameters if parameter["Source"] == source]
        return ActionResult({"Parameters": parameters})

    def reset_db_parameter_group_response(self: RDSResponse) -> ActionResult:
        group = find_group(self.backend, self.params.get("DBParameterGroupName"))
        if self.params.get("ResetAllParameters"):
            group.parameters.clear()
        for parameter in self.params.get("Parameters") or []:
            group.parameters.pop(parameter.get("ParameterName"), None)
        return ActionResult({"DBParameterGroupName": group.name})

    install(RDSResponse, describe_db_parameters_response, reset_db_parameter_group_response)


def _patch_instance_resource_ids() -> None:
    """(o) Every DB instance gets its own ``DbiResourceId``."""
    import string

    from moto.moto_api._internal import mock_random
    from moto.rds.models import DBInstance

    original_init = DBInstance.__init__
    alphabet = string.ascii_uppercase + string.digits

    def init(self: DBInstance, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.dbi_resource_id = "db-" + "".join(mock_random.choice(alphabet) for _ in range(26))

    DBInstance.__init__ = init  # type: ignore[method-assign]
