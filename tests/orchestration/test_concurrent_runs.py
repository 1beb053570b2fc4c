"""Four runs started at once, each in its own process: the writer pool lets one write at a time.

Each run materialises a small asset on the warehouse writer pool that writes DuckDB through
the project's `connect()`, as every writer does; no run may fail and no two writes may overlap.
The runs share the home's instance (its dagster.yaml from `ensure_instance`), like the daemon's.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap

import duckdb
import pytest

from core.home import Home
from orchestration.instance import ensure_instance
from orchestration.resources import WAREHOUSE_WRITER_POOL

pytestmark = pytest.mark.slow

RUNS = 4
RUN = textwrap.dedent(
    """
    import sys, time
    import dagster as dg
    from core.home import Home
    from warehouse.connection import connect
    from orchestration.instance import ensure_instance

    # the pool's name comes from the test: importing the project's resources (dbt) is slow
    home, number, pool = Home.resolve(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

    @dg.asset(pool=pool)
    def written() -> None:
        # as every writer of the project: the pool serialises the steps, and the connection
        # waits (bounded) for a lock a finishing writer may still hold
        with connect(home.warehouse) as con:
            con.execute("create table if not exists writes (n int, started double, ended double)")
            started = time.time()
            time.sleep(0.3)
            con.execute("insert into writes values (?, ?, ?)", [number, started, time.time()])

    result = dg.materialize([written], instance=ensure_instance(home), raise_on_error=False)
    sys.exit(0 if result.success else 1)
    """
)


def test_four_runs_at_once_write_the_warehouse_one_at_a_time(tmp_path, monkeypatch):
    home = Home.resolve(tmp_path / "home").ensure()
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))  # ensure_instance sets it
    ensure_instance(home)  # dagster.yaml written once, before the runs race
    script = tmp_path / "run.py"
    script.write_text(RUN, encoding="utf-8")
    env = dict(os.environ, DAGSTER_HOME=str(home.dagster_home), MTQG_HOME=str(home.root))
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), str(home.root), str(n), WAREHOUSE_WRITER_POOL],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
        )
        for n in range(RUNS)
    ]
    outputs = [p.communicate(timeout=300)[0].decode("utf-8", "replace") for p in processes]

    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output[-4000:]
        assert "could not set lock" not in output.lower()
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        writes = con.execute("select n, started, ended from writes order by started").fetchall()
    assert sorted(n for n, _, _ in writes) == list(range(RUNS))
    for (_, _, ended), (_, started, _) in itertools.pairwise(writes):
        assert started >= ended, "two writers of the warehouse ran at the same time"
