"""Deterministic Lambda packages: the same source gives the same zip, byte for byte.

A package holds ``dr_lambdas/__init__.py``, ``dr_lambdas/common.py``,
``dr_lambdas/contract.py`` (the facts it shares with the stack), one function's
sub-package and the pure-Python distributions it needs, bundled from the locked
environment (``Pipfile.lock``) rather than downloaded at synth time. Entries are sorted,
timestamps fixed and permissions normalised, so the zip's hash (Terraform's
``source_code_hash``) changes only when the code does and a plan shows no spurious update.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import zipfile
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[2]
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def _skip(path: str) -> bool:
    return "__pycache__" in path or path.endswith((".pyc", ".pyo")) or path.endswith("/RECORD")


def _distribution_files(name: str) -> dict[str, Path]:
    """Files of an installed distribution (its modules and metadata), by archive name."""
    distribution = importlib.metadata.distribution(name)
    files = {}
    for entry in distribution.files or []:
        archive_name = str(entry).replace("\\", "/")
        if archive_name.startswith("..") or _skip(archive_name):
            continue
        files[archive_name] = Path(distribution.locate_file(entry))
    if not files:
        raise FileNotFoundError(f"distribution {name!r} lists no files to bundle")
    return files


def package_files(function: str, distributions: tuple[str, ...] = ()) -> dict[str, Path]:
    """Archive name -> source file for one function's package."""
    root = SOURCE_ROOT / "dr_lambdas"
    if not (root / function / "handler.py").is_file():
        raise FileNotFoundError(f"dr_lambdas/{function}/handler.py does not exist")
    files = {
        f"dr_lambdas/{name}": root / name for name in ("__init__.py", "common.py", "contract.py")
    }
    for path in sorted((root / function).rglob("*.py")):
        relative = path.relative_to(SOURCE_ROOT).as_posix()
        if not _skip(relative):
            files[relative] = path
    for name in distributions:
        files.update(_distribution_files(name))
    return files


def build(function: str, out_dir: Path, distributions: tuple[str, ...] = ()) -> tuple[Path, str]:
    """Write ``<out_dir>/<function>.zip``; return its path and base64 SHA-256."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{function}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, source in sorted(package_files(function, distributions).items()):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes())
    digest = hashlib.sha256(target.read_bytes()).digest()
    return target, base64.b64encode(digest).decode()
