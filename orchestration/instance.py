"""The Dagster instance of a home: its dagster.yaml (pools, run queue, storage) and runs.

Opening the instance first recovers what runs that died hard left behind (their pool slots,
their orphaned dbt): see `orchestration.recovery`.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

import dagster as dg
import yaml
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.errors import ConfigError
from core.home import Home
from orchestration.recovery import claim_run_processes, recover_dead_runs, remove_stale_files

if TYPE_CHECKING:
    from dagster._serdes import ConfigurableClassData

POSTGRES_URL_ENV = "MTQG_DAGSTER_POSTGRES_URL"


def instance_config(home: Home) -> dict:
    """dagster.yaml: every pool (the DuckDB writer's included) admits one step at a time."""
    config: dict = {
        "telemetry": {"enabled": False},
        # no newsletter invitation over the Office's UI
        "nux": {"enabled": False},
        "concurrency": {
            # A few runs may start while their writer steps wait for the pool: their start-up
            # (seconds of imports) overlaps the writer ahead of them instead of following it.
            "pools": {"default_limit": 1, "granularity": "op", "op_granularity_run_buffer": 3},
            "runs": {"max_concurrent_runs": 4},
        },
        # Retries are for runs that died (worker lost, process killed); a step that failed on
        # the data fails again, and sources retry their own requests.
        "run_retries": {"enabled": True, "max_retries": 2, "retry_on_asset_or_op_failure": False},
        # The daemon's monitoring; it also frees the pool slots of runs that ended a minute
        # ago. Runs of the command line have no daemon: `recover_dead_runs` does it for them.
        "run_monitoring": {"enabled": True, "free_slots_after_run_end_seconds": 60},
        # The run queue, looked at every second (Dagster's default is 5 s: a dropped file's
        # run waited up to that long); its class makes the daemon's storages fast (below).
        "run_coordinator": {
            "module": "orchestration.instance",
            "class": MtqgRunCoordinator.__name__,
            "config": {"dequeue_interval_seconds": 1},
        },
    }
    if os.environ.get(POSTGRES_URL_ENV):
        config["storage"] = {"postgres": {"postgres_url": {"env": POSTGRES_URL_ENV}}}
    return config


def _use_psycopg2(url: str) -> str:
    """The URL with the driver installed here: SQLAlchemy 2.1 reads a bare `postgresql://` as
    psycopg 3, which this environment does not have."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("postgres", "postgresql", "postgresql+psycopg2"):
        raise ConfigError(
            f"{POSTGRES_URL_ENV} must be a PostgreSQL URL such as "
            "postgresql://user:password@host:5432/dagster (its value is not shown here)"
        )
    return f"postgresql+psycopg2://{rest}"


def commit_sqlite_without_fsync() -> None:
    """Dagster's SQLite storages (a home without PostgreSQL) commit every event of a run in a
    connection of its own; in their WAL journal, `synchronous=NORMAL` stops each commit waiting
    for the disk (a dbt step writes hundreds of events: 10–30 s of fsyncs on this machine's
    disk). A killed process loses nothing committed; a power cut may lose the last events,
    never the database. PostgreSQL storage is not touched.

    The last connection to a WAL database that closes checkpoints it (two fsyncs) and deletes
    its journal, and Dagster closes its connection after every event: so this process also
    keeps one idle connection open to each of the few databases it last wrote (`_KEEPERS`),
    and an event's connection is never the last. The journal is checkpointed as it grows
    (every 1000 pages) and when the process ends."""
    if event.contains(Engine, "connect", _sqlite_synchronous_normal):
        return
    event.listen(Engine, "connect", _sqlite_synchronous_normal)
    atexit.register(close_kept_sqlite)
    os.register_at_fork(after_in_child=_disown_kept_sqlite)


def _sqlite_synchronous_normal(dbapi_connection: object, _record: object) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        _keep_open(dbapi_connection)


# At most this many databases are kept open: a run writes its own, the index and the runs'
# (the webserver reads many runs' databases; those beyond the last few close as before).
MAX_KEPT_DATABASES = 6
# database file -> an idle connection to it (no transaction, so it blocks no checkpoint)
_KEEPERS: OrderedDict[str, sqlite3.Connection] = OrderedDict()
_KEEPERS_LOCK = threading.Lock()


def _keep_open(connection: sqlite3.Connection) -> None:
    """Open an idle connection to `connection`'s database file, once, if it is in WAL mode
    (a database Dagster has just created becomes WAL in this very connection: the next one
    keeps it)."""
    rows = connection.execute("PRAGMA database_list").fetchall()
    path = next((row[2] for row in rows if row[1] == "main"), "")
    if not path:  # in memory
        return
    with _KEEPERS_LOCK:
        if path in _KEEPERS:
            _KEEPERS.move_to_end(path)
            return
    if connection.execute("PRAGMA journal_mode").fetchone() != ("wal",):
        return
    try:
        keeper = sqlite3.connect(path, check_same_thread=False)
        # a read opens the journal; the statement ends at once, leaving no transaction open
        keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()
    except sqlite3.Error:
        return  # kept open or not, the event is stored the same
    with _KEEPERS_LOCK:
        _KEEPERS[path], old = keeper, _KEEPERS.get(path)
        _KEEPERS.move_to_end(path)
        evicted = [
            _KEEPERS.popitem(last=False)[1] for _ in range(len(_KEEPERS) - MAX_KEPT_DATABASES)
        ]
    for other in [*evicted, *([old] if old is not None else [])]:
        other.close()


def _disown_kept_sqlite() -> None:
    """In a forked child: the parent's connections are never used nor closed here (closing
    one could checkpoint a journal the parent is writing); they are held until the child
    exits."""
    global _KEEPERS_LOCK
    _KEEPERS_LOCK = threading.Lock()  # another thread may have held it at the fork
    _DISOWNED.extend(_KEEPERS.values())
    _KEEPERS.clear()


_DISOWNED: list[sqlite3.Connection] = []


def close_kept_sqlite() -> None:
    """Close the idle connections (the last close checkpoints each database's journal)."""
    with _KEEPERS_LOCK:
        keepers = list(_KEEPERS.values())
        _KEEPERS.clear()
    for keeper in keepers:
        keeper.close()


class MtqgRunCoordinator(dg.QueuedRunCoordinator):
    """Dagster's run queue (`concurrency > runs` in dagster.yaml), named there so that every
    process of the home loads this module: the daemon, which stores each new run's planned
    events (one per asset and check, ~265) before it queues the run, and the webserver then
    commit to SQLite without fsync, as the command line and the run workers do."""

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> Self:
        commit_sqlite_without_fsync()
        return super().from_config_value(inst_data, config_value)


def ensure_instance(home: Home, *, recover: bool = True) -> dg.DagsterInstance:
    """Write the home's dagster.yaml (when changed) and open its instance; unless `recover` is
    false, runs of this host whose process died are marked failed and release their pool slots
    (and their orphaned dbt) first."""
    home.ensure()
    commit_sqlite_without_fsync()
    if os.environ.get(POSTGRES_URL_ENV):
        # Changed in the environment only, so the URL (and its password) never reaches a file;
        # the webserver and daemon started by `mtqg serve` inherit it.
        os.environ[POSTGRES_URL_ENV] = _use_psycopg2(os.environ[POSTGRES_URL_ENV])
    target = home.dagster_home / "dagster.yaml"
    text = yaml.safe_dump(instance_config(home), sort_keys=False)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home.dagster_home)
    instance = dg.DagsterInstance.from_config(str(home.dagster_home))
    if recover:
        recover_dead_runs(instance)
        remove_stale_files(home)
    return instance


