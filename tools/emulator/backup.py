"""AWS Backup: what moto 5.2.5 gets wrong on the stack's path (vaults in both regions, a
plan with a cross-region copy, the selection assigning the database to it), fixed as the AWS
Backup API Reference documents it.

(p) Backup selections (CreateBackupSelection, GetBackupSelection, ListBackupSelections,
    DeleteBackupSelection, DeleteBackupPlan). AWS: a selection assigns resources to a plan
    (``SelectionName`` and ``IamRoleArn`` required; ``Resources``, ``NotResources``,
    ``ListOfTags``, ``Conditions``). Create answers ``SelectionId``, ``BackupPlanId``,
    ``CreationDate``; Get the ``BackupSelection`` document with those and
    ``CreatorRequestId``; List a paged ``BackupSelectionsList``; Delete nothing. An unknown
    plan or selection is ResourceNotFoundException; a selection with neither ``Resources``
    nor ``ListOfTags`` is InvalidParameterValueException ("Invalid backup selection. Either
    'ListOfTags' or 'Resources' section must be non-empty.", as Terraform users report it);
    a plan cannot be deleted while it has selections (InvalidRequestException "Related
    backup plan selections must be deleted prior to backup plan deletion"; the provider
    5.100.0 retries on it for 2 minutes). moto has none of the four actions (HTTP 500: the
    provider retries the create for minutes, then fails) and deletes a plan that has
    selections. Here selections are kept on moto's plan and served through moto's own route
    (``/backup/plans/(?P<name>.+)/?$`` matches every selection path; the service model picks
    the action from method and path); Get reports empty lists for what was not given, and
    all four ``Conditions`` lists. Still more lenient than AWS: a deleted plan counts as
    unknown (AWS may answer InvalidParameterValueException; the provider treats both as
    gone); the role is not checked; ``CreatorRequestId`` gives no idempotency; names need not
    be unique; ``SelectionId`` is a UUID; other error messages are not AWS's wording.
(q) Tags of vaults and plans (ListTags, DeleteBackupVault). AWS: ``ListTags`` answers the
    tags of the vault or plan the ARN names; a deleted vault's tags go with it. moto takes
    the ARN from the second-to-last path segment, right only with the trailing slash boto3
    sends and the provider 5.100.0 (aws-sdk-go-v2) does not: it answers no tags, so every
    plan after apply adds the ``default_tags`` again; and it keeps a deleted vault's tags.
    Here the ARN is the ``resourceArn`` the service model matched. Unknown ARNs still answer
    no tags (AWS: ResourceNotFoundException), as in moto.
(r) ``ListRecoveryPointsByBackupVault``, which the provider calls to destroy a vault with
    ``force_destroy``. AWS: the vault's ``RecoveryPoints`` (and a ``NextToken``); an unknown
    vault is ResourceNotFoundException. The path matches none of moto's routes (a bare HTTP
    404 page), so that destroy fails ("deserialization failed"). Here it is routed and
    answers no recovery points: moto runs no backup jobs. Filters and paging are accepted.
(s) ``UpdateBackupPlan``, which the provider calls for any change of a plan's rules. AWS:
    replaces the plan's document and makes a new version (a new ``VersionId``, same ID and
    ARN), answering ``BackupPlanId``, ``BackupPlanArn``, ``CreationDate``, ``VersionId`` and
    ``AdvancedBackupSettings``; an unknown or deleted plan is ResourceNotFoundException. moto:
    HTTP 500, which the provider retries, so a changed retention hangs ``terraform apply``
    for minutes before it fails. Here the new document gets moto's rule defaults as at
    creation. Still more lenient than AWS: older versions are not kept, and the document is
    checked only as moto checks it at creation.
(t) Plan names (CreateBackupPlan, DeleteBackupPlan). AWS: a deleted plan is listed only with
    ``IncludeDeleted``, and creation refuses (AlreadyExistsException) only a duplicate of an
    existing plan, so a destroyed stack can be deployed again. moto refuses any new plan whose
    name a deleted plan had. Here only live plans count. Still stricter than AWS: a second
    live plan of the same name is refused even with another document.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from moto.core.responses import ActionResult, EmptyResult

from tools.emulator.patching import install


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_backup_selections()
    _patch_backup_tags()
    _patch_backup_vault_recovery_points()
    _patch_backup_plan_update()
    _patch_backup_plan_names()


def _backup_plan(backend: Any, plan_id: str) -> Any:
    """The backup plan ``plan_id`` of ``backend`` unless it is unknown or deleted."""
    from moto.backup.exceptions import ResourceNotFoundException

    plan = backend.plans.get(plan_id)
    if plan is None or plan.deletion_date is not None:
        # moto's own message for an unknown plan (GetBackupPlan / DeleteBackupPlan).
        raise ResourceNotFoundException(msg="Failed reading Backup plan with provided version")
    return plan


def _backup_selections(plan: Any) -> dict[str, dict[str, Any]]:
    """The selections of a backup plan (selection ID -> record), kept on moto's plan."""
    return plan.__dict__.setdefault("selections", {})


