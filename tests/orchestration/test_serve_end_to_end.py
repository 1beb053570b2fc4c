"""`mtqg serve` with the real daemon: a Form 01 dropped in the inbox reaches marts and report."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import requests

pytestmark = pytest.mark.slow

WAIT_FOR_PIPELINE_SECONDS = 6 * 60
MTQG = Path(sys.executable).parent / "mtqg"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """A running `mtqg serve` for a home; its output (webserver and daemon) goes to a log file."""

    def __init__(self, home: Path, log: Path) -> None:
        self.home, self.log_path, self.port = home, log, free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "MTQG_HOME")}
        env["MTQG_LOG_LEVEL"] = "INFO"
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(MTQG), "serve", "--home", str(home), "--port", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_up(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"mtqg serve exited early:\n{self.logs()}"
            try:
                if requests.get(f"{self.url}/server_info", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise AssertionError(f"the webserver did not answer within {timeout} s:\n{self.logs()}")

    def logs(self, tail: int = 400) -> str:
        if not self._log.closed:
            self._log.flush()
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-tail:])

    def stop(self) -> int:
        """SIGTERM, as systemd or Ctrl-C would; returns serve's exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            code = self.process.wait()
        if not self._log.closed:
            self._log.close()
        return code


@pytest.fixture
def served(tmp_path, request):
    server = Served(tmp_path / "home", tmp_path / "serve.log")
    failures_before = request.session.testsfailed
    yield server
    server.stop()
    if request.session.testsfailed > failures_before:
        # the daemon's and webserver's own account of what happened, kept with the failure
        print(f"--- mtqg serve output ({server.log_path}) ---\n{server.logs()}")


def read_only(warehouse: Path, sql: str, attempts: int = 30) -> list[tuple]:
    """A short read-only query; the pipeline's writer may hold the file, so retry on its lock."""
    for _ in range(attempts):
        try:
            with duckdb.connect(str(warehouse), read_only=True) as con:
                return con.execute(sql).fetchall()
        except (duckdb.IOException, duckdb.CatalogException) as exc:
            if "lock" not in str(exc).lower() and "does not exist" not in str(exc).lower():
                raise
            time.sleep(2)
    raise AssertionError(f"{warehouse} stayed locked")


def finished_runs(home: Path) -> tuple[list, bool]:
    """The runs recorded in the home's instance, and whether any is still queued or running."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        runs = instance.get_runs()
    busy = any(not run.is_finished for run in runs)
    return runs, busy


def test_a_dropped_form01_is_landed_gated_and_reported_by_the_daemon(served, shared):
    example = shared / "sources" / "examples" / "bieu01_lao_cai_2024_q3.xlsx"
    truth = json.loads(example.with_name("bieu01_lao_cai_2024_q3.truth.json").read_text())
    served.wait_until_up()
    home = served.home
    report = home / "reports" / "bao_cao_tien_do_latest.xlsx"

    dropped_at = time.time()
    shutil.copyfile(example, home / "inbox" / example.name)

    deadline = time.monotonic() + WAIT_FOR_PIPELINE_SECONDS
    runs: list = []
    while time.monotonic() < deadline:
        assert served.process.poll() is None, "mtqg serve stopped by itself"
        if report.exists() and report.stat().st_mtime >= dropped_at:
            runs, busy = finished_runs(home)
            if not busy:
                break
        time.sleep(5)
    else:
        pytest.fail(f"no report republished within {WAIT_FOR_PIPELINE_SECONDS} s")

    sensor_runs = [r for r in runs if r.tags.get("dagster/sensor_name") == "inbox_inbox_drops"]
    assert len(sensor_runs) == 1, [(r.job_name, r.tags) for r in runs]
    (run,) = sensor_runs
    assert run.job_name == "sync_inbox"
    assert run.tags["dagster/run_key"].startswith("inbox:")
    assert run.status.value == "SUCCESS"
    assert not list((home / "inbox").iterdir())  # the run took the file into landing

    rows = read_only(
        home / "warehouse.duckdb",
        "select province_code, period, sum(planned_vnd), sum(disbursed_vnd) "
        "from marts.fct_capital_progress group by all",
    )
    assert rows == [
        (
            truth["province_code_2025"],
            truth["period"],
            truth["totals"]["planned_vnd"],
            truth["totals"]["disbursed_vnd"],
        )
    ]

    assert served.stop() == 0  # SIGTERM stops webserver and daemon cleanly
    with pytest.raises(requests.RequestException):
        requests.get(f"{served.url}/server_info", timeout=2)