def materialize_all(
    home: Home,
    defs: dg.Definitions,
    *,
    selection: Sequence[dg.AssetKey] | None = None,
    checks: Sequence[dg.AssetCheckKey] | None = None,
    tags: dict[str, str] | None = None,
    logger: dg.LoggerDefinition | None = None,
) -> dg.ExecuteInProcessResult:
    """Run the same definitions the UI shows, once, in this process, recorded in the instance.

    `logger` (the command line's: a log file and step progress) receives every event and log
    line of the run; without it Dagster's console logger shows warnings and errors
    (MTQG_LOG_LEVEL=INFO or DEBUG for more). The instance keeps every event either way.
    `checks` runs those asset checks without materialising their assets (blocking checks a
    command must respect before it builds what depends on them).
    """
    instance = ensure_instance(home)
    # Its process identity in the run's tags, inherited by dbt: the next run can tell when this
    # one died and stop what it left running.
    run_tags = {**(tags or {}), **claim_run_processes()}
    job = defs.resolve_implicit_global_asset_job_def()
    if checks:  # these checks on their own (with the assets of `selection`, if any)
        job = job.get_subset(
            asset_selection=set(selection or ()), asset_check_selection=set(checks)
        )
        selection = None
    if logger is not None:
        job = job.with_logger_defs({"mtqg": logger})
        loggers: dict = {"mtqg": {}}
    else:
        level = os.environ.get("MTQG_LOG_LEVEL", "WARNING").upper()
        loggers = {"console": {"config": {"log_level": level}}}
    return job.execute_in_process(
        instance=instance,
        asset_selection=list(selection) if selection else None,
        raise_on_error=False,
        tags=run_tags,
        run_config={"loggers": loggers},
    )
