"""S3: (u) ``GetBucketReplication`` answers every rule as it was put (S3 API Reference,
ReplicationRule): ``Filter``, ``DeleteMarkerReplication``, ``SourceSelectionCriteria``,
``ExistingObjectReplication`` and ``Destination``.

moto stores the whole rule but answers a fixed ``DeleteMarkerReplication`` of ``Disabled``
and drops the source selection criteria, so every plan of an
``aws_s3_bucket_replication_configuration`` that replicates delete markers or SSE-KMS
objects (the backup buckets) wants to change the rule again. Here the stored rule's fields
are answered, with AWS's defaults only where the rule set none.
"""

from __future__ import annotations

from moto.core.responses import ActionResult

from tools.emulator.patching import install


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_bucket_replication_rules()


def _patch_bucket_replication_rules() -> None:
    """(u) Replication rules answered as they were put."""
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError
    from moto.s3.responses import S3Response

    def get_bucket_replication(self):  # type: ignore[no-untyped-def]
        self.data["Action"] = "GetBucketReplication"
        replication = self.backend.get_bucket_replication(self.bucket_name)
        if not replication:
            raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
        stored = replication["Rule"]
        rules = []
        for rule in stored if isinstance(stored, list) else [stored]:
            answer = {
                "ID": rule["ID"],
                "Priority": rule.get("Priority", 0),
                "Status": rule["Status"],
                "DeleteMarkerReplication": rule.get("DeleteMarkerReplication")
                or {"Status": "Disabled"},
                "Filter": rule.get("Filter") or {"Prefix": ""},
                "Destination": rule["Destination"],
            }
            for optional in ("SourceSelectionCriteria", "ExistingObjectReplication"):
                if rule.get(optional):
                    answer[optional] = rule[optional]
            rules.append(answer)
        return self.serialized(
            ActionResult(
                {"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}}
            )
        )

    install(S3Response, get_bucket_replication)
