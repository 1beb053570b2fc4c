"""The whole Dagster project loads, for a home with every kind of source."""

from __future__ import annotations

import dagster as dg

from connectors.config import render_sources_template
from orchestration.definitions import build_definitions

EVERY_KIND = {
    "ministry_api": "http://127.0.0.1:9/gateway",
    "iati_files": ["http://127.0.0.1:9/files/donor-a.xml"],
    "iati_datastore": "http://127.0.0.1:9/datastore",
    "ckan": "http://127.0.0.1:9/portal",
}


def test_definitions_load_with_every_kind_of_source(home):
    home.sources_yaml.write_text(render_sources_template(**EVERY_KIND), encoding="utf-8")

    defs = build_definitions(home)

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    landing = {k for k in keys if k.startswith("landing/")}
    assert len(landing) >= 5, landing  # one per configured source, inbox and reference included
    for expected in (
        "raw/batches",
        "raw/provincial_report_lines",
        "raw/ministry_capital_plans",
        "raw/iati_transactions",
        "staging/stg_provincial__report_lines",
        "intermediate/int_provincial_progress_unpivoted",
        "quality/batch_status",
        "marts/fct_capital_progress",
        "marts/dim_province",
        "reports/steering_committee_progress",
        "quality/alerts",
    ):
        assert expected in keys, expected
    # the gate sits between harmonisation and the marts, which read its verdicts through staging
    verdicts = dg.AssetKey(["staging", "stg_quality__batch_status"])
    assert verdicts in graph.get(dg.AssetKey(["marts", "fct_capital_progress"])).parent_keys
    assert dg.AssetKey(["quality", "batch_status"]) in graph.get(verdicts).parent_keys
    # dbt tests and our GX suite are asset checks; the mart's GX check blocks the report
    checks = {c.name for c in graph.asset_check_keys}
    assert "fct_capital_progress_expectations" in checks
    assert any(name.startswith("not_null_fct_capital_progress") for name in checks)
    defs.resolve_implicit_global_asset_job_def()


def test_without_sources_yaml_the_inbox_is_the_only_source(home):
    defs = build_definitions(home)

    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {k for k in keys if k.startswith("landing/")} == {"landing/inbox"}


def test_a_clone_without_a_manifest_gets_one_when_definitions_are_built(tmp_path, monkeypatch):
    """`uv sync` alone makes no manifest: the definitions parse the project themselves with this
    environment's dbt, whether or not the venv is on PATH."""
    import shutil

    from orchestration.dbt_project import DBT_PROJECT_DIR, dbt_project

    copy = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    project = dbt_project(copy)
    assert project.manifest_path.is_file()
    assert project.manifest_path.is_relative_to(copy)
