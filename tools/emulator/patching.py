"""How a fix reaches moto: its functions set on moto's classes, which every backend and
request of the process shares.

``apply_patches`` installs every fix once per process (under a lock), so a fix that wraps
moto's method takes the method it finds as the original, with no check of its own against a
second install."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def install(cls: type, *functions: Callable[..., Any]) -> None:
    """Set each function on ``cls`` under its own name, less a ``_response`` suffix: moto
    dispatches an API action to the Response method of the same name in snake_case, and the
    Response calls the backend's method by name."""
    for function in functions:
        setattr(cls, function.__name__.removesuffix("_response"), function)
