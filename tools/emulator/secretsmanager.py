"""Secrets Manager fix (patch v): a secret replica keeps its KMS key.

Each patch's docstring says what AWS does and what moto gets wrong."""

from __future__ import annotations

from typing import Any


def _patch_secret_replica_keys() -> None:
    """v. A Secrets Manager replica keeps the KMS key it was created with (AWS API reference,
    ReplicaRegionType ``KmsKeyId``; ``DescribeSecret`` answers it in ``ReplicationStatus``).
    moto reports every replica with the AWS managed key ``alias/aws/secretsmanager``, so the
    provider sees the replica's key change after every apply of a secret replicated with a
    customer-managed key (a generated master secret) and plans to change it again."""
    from moto.secretsmanager.models import FakeSecret

    if getattr(FakeSecret.create_replicas, "_dbdr_patched", False):
        return
    original = FakeSecret.create_replicas

    def create_replicas(
        self: Any, replica_regions: list[dict[str, str]], force_overwrite: bool
    ) -> list[Any]:
        replicas = original(self, replica_regions, force_overwrite)
        keys = {r["Region"]: r.get("KmsKeyId") for r in replica_regions or []}
        for replica in replicas:
            if keys.get(replica.region):
                replica.config["KmsKeyId"] = keys[replica.region]
        return replicas

    create_replicas._dbdr_patched = True  # type: ignore[attr-defined]
    FakeSecret.create_replicas = create_replicas  # type: ignore[method-assign]


# What SNS handed to Lambda functions (patch w): moto runs function code only in Docker.
