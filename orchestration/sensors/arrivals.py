"""Sensors that start a source's job when it has something new: inbox drops and remote changes.

Each sensor bounds its run requests per tick, says in its skip reason why it asked for nothing,
and keeps its cursor as JSON. A probe that fails skips the tick (the cursor stays), so the next
tick tries again; the nightly and weekly schedules are the safety net.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg

from connectors import probes
from connectors.exceptions import MtqgError
from connectors.home import Home
from orchestration.jobs import MtqgJobs, safe_name

RUNNING = dg.DefaultSensorStatus.RUNNING
# A burst of dropped files becomes at most this many runs per tick; the rest wait a tick.
MAX_INBOX_RUNS_PER_TICK = 5
INBOX_INTERVAL_SECONDS = 10
PORTAL_INTERVAL_SECONDS = 300
MINISTRY_INTERVAL_SECONDS = 600
DONOR_INTERVAL_SECONDS = 1800
# Office writes `~$name.xlsx` while a workbook is open.
_LOCK_PREFIX = "~$"


def source_sensors(sources: list[Any], jobs: MtqgJobs, home: Home) -> list[dg.SensorDefinition]:
    """One sensor per enabled source that can be probed, each requesting its source's job."""
    builders: dict[str, Callable[[Any, Any, Home], dg.SensorDefinition]] = {
        "inbox": inbox_sensor,
        "ckan": ckan_sensor,
        "ministry_api": ministry_sensor,
        "iati_files": iati_files_sensor,
        "iati_datastore": datastore_sensor,
    }
    return [
        builders[s.kind](s, jobs.by_source[s.name], home)
        for s in sources
        if s.kind in builders and getattr(s, "enabled", True) and s.name in jobs.by_source
    ]


def _tags(source: Any, **more: str) -> dict[str, str]:
    return {"mtqg/source": source.name, "mtqg/trigger": "sensor", **more}


def _short_digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _cursor(context: dg.SensorEvaluationContext) -> dict[str, Any]:
    try:
        data = json.loads(context.cursor) if context.cursor else {}
    except ValueError:
        context.log.warning("sensor cursor unreadable; starting afresh")
        return {}
    return data if isinstance(data, dict) else {}


