"""Runs whose process died (kill -9, the OOM killer, an abort) release what they held.

A run of the command line executes in its own process (`execute_in_process`): no daemon watches
it, so when that process dies hard the run stays STARTED in the instance and keeps its claim on
the `duckdb_writer` pool, and the next run waits for that slot forever. Its dbt child, if it was
building, lives on as an orphan holding the warehouse's lock.

Each command-line run therefore carries the identity of its process in its tags (host, pid and
the process's start time, so a reused pid is not mistaken for it), and every process it starts
(dbt) inherits that identity in `MTQG_RUN_OWNER`. Runs the daemon launches (`mtqg serve`) carry
no such tags, and Dagster's default run launcher cannot tell the daemon's run monitoring that
their worker died; their worker announces its pid in the run's "Started process for run"
event, and a reused pid is told apart by its start time, later than that event. Before a
command-line run starts, and every half minute in the daemon (`run_recovery` sensor),
`recover_dead_runs` finds the unfinished runs whose process is gone on this host, stops their
orphans, marks them failed (canceled when a cancel was asked) and frees their pool slots;
slots still claimed by runs that have finished are freed as well.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from core.files import remove_stale_temporaries
from core.home import Home

log = logging.getLogger("mtqg.recovery")

PID_TAG = "mtqg/pid"
HOST_TAG = "mtqg/host"
PROCESS_START_TAG = "mtqg/process_start"
OWNER_ENV = "MTQG_RUN_OWNER"

UNFINISHED = (
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)
# An orphan asked to stop (SIGTERM) gets this long before SIGKILL.
ORPHAN_GRACE_SECONDS = 5.0
_PROC = Path("/proc")


@dataclass(frozen=True)
class Owner:
    """The process a run executes in."""

    host: str
    pid: int
    start: str  # the process's start time in clock ticks since boot ("" where unknown)
    # where `start` is unknown (a run the daemon launched): when its worker said it had started
    # (Unix time); a process with this pid started later is another process
    announced_at: float | None = None

    @property
    def marker(self) -> str:
        return f"{self.host}:{self.pid}:{self.start}"

    def tags(self) -> dict[str, str]:
        return {HOST_TAG: self.host, PID_TAG: str(self.pid), PROCESS_START_TAG: self.start}

    @classmethod
    def of_run(cls, run: dg.DagsterRun) -> Owner | None:
        tags = run.tags
        try:
            pid = int(tags[PID_TAG])
        except (KeyError, ValueError):
            return None
        return cls(tags.get(HOST_TAG, ""), pid, tags.get(PROCESS_START_TAG, ""))

    @classmethod
    def announced(cls, instance: dg.DagsterInstance, run: dg.DagsterRun) -> Owner | None:
        """The worker of a run the daemon launched on this host, from the pid its worker
        announced (`Started process for run (pid: N).`); None before it has started."""
        events = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
        for entry in reversed(events):
            event = entry.dagster_event
            data = event.engine_event_data if event is not None else None
            pid = data.metadata.get("pid") if data is not None else None
            if pid is not None and entry.message.startswith("Started process for"):
                return cls(socket.gethostname(), int(pid.value), "", entry.timestamp)
        return None

    def is_here(self) -> bool:
        return self.host == socket.gethostname()

    def is_alive(self) -> bool:
        """This host only: the pid runs, is no zombie, and started when the run's did."""
        stat = _stat(self.pid)
        if stat is not None:
            state, start = stat
            if state in ("Z", "X"):
                return False
            if self.start:
                return start == self.start
            started = _start_time(start)
            # a second of slack: the announcement follows the process's start
            return self.announced_at is None or started is None or started <= self.announced_at + 1
        if _PROC.is_dir():
            return False
        try:  # no /proc (not Linux): the pid alone
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def this_process() -> Owner:
    stat = _stat(os.getpid())
    return Owner(socket.gethostname(), os.getpid(), stat[1] if stat else "")


def mark_run_processes() -> None:
    """Mark the processes this run will start (dbt) as its own, if nothing marked them yet:
    runs the daemon launches get their mark here, from their first step."""
    if OWNER_ENV not in os.environ:
        os.environ[OWNER_ENV] = this_process().marker


def claim_run_processes() -> dict[str, str]:
    """The tags for a run executing in this process; also marks the processes it will start
    (dbt) as belonging to it, through their inherited environment."""
    owner = this_process()
    os.environ[OWNER_ENV] = owner.marker
    return owner.tags()


