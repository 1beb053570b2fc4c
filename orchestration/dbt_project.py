"""The dbt project as Dagster sees it; its manifest is prepared at build time (`make`)."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# `dagster dev` re-parses on load so model edits show up; elsewhere the manifest built by
# `make` (dbt parse) is used as it is.
DBT_PROJECT.prepare_if_dev()
