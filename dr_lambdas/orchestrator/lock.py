"""A lock with expiry in DynamoDB, so that concurrent triggers produce one failover.

The lock is one item (partition key ``pk``, a string) in ``LOCK_TABLE``. Taking it is a
conditional ``PutItem`` that succeeds only when no item exists or the existing one has
expired (``attribute_not_exists(pk) OR expires_at < :now``); DynamoDB evaluates the
condition and writes atomically (DynamoDB developer guide, condition expressions). A run
that crashes while holding it leaves an item that expires ``LOCK_TTL_SECONDS`` later and is
then taken over. Releasing is a conditional delete that only the holder can make. The
``ttl`` attribute lets DynamoDB's TTL clean stale items up (eventually; never relied upon).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from dr_lambdas.common import log


class LockError(RuntimeError):
    """DynamoDB could not be asked (not: the lock is held by someone else)."""


class Lock:
    def __init__(
        self,
        dynamodb: Any,
        *,
        table: str,
        key: str,
        holder: str,
        ttl_seconds: int,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._dynamodb = dynamodb
        self.table, self.key, self.holder = table, key, holder
        self.ttl_seconds = ttl_seconds
        self._now = now
        self.held = False
        self.held_by: str | None = None  # the other holder, when acquire found one

    def acquire(self) -> bool:
        """True when this holder now has the lock, False when another live run has it."""
        now = int(self._now())
        expires_at = now + self.ttl_seconds
        try:
            self._dynamodb.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": self.key},
                    "holder": {"S": self.holder},
                    "acquired_at": {"N": str(now)},
                    "expires_at": {"N": str(expires_at)},
                    "ttl": {"N": str(expires_at)},
                },
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except Exception as error:  # noqa: BLE001 - botocore's errors are built at run time
            if _code(error) == "ConditionalCheckFailedException":
                self.held_by = self.current_holder()
                self._log("lock_busy", held_by=self.held_by)
                return False
            raise LockError(
                f"could not take the lock {self.key} in {self.table}: {error}"
            ) from error
        self.held = True
        self._log("lock_acquired", expires_at=expires_at)
        return True

    def release(self) -> bool:
        """Delete the item if this holder still has it; never deletes another run's lock."""
        if not self.held:
            return False
        try:
            self._dynamodb.delete_item(
                TableName=self.table,
                Key={"pk": {"S": self.key}},
                ConditionExpression="holder = :holder",
                ExpressionAttributeValues={":holder": {"S": self.holder}},
            )
        except Exception as error:  # noqa: BLE001
            # Lost (expired and taken over) or DynamoDB unreachable: the item expires anyway.
            self._log("lock_release_failed", error=repr(error))
            return False
        finally:
            self.held = False
        self._log("lock_released")
        return True

    def current_holder(self) -> str | None:
        """Who holds the lock now (for logs and answers); None when unknown or free."""
        try:
            item = self._dynamodb.get_item(
                TableName=self.table, Key={"pk": {"S": self.key}}, ConsistentRead=True
            ).get("Item")
        except Exception:  # noqa: BLE001 - informational only
            return None
        return item["holder"]["S"] if item and "holder" in item else None

    def _log(self, event: str, **fields: Any) -> None:
        """A log line about this lock: its table, key and holder, and ``fields``."""
        log(event, table=self.table, key=self.key, holder=self.holder, **fields)


def _code(error: Exception) -> str | None:
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code")


def first_telling(
    dynamodb: Any,
    *,
    table: str,
    key: str,
    signature: str,
    remind_after_seconds: int,
    now: Callable[[], float] = time.time,
) -> bool:
    """Whether this is news: True (and remembered) unless the same ``signature`` was told
    under ``key`` less than ``remind_after_seconds`` ago. One conditional ``PutItem`` in
    the lock table (the same atomic condition as the lock). When DynamoDB cannot be asked,
    True: better told twice than never."""
    moment = int(now())
    until = moment + remind_after_seconds
    try:
        dynamodb.put_item(
            TableName=table,
            Item={
                "pk": {"S": key},
                "signature": {"S": signature},
                "told_at": {"N": str(moment)},
                "expires_at": {"N": str(until)},
                "ttl": {"N": str(until)},
            },
            ConditionExpression=(
                "attribute_not_exists(pk) OR expires_at < :now OR signature <> :signature"
            ),
            ExpressionAttributeValues={":now": {"N": str(moment)}, ":signature": {"S": signature}},
        )
    except Exception as error:  # noqa: BLE001
        if _code(error) == "ConditionalCheckFailedException":
            return False
        log("told_record_failed", table=table, key=key, error=repr(error))
    return True
