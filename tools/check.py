"""The test command (``./run test [pytest args]``): lint, format check, then the test suite.

Lint and format run first because they take a second and name the file and line; the suite
then runs on both cores (pytest-xdist, ``--dist loadfile``: a file's tests stay on one worker, so
its module fixtures are built once). Extra arguments go to pytest, e.g. ``./run test -x -q``
or ``./run test -n 0`` for one process.
"""

from __future__ import annotations

import subprocess
import sys


def main(argv: list[str]) -> int:
    for step in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
        if subprocess.run([sys.executable, "-m", *step]).returncode != 0:
            print(
                f"check: `{' '.join(step)}` failed; `./run ruff {' '.join(step[1:])}`"
                " shows it, `./run ruff format .` and `./run ruff check --fix .` fix most",
                file=sys.stderr,
            )
            return 1
    # Both cores; one file's tests stay on one worker, with its module fixtures.
    parallel = ["-n", "auto", "--dist", "loadfile"]
    return subprocess.run([sys.executable, "-m", "pytest", *parallel, *argv]).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
