"""What to do, decided from what was observed: a pure function, no AWS calls.

Both modes (``dr_mode``):

- The region this orchestrator runs in (``target_region``) is already the writer: nothing
  (but see rds-replica below).
- The current writer is healthy: a *planned* move when one was asked for (``switchover`` /
  ``failover``), nothing on ``evaluate``.
- The current writer is not healthy: an *unplanned failover* that allows data loss, only
  when two independent signals agree that it is down (below), and unless the last known
  replication lag exceeds the RPO (or is unknown): then refuse, because promoting would
  lose more than the declared RPO. ``force`` overrides every refusal.

Two signals (``dr_lambdas/README.md``, decision table): the writer's own canary cannot
connect (``probe`` is ``down``, ``silent`` or ``unreadable``), **and** at least one of: the
writer region's RDS API reports the writer not available; that API cannot be reached; a
probe from the other region across the peering cannot connect either
(``outage_signals``). A canary fault (``probe == "fault"``: its secret, credentials or
permissions are broken) is no signal at all, and a writer that answers the other region's
probe (``peer_answers``) is not down, whatever its own canary says.

``aurora-global``: the planned move is a global-database switchover, RPO 0 (Aurora waits
for the secondary to catch up before it changes roles).

``rds-replica``: every move is ``PromoteReadReplica`` of the local replica, and there is
no RPO-0 variant, so a planned move ("switchover") also needs a known lag within the RPO
(or ``force``). Promotion takes minutes and is followed by a DNS step, so two more cases
lead to the ``complete`` decision (finish a failover without promoting again):

- the local instance is already a standalone writer, is not itself fenced, is not the source
  of the other instance's replication, and DNS does not point at it yet: an earlier run
  promoted it and stopped before DNS was moved;
- the request is a hand-over (``handover > 0``) from a run that promoted the replica and ran
  out of time while it was still replicating: wait again, never promote twice.

A standalone local instance whose own health check is *fenced* is an old primary that an
earlier failover took out of DNS: it is never put back automatically.
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
    # rds-replica only (None in aurora-global mode, or when it cannot be read):
    # DNS already sends writers to the target: the other region's writer health check is
    # fenced and, with weighted records, the target's weight is 100 and the other's 0.
    dns_on_target: bool | None = None
    # The target's own writer health check is fenced: it is an old primary.
    target_fenced: bool | None = None
    # The target is the replication source of the other region's instance (steady state).
    target_has_replica: bool | None = None
    # What the writer's own canary says (PROBE_STATES); "ok" when it is healthy.
    probe: str = "ok"
    # The independent signals that agree the writer is down, each in one sentence.
    outage_signals: tuple[str, ...] = ()
    # The writer answers a probe from the other region: it is not down.
    peer_answers: bool = False


# The writer's canary: "ok" (connects, accepts writes); "down" (cannot connect, or answers
# but does not accept writes); "silent" (no datapoint in the window); "unreadable" (the
# writer region's CloudWatch cannot be reached); "fault" (the canary itself is broken).
PROBE_STATES = ("ok", "down", "silent", "unreadable", "fault")
CANNOT_CONNECT = ("down", "silent", "unreadable")


@dataclass(frozen=True)
class Request:
    action: str = "evaluate"
    force: bool = False
    dry_run: bool = False
    # How many runs before this one handed the same failover over (0: a new request).
    handover: int = 0

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {self.action!r}")
        if (
            isinstance(self.handover, bool)
            or not isinstance(self.handover, int)
            or self.handover < 0
        ):
            raise ValueError(f"handover must be a non-negative integer, got {self.handover!r}")


@dataclass(frozen=True)
class Decision:
    kind: str  # "none" | "switchover" | "failover" | "complete" | "refuse"
    reason: str

    @property
    def changes_writer(self) -> bool:
        """The decision starts a promotion."""
        return self.kind in ("switchover", "failover")

    @property
    def acts(self) -> bool:
        """The decision changes something (under the lock): a promotion, or finishing one."""
        return self.changes_writer or self.kind == "complete"


def decide(
    observation: Observation, request: Request, rpo_seconds: float, dr_mode: str = "aurora-global"
) -> Decision:
    if dr_mode == "rds-replica":
        return _decide_rds_replica(observation, request, rpo_seconds)
    if observation.writer_region == observation.target_region:
        return Decision("none", f"{observation.target_region} is already the writer")
    if observation.writer_healthy:
        if request.action == "evaluate":
            return Decision("none", f"the writer in {observation.writer_region} is healthy")
        return Decision(
            "switchover",
            f"the writer in {observation.writer_region} is healthy: "
            "planned switchover, no data loss",
        )
    return _unplanned(observation, request, rpo_seconds)


def _decide_rds_replica(observation: Observation, request: Request, rpo_seconds: float) -> Decision:
    target = observation.target_region
    if observation.writer_region == target:
        if observation.target_fenced:
            return Decision(
                "none",
                f"the instance in {target} is an old primary fenced out of "
                "DNS by an earlier failover; it stays out until an operator "
                "rebuilds it as a replica and lifts the fence",
            )
        if observation.target_has_replica:
            return Decision("none", f"{target} is the writer and the source of the replica")
        if observation.dns_on_target is False:
            return Decision(
                "complete",
                f"the replica in {target} is promoted but DNS still "
                "points at the old primary: finish the failover",
            )
        return Decision("none", f"{target} is already the writer")
    if request.handover > 0:
        return Decision(
            "complete",
            f"hand-over {request.handover}: an earlier run promoted the "
            f"replica in {target}, which still reports its source: wait "
            "for it again (never promote twice)",
        )
    if not observation.writer_healthy:
        return _unplanned(observation, request, rpo_seconds)
    if request.action == "evaluate":
        return Decision("none", f"the writer in {observation.writer_region} is healthy")
    lag = observation.lag_seconds
    # Unlike an Aurora switchover, promoting a read replica does not wait for it to catch
    # up, and the old primary stays writable: it is not RPO 0.
    caveat = (
        "writes that reach the old primary after the promotion are not replicated "
        "(DNS is fenced and moved right after)"
    )
    beyond = _lag_beyond_rpo(lag, rpo_seconds)
    if beyond and not request.force:
        return Decision(
            "refuse",
            f"the writer in {observation.writer_region} is healthy, "
            "but a planned promotion of the read replica is not RPO "
            f"0 and its lag ({beyond}) is not within the RPO of "
            f"{rpo_seconds:g} s; invoke with force=true to promote "
            "anyway",
        )
    if beyond:
        return Decision(
            "switchover",
            f"planned promotion of the replica in {target}: lag "
            f"{beyond} exceeds the RPO but force=true; {caveat}",
        )
    return Decision(
        "switchover",
        f"the writer in {observation.writer_region} is healthy: "
        f"planned promotion of the replica in {target}, lag "
        f"{lag:.1f} s within the RPO of {rpo_seconds:g} s; {caveat}",
    )


def _unplanned(observation: Observation, request: Request, rpo_seconds: float) -> Decision:
    unconfirmed = _unconfirmed(observation)
    if unconfirmed and not request.force:
        return Decision("refuse", f"{unconfirmed}; invoke with force=true to fail over anyway")
    lag = observation.lag_seconds
    beyond = _lag_beyond_rpo(lag, rpo_seconds)
    if beyond and not request.force:
        return Decision(
            "refuse",
            f"the writer is unhealthy but the last known replication "
            f"lag ({beyond}) exceeds the RPO of {rpo_seconds:g} s; "
            "invoke with force=true to fail over anyway",
        )
    if beyond:
        return Decision(
            "failover", f"the writer is unhealthy; lag {beyond} exceeds the RPO but force=true"
        )
    where = observation.writer_region or "an unreachable region"
    confirmed = (
        f"; not confirmed ({unconfirmed}) but force=true"
        if unconfirmed
        else "; confirmed: " + "; ".join(observation.outage_signals)
    )
    return Decision(
        "failover",
        f"the writer in {where} is unhealthy; lag {lag:.1f} s is "
        f"within the RPO of {rpo_seconds:g} s{confirmed}",
    )


def _lag_beyond_rpo(lag: float | None, rpo_seconds: float) -> str | None:
    """The lag as a reason states it (``unknown``, ``12.3 s``) when it is unknown or exceeds
    the RPO; None when it is within."""
    if lag is None:
        return "unknown"
    return f"{lag:.1f} s" if lag > rpo_seconds else None


def _unconfirmed(observation: Observation) -> str | None:
    """Why the outage is not confirmed by two independent signals, or None when it is."""
    where = observation.writer_region or "its region"
    if observation.probe == "fault":
        return (
            f"the canary of the writer in {where} is faulty (secret, credentials or "
            "permissions: CanaryError), so its health is unknown; a canary fault is "
            "never a reason to fail over"
        )
    if observation.peer_answers:
        return (
            f"the writer in {where} answers a probe from {observation.target_region} "
            "across the peering: it is not down"
        )
    if observation.probe not in CANNOT_CONNECT:
        return f"the writer's canary says {observation.probe!r}, not that it cannot connect"
    if not observation.outage_signals:
        return (
            f"only one signal says the writer in {where} is down (its canary: "
            f"{observation.probe}); no second agrees: its region's RDS API reports it "
            "available, and no probe from the other region failed"
        )
    return None