def _patch_backup_selections() -> None:
    """(p) Backup selections; a plan that has some cannot be deleted."""
    from moto.backup.exceptions import (
        InvalidParameterValueException,
        InvalidRequestException,
        ResourceNotFoundException,
    )
    from moto.backup.models import BackupBackend
    from moto.backup.responses import BackupResponse
    from moto.core.utils import unix_time
    from moto.moto_api._internal import mock_random

    original_delete_plan = BackupBackend.delete_backup_plan
    condition_keys = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")

    def create_backup_selection(
        self: BackupBackend,
        backup_plan_id: str,
        backup_selection: dict[str, Any],
        creator_request_id: str | None,
    ) -> dict[str, Any]:
        plan = _backup_plan(self, backup_plan_id)
        selection = dict(backup_selection or {})
        for key in ("SelectionName", "IamRoleArn"):
            if not selection.get(key):
                raise InvalidParameterValueException(msg=f"{key} must not be empty.")
        if not selection.get("Resources") and not selection.get("ListOfTags"):
            raise InvalidParameterValueException(
                msg="Invalid backup selection. Either 'ListOfTags' or 'Resources' section must "
                "be non-empty."
            )
        conditions = selection.get("Conditions") or {}
        document = {
            "SelectionName": selection["SelectionName"],
            "IamRoleArn": selection["IamRoleArn"],
            "Resources": list(selection.get("Resources") or []),
            "ListOfTags": [dict(tag) for tag in selection.get("ListOfTags") or []],
            "NotResources": list(selection.get("NotResources") or []),
            "Conditions": {
                key: [dict(c) for c in conditions.get(key) or []] for key in condition_keys
            },
        }
        record = {
            "SelectionId": str(mock_random.uuid4()),
            "BackupPlanId": plan.backup_plan_id,
            "CreationDate": unix_time(),
            "CreatorRequestId": creator_request_id,
            "BackupSelection": document,
        }
        _backup_selections(plan)[record["SelectionId"]] = record
        return record

    def get_backup_selection(
        self: BackupBackend, backup_plan_id: str, selection_id: str
    ) -> dict[str, Any]:
        record = _backup_selections(_backup_plan(self, backup_plan_id)).get(selection_id)
        if record is None:
            raise ResourceNotFoundException(
                msg=f"Backup selection {selection_id} not found in backup plan {backup_plan_id}"
            )
        return record

    def delete_backup_selection(
        self: BackupBackend, backup_plan_id: str, selection_id: str
    ) -> None:
        get_backup_selection(self, backup_plan_id, selection_id)
        del _backup_selections(self.plans[backup_plan_id])[selection_id]

    def list_backup_selections(self: BackupBackend, backup_plan_id: str) -> list[dict[str, Any]]:
        return list(_backup_selections(_backup_plan(self, backup_plan_id)).values())

    def delete_backup_plan(self: BackupBackend, backup_plan_id: str) -> Any:
        plan = self.plans.get(backup_plan_id)
        if plan is not None and plan.deletion_date is None and _backup_selections(plan):
            raise InvalidRequestException(
                msg="Related backup plan selections must be deleted prior to backup plan deletion"
            )
        return original_delete_plan(self, backup_plan_id)

    def uri_parameter(response: BackupResponse, name: str) -> str:
        from urllib.parse import unquote

        response._get_action()  # matches the path and fills uri_match
        return unquote(response.uri_match[name])

    def without_none(record: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in record.items() if value is not None}

    def create_backup_selection_response(self: BackupResponse) -> ActionResult:
        body = json.loads(self.body) if self.body else {}
        record = self.backup_backend.create_backup_selection(
            backup_plan_id=uri_parameter(self, "backupPlanId"),
            backup_selection=body.get("BackupSelection") or {},
            creator_request_id=body.get("CreatorRequestId"),
        )
        return ActionResult(
            {key: record[key] for key in ("SelectionId", "BackupPlanId", "CreationDate")}
        )

    def get_backup_selection_response(self: BackupResponse) -> ActionResult:
        record = self.backup_backend.get_backup_selection(
            backup_plan_id=uri_parameter(self, "backupPlanId"),
            selection_id=uri_parameter(self, "selectionId"),
        )
        return ActionResult(without_none(copy.deepcopy(record)))

    def delete_backup_selection_response(self: BackupResponse) -> EmptyResult:
        self.backup_backend.delete_backup_selection(
            backup_plan_id=uri_parameter(self, "backupPlanId"),
            selection_id=uri_parameter(self, "selectionId"),
        )
        return EmptyResult()

    def list_backup_selections_response(self: BackupResponse) -> ActionResult:
        records = self.backup_backend.list_backup_selections(
            backup_plan_id=uri_parameter(self, "backupPlanId")
        )
        members = [
            without_none(
                {
                    "SelectionId": record["SelectionId"],
                    "SelectionName": record["BackupSelection"]["SelectionName"],
                    "BackupPlanId": record["BackupPlanId"],
                    "CreationDate": record["CreationDate"],
                    "CreatorRequestId": record["CreatorRequestId"],
                    "IamRoleArn": record["BackupSelection"]["IamRoleArn"],
                }
            )
            for record in records
        ]
        # Pages as AWS does (MaxResults 1-1000, an opaque NextToken); the token here is the
        # offset of the next member.
        try:
            start = int((self.querystring.get("nextToken") or ["0"])[0] or 0)
            size = int((self.querystring.get("maxResults") or ["1000"])[0] or 1000)
        except ValueError:
            raise InvalidParameterValueException(msg="Invalid NextToken or MaxResults.") from None
        if start < 0 or not 1 <= size <= 1000:
            raise InvalidParameterValueException(msg="Invalid NextToken or MaxResults.")
        page: dict[str, Any] = {"BackupSelectionsList": members[start : start + size]}
        if start + size < len(members):
            page["NextToken"] = str(start + size)
        return ActionResult(page)

    install(
        BackupBackend,
        create_backup_selection,
        get_backup_selection,
        delete_backup_selection,
        list_backup_selections,
        delete_backup_plan,
    )
    install(
        BackupResponse,
        create_backup_selection_response,
        get_backup_selection_response,
        delete_backup_selection_response,
        list_backup_selections_response,
    )


