"""RDS DB instance fixes for the rds-replica mode (patches l-o): cross-region read
replicas, promotion and deletion, DB parameter group parameters, resource IDs.

Each patch's docstring says what AWS does and what moto gets wrong."""

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

from tools.emulator.rds_global import _regional_backends


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
    """l. Read replicas of RDS DB instances (``CreateDBInstanceReadReplica``).

    AWS (RDS API Reference, CreateDBInstanceReadReplica; RDS User Guide, Working with DB
    instance read replicas): the replica is a new DB instance in the *caller's* region. A
    cross-region source must be named by its ARN. The replica takes the source's engine,
    engine version, storage (allocated size, type, IOPS, throughput), master user name,
    database name and encryption; everything else comes from the call or the region's
    defaults: instance class (the source's when omitted), Multi-AZ, subnet group, VPC security
    groups, parameter group (the source's for a same-region replica, the engine's default
    one for a cross-region replica), option group (likewise), monitoring, Performance
    Insights, CloudWatch Logs exports, IAM authentication, tags. An encrypted cross-region
    replica is encrypted with the ``KmsKeyId`` given for its own region; a same-region replica
    uses the source's key. Automated backups are disabled on a new replica
    (``BackupRetentionPeriod`` 0: they are turned on afterwards with ModifyDBInstance).
    ``ReadReplicaSourceDBInstanceIdentifier`` names the source as given (its ARN across
    regions), and the source lists the replica in ``ReadReplicaDBInstanceIdentifiers`` (its
    ARN across regions). The source must have automated backups enabled
    (InvalidDBInstanceState), and an encrypted source with a replica in another region without
    ``KmsKeyId`` is refused (InvalidParameterCombination "Cannot create a cross region
    unencrypted read replica from encrypted source.").
    moto gets wrong: it shallow-copies the source object and then sets the call's parameters
    on the copy one by one. The copy keeps the source's *region* until the last parameter
    (its backend) is set, so a cross-region replica's ``DBSubnetGroupName`` is looked up in
    the source's region and the call fails with DBSubnetGroupNotFoundFault (the Terraform
    provider's create fails). ``EnableCloudwatchLogsExports`` and
    ``EnablePerformanceInsights`` are stored under names moto never reads, so the replica
    reports the *source's* log exports and Performance Insights switch; settings the call
    leaves out keep the source's values (IAM authentication, Performance Insights key of
    another region, copy-tags, backup retention, storage autoscaling limit, events) and lists
    (security groups, log exports) are shared with the source object; when the call names no
    parameter group the replica keeps the source's, which does not exist in its region (the
    call, and every later DescribeDBInstances there, answers HTTP 500). No check of the source's
    backups or of cross-region encryption is made.
    Here the replica is built as a new DB instance from the inherited settings and the call's
    parameters, with the checks above.
    Still more lenient than AWS: the replica is "available" at once; ``PreSignedUrl`` and
    ``SourceRegion`` are not checked; the KMS key is not checked to exist in the replica's
    region; the replica's backup and maintenance windows are the source's (AWS picks new ones
    in the replica's region); replicas of replicas, ``ReplicaMode`` and
    ``SourceDBClusterIdentifier`` are not modelled.
    """
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

    RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica  # type: ignore[method-assign]


def _patch_instance_replica_promotion_and_deletion() -> None:
    """m. Promoting and deleting DB instance read replicas, and deleting their source.

    AWS (RDS API Reference, PromoteReadReplica / DeleteDBInstance; RDS User Guide, Promoting a
    read replica): ``PromoteReadReplica`` makes a read replica a standalone DB instance:
    replication stops, the instance no longer reports ``ReadReplicaSourceDBInstanceIdentifier``
    and its source no longer lists it in ``ReadReplicaDBInstanceIdentifiers``, wherever the
    two are. ``BackupRetentionPeriod`` / ``PreferredBackupWindow`` set the promoted instance's
    backups (documented default: 1 day). An unknown identifier is DBInstanceNotFound, an
    instance that is not a read replica InvalidDBInstanceState. Deleting a read replica
    removes it from its source's list, in any region. Deleting a source does not delete its
    replicas: a replica in the same region is promoted to a standalone instance (User Guide,
    "Considerations when deleting replicas"); a cross-region replica loses its source too.
    moto gets wrong: ``promote_read_replica`` only flips ``is_replica``: the promoted instance
    still reports its source and the source still lists it (a drill cannot observe the
    promotion), the backup settings of the call are ignored, an unknown identifier is a
    KeyError (HTTP 500) and a non-replica is "promoted" silently. ``delete_db_instance``
    removes a replica from its source's list *by identifier*, while a cross-region replica is
    listed by ARN: deleting any cross-region replica fails with a ValueError (HTTP 500) after
    the instance was already removed (Terraform's destroy fails, and its retry sees "not
    found"). Deleting a source leaves its replicas pointing at a deleted instance, so deleting
    them later fails with DBInstanceNotFound.
    Here promotion and deletion keep both ends of the link in step as AWS reports them. When
    ``BackupRetentionPeriod`` is omitted, a replica whose backups are already enabled keeps its
    retention and one with backups disabled gets the documented default of 1 day (AWS
    documents only "Default: 1"; keeping a configured retention is this emulator's reading).
    Still more lenient than AWS: promotion completes at once (on AWS the instance goes
    through "modifying" and a reboot before it is "available" again; wait for it as on AWS);
    the "backing-up" state that blocks a promotion is not modelled.
    """
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

    RDSBackend.promote_read_replica = promote_read_replica  # type: ignore[method-assign]
    RDSBackend.delete_db_instance = delete_db_instance  # type: ignore[method-assign]


