"""Synth cost of the whole app relative to the floor every cdktf AWS app pays.

Alternates, in one run, (a) a minimal cdktf process that imports the AWS provider bindings
and synthesizes one resource and (b) the full two-region app (``main.py``), each as a fresh
process, so both see the same machine state. Prints the medians and the ratio b/a; the
target is b/a <= 1.25 (the app's own work costs at most a quarter of the binding load).

    pipenv run bench [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.25


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("DR_") and k != "ENVIRONMENT_SUFFIX"
    }
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    minimal, full = [], []
    with tempfile.TemporaryDirectory(prefix="dbdr-bench-") as tmp:
        for i in range(args.rounds):
            minimal.append(timed([sys.executable, "bench/minimal_app.py", f"{tmp}/a{i}"], env))
            full.append(timed([sys.executable, "main.py"], {**env, "CDKTF_OUTDIR": f"{tmp}/b{i}"}))
            print(
                f"round {i + 1}/{args.rounds}: minimal {minimal[-1]:.2f} s, "
                f"full app {full[-1]:.2f} s",
                flush=True,
            )
    a, b = statistics.median(minimal), statistics.median(full)
    print(
        f"\n| process | median (s) |\n|---|---|\n| (a) minimal: bindings + 1 resource | {a:.2f} |"
        f"\n| (b) full two-region app | {b:.2f} |"
    )
    verdict = "meets" if b / a <= TARGET else "misses"
    print(f"\nratio b/a = {b / a:.2f} ({verdict} the target of {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
