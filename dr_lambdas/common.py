"""Helpers shared by the functions: structured JSON logs, environment parsing and boto3
clients."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any


def log(event: str, **fields: Any) -> None:
    """One JSON object per line on stdout (CloudWatch Logs keeps each as one event)."""
    record = {"ts": round(time.time(), 3), "event": event, **fields}
    print(json.dumps(record, default=str, sort_keys=True), file=sys.stdout, flush=True)


def env_str(environ: Mapping[str, str], name: str, default: str | None = None) -> str:
    value = environ.get(name, default)
    if value is None or value == "":
        raise KeyError(f"environment variable {name} is required")
    return value


def env_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    return default if raw in (None, "") else int(raw)


_session_lock = threading.Lock()
_session: Any = None  # one boto3 session per process, made on first use


class Clients:
    """boto3 clients by (service, region), each made on first use and then kept, with the
    caller's timeouts and botocore's standard retry mode.

    Clients are made when first asked for, not at import, so whatever endpoint the process is
    set up for at call time (AWS, or a test's moto) is the one used; boto3 is imported then
    too, so importing a function stays cheap. They share one boto3 session per process (its
    service models load once: warm invocations start fast); a session is not safe for threads
    while it makes clients, so that is done under a lock, and the clients themselves are
    thread-safe.
    """

    def __init__(self, *, connect_timeout: int, read_timeout: int, max_attempts: int) -> None:
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.max_attempts = max_attempts
        self._clients: dict[tuple[str, str | None], Any] = {}

    def __call__(self, service: str, region: str | None) -> Any:
        """The client of ``service`` in ``region`` (``None``: boto3's default region)."""
        global _session
        with _session_lock:
            if (service, region) not in self._clients:
                import boto3
                from botocore.config import Config

                if _session is None:
                    _session = boto3.session.Session()
                self._clients[(service, region)] = _session.client(
                    service,
                    region_name=region,
                    config=Config(
                        connect_timeout=self.connect_timeout,
                        read_timeout=self.read_timeout,
                        retries={"max_attempts": self.max_attempts, "mode": "standard"},
                    ),
                )
            return self._clients[(service, region)]

    def clear(self) -> None:
        """Forget the clients made so far: the next ones see the endpoint set up then."""
        with _session_lock:
            self._clients.clear()
