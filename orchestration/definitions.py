"""All of mtqg's Dagster definitions, built for the home in MTQG_HOME (`dagster dev` loads this)."""

from __future__ import annotations

import dagster as dg

from connectors.home import Home
from orchestration.ingestion.assets import landing_assets
from orchestration.quality.alerts import quality_alerts
from orchestration.quality.assets import quality_gate
from orchestration.quality.checks import fct_capital_progress_expectations
from orchestration.reporting.assets import steering_committee_progress
from orchestration.resources import build_resources
from orchestration.sources import configured_sources
from orchestration.warehouse.dbt_assets import dbt_harmonise, dbt_marts
from orchestration.warehouse.raw_assets import raw_assets


def build_definitions(home: Home | None = None) -> dg.Definitions:
    home = (home or Home.resolve()).ensure()
    sources = configured_sources(home)
    return dg.Definitions(
        assets=[
            *landing_assets(sources),
            raw_assets(sources),
            dbt_harmonise,
            quality_gate,
            dbt_marts,
            steering_committee_progress,
            quality_alerts,
        ],
        asset_checks=[fct_capital_progress_expectations],
        resources=build_resources(home),
    )


defs = build_definitions()
