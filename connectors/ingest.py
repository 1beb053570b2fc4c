"""One entry point per step for every source kind: fetch into landing, then load landing into raw.

Orchestration calls these two functions and nothing kind-specific, so a new kind of source is
added here (and in config.py), never in the Dagster wiring.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from connectors.home import Home
from connectors.landing import LandedFile, Landing
from connectors.raw_loading import BatchLoad, load_provincial_file, loaded_batch_ids
from connectors.warehouse import delete_raw_batches

log = logging.getLogger("mtqg.connectors.ingest")

PROVINCIAL_FILE_KINDS = {"inbox", "ckan"}


@dataclass
class FetchResult:
    """What one fetch of one source brought into landing."""

    source: str
    kind: str
    landed: list[LandedFile] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(1 for f in self.landed if f.is_new)


def fetch_source(source: Any, home: Home) -> FetchResult:
    """Bring one configured source's new payloads into landing (no warehouse access)."""
    landing = Landing(home.landing)
    if source.kind == "inbox":
        from connectors.inbox import take_stable_files

        inbox = home.resolve_path(getattr(source, "path", "inbox"))
        taken = take_stable_files(
            inbox,
            landing,
            source=source.name,
            state_path=home.state / f"{source.name}.inbox.json",
            quarantine=home.quarantine / source.name,
            min_age_seconds=getattr(source, "min_age_seconds", 0),
            # two looks one moment apart within this call, so one run takes a finished file
            settle_seconds=getattr(source, "settle_seconds", 1.0),
        )
        return FetchResult(
            source.name,
            source.kind,
            landed=list(taken.landed),
            refused=list(taken.refused),
            notes=[f"waiting for {name} to stop changing" for name in taken.waiting],
        )
    raise NotImplementedError(f"source kind {source.kind!r} cannot be fetched yet")


def load_landed_into_raw(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    sources: Sequence[Any],
    *,
    reload: bool = False,
) -> list[BatchLoad]:
    """Load every landed payload of the given sources that raw does not hold yet."""
    landing = Landing(home.landing)
    done = set() if reload else loaded_batch_ids(con)
    loads: list[BatchLoad] = []
    for source in sources:
        if source.kind in PROVINCIAL_FILE_KINDS:
            loads.extend(_load_provincial_files(con, landing.files(source.name), source, done))
    return loads


def _load_provincial_files(
    con: duckdb.DuckDBPyConnection,
    files: Iterable[LandedFile],
    source: Any,
    done: set[str],
) -> list[BatchLoad]:
    loads = []
    for landed in files:
        if landed.sha256 in done:
            continue  # the same content arrived again (or through another source)
        loads.append(load_provincial_file(con, landed, source=source.name, source_kind=source.kind))
        done.add(landed.sha256)
    return loads


def replay_raw(
    con: duckdb.DuckDBPyConnection, home: Home, sources: Sequence[Any]
) -> list[BatchLoad]:
    """Rebuild the raw tables of these sources from landing alone."""
    con.execute("begin transaction")
    try:
        for source in sources:
            delete_raw_batches(con, source=source.name)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return load_landed_into_raw(con, home, sources, reload=True)
