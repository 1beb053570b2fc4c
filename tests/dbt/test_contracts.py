"""The marts analysts rely on keep an enforced contract and a version (names, types, not-null
keys): a breaking change fails `dbt build` instead of surprising a dashboard. Reads the manifest
`make install` parses (no build here: the dbt builds of test_warehouse_builds.py enforce them on
DuckDB and on PostgreSQL)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

MANIFEST = Path(__file__).resolve().parents[2] / "dbt_project" / "target" / "manifest.json"
RELIED_ON = re.compile(r"^(fct_|dim_|rpt_)|^mart_programme_progress$")
# The report's own working tables (models/marts/outputs/: one per sheet) change with the report;
# analysts read the facts, dimensions and the progress tables, which are bound by contract.
REPORT_TABLES = "models/marts/outputs/"


def test_every_mart_analysts_rely_on_has_an_enforced_versioned_contract():
    if not MANIFEST.is_file():
        pytest.skip(f"no dbt manifest at {MANIFEST}: `make install` parses the project")
    models = [
        node
        for node in json.loads(MANIFEST.read_text(encoding="utf-8"))["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    ]
    relied_on = [
        m
        for m in models
        if RELIED_ON.match(m["name"]) and not m["original_file_path"].startswith(REPORT_TABLES)
    ]
    assert {m["name"] for m in relied_on} >= {
        "fct_capital_progress", "fct_capital_plan", "fct_disbursement", "fct_donor_transactions",
        "dim_province", "dim_commune", "dim_programme", "dim_donor", "dim_period",
        "mart_programme_progress", "rpt_progress_by_province",
    }  # fmt: skip
    for model in relied_on:
        name = model["name"]
        assert model["contract"]["enforced"], f"{name}: no enforced contract"
        assert model["version"] == model["latest_version"] == 1, f"{name}: no version"
        assert model["alias"] == name, f"{name}: the version must keep the table's name"
        columns = model["columns"].values()
        assert columns and all(c["data_type"] for c in columns), f"{name}: a column has no type"
        not_null = {c["name"] for c in columns if {"type": "not_null"} in [
            {"type": k["type"]} for k in c["constraints"]]}  # fmt: skip
        assert not_null, f"{name}: no not-null key"
