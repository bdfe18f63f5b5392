"""The deployment's configuration, as the command-line tools read it (the way main.py does)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from constructs_lib.config import ConfigError, DrConfig, load_config, read_context


def read_config(environ: Mapping[str, str], project_dir: Path) -> DrConfig | None:
    """The configuration from ``environ`` and ``project_dir``'s ``cdktf.json``; None when it
    is invalid, after one ``error:`` line on stderr (the tools then exit 2, as main.py does)."""
    try:
        return load_config(environ, read_context(project_dir))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return None
