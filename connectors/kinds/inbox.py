"""Kind `inbox`: provincial files (Form 01, Form 02, CSV exports) dropped in a folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from connectors import probes
from connectors.inbox import take_stable_files
from connectors.kinds.base import FetchResult, Look, RunAsk, SensorSpec
from connectors.kinds.provincial import provincial_kind
from connectors.kinds.watching import dump_cursor, load_cursor, run_tags
from connectors.landing import Landing
from connectors.source_models import SourceModel
from core.home import Home

# A burst of dropped files becomes at most this many runs per look; the rest wait a look.
MAX_RUNS_PER_LOOK = 5
# Looked at every 5 s: a file holds still for one look, so its run starts 5–10 s after it
# lands (an officer waits for the republished report; the target is 30 s in all).
INTERVAL_SECONDS = 5
# Office writes `~$name.xlsx` while a workbook is open.
_LOCK_PREFIX = "~$"


class InboxSource(SourceModel):
    kind: Literal["inbox"]
    path: str = "inbox"  # relative paths are below MTQG_HOME
    min_age_seconds: Annotated[float, Field(ge=0)] = 0.0
    settle_seconds: Annotated[float, Field(ge=0, le=60)] = 0.0

    def with_paths_below(self, home: Home) -> InboxSource:
        return self.model_copy(update={"path": str(home.resolve_path(self.path))})


def inbox_state_path(home: Home, source_name: str) -> Path:
    """Where an inbox source keeps its looks between runs (and the files vouched complete)."""
    return home.state / f"{source_name}.inbox.json"


def fetch(source: InboxSource, home: Home, landing: Landing) -> FetchResult:
    taken = take_stable_files(
        home.resolve_path(source.path),
        landing,
        source=source.name,
        state_path=inbox_state_path(home, source.name),
        quarantine=home.quarantine / source.name,
        min_age_seconds=source.min_age_seconds,
        # two looks a moment apart within this call, so one run takes a finished file (none
        # when every file was seen still at the previous call or vouched complete)
        settle_seconds=source.settle_seconds or 1.0,
    )
    return FetchResult(
        source.name,
        source.kind,
        landed=list(taken.landed),
        refused=list(taken.refused),
        notes=[f"waiting for {name} to stop changing" for name in taken.waiting],
    )


def look(source: InboxSource, home: Home, cursor: str | None) -> Look:
    """Files dropped in the inbox: once a file's size and mtime held still between two looks,
    its sha256 is its run key (the same content dropped twice runs once)."""
    inbox = home.resolve_path(source.path)
    skip = {home.state, home.quarantine, home.landing, home.dagster_home}
    previous = load_cursor(cursor)
    before = {k: tuple(v) for k, v in previous.get("looks", {}).items()}
    requested = previous.get("requested", {})
    now_ns = time.time_ns()
    looks = probes.look_at_inbox(inbox, skip)
    runs: list[RunAsk] = []
    kept: dict[str, list[Any]] = {}
    moving, deferred = [], 0
    for rel, seen in sorted(looks.items()):
        if Path(rel).name.startswith(_LOCK_PREFIX):
            continue
        old_enough = (now_ns - seen[1]) / 1e9 >= source.min_age_seconds
        if before.get(rel) != seen or not old_enough:
            moving.append(rel)
            continue
        earlier = requested.get(rel)
        if earlier and tuple(earlier[0]) == seen:
            kept[rel] = earlier  # asked for already; its run has not taken it yet
            continue
        if len(runs) >= MAX_RUNS_PER_LOOK:
            deferred += 1
            continue
        try:
            digest = probes.sha256_of(inbox / rel)
        except FileNotFoundError:
            continue  # taken between the look and the hash
        kept[rel] = [list(seen), digest]
        runs.append(
            RunAsk(f"{source.name}:{digest}", run_tags(source, **{"mtqg/file_sha256": digest}))
        )
    new_cursor = dump_cursor({"looks": {k: list(v) for k, v in looks.items()}, "requested": kept})
    notes = (f"{deferred} more stable file(s) wait for the next tick",) if deferred else ()
    if moving:
        reason = (
            f"{len(moving)} file(s) still arriving or younger than {source.min_age_seconds:g} s "
            f"(e.g. {moving[0]}); they are looked at again next tick"
        )
    elif kept:
        reason = f"{len(kept)} file(s) already requested; waiting for their run to take them"
    else:
        reason = f"no new file in {inbox}"
    return Look(tuple(runs), new_cursor, None if runs else reason, notes)


KIND = provincial_kind(
    "inbox",
    InboxSource,
    fetch,
    SensorSpec(
        name="inbox_{name}_drops",
        interval_seconds=INTERVAL_SECONDS,
        look=look,
        describe=lambda source: f"each new file dropped in {source.path}",
    ),
)
