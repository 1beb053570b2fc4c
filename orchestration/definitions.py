"""All of mtqg's Dagster definitions, built for the home in MTQG_HOME (`dagster dev` loads this)."""

from __future__ import annotations

import dagster as dg

from connectors.home import Home
from orchestration.automation import automation_sensor
from orchestration.ingestion.assets import landing_assets
from orchestration.jobs import build_jobs
from orchestration.quality.alerts import quality_alerts
from orchestration.quality.assets import quality_gate
from orchestration.quality.checks import fct_capital_progress_expectations
from orchestration.quality.partitions import province_period_verdicts
from orchestration.reporting.assets import steering_committee_progress
from orchestration.resources import build_resources
from orchestration.schedules import build_schedules
from orchestration.sensors.arrivals import source_sensors
from orchestration.sensors.failures import run_alert_sensors
from orchestration.sources import configured_sources
from orchestration.warehouse.dbt_assets import dbt_harmonise, dbt_marts
from orchestration.warehouse.raw_assets import raw_assets


def build_definitions(home: Home | None = None) -> dg.Definitions:
    home = (home or Home.resolve()).ensure()
    sources = configured_sources(home)
    jobs = build_jobs(sources)
    blocking_checks = [
        spec.key for spec in fct_capital_progress_expectations.check_specs if spec.blocking
    ]
    return dg.Definitions(
        assets=[
            *landing_assets(sources),
            raw_assets(sources),
            dbt_harmonise,
            quality_gate,
            dbt_marts,
            steering_committee_progress,
            quality_alerts,
            province_period_verdicts,
        ],
        asset_checks=[fct_capital_progress_expectations],
        jobs=jobs.all,
        schedules=build_schedules(jobs),
        sensors=[
            *source_sensors(sources, jobs, home),
            *run_alert_sensors(home, blocking_checks),
            automation_sensor(),
        ],
        resources=build_resources(home),
        # A run's steps share one process: the warehouse admits one writer at a time anyway,
        # and a process per step costs each step the start-up of Dagster and the project.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
