"""One small warehouse for the output models (norms, beneficiary review, donor view, report
tables): the two deliveries of test_warehouse_builds plus household lists, central plans for
2026, a quarantined re-submission and a second 2025 province; built once per test module."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from tests.dbt.raw_builder import PROJECT, WAREHOUSE, dbt
from tests.dbt.test_warehouse_builds import (
    _accepted,
    _batch,
    _report_line,
    _transaction,
    _warehouse,
    first_delivery,
    second_delivery,
)

HYPERLINK = '=HYPERLINK("http://evil.example/x","x")'
# The output models, the detail table, and the models of the trust issue the report reads when
# they exist (a selector that matches nothing is only a warning).
OUTPUTS = (
    "+path:models/marts/outputs +rpt_progress_by_province +quality_report_caveats "
    "+lineage_report_cells +fct_progress_restatements +mart_source_reconciliation"
)


def _at(day: int) -> datetime:
    return datetime(2026, 4, day, 8, 0, tzinfo=UTC)


def _household(batch_id, row, pseudonym, commune, village, year, content="Hỗ trợ đất sản xuất"):
    return {
        "batch_id": batch_id,
        "source_file_sha256": batch_id,
        "report_index": 0,
        "form": "form02",
        "province_name": "Kon Tum",
        "admin_era": "2008",
        "province_code_as_reported": "62",
        "province_code_2025": "51",
        "period": str(year),
        "period_end_date": date(year, 12, 31),
        "unit": "triệu đồng",
        "unit_vnd": 1_000_000,
        "source_sheet": "Bieu02",
        "source_row": row,
        "household_pseudonym": pseudonym,
        "ethnicity": "Xơ Đăng",
        "village_name": village,
        "commune_name": commune,
        "district_name": "Huyện Đăk Hà",
        "support_content": content,
        "amount_vnd": 20_000_000,
        "support_year": year,
        "is_repeat_household": False,
    }


def third_delivery() -> dict[str, list[dict]]:
    """Kon Tum's household lists of 2024 and 2025 (one household in both, for the same content;
    one in a commune outside the programme's areas), central plans for 2026, and a Gia Lai
    (2025 code 52) report."""
    plans = [
        {
            "id": f"KHV-2026-{code}-DA3",
            "year": 2026,
            "plan_kind": "annual",
            "province_code": code,
            "admin_era": "2025",
            "project_code": "DA3",
            "budget_source": "NSTW",
            "capital_type": "SN",
            "amount_million_vnd": amount,
            "decision_no": "215/QĐ-BTC",
            "decision_date": date(2026, 1, 22),
            "updated_at": _at(3),
            "batch_id": "mof-plans-3",
        }
        for code, amount in (("52", "2500"), ("51", "1000"))
    ]
    return {
        "raw.batches": [
            {**_batch("kontum-hh-2024", "form02", 3), "original_name": HYPERLINK + ".xlsx"},
            _batch("kontum-hh-2025", "form02", 3),
            _batch("quangngai-hh-2026", "form02", 3),
            _batch("mof-plans-3", "capital-plans", 3, "ministry_api"),
            _batch("gialai-2026-q1", "form01", 3),
            _batch("ref-old-wards", "reference_wards_pre2025", 3, "reference"),
            _batch("ref-districts", "reference_districts_pre2025", 3, "reference"),
            _batch("donor-file-2", "iati_activities", 3, "iati_files"),
        ],
        "raw.beneficiary_support_lines": [
            _household("kontum-hh-2024", 7, "hh-aaaa", "Xã Đăk Kôi", "Thôn 1", 2024),
            _household("kontum-hh-2024", 8, "hh-bbbb", "Xã Đăk Pxi", "Thôn 9", 2024),
            _household("kontum-hh-2025", 7, "hh-aaaa", "Đăk Kôi", "Thôn 2", 2025),
            _household("kontum-hh-2025", 9, "hh-cccc", "Xã Đăk Kôi", "Làng Mới", 2025),
            # a list in 2025 units: the new commune Kon Braih took part of the old Đăk Kôi
            {
                **_household("quangngai-hh-2026", 5, "hh-dddd", "Xã Kon Braih", "Thôn 3", 2026),
                "admin_era": "2025",
                "province_code_as_reported": "51",
                "province_name": "Quảng Ngãi",
                "district_name": None,
            },
        ],
        "raw.ministry_capital_plans": plans,
        "raw.provincial_report_lines": [
            {
                **_report_line(
                    "gialai-2026-q1",
                    "2025",
                    "52",
                    "52",
                    "2026-Q1",
                    date(2026, 3, 31),
                    "DA3",
                    "DA3.1",
                    12,
                    2_500_000_000,
                    1_000_000_000,
                ),
                "province_name": "Gia Lai",
            }
        ],
        # Two Gia Lai communes outside the programme's areas, in the 2025 list's batch.
        "raw.reference_wards_2025": [
            {
                "ward_code": code,
                "ward_name": name,
                "province_code": "52",
                "name_key": key,
                "batch_id": "ref-wards",
            }
            for code, name, key in (
                ("24000", "Ia Grai", "xa ia grai"),
                ("24001", "Ia Pa", "xa ia pa"),
            )
        ],
        "raw.iati_activities": [
            {
                "iati_identifier": "XI-DEMO-NUT-VN-WATER-01",
                "reporting_org_ref": "XI-DEMO-NUT",
                "reporting_org_name": HYPERLINK,
                "default_currency": "USD",
                "batch_id": "donor-file-2",
            }
        ],
        # the activity file carries its transaction too (a file is the activity's whole account)
        "raw.iati_transactions": [
            _transaction(
                "XI-DEMO-NUT-VN-WATER-01", 0, "2", date(2024, 8, 1), "2000", "USD", "donor-file-2"
            )
        ],
        "raw.reference_wards_pre2025": [
            {
                "ward_code": code,
                "ward_name": name,
                "district_code": "610",
                "batch_id": "ref-old-wards",
            }
            for code, name in (("23500", "Xã Đăk Kôi"), ("23510", "Xã Đăk Pxi"))
        ],
        "raw.reference_districts_pre2025": [
            {
                "district_code": "610",
                "district_name": "Huyện Đăk Hà",
                "province_code": "62",
                "batch_id": "ref-districts",
            }
        ],
    }


def quarantined_delivery() -> dict[str, list[dict]]:
    """Quảng Ngãi's 2026-Q2 report, quarantined: a caveat whose last accepted period is 2026-Q1."""
    line = _report_line(
        "quangngai-2026-q2",
        "2025",
        "51",
        "51",
        "2026-Q2",
        date(2026, 6, 30),
        "DA1",
        None,
        10,
        7_500_000_000,
        900_000_000,
    )
    return {
        "raw.batches": [
            {**_batch("quangngai-2026-q2", "form01", 4), "original_name": "=HYPERLINK(1)"}
        ],
        "raw.provincial_report_lines": [line],
        "quality.batch_status": [
            {
                "batch_id": "quangngai-2026-q2",
                "status": "quarantined",
                "original_name": "bieu01_quang_ngai_q2.xlsx",
                "dataset": "form01",
                "reasons": "sheet Bieu01, row 10: tổng không khớp",
                "loaded_at": _at(4),
                "gated_at": _at(4),
            }
        ],
    }


