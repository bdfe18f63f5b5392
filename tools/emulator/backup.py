"""AWS Backup fixes (patches p-t): selections, tags, recovery points, plan updates and names.

Each patch's docstring says what AWS does and what moto gets wrong."""

from __future__ import annotations

import copy
import json
from typing import Any

from moto.core.responses import ActionResult, EmptyResult


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
    """p. AWS Backup selections (``aws_backup_selection``).

    AWS (AWS Backup API Reference, CreateBackupSelection / GetBackupSelection /
    DeleteBackupSelection / ListBackupSelections / DeleteBackupPlan): a backup selection
    assigns resources to a backup plan. ``CreateBackupSelection`` (PUT
    /backup/plans/{id}/selections/) takes ``BackupSelection`` (``SelectionName`` and
    ``IamRoleArn`` required; ``Resources``, ``NotResources``, ``ListOfTags``, ``Conditions``)
    and answers ``SelectionId``, ``BackupPlanId``, ``CreationDate``. ``GetBackupSelection``
    (GET .../selections/{selectionId}) answers the ``BackupSelection`` document with
    ``SelectionId``, ``BackupPlanId``, ``CreationDate``, ``CreatorRequestId``;
    ``ListBackupSelections`` (GET .../selections/) answers ``BackupSelectionsList`` (ID, name,
    plan ID, creation date, role, CreatorRequestId of each); ``DeleteBackupSelection`` (DELETE
    .../selections/{selectionId}) answers nothing. An unknown plan or selection is
    ResourceNotFoundException (HTTP 400). A selection that names no resource (neither
    ``Resources`` nor ``ListOfTags``) is refused with InvalidParameterValueException
    ("Invalid backup selection. Either 'ListOfTags' or 'Resources' section must be
    non-empty.", AWS's message as reported by Terraform users). "A backup plan can only be
    deleted after all associated selections of resources have been deleted"
    (DeleteBackupPlan): until then it is InvalidRequestException "Related backup plan
    selections must be deleted prior to backup plan deletion" (AWS's message; the Terraform
    provider 5.100.0 retries ``aws_backup_plan`` deletion on it for 2 minutes).
    moto gets wrong: none of the four selection actions exists (HTTP 500 "not implemented";
    the provider retries the create for minutes and then fails), and DeleteBackupPlan
    deletes a plan that still has selections.
    Here selections are kept on moto's plan; the four actions are served through moto's own
    route (``/backup/plans/(?P<name>.+)/?$`` already matches every selection path, and the
    action is chosen from the method and path by the service model), and DeleteBackupPlan
    refuses while selections remain. ``GetBackupSelection`` reports ``Resources``,
    ``NotResources`` and ``ListOfTags`` (empty lists when not given) and all four
    ``Conditions`` lists, as AWS does for a selection made by ARN.
    Still more lenient than AWS: a deleted plan counts as unknown (AWS may answer
    InvalidParameterValueException "Cannot find Backup plan ..." for it; the provider treats
    both as "gone"); the role is not checked to exist or to be assumable by AWS Backup;
    ``CreatorRequestId`` is recorded but not used for idempotency; selection names are not
    checked for uniqueness; ``SelectionId`` is a UUID, not necessarily AWS's format; error
    messages other than the two quoted are not AWS's wording.
    """
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

    BackupBackend.create_backup_selection = create_backup_selection  # type: ignore[attr-defined]
    BackupBackend.get_backup_selection = get_backup_selection  # type: ignore[attr-defined]
    BackupBackend.delete_backup_selection = delete_backup_selection  # type: ignore[attr-defined]
    BackupBackend.list_backup_selections = list_backup_selections  # type: ignore[attr-defined]
    BackupBackend.delete_backup_plan = delete_backup_plan  # type: ignore[method-assign]
    # moto dispatches an action to the BackupResponse method of the same name in snake_case.
    BackupResponse.create_backup_selection = create_backup_selection_response  # type: ignore[attr-defined]
    BackupResponse.get_backup_selection = get_backup_selection_response  # type: ignore[attr-defined]
    BackupResponse.delete_backup_selection = delete_backup_selection_response  # type: ignore[attr-defined]
    BackupResponse.list_backup_selections = list_backup_selections_response  # type: ignore[attr-defined]


