"""The Dagster instance of a home: its dagster.yaml (pools, run queue, storage) and runs."""

from __future__ import annotations

import os
from collections.abc import Sequence

import dagster as dg
import yaml

from connectors.home import Home

POSTGRES_URL_ENV = "MTQG_DAGSTER_POSTGRES_URL"


def instance_config(home: Home) -> dict:
    """dagster.yaml: every pool (the DuckDB writer's included) admits one step at a time."""
    config: dict = {
        "telemetry": {"enabled": False},
        "concurrency": {
            "pools": {"default_limit": 1, "granularity": "op"},
            "runs": {"max_concurrent_runs": 4},
        },
        "run_retries": {"enabled": True, "max_retries": 2},
        "run_monitoring": {"enabled": True},
    }
    if os.environ.get(POSTGRES_URL_ENV):
        config["storage"] = {"postgres": {"postgres_url": {"env": POSTGRES_URL_ENV}}}
    return config


def ensure_instance(home: Home) -> dg.DagsterInstance:
    """Write the home's dagster.yaml (when changed) and open its instance."""
    home.ensure()
    target = home.dagster_home / "dagster.yaml"
    text = yaml.safe_dump(instance_config(home), sort_keys=False)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home.dagster_home)
    return dg.DagsterInstance.from_config(str(home.dagster_home))


def materialize_all(
    home: Home,
    defs: dg.Definitions,
    *,
    selection: Sequence[dg.AssetKey] | None = None,
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run the same definitions the UI shows, once, in this process, recorded in the instance."""
    instance = ensure_instance(home)
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=instance,
        asset_selection=list(selection) if selection else None,
        raise_on_error=False,
        tags=tags or {},
    )