def _changed(current: dict[str, str], previous: dict[str, Any]) -> list[str]:
    """Keys whose fingerprint moved since the last tick, except those confirmed landed."""
    return sorted(
        key
        for key, fingerprint in current.items()
        if not fingerprint.startswith(probes.UNCHANGED) and previous.get(key) != fingerprint
    )


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def inbox_sensor(source: Any, job: Any, home: Home) -> dg.SensorDefinition:
    """Files dropped in the inbox: once a file's size and mtime held still between two ticks,
    its sha256 is its run key (the same content dropped twice runs once)."""
    inbox = home.resolve_path(getattr(source, "path", "inbox"))
    skip = {home.state, home.quarantine, home.landing, home.dagster_home}
    min_age = float(getattr(source, "min_age_seconds", 0) or 0)

    @dg.sensor(
        name=f"inbox_{safe_name(source.name)}_drops",
        job=job,
        minimum_interval_seconds=INBOX_INTERVAL_SECONDS,
        default_status=RUNNING,
        description=f"Starts {job.name} for each new file dropped in {inbox}.",
    )
    def _inbox(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        previous = _cursor(context)
        before = {k: tuple(v) for k, v in previous.get("looks", {}).items()}
        requested = previous.get("requested", {})
        now_ns = time.time_ns()
        looks = probes.look_at_inbox(inbox, skip)
        runs: list[dg.RunRequest] = []
        kept: dict[str, list[Any]] = {}
        moving, deferred = [], 0
        for rel, look in sorted(looks.items()):
            if Path(rel).name.startswith(_LOCK_PREFIX):
                continue
            old_enough = (now_ns - look[1]) / 1e9 >= min_age
            if before.get(rel) != look or not old_enough:
                moving.append(rel)
                continue
            earlier = requested.get(rel)
            if earlier and tuple(earlier[0]) == look:
                kept[rel] = earlier  # asked for already; its run has not taken it yet
                continue
            if len(runs) >= MAX_INBOX_RUNS_PER_TICK:
                deferred += 1
                continue
            try:
                digest = probes.sha256_of(inbox / rel)
            except FileNotFoundError:
                continue  # taken between the look and the hash
            kept[rel] = [list(look), digest]
            runs.append(
                dg.RunRequest(
                    run_key=f"{source.name}:{digest}",
                    tags=_tags(source, **{"mtqg/file_sha256": digest}),
                )
            )
        cursor = _dump({"looks": {k: list(v) for k, v in looks.items()}, "requested": kept})
        if deferred:
            context.log.info(f"{deferred} more stable file(s) wait for the next tick")
        if runs:
            return dg.SensorResult(run_requests=runs, cursor=cursor)
        if moving:
            reason = (
                f"{len(moving)} file(s) still arriving or younger than {min_age:g} s "
                f"(e.g. {moving[0]}); they are looked at again next tick"
            )
        elif kept:
            reason = f"{len(kept)} file(s) already requested; waiting for their run to take them"
        else:
            reason = f"no new file in {inbox}"
        return dg.SensorResult(skip_reason=reason, cursor=cursor)

    return _inbox


def ckan_sensor(source: Any, job: Any, home: Home) -> dg.SensorDefinition:
    """A portal's listing of the programme's resources changed (id, URL, size or dates)."""

    @dg.sensor(
        name=f"ckan_{safe_name(source.name)}_resources",
        job=job,
        minimum_interval_seconds=PORTAL_INTERVAL_SECONDS,
        default_status=RUNNING,
        description=f"Starts {job.name} when the portal {source.url} lists changed resources.",
    )
    def _ckan(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        try:
            current = probes.ckan_fingerprints(source, home)
        except MtqgError as exc:
            return dg.SkipReason(f"portal not probed: {exc}")
        previous = _cursor(context)
        changed = _changed(current, previous)
        cursor = _dump(current)
        if not changed:
            gone = len(set(previous) - set(current))
            note = f"; {gone} resource(s) no longer listed (landing keeps them)" if gone else ""
            return dg.SensorResult(
                skip_reason=f"{len(current)} resource(s) listed, none changed since landed{note}",
                cursor=cursor,
            )
        context.log.info(f"changed resources: {', '.join(changed[:20])}")
        run = dg.RunRequest(
            run_key=f"{source.name}:{_short_digest(current)}",
            tags=_tags(source, **{"mtqg/changed_resources": str(len(changed))}),
        )
        return dg.SensorResult(run_requests=[run], cursor=cursor)

    return _ckan


def ministry_sensor(source: Any, job: Any, home: Home) -> dg.SensorDefinition:
    """The gateway has records updated since the connector's last pull."""

    @dg.sensor(
        name=f"ministry_{safe_name(source.name)}_updates",
        job=job,
        minimum_interval_seconds=MINISTRY_INTERVAL_SECONDS,
        default_status=RUNNING,
        description=f"Starts {job.name} when {source.url} has records updated since the last pull.",
    )
    def _ministry(context: dg.SensorEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        try:
            changes = probes.ministry_changes(source, home)
        except MtqgError as exc:
            return dg.SkipReason(f"gateway not probed: {exc}")
        if not changes:
            return dg.SkipReason(
                f"no record updated since the last pull of {len(source.collections)} collection(s)"
            )
        described = [f"{c.collection}@{c.since or 'never pulled'}" for c in changes]
        context.log.info("to pull: " + ", ".join(described))
        # Stable until the pull moves the marks: ticks before the run starts ask for it once.
        return dg.RunRequest(run_key=f"{source.name}:{'|'.join(described)}", tags=_tags(source))

    return _ministry


def iati_files_sensor(source: Any, job: Any, home: Home) -> dg.SensorDefinition:
    """A donor's activity file answers with a new ETag / Last-Modified (or size)."""

    @dg.sensor(
        name=f"iati_{safe_name(source.name)}_files",
        job=job,
        minimum_interval_seconds=DONOR_INTERVAL_SECONDS,
        default_status=RUNNING,
        description=f"Starts {job.name} when one of its {len(source.urls)} file(s) changed.",
    )
    def _files(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        try:
            current = probes.iati_file_fingerprints(source, home)
        except MtqgError as exc:
            return dg.SkipReason(f"files not probed: {exc}")
        previous = _cursor(context)
        changed = _changed(current, previous)
        cursor = _dump(current)
        if not changed:
            return dg.SensorResult(
                skip_reason=f"{len(current)} file(s) unchanged since they were landed",
                cursor=cursor,
            )
        context.log.info("changed: " + ", ".join(changed))
        run = dg.RunRequest(
            run_key=f"{source.name}:{_short_digest({u: current[u] for u in changed})}",
            tags=_tags(source),
        )
        return dg.SensorResult(run_requests=[run], cursor=cursor)

    return _files


def datastore_sensor(source: Any, job: Any, home: Home) -> dg.SensorDefinition:
    """The Datastore's newest `last_updated_datetime` (or its count of docs) moved."""

    @dg.sensor(
        name=f"datastore_{safe_name(source.name)}_updates",
        job=job,
        minimum_interval_seconds=DONOR_INTERVAL_SECONDS,
        default_status=RUNNING,
        description=f"Starts {job.name} when the Datastore answers newer documents.",
    )
    def _datastore(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        try:
            current = probes.datastore_fingerprint(source)
        except MtqgError as exc:
            return dg.SkipReason(f"Datastore not probed: {exc}")
        if current == context.cursor:
            return dg.SensorResult(
                skip_reason=f"newest document and count unchanged ({current})", cursor=current
            )
        run = dg.RunRequest(run_key=f"{source.name}:{current}", tags=_tags(source))
        return dg.SensorResult(run_requests=[run], cursor=current)

    return _datastore
