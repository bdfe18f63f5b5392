"""What a run shows: one terminal line per phase; everything else goes to the run's log.

``python -m tools.e2e`` points its file descriptors 1 and 2 at ``<workdir>/e2e.log`` for
the whole run (:func:`captured`), so the functions' JSON logs, Terraform's progress, moto's
warnings and the output of every subprocess land there, and reports through :class:`Quiet`:
one line per phase, and the end of a phase's part of the log when that phase fails. Callers
that keep everything on one stream (``tools/plan_fixtures.py``) get :class:`Verbose`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, TextIO

LOG_NAME = "e2e.log"
# A failed phase shows the end of its log: the error, and what led to it.
EXCERPT_LINES = 200
# The functions log whole events as one JSON line; the log keeps them whole.
EXCERPT_LINE_CHARS = 1000
LABEL_WIDTH = 40
# A phase's terminal line stays on one line of a usual terminal; the table has the counts.
LINE_WIDTH = 100


class PhaseRecord(Protocol):
    name: str
    seconds: float
    count: str
    ok: bool


class Console(Protocol):
    def say(self, text: str, *, error: bool = False) -> None: ...

    def started(self, name: str) -> None: ...

    def finished(self, phase: PhaseRecord, error: BaseException | None) -> None: ...


def detail(text: str) -> None:
    """A line for the run's log: stdout is the log during a quiet run."""
    print(text, flush=True)


class Verbose:
    """Every detail on stdout as it happens, each phase framed by its name and result."""

    def say(self, text: str, *, error: bool = False) -> None:
        print(text, file=sys.stderr if error else sys.stdout, flush=True)

    def started(self, name: str) -> None:
        print(f"\n==> {name}", flush=True)

    def finished(self, phase: PhaseRecord, error: BaseException | None) -> None:
        status = "ok" if phase.ok else "FAILED"
        count = f"- {phase.count}" if phase.count else ""
        print(f"    {status} in {phase.seconds:.1f} s {count}", flush=True)


class Quiet:
    """One terminal line per phase (written when it starts, completed when it ends); the
    details are in ``log``, and a failed phase's part of it is shown with the log's path."""

    def __init__(self, out: TextIO, err: TextIO, log: Path, total: int = 0) -> None:
        self.out, self.err, self.log, self.total = out, err, log, total
        self._number = 0
        self._offset = 0  # where the running phase's part of the log starts

    def say(self, text: str, *, error: bool = False) -> None:
        _append(self.log, text + "\n")  # the log tells the whole story on its own
        _write(self.err if error else self.out, text + "\n")

    def started(self, name: str) -> None:
        self._number += 1
        _append(self.log, "\n")
        self._offset = _append(self.log, f"==> {name}\n")
        _write(self.out, phase_label(self._number, self.total, name))

    def finished(self, phase: PhaseRecord, error: BaseException | None) -> None:
        if error is not None:
            _append(self.log, "".join(traceback.format_exception(error)))
        line = phase_result(phase)
        _append(self.log, f"<== {phase.name}: {line}\n")
        _write(self.out, _fit(line, LINE_WIDTH - LABEL_WIDTH) + "\n")
        if not phase.ok:
            _write(self.err, self.excerpt(phase.name))

    def excerpt(self, name: str) -> str:
        """The end of the running phase's part of the log, framed by the log's path."""
        lines = _read_from(self.log, self._offset).splitlines()
        shown = [_clip(line) for line in lines[-EXCERPT_LINES:]]
        which = (
            f"its last {len(shown)} of {len(lines)} lines"
            if len(shown) < len(lines)
            else "all of it"
        )
        where = _shown(self.log)
        return "\n".join(
            [
                f"---- log of phase '{name}', {which} ({where}) ----",
                *shown,
                f"---- end of the log of phase '{name}'; the whole run's log: {where} ----",
                "",
            ]
        )