def _stat(pid: int) -> tuple[str, str] | None:
    """(state, start time) of a process from /proc/<pid>/stat, or None when there is none."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except (OSError, ValueError):
        return None
    # "pid (comm) state ppid …": comm may hold spaces and parentheses; fields follow the last ")"
    fields = text.rsplit(")", 1)[-1].split()
    if len(fields) < 20:
        return None
    return fields[0], fields[19]


def _start_time(ticks: str) -> float | None:
    """A process's start (clock ticks since boot, from /proc) as Unix time."""
    try:
        for line in (_PROC / "stat").read_text().splitlines():
            if line.startswith("btime "):
                return int(line.split()[1]) + int(ticks) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None
    return None


def _processes_of(owner: Owner) -> Iterator[int]:
    """Processes still carrying the owner's marker in their environment (its dbt, …); where
    the owner's start time is unknown, any mark of its pid on its host."""
    if not _PROC.is_dir():
        return
    needle = f"{OWNER_ENV}={owner.marker}".encode()
    exact = bool(owner.start)
    own = {os.getpid(), os.getppid()}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) in own:
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or another user's
            continue
        variables = environ.split(b"\0")
        if needle in variables if exact else any(v.startswith(needle) for v in variables):
            yield int(entry.name)


def stop_orphans(owner: Owner, *, grace: float = ORPHAN_GRACE_SECONDS) -> list[int]:
    """Stop what a dead run's process left running: SIGTERM, then SIGKILL after `grace`."""
    orphans = list(_processes_of(owner))
    for pid in orphans:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    living = list(orphans)
    while living and time.monotonic() < deadline:
        time.sleep(0.1)
        living = [pid for pid in living if _running(pid)]
    for pid in living:
        _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + grace
    while living and time.monotonic() < deadline:
        time.sleep(0.1)
        living = [pid for pid in living if _running(pid)]
    if living:
        log.warning(f"processes {living} of a dead run did not stop; they may hold the warehouse")
    return orphans


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def _running(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


@dataclass(frozen=True)
class Recovered:
    run_id: str
    owner: Owner
    status: str  # the status the run was left in
    orphans: list[int]


def recover_dead_runs(instance: dg.DagsterInstance) -> list[Recovered]:
    """Mark failed the unfinished runs whose process on this host is gone, stop their orphans
    and free their pool slots; free slots claimed by runs that finished. A run the daemon
    launched is judged by the pid its worker announced."""
    recovered = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=list(UNFINISHED))):
        owner = Owner.of_run(run) or Owner.announced(instance, run)
        if owner is None or not owner.is_here() or owner.is_alive():
            continue
        orphans = stop_orphans(owner)
        message = (
            f"The process of this run (pid {owner.pid} on {owner.host}) ended without finishing "
            "it (killed, out of memory or aborted). Marked "
            f"{'canceled' if run.status == dg.DagsterRunStatus.CANCELING else 'failed'} by the "
            "next mtqg run or the daemon's check, which freed its pool slots"
            + (f" and stopped the processes it left running ({orphans})." if orphans else ".")
        )
        if run.status == dg.DagsterRunStatus.CANCELING:
            instance.report_run_canceled(run, message=message)
        else:
            instance.report_run_failed(run, message=message)
        _free_slots(instance, run.run_id)
        log.warning(f"run {run.run_id}: {message}")
        recovered.append(Recovered(run.run_id, owner, str(run.status.value), orphans))
    _free_slots_of_finished_runs(instance)
    return recovered


def _free_slots(instance: dg.DagsterInstance, run_id: str) -> None:
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        storage.free_concurrency_slots_for_run(run_id)


def _free_slots_of_finished_runs(instance: dg.DagsterInstance) -> None:
    """A run that ended (or was deleted) holds no slot: free what is still claimed for it."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    claimed = storage.get_concurrency_run_ids()
    if not claimed:
        return
    unfinished = {
        r.run_id
        for r in instance.get_runs(
            filters=dg.RunsFilter(
                run_ids=list(claimed), statuses=[*UNFINISHED, dg.DagsterRunStatus.QUEUED]
            )
        )
    }
    for run_id in claimed - unfinished:
        log.info(f"run {run_id} has ended: freeing the pool slots still claimed for it")
        storage.free_concurrency_slots_for_run(run_id)


def remove_stale_files(home: Home) -> list[Path]:
    """Temporaries a killed process left in landing's staging and the reports (never listed,
    never read), removed so the home needs no manual repair; a live writer's stay."""
    removed = []
    for folder in (home.landing / ".incoming", home.reports, home.reports / "quality"):
        removed += remove_stale_temporaries(folder)
    if removed:
        log.info("removed %d temporary file(s) left by killed processes", len(removed))
    return removed
