"""Secrets Manager: (v) a replica keeps the KMS key it was created with (API Reference,
ReplicaRegionType ``KmsKeyId``; ``DescribeSecret`` answers it in ``ReplicationStatus``).

moto reports every replica with the AWS managed key ``alias/aws/secretsmanager``, so after
every apply of a secret replicated with a customer-managed key (a generated master secret)
the provider sees the replica's key change and plans to change it again.
"""

from __future__ import annotations

from typing import Any

from tools.emulator.patching import install


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_secret_replica_keys()


def _patch_secret_replica_keys() -> None:
    """(v) Each replica records the ``KmsKeyId`` it was given."""
    from moto.secretsmanager.models import FakeSecret

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

    install(FakeSecret, create_replicas)
