"""A run that dies hard (kill -9, the OOM killer) frees what it held: the next run completes.

The command line runs in its own process with no daemon watching, so a killed run stays STARTED
and keeps its `duckdb_writer` slot; the next `mtqg` marks it failed, frees the slot and stops
what the dead process left running (its dbt) before it starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.instance import ensure_instance
from orchestration.recovery import OWNER_ENV, Owner, recover_dead_runs, stop_orphans, this_process
from orchestration.resources import WAREHOUSE_WRITER_POOL
from warehouse.connection import connect

MTQG = Path(sys.executable).parent / "mtqg"


@dg.asset(pool=WAREHOUSE_WRITER_POOL)
def written() -> int:
    return 1


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _started_run(
    instance: dg.DagsterInstance, owner: Owner | None, *, claim: bool = True
) -> dg.DagsterRun:
    """A run recorded as started by `owner` (None: by the daemon, untagged) that holds the
    writer pool's one slot."""
    from dagster._core.events import DagsterEvent, DagsterEventType

    job = dg.Definitions(assets=[written]).resolve_implicit_global_asset_job_def()
    run = instance.create_run_for_job(job_def=job, tags=owner.tags() if owner else None)
    start = DagsterEvent(
        event_type_value=DagsterEventType.PIPELINE_START.value, job_name=run.job_name
    )
    instance.report_dagster_event(start, run_id=run.run_id)
    if not claim:
        return run
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(WAREHOUSE_WRITER_POOL)
    claim = storage.claim_concurrency_slot(WAREHOUSE_WRITER_POOL, run.run_id, "written")
    assert claim.is_claimed
    return run


def test_the_identity_of_a_run_process_survives_pid_reuse():
    me = this_process()
    assert me.is_here() and me.is_alive()
    assert not Owner(me.host, me.pid, "1").is_alive()  # the same pid, started at another time
    assert not Owner(me.host, _dead_pid(), me.start).is_alive()
    assert not Owner("another-host", me.pid, me.start).is_here()


def test_a_dead_run_is_marked_failed_and_frees_its_slot_for_the_next(home, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))  # ensure_instance sets it
    instance = ensure_instance(home)
    me = this_process()
    dead = _started_run(instance, Owner(me.host, _dead_pid(), "12345"))
    alive = instance.create_run_for_job(
        job_def=dg.Definitions(assets=[written]).resolve_implicit_global_asset_job_def(),
        tags=me.tags(),
    )
    elsewhere = instance.create_run_for_job(
        job_def=dg.Definitions(assets=[written]).resolve_implicit_global_asset_job_def(),
        tags=Owner("another-host", 1, "1").tags(),
    )
    assert instance.event_log_storage.get_concurrency_run_ids() == {dead.run_id}

    instance = ensure_instance(home)  # what every mtqg command does before its run

    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    failure = instance.all_logs(dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0]
    assert (
        "ended without finishing" in failure.message and "freed its pool slots" in failure.message
    )
    assert instance.event_log_storage.get_concurrency_run_ids() == set()
    # a run whose process lives, and one of another host, are not judged
    assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.NOT_STARTED
    assert instance.get_run_by_id(elsewhere.run_id).status == dg.DagsterRunStatus.NOT_STARTED
    assert recover_dead_runs(instance) == []  # done once

    results = []
    thread = threading.Thread(
        target=lambda: results.append(dg.materialize([written], instance=instance)), daemon=True
    )
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the next run still waits for the dead run's pool slot"
    assert results[0].success


def _announce(instance: dg.DagsterInstance, run: dg.DagsterRun, pid: int) -> None:
    """What the worker of a daemon-launched run reports when it starts (dagster._grpc.impl)."""
    from dagster._core.events import EngineEventData

    instance.report_engine_event(
        f"Started process for run (pid: {pid}).", run, EngineEventData.in_process(pid)
    )


def test_a_run_the_daemon_launched_is_judged_by_the_pid_its_worker_announced(home, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))
    instance = ensure_instance(home)
    no_tags = None
    dead = _started_run(instance, no_tags)  # a daemon's run: no mtqg tags, holds the slot
    _announce(instance, dead, _dead_pid())
    living = _started_run(instance, no_tags, claim=False)
    _announce(instance, living, os.getpid())
    reused = _started_run(instance, no_tags, claim=False)
    _announce(instance, reused, os.getpid())  # this pid, but announced before it started
    unannounced = _started_run(
        instance, no_tags, claim=False
    )  # launched, its worker not started yet

    with pytest.MonkeyPatch.context() as patch:
        # the announcement of `reused` is made to look older than this process
        real = Owner.announced

        def older(instance, run):
            owner = real(instance, run)
            if run.run_id == reused.run_id:
                return Owner(owner.host, owner.pid, "", announced_at=1.0)
            return owner

        patch.setattr(Owner, "announced", staticmethod(older))
        recovered = {r.run_id for r in recover_dead_runs(instance)}

    assert recovered == {dead.run_id, reused.run_id}
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(living.run_id).status == dg.DagsterRunStatus.STARTED
    assert instance.get_run_by_id(unannounced.run_id).status == dg.DagsterRunStatus.STARTED
    assert dead.run_id not in instance.event_log_storage.get_concurrency_run_ids()