def phase_label(number: int, total: int, name: str) -> str:
    """``[ 5/10] apply ......`` padded so that the results line up."""
    counter = f"[{number:2d}/{total}] " if total else ""
    return f"{counter}{name} ".ljust(LABEL_WIDTH - 1, ".") + " "


def phase_result(phase: PhaseRecord) -> str:
    status = "ok" if phase.ok else "FAILED"
    count = f"  {phase.count}" if phase.count else ""
    return f"{status:<6} {phase.seconds:6.1f} s{count}"


@contextlib.contextmanager
def captured(log: Path) -> Iterator[tuple[TextIO, TextIO]]:
    """Point file descriptors 1 and 2 at ``log`` for the block, so that this process, its
    threads (moto's server) and its subprocesses all write there; yield streams to what
    they were (the terminal)."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    with contextlib.ExitStack() as stack:
        terminal = tuple(
            stack.enter_context(os.fdopen(os.dup(fd), "w", buffering=1, encoding="utf-8"))
            for fd in (1, 2)
        )
        stack.enter_context(_descriptors_to(log))
        stack.enter_context(_python_streams_on_descriptors())
        yield terminal


@contextlib.contextmanager
def _descriptors_to(log: Path) -> Iterator[None]:
    target = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    saved = os.dup(1), os.dup(2)
    try:
        os.dup2(target, 1)
        os.dup2(target, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, target):
            os.close(fd)


@contextlib.contextmanager
def _python_streams_on_descriptors() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` on descriptors 1 and 2 (they need not be, under a
    test runner's capture), line-buffered so that Python's lines and the subprocesses'
    stay in order in the log."""
    saved = sys.stdout, sys.stderr
    options = {"buffering": 1, "encoding": "utf-8", "errors": "replace", "closefd": False}
    with open(1, "w", **options) as out, open(2, "w", **options) as err:
        sys.stdout, sys.stderr = out, err
        try:
            yield
        finally:
            sys.stdout, sys.stderr = saved


def summary_table(run: Any) -> str:
    """The closing table of a run's phases (anything with ``phases``)."""
    rows = ["| phase | result | seconds | counts |", "|---|---|---:|---|"]
    for p in run.phases:
        rows.append(f"| {p.name} | {'ok' if p.ok else 'FAILED'} | {p.seconds:.1f} | {p.count} |")
    total = sum(p.seconds for p in run.phases)
    rows.append(f"| total | | {total:.1f} | |")
    return "\n".join(rows)


def write_summary(run: Any, failed: str | None) -> None:
    """``summary.md`` and ``summary.json`` in the run's workdir (tools/dr_report.py reads
    the JSON: keep its keys)."""
    c = run.config
    (run.workdir / "summary.md").write_text(summary_table(run) + "\n")
    (run.workdir / "summary.json").write_text(
        json.dumps(
            {
                "suffix": c.environment_suffix,
                "primary_region": c.primary_region,
                "secondary_region": c.secondary_region,
                "database_mode": c.database_mode,
                "dns_routing": c.dns_routing,
                "deploy": getattr(run, "deploy_mode", "terraform"),
                "failed_phase": failed,
                "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "phases": [_phase_fields(p) for p in run.phases],
            },
            indent=2,
        )
    )


def _phase_fields(phase: PhaseRecord) -> dict[str, Any]:
    return {"name": phase.name, "seconds": phase.seconds, "count": phase.count, "ok": phase.ok}


def _append(log: Path, text: str) -> int:
    """Append to the log after what this process has buffered; return where it went."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    with log.open("a", encoding="utf-8") as file:
        offset = file.tell()
        file.write(text)
    return offset


def _read_from(log: Path, offset: int) -> str:
    with log.open("rb") as file:
        file.seek(offset)
        return file.read().decode("utf-8", errors="replace")


def _write(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _clip(line: str) -> str:
    if len(line) <= EXCERPT_LINE_CHARS:
        return line
    return line[:EXCERPT_LINE_CHARS] + f" [... {len(line) - EXCERPT_LINE_CHARS} more characters]"


def _shown(path: Path) -> str:
    """The path as typed from the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