def rerun_models(tmp: Path, path: Path, *models: str) -> None:
    """Run models again on `path` with the SQL dbt compiled for them in `build_outputs(tmp)`
    (no second dbt start-up): after a test changed a table they read."""
    compiled = tmp / "target" / "compiled" / "mtqg" / "models" / "marts" / "outputs"
    with duckdb.connect(str(path)) as con:
        for model in models:
            sql = (compiled / f"{model}.sql").read_text(encoding="utf-8")
            con.execute(f"create or replace table marts.{model} as ({sql})")


def build_outputs(tmp: Path, project: Path | None = None) -> Path:
    """The warehouse with every delivery, and the output models (and what they read) built."""
    path = tmp / "warehouse.duckdb"
    _warehouse(
        path,
        _accepted(first_delivery(), 1),
        _accepted(second_delivery(), 2),
        _accepted(third_delivery(), 3),
        quarantined_delivery(),
    )
    build_models(tmp, path, project)
    return path


def build_models(tmp: Path, path: Path, project: Path | None = None, select: str = OUTPUTS) -> None:
    """Seeds and models only: the models' data tests run in test_warehouse_builds' whole-project
    builds (DuckDB and PostgreSQL)."""
    env = {} if path == tmp / WAREHOUSE else {"MTQG_WAREHOUSE": str(path)}
    dbt(
        tmp,
        "build",
        "--select",
        select,
        "--exclude",
        "resource_type:test",
        env=env,
        project=project or PROJECT,
    )