def _patch_backup_tags() -> None:
    """(q) ``ListTags`` by the ARN the path names; a deleted vault's tags go with it."""
    from moto.backup.models import BackupBackend
    from moto.backup.responses import BackupResponse

    original_delete_vault = BackupBackend.delete_backup_vault

    def list_tags(self: BackupResponse) -> str:
        from urllib.parse import unquote

        self._get_action()  # matches the path and fills uri_match
        arn = unquote(self.uri_match["resourceArn"])
        return json.dumps({"Tags": self.backup_backend.list_tags(resource_arn=arn)})

    def delete_backup_vault(self: BackupBackend, backup_vault_name: str) -> None:
        vault = self.vaults.get(backup_vault_name)
        original_delete_vault(self, backup_vault_name)
        if vault is not None:
            self.tagger.delete_all_tags_for_resource(vault.backup_vault_arn)

    install(BackupResponse, list_tags)
    install(BackupBackend, delete_backup_vault)


def _patch_backup_vault_recovery_points() -> None:
    """(r) ``ListRecoveryPointsByBackupVault``, routed and answered."""
    from moto.backup import urls as backup_urls
    from moto.backup.models import BackupBackend
    from moto.backup.responses import BackupResponse

    # Read when the server builds its backup app (lazily, at the first backup request), so
    # this must run before any Emulator serves a backup request in this process. Written
    # with the trailing slash, the Flask rule matches the path with it (boto3) and without
    # it (the Terraform provider); moto turns "/?$" into a rule that matches only the latter.
    backup_urls.url_paths.setdefault(
        "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$", backup_urls.response.dispatch
    )

    def list_recovery_points_by_backup_vault(self: BackupResponse) -> ActionResult:
        from urllib.parse import unquote

        self._get_action()  # matches the path and fills uri_match
        name = unquote(self.uri_match["backupVaultName"])
        backend: BackupBackend = self.backup_backend
        backend.describe_backup_vault(name)  # ResourceNotFoundException when unknown
        return ActionResult({"RecoveryPoints": []})

    install(BackupResponse, list_recovery_points_by_backup_vault)