def _patch_backup_tags() -> None:
    """q. Tags of AWS Backup vaults and plans, as the Terraform provider reads them.

    AWS (AWS Backup API Reference, ListTags / DeleteBackupVault): ``ListTags``
    (GET /tags/{resourceArn}/) answers the tags of the vault or plan the ARN names; a deleted
    vault's tags go with it (a vault created later under the same name starts untagged).
    moto gets wrong: its ``list_tags`` takes the ARN from the second-to-last path segment,
    which works only when the request path ends with the model's trailing slash. boto3 sends
    it, the Terraform provider 5.100.0 (aws-sdk-go-v2) does not: moto then looks up the tags
    of the resource "tags" and answers none, so every plan after apply wants to add the
    ``default_tags`` to every vault and plan (``tags_all``). ``DeleteBackupVault`` keeps the
    deleted vault's tags.
    Here the ARN is the ``resourceArn`` the service model matched in the path, whichever form
    the path has, and a deleted vault's tags are dropped. Unknown ARNs still answer no tags
    (AWS: ResourceNotFoundException), as in moto.
    """
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

    BackupResponse.list_tags = list_tags  # type: ignore[method-assign]
    BackupBackend.delete_backup_vault = delete_backup_vault  # type: ignore[method-assign]


def _patch_backup_vault_recovery_points() -> None:
    """r. ``ListRecoveryPointsByBackupVault``, which ``aws_backup_vault`` calls to be destroyed.

    AWS (AWS Backup API Reference, ListRecoveryPointsByBackupVault): GET
    /backup-vaults/{backupVaultName}/recovery-points/ answers the vault's ``RecoveryPoints``
    (and a ``NextToken`` when there are more); an unknown vault is ResourceNotFoundException.
    The Terraform provider (5.100.0) lists them when it deletes a vault with
    ``force_destroy``, to delete each recovery point before the vault.
    moto gets wrong: the path matches none of moto's backup routes, so the server answers a
    bare HTTP 404 page and ``terraform destroy`` of every ``force_destroy`` vault fails
    ("listing Backup Vault (...) recovery points: ... deserialization failed").
    Here the path is routed to moto's backup handler and the action answers the vault's
    recovery points: always none, since moto runs no backup jobs (it has no
    StartBackupJob and no recovery points). Filters and paging parameters are accepted and
    have nothing to filter.
    """
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

    BackupResponse.list_recovery_points_by_backup_vault = list_recovery_points_by_backup_vault  # type: ignore[attr-defined]


def _patch_backup_plan_update() -> None:
    """s. ``UpdateBackupPlan``, which ``aws_backup_plan`` calls for any change of its rules.

    AWS (AWS Backup API Reference, UpdateBackupPlan): POST /backup/plans/{backupPlanId} with a
    ``BackupPlan`` document (name, rules, advanced settings) replaces the plan's document
    and makes a new version of the plan: the answer and every later GetBackupPlan carry a new
    ``VersionId`` (the ID and ARN stay). It answers ``BackupPlanId``, ``BackupPlanArn``,
    ``CreationDate``, ``VersionId`` and ``AdvancedBackupSettings``. An unknown or deleted plan
    is ResourceNotFoundException. The Terraform provider (5.100.0) updates a plan in place
    (retention, schedule, windows, copy actions) with it.
    moto gets wrong: UpdateBackupPlan is not implemented (HTTP 500); the provider retries
    server errors, so a changed retention hangs ``terraform apply`` for many minutes before
    it fails.
    Here the new document gets moto's rule defaults (schedule, windows, timezone, a new
    ``RuleId`` per rule) as at creation, and the plan a new version ID. Still more lenient
    than AWS: older versions are not kept (GetBackupPlan with an older ``versionId`` is
    ResourceNotFoundException, as moto answers any version but the current one), and the
    document is not validated beyond what moto checks at creation.
    """
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

    BackupBackend.update_backup_plan = update_backup_plan  # type: ignore[attr-defined]
    BackupResponse.update_backup_plan = update_backup_plan_response  # type: ignore[attr-defined]


def _patch_backup_plan_names() -> None:
    """t. A deleted backup plan does not keep its name from a new plan.

    AWS (AWS Backup API Reference, CreateBackupPlan / DeleteBackupPlan): a deleted plan is
    only listed by ``ListBackupPlans`` with ``IncludeDeleted``; creating a plan refuses with
    AlreadyExistsException only a plan that duplicates an existing one, so the same
    configuration can be destroyed and deployed again (``terraform destroy`` then ``apply``).
    moto gets wrong: it keeps deleted plans (with their ``DeletionDate``) and refuses any new
    plan whose name one of them had ("Backup plan with the same plan document already
    exists"), so a stack cannot be deployed again in the same emulator after a destroy.
    Here only plans that are not deleted count. Still stricter than AWS: moto refuses any
    second live plan of the same name, where AWS refuses only an identical plan document.
    """
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

    BackupBackend.create_backup_plan = create_backup_plan  # type: ignore[method-assign]


# ------------------------------------------------------------------------------------------
# Command line
# ------------------------------------------------------------------------------------------