def _patch_db_parameter_sources() -> None:
    """n. The parameters of a DB parameter group, as ``aws_db_parameter_group`` reads them.

    AWS (RDS API Reference, DescribeDBParameters / ModifyDBParameterGroup /
    ResetDBParameterGroup): every parameter reports its ``Source``: "user" once it was set with
    ModifyDBParameterGroup, "engine-default" or "system" otherwise; the ``Source`` request
    parameter returns only the parameters of that source. ``ResetDBParameterGroup`` returns
    the parameters it names (``ResetAllParameters``: all of them) to their defaults, so they
    are no longer "user" parameters; it answers with the group's name.
    moto gets wrong: DescribeDBParameters reports the parameters set with
    ModifyDBParameterGroup without any ``Source`` and ignores the ``Source`` filter. The
    Terraform provider (5.100.0) keeps only parameters whose ``Source`` is reported, so its
    state never holds the group's parameters and every plan after apply wants to add all of
    them again (the ``parameter`` blocks of every ``aws_db_parameter_group``).
    ``ResetDBParameterGroup`` is not implemented (HTTP 500), so removing a parameter from the
    configuration cannot be applied.
    Here the parameters set through ModifyDBParameterGroup report ``Source`` "user" and
    ``IsModifiable`` true, the ``Source`` filter applies, and ResetDBParameterGroup removes the
    named (or all) parameters from the group's "user" parameters.
    Still more lenient than AWS: moto knows no engine defaults, so "engine-default" and
    "system" parameters are never listed (the provider needs only the "user" ones); parameter
    names and values are not checked against the family (AWS refuses unknown names with
    InvalidParameterValue); ``ApplyType``/``DataType``/``AllowedValues`` are not reported.
    DB *cluster* parameter groups are unchanged.
    """
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

    RDSResponse.describe_db_parameters = describe_db_parameters_response  # type: ignore[method-assign]
    RDSResponse.reset_db_parameter_group = reset_db_parameter_group_response  # type: ignore[attr-defined]


def _patch_instance_resource_ids() -> None:
    """o. Every DB instance has its own ``DbiResourceId``.

    AWS (RDS API Reference, DBInstance): ``DbiResourceId`` is "the AWS Region-unique,
    immutable identifier for the DB instance" ("db-" and 26 upper-case letters and digits);
    ``DescribeDBInstances`` with the ``dbi-resource-id`` filter returns that one instance.
    moto gets wrong: every DB instance gets the same constant (``db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U``).
    The Terraform provider (5.100.0) uses the resource ID as the ``id`` of an
    ``aws_db_instance`` and reads the instance back with the ``dbi-resource-id`` filter, so
    with two instances in one region (a same-region replica, or two stacks) every read
    matches both; and a primary and its replica share an ID (Performance Insights and
    Enhanced Monitoring name an instance by it).
    Here each new DB instance (replicas and Aurora cluster instances included) gets its own
    random ID of AWS's form; snapshots keep the ID of the instance they were taken from, as
    moto already does.
    """
    import string

    from moto.moto_api._internal import mock_random
    from moto.rds.models import DBInstance

    original_init = DBInstance.__init__
    alphabet = string.ascii_uppercase + string.digits

    def init(self: DBInstance, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.dbi_resource_id = "db-" + "".join(mock_random.choice(alphabet) for _ in range(26))

    DBInstance.__init__ = init  # type: ignore[method-assign]