def _patch_backup_plan_update() -> None:
    """(s) ``UpdateBackupPlan``: a new document and a new version."""
    from moto.backup.models import BackupBackend, Plan
    from moto.backup.responses import BackupResponse

    def update_backup_plan(
        self: BackupBackend, backup_plan_id: str, backup_plan: dict[str, Any]
    ) -> Any:
        plan = _backup_plan(self, backup_plan_id)
        # A new Plan applies moto's rule defaults and draws a new version ID; the plan keeps
        # its identity (ID, ARN, creation date, tags, selections).
        revised = Plan(
            backup_plan=copy.deepcopy(backup_plan),
            creator_request_id=plan.creator_request_id,
            backend=self,
        )
        plan.backup_plan = revised.backup_plan
        plan.advanced_backup_settings = revised.advanced_backup_settings
        plan.version_id = revised.version_id
        return plan

    def update_backup_plan_response(self: BackupResponse) -> str:
        from urllib.parse import unquote

        self._get_action()  # matches the path and fills uri_match
        body = json.loads(self.body) if self.body else {}
        plan = self.backup_backend.update_backup_plan(
            backup_plan_id=unquote(self.uri_match["backupPlanId"]),
            backup_plan=body.get("BackupPlan") or {},
        )
        return json.dumps(plan.to_dict())  # what CreateBackupPlan answers, as moto builds it

    install(BackupBackend, update_backup_plan)
    install(BackupResponse, update_backup_plan_response)


def _patch_backup_plan_names() -> None:
    """(t) A deleted plan does not keep its name from a new plan."""
    from moto.backup.exceptions import AlreadyExistsException
    from moto.backup.models import BackupBackend, Plan

    def create_backup_plan(
        self: BackupBackend,
        backup_plan: dict[str, Any],
        backup_plan_tags: dict[str, str],
        creator_request_id: str,
    ) -> Any:
        # moto's own body, with the name check limited to plans that are not deleted.
        name = backup_plan["BackupPlanName"]
        if any(
            plan.backup_plan["BackupPlanName"] == name and plan.deletion_date is None
            for plan in list(self.plans.values())
        ):
            raise AlreadyExistsException(
                msg="Backup plan with the same plan document already exists"
            )
        plan = Plan(backup_plan=backup_plan, creator_request_id=creator_request_id, backend=self)
        if backup_plan_tags:
            self.tag_resource(plan.backup_plan_arn, backup_plan_tags)
        self.plans[plan.backup_plan_id] = plan
        return plan

    install(BackupBackend, create_backup_plan)
