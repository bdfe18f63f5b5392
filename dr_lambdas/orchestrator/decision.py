"""What to do, decided from what was observed: a pure function, no AWS calls.

- The region this orchestrator runs in (``target_region``) is already the writer: nothing.
- The current writer is healthy: a *planned switchover* (RPO 0) when one was asked for
  (``switchover`` / ``failover``), nothing on ``evaluate``.
- The current writer is not healthy: an *unplanned failover* that allows data loss, unless
  the last known replication lag exceeds the RPO (or is unknown): then refuse, because
  promoting would lose more than the declared RPO; ``force`` overrides the refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

ACTIONS = ("evaluate", "switchover", "failover")


@dataclass(frozen=True)
class Observation:
    writer_region: str | None  # region of the current writer; None when it cannot be seen
    target_region: str  # the region whose member this orchestrator would promote
    writer_healthy: bool
    lag_seconds: float | None  # last known replication lag into the target; None: unknown


@dataclass(frozen=True)
class Request:
    action: str = "evaluate"
    force: bool = False
    dry_run: bool = False

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {self.action!r}")


@dataclass(frozen=True)
class Decision:
    kind: str  # "none" | "switchover" | "failover" | "refuse"
    reason: str

    @property
    def changes_writer(self) -> bool:
        return self.kind in ("switchover", "failover")


def decide(observation: Observation, request: Request, rpo_seconds: float) -> Decision:
    if observation.writer_region == observation.target_region:
        return Decision("none", f"{observation.target_region} is already the writer")
    if observation.writer_healthy:
        if request.action == "evaluate":
            return Decision("none", f"the writer in {observation.writer_region} is healthy")
        return Decision("switchover", f"the writer in {observation.writer_region} is healthy: "
                                      "planned switchover, no data loss")
    lag = observation.lag_seconds
    if lag is None or lag > rpo_seconds:
        known = "unknown" if lag is None else f"{lag:.1f} s"
        if not request.force:
            return Decision("refuse", f"the writer is unhealthy but the last known replication "
                                      f"lag ({known}) exceeds the RPO of {rpo_seconds:g} s; "
                                      "invoke with force=true to fail over anyway")
        return Decision("failover", f"the writer is unhealthy; lag {known} exceeds the RPO "
                                    "but force=true")
    return Decision("failover", f"the writer in {observation.writer_region or 'an unreachable region'} "
                                f"is unhealthy; lag {lag:.1f} s is within the RPO of "
                                f"{rpo_seconds:g} s")
