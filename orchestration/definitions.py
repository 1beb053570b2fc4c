"""All of mtqg's Dagster definitions, built for the home in MTQG_HOME when Dagster loads them
(`dagster dev`, `mtqg serve`); importing this module does nothing."""

from __future__ import annotations

import dagster as dg

from core.home import Home
from orchestration.automation import automation_sensor
from orchestration.dbt_project import dbt_project
from orchestration.ingestion.assets import landing_assets
from orchestration.instance import commit_sqlite_without_fsync
from orchestration.jobs import build_jobs
from orchestration.publishing.assets import build_publish_assets
from orchestration.quality.alerts import quality_alerts
from orchestration.quality.assets import build_quality_gate
from orchestration.quality.checks import fct_capital_progress_expectations
from orchestration.quality.partitions import province_period_verdicts
from orchestration.reporting.assets import steering_committee_progress
from orchestration.resources import build_resources
from orchestration.schedules import build_schedules
from orchestration.sensors.arrivals import source_sensors
from orchestration.sensors.failures import run_alert_sensors
from orchestration.sensors.recovery import run_recovery_sensor
from orchestration.sources import configured_sources
from orchestration.warehouse.dbt_assets import build_dbt_assets
from orchestration.warehouse.raw_assets import raw_assets


def build_definitions(home: Home | None = None) -> dg.Definitions:
    home = home or Home.resolve()
    # the run workers `mtqg serve` starts load these definitions before they store any event
    commit_sqlite_without_fsync()
    sources = configured_sources(home)
    jobs = build_jobs(sources)
    project = dbt_project()
    blocking_checks = [
        spec.key for spec in fct_capital_progress_expectations.check_specs if spec.blocking
    ]
    return dg.Definitions(
        assets=[
            *landing_assets(sources),
            raw_assets(sources),
            *build_dbt_assets(project),
            build_quality_gate(),
            steering_committee_progress,
            quality_alerts,
            province_period_verdicts,
            *build_publish_assets(home, project.manifest_path),
        ],
        asset_checks=[fct_capital_progress_expectations],
        jobs=jobs.all,
        schedules=build_schedules(jobs),
        sensors=[
            *source_sensors(sources, jobs, home),
            *run_alert_sensors(home, blocking_checks),
            run_recovery_sensor(),
            automation_sensor(),
        ],
        resources=build_resources(home, project),
        # A run's steps share one process: the warehouse admits one writer at a time anyway,
        # and a process per step costs each step the start-up of Dagster and the project.
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What `dagster dev` and `mtqg serve` load."""
    return build_definitions()
