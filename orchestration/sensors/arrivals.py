"""Sensors that start a source's job when it has something new, one per source, made by one
factory from the kind's look (connectors/kinds): inbox drops, portals, gateways, donors.

Each sensor bounds its run requests per tick, says in its skip reason why it asked for nothing,
and keeps its cursor as JSON. A look that fails skips the tick (the cursor stays), so the next
tick tries again; the nightly and weekly schedules are the safety net.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from connectors.kinds import kind_of
from connectors.kinds.base import SensorSpec
from connectors.source_models import SourceModel
from core.errors import MtqgError
from core.home import Home
from orchestration.jobs import MtqgJobs, safe_name


def source_sensors(
    sources: list[SourceModel], jobs: MtqgJobs, home: Home
) -> list[dg.SensorDefinition]:
    """One sensor per enabled source whose kind can be looked at, each requesting its job."""
    return [
        source_sensor(s, kind_of(s).sensor, jobs.by_source[s.name], home)
        for s in sources
        if kind_of(s).sensor is not None and s.enabled and s.name in jobs.by_source
    ]


def source_sensor(
    source: SourceModel, spec: SensorSpec, job: Any, home: Home
) -> dg.SensorDefinition:
    @dg.sensor(
        name=spec.name.format(name=safe_name(source.name)),
        job=job,
        minimum_interval_seconds=spec.interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Starts {job.name} when {spec.describe(source)}.",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        try:
            look = spec.look(source, home, context.cursor)
        except MtqgError as exc:
            return dg.SkipReason(f"{source.name} not looked at: {exc}")
        for note in look.notes:
            context.log.info(note)
        runs = [dg.RunRequest(run_key=r.run_key, tags=dict(r.tags)) for r in look.runs]
        if runs:
            return dg.SensorResult(run_requests=runs, cursor=look.cursor)
        return dg.SensorResult(skip_reason=look.skip_reason, cursor=look.cursor)

    return _sensor
