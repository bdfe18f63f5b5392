"""Run Terraform against a synthesized stack, offline when a provider mirror is on disk.

The AWS provider comes from a filesystem mirror when one is found (``DR_PROVIDER_MIRROR``,
else the usual locations), so ``init`` needs no internet; with no mirror Terraform
downloads the provider from the public registry as usual.

For your own ``terraform`` or ``npx cdktf`` calls offline:

    eval "$(./run python -m tools.terraform cli-config [DIR])"

writes ``DIR/terraform.tfrc`` (default: the current directory) and prints the
``export TF_CLI_CONFIG_FILE=...`` line that points Terraform at it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

PROVIDER = "registry.terraform.io/hashicorp/aws"
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "/usr/share/terraform/plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
)


def find_mirror() -> Path | None:
    """The directory that holds ``registry.terraform.io/hashicorp/aws``, or None."""
    configured = os.environ.get("DR_PROVIDER_MIRROR", "").strip()
    candidates = [configured] if configured else list(MIRROR_CANDIDATES)
    for candidate in candidates:
        root = Path(candidate).expanduser()
        if (root / PROVIDER).is_dir():
            return root
    if configured:
        raise FileNotFoundError(f"DR_PROVIDER_MIRROR={configured} does not contain {PROVIDER}")
    return None


def cli_config(directory: Path) -> Path:
    """Write a Terraform CLI config that installs the AWS provider from the mirror."""
    mirror = find_mirror()
    path = directory / "terraform.tfrc"
    if mirror is None:
        path.write_text("")
    else:
        path.write_text(
            "provider_installation {\n"
            f"  filesystem_mirror {{\n    path = {json.dumps(str(mirror))}\n"
            f'    include = ["{PROVIDER}"]\n  }}\n'
            f'  direct {{\n    exclude = ["{PROVIDER}"]\n  }}\n'
            "}\n"
        )
    return path


def terraform_env(workdir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["TF_CLI_CONFIG_FILE"] = str(cli_config(workdir))
    env["TF_IN_AUTOMATION"] = "1"
    env["CHECKPOINT_DISABLE"] = "1"
    env.update(extra or {})
    return env


def run(
    workdir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    check: bool = True,
    progress: Callable[[str], None] | None = None,
) -> subprocess.CompletedProcess:
    """Run ``terraform <args>`` in ``workdir``; raise with its output on failure.

    ``progress``, when given, receives each output line as Terraform prints it.
    """
    binary = shutil.which("terraform")
    if binary is None:
        raise FileNotFoundError("terraform is not on PATH (Terraform >= 1.11 is required)")
    # -no-color goes after the (sub)command words, before the first option.
    words = next((i for i, a in enumerate(args) if a.startswith("-")), len(args))
    command = [binary, *args[:words], "-no-color", *args[words:]]
    env = env or terraform_env(workdir)
    if progress is None:
        result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)
    else:
        with subprocess.Popen(
            command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as process:
            lines = []
            for line in process.stdout:
                lines.append(line)
                progress(line.rstrip("\n"))
            stderr = process.stderr.read()
        result = subprocess.CompletedProcess(command, process.returncode, "".join(lines), stderr)
    if check and result.returncode != 0:
        raise RuntimeError(
            f"terraform {args[0]} failed in {workdir}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "cli-config" or len(argv) > 2:
        print("usage: python -m tools.terraform cli-config [DIR]", file=sys.stderr)
        return 2
    directory = Path(argv[1] if len(argv) == 2 else ".").resolve()
    try:
        path = cli_config(directory)
    except (FileNotFoundError, NotADirectoryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not path.read_text():
        print(
            "note: no provider mirror found: Terraform will download the provider", file=sys.stderr
        )
    print(f"export TF_CLI_CONFIG_FILE={shlex.quote(str(path))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
