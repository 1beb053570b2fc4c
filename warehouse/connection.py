"""Connections to the DuckDB warehouse: one writer at a time, waiting (bounded) for another.

DuckDB locks the file per process: while one process holds it for writing nobody else opens it,
and while any other process holds it (even read-only: an analyst's DBeaver, the duckdb CLI, a
notebook) nobody writes. `connect` waits for such a lock to go, up to
`MTQG_WAREHOUSE_WAIT_SECONDS` (default 60), then raises `WarehouseBusy` naming the file, the
program holding it and what to do.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.errors import ConfigError, MtqgError

WAIT_SECONDS_ENV = "MTQG_WAREHOUSE_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 60.0
_POLL_SECONDS = 0.25
# DuckDB: 'Conflicting lock is held in /usr/bin/python3.11 (PID 30742)'
_HOLDER = re.compile(r"lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)", re.IGNORECASE)


class WarehouseBusy(MtqgError):
    """The warehouse file stayed locked by another process for longer than we wait."""

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool,
        waited: float,
        program: str | None = None,
        pid: int | None = None,
    ) -> None:
        self.path, self.read_only, self.waited = path, read_only, waited
        self.program, self.pid = program, pid
        super().__init__(self.describe())

    def describe(self) -> str:
        holder = "another program"
        if self.pid is not None:
            holder = f"{self.program or 'a program'} (process {self.pid})"
        if self.read_only:
            return (
                f"the warehouse {self.path} is being written by {holder}: it could not be "
                f"opened for reading within {self.waited:g} s. A pipeline run is probably under "
                "way; wait until it ends and try again."
            )
        return (
            f"the warehouse {self.path} is held open by {holder}, so this run could not write "
            f"to it within {self.waited:g} s. Close the connection that holds it — an analyst's "
            "DBeaver, duckdb CLI, notebook or BI tool (even read-only ones block writing), or "
            "another mtqg command — or wait until it ends; then run the mtqg command again (or "
            f"re-execute the run in the Dagster UI). {WAIT_SECONDS_ENV} sets how long runs wait."
        )


def wait_seconds_from_env() -> float:
    """How long to wait for another process's lock: MTQG_WAREHOUSE_WAIT_SECONDS, or 60."""
    text = os.environ.get(WAIT_SECONDS_ENV, "").strip()
    if not text:
        return DEFAULT_WAIT_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses nan
        raise ConfigError(
            f"{WAIT_SECONDS_ENV} must be a number of seconds (0 or more), not {text!r}"
        )
    return value


def _holder(exc: Exception) -> tuple[str | None, int | None]:
    """The program and process DuckDB names as holding the lock, when it names them."""
    match = _HOLDER.search(str(exc))
    if match is None:
        return None, None
    pid = int(match["pid"])
    return _command_of(pid) or Path(match["program"]).name or None, pid


def _command_of(pid: int) -> str | None:
    """'mtqg ingest', 'dbt build', 'duckdb' …: the process's command without its interpreter
    (Linux /proc; None elsewhere or when the process is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    args = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
    if args and Path(args[0]).name.startswith("python"):
        args = args[1:]
        if args[:1] == ["-m"]:
            args = args[1:]
        elif not args or args[0].startswith("-"):
            return "python"
    if not args:
        return None
    words = [Path(args[0]).name, *[a for a in args[1:2] if not a.startswith("-")]]
    return " ".join(words)[:60]


@contextmanager
def connect(
    path: Path, *, read_only: bool = False, wait_seconds: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; wait (bounded: `wait_seconds`, else MTQG_WAREHOUSE_WAIT_SECONDS,
    else 60 s) while another process holds a conflicting lock, then raise WarehouseBusy."""
    path = Path(path)
    if read_only and not path.exists():
        raise MtqgError(f"the warehouse {path} does not exist yet: run `mtqg run` or `mtqg demo`")
    path.parent.mkdir(parents=True, exist_ok=True)
    wait = wait_seconds_from_env() if wait_seconds is None else wait_seconds
    started = time.monotonic()
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            waited = time.monotonic() - started
            if waited >= wait:
                program, pid = _holder(exc)
                raise WarehouseBusy(
                    path, read_only=read_only, waited=wait, program=program, pid=pid
                ) from exc
            time.sleep(min(_POLL_SECONDS, max(0.0, wait - waited)))
    try:
        yield con
    finally:
        con.close()


def wait_until_writable(path: Path) -> None:
    """Return once no other process holds the warehouse (bounded like `connect`): for writers
    that open the file themselves, such as dbt, which would fail at once on a held lock."""
    with connect(path):
        pass


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything in the block commits together, or nothing does."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
