"""Helpers shared by the functions: structured JSON logs and environment parsing."""

from __future__ import annotations

import json
import sys
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