def test_the_daemon_checks_for_dead_runs_every_half_minute(home, monkeypatch):
    from orchestration.sensors.recovery import run_recovery_sensor

    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))
    instance = ensure_instance(home)
    dead = _started_run(instance, None)
    _announce(instance, dead, _dead_pid())
    sensor = run_recovery_sensor()

    answer = sensor(dg.build_sensor_context(instance=instance))

    assert sensor.minimum_interval_seconds == 30
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert "1 dead run" in answer.skip_message
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE


def test_what_a_dead_daemon_run_left_running_is_stopped():
    dead_pid = _dead_pid()
    worker = Owner(this_process().host, dead_pid, "")  # its start time is not known
    orphan = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"],
        env={**os.environ, OWNER_ENV: f"{worker.host}:{dead_pid}:98765"},
    )
    bystander = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"],
        env={**os.environ, OWNER_ENV: f"{worker.host}:{dead_pid}1:98765"},
    )
    try:
        assert stop_orphans(worker, grace=5) == [orphan.pid]
        assert bystander.poll() is None
    finally:
        for process in (orphan, bystander):
            process.kill()
            process.wait()


# A child that takes SIGTERM as a new process does (whatever mask or disposition the test's
# worker has been left with), and says when it is running.
READY_SLEEPER = (
    "import signal, time; signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM]); "
    "signal.signal(signal.SIGTERM, signal.SIG_DFL); print('ready', flush=True); time.sleep(120)"
)


def test_what_a_dead_run_left_running_is_stopped():
    owner = Owner(this_process().host, _dead_pid(), "1")
    orphan = subprocess.Popen(
        [sys.executable, "-c", READY_SLEEPER],
        env={**os.environ, OWNER_ENV: owner.marker},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert orphan.stdout.readline() == "ready\n"  # signalled once it runs, not while it starts
    bystander = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"],
        env={**os.environ, OWNER_ENV: Owner(owner.host, owner.pid, "2").marker},
    )
    try:
        assert stop_orphans(owner, grace=5) == [orphan.pid]
        assert orphan.wait(timeout=10) == -signal.SIGTERM
        assert bystander.poll() is None
    finally:
        for process in (orphan, bystander):
            process.kill()
            process.wait()


def _dbt_builds_of(group: int) -> set[int]:
    """The `dbt build` processes in a process group (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != group:
                continue
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ProcessLookupError):
            continue
        if any(Path(a.decode(errors="replace")).name == "dbt" for a in args) and b"build" in args:
            found.add(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="watches processes in /proc")
def test_a_run_killed_in_its_dbt_build_does_not_stop_the_next(shared, tmp_path):
    example = shared / "sources" / "examples" / "bieu01_lao_cai_2024_q3.xlsx"
    home = tmp_path / "home"
    env = {**os.environ, "MTQG_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    env.pop(OWNER_ENV, None)
    command = [str(MTQG), "ingest", str(example), "--home", str(home)]
    log = (tmp_path / "first.log").open("w")
    first = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    started = time.monotonic()
    try:
        # wait for the second dbt build (the marts, after the gate), then kill -9 the whole group
        builds: list[int] = []
        while len(builds) < 2:
            assert first.poll() is None, (tmp_path / "first.log").read_text()[-3000:]
            assert time.monotonic() - started < 420, "no second dbt build within 420 s"
            builds += sorted(_dbt_builds_of(first.pid) - set(builds))
            time.sleep(0.05)
        killed_after = time.monotonic() - started
        # dbt carries its run's owner: were the run's process killed alone (the OOM killer),
        # the next run would find this orphan by it and stop it
        environ = Path(f"/proc/{builds[1]}/environ").read_bytes().split(b"\0")
        owner = f"{OWNER_ENV}={socket.gethostname()}:{first.pid}:".encode()
        assert any(item.startswith(owner) for item in environ)
        os.killpg(first.pid, signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    finally:
        log.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)

    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    try:
        (killed,) = instance.get_runs()
        assert killed.status == dg.DagsterRunStatus.STARTED  # what hung every later run
        assert instance.event_log_storage.get_concurrency_run_ids() == {killed.run_id}
    finally:
        instance.dispose()

    restarted = time.monotonic()
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    took = time.monotonic() - restarted
    output = second.stdout + second.stderr
    assert second.returncode == 0, output[-3000:]
    assert "bieu01_lao_cai_2024_q3.xlsx: accepted" in output
    print(f"killed after {killed_after:.0f} s in the marts' dbt build; next run took {took:.0f} s")

    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    try:
        assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.event_log_storage.get_concurrency_run_ids() == set()
    finally:
        instance.dispose()
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        batches = con.execute(
            "select count(*) from raw.batches where original_name = ?", [example.name]
        ).fetchone()[0]
        verdicts = con.execute(
            "select status from quality.batch_status where original_name = ?", [example.name]
        ).fetchall()
        sources = con.execute(
            "select count(distinct batch_id) from marts.fct_capital_progress"
        ).fetchone()[0]
    assert batches == 1
    assert verdicts == [("accepted",)]
    assert sources == 1
    assert (home / "reports" / "bao_cao_tien_do_latest.xlsx").exists()
