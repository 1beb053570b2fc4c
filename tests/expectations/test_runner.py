"""The runner judges a provincial batch: clean passes, each blocking failure names its rows."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from core.errors import ConfigError
from expectations import runner
from expectations.runner import ValidationOutcome, validate

SUITE = "provincial_progress_batch"
SHA = "ab" * 32
TODAY = date(2024, 12, 31)
CHECK_RESULT_COLUMNS = [
    "batch_id",
    "suite",
    "expectation_type",
    "column_name",
    "severity",
    "success",
    "unexpected_count",
    "element_count",
    "message_vi",
    "message_en",
    "failing_locations_json",
    "evaluated_at",
]


def fact(row: int, **changes) -> dict:
    """One clean leaf fact of sheet Bieu01; `row` also makes its key unique."""
    record = {
        "batch_id": "batch-1",
        "source_file_sha256": SHA,
        "source_sheet": "Bieu01",
        "source_row": row,
        "form": "form01",
        "province_code": "15",
        "province_code_as_reported": "10",
        "admin_era": "2008",
        "period": "2024-Q3",
        "period_end_date": date(2024, 9, 30),
        "project_code": f"DA{row}",
        "subproject_code": f"DA{row}.1" if row % 3 else None,
        "budget_source": "central" if row % 2 else "local",
        "capital_type": "investment",
        "planned_vnd": 1_000_000 * row,
        "disbursed_vnd": 400_000 * row,
        "is_known_province": True,
        "is_known_programme_code": True,
    }
    record.update(changes)
    return record


def frame(records: list[dict]):
    """The frame as the lead gets it: DuckDB → Arrow → pandas (dates as objects, str dtype)."""
    return pa.Table.from_pylist(records).to_pandas()


def clean(n: int = 100) -> list[dict]:
    return [fact(row) for row in range(10, 10 + n)]


def run(records: list[dict], **kwargs) -> ValidationOutcome:
    return validate(SUITE, frame(records), params={"today": TODAY}, **kwargs)


def sheet_rows(outcome) -> list[tuple[str, int]]:
    return [(loc["source_sheet"], loc["source_row"]) for loc in outcome.failing_locations]


def only_blocking(result: ValidationOutcome, message_en: str):
    assert not result.passed
    assert [f.message_en for f in result.blocking_failures] == [message_en]
    return result.blocking_failures[0]


@pytest.fixture(scope="module", autouse=True)
def warm_gx():
    """Import GX and build the shared context once for the whole module."""
    runner._gx()


def test_importing_the_runner_does_not_import_gx():
    code = "import sys, expectations.runner; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_clean_batch_passes_and_every_expectation_is_reported():
    result = run(clean())
    assert result.passed, [f.message_en for f in result.blocking_failures]
    assert result.warnings == []
    assert result.row_count == 100
    assert len(result.results) == 36
    assert all(r.success for r in result.results)


def test_caller_frame_is_not_changed():
    df = frame(clean(5))
    before = df.dtypes.astype(str).to_dict()
    validate(SUITE, df, params={"today": TODAY})
    assert df.dtypes.astype(str).to_dict() == before


def test_null_project_code_blocks_and_names_the_row():
    records = clean(20)
    records[4]["project_code"] = None
    failure = only_blocking(run(records), "Project code is missing")
    assert failure.message_vi == "Thiếu mã dự án"
    assert failure.columns == ("project_code",)
    assert failure.unexpected_count == 1
    assert sheet_rows(failure) == [("Bieu01", 14)]
    assert failure.failing_locations[0]["source_file_sha256"] == SHA


def test_negative_amount_blocks():
    records = clean(20)
    records[2]["planned_vnd"] = -5
    result = run(records)
    failure = only_blocking(result, "Planned amount is negative")
    assert sheet_rows(failure) == [("Bieu01", 12)]
    assert failure.observed_value == [-5]
    # -5 planned against 4.8 million disbursed is also a warning, but does not matter here.
    assert [w.message_en for w in result.warnings] == ["Disbursed is more than planned"]


def test_unknown_province_flag_blocks():
    records = clean(20)
    for record in records[5:7]:
        record.update(is_known_province=False, province_code=None)
    failure = only_blocking(run(records), "The reporting province is not a known province")
    assert sheet_rows(failure) == [("Bieu01", 15), ("Bieu01", 16)]


def test_empty_programme_flag_blocks():
    records = clean(20)
    records[3]["is_known_programme_code"] = None
    failure = only_blocking(
        run(records), "Whether the programme code is known was not determined (empty flag)"
    )
    assert sheet_rows(failure) == [("Bieu01", 13)]


def test_period_ending_after_today_blocks():
    records = clean(20)
    records[0].update(period="2025-Q1", period_end_date=date(2025, 3, 31))
    failure = only_blocking(run(records), "Reporting period ends in the future or before 2021")
    assert sheet_rows(failure) == [("Bieu01", 10)]
    # The same batch judged a year later is fine: `today` is a parameter, not a constant.
    later = validate(SUITE, frame(records), params={"today": date(2025, 12, 31)})
    assert later.passed


def test_duplicate_key_blocks_also_when_subproject_is_null():
    records = clean(20)
    twin = dict(records[2], source_row=40)
    assert twin["subproject_code"] is None
    records.append(twin)
    failure = only_blocking(
        run(records),
        "Duplicate fact: same province, period, project, sub-project, budget source and "
        "capital type",
    )
    assert sheet_rows(failure) == [("Bieu01", 12), ("Bieu01", 40)]


def test_missing_column_is_a_blocking_schema_failure_not_a_crash():
    df = frame(clean(20)).drop(columns=["disbursed_vnd"])
    result = validate(SUITE, df, params={"today": TODAY})
    assert not result.passed
    failed = {(f.expectation_type, f.column_name) for f in result.blocking_failures}
    assert ("expect_table_columns_to_match_set", None) in failed
    assert ("expect_column_values_to_not_be_null", "disbursed_vnd") in failed
    # The planned ≥ disbursed check is a warning, but without its column it blocks.
    pair = next(r for r in result.results if r.column_name == "planned_vnd, disbursed_vnd")
    assert pair.severity == "blocking" and not pair.success
    assert "Column disbursed_vnd is missing" in pair.message_en
    assert "Thiếu cột disbursed_vnd" in pair.message_vi
    table = next(r for r in result.results if r.expectation_type.startswith("expect_table_col"))
    assert table.observed_value == {"missing": ["disbursed_vnd"]}
    # Checks on the columns that are there still ran.
    assert all(
        r.success
        for r in result.results
        if "disbursed_vnd" not in r.columns
        and r.expectation_type != "expect_table_columns_to_match_set"
    )


def test_empty_frame_fails_only_on_row_count():
    empty = frame(clean(3)).iloc[0:0]
    result = validate(SUITE, empty, params={"today": TODAY})
    failure = only_blocking(result, "The report has no leaf rows of data")
    assert failure.expectation_type == "expect_table_row_count_to_be_between"
    assert failure.observed_value == 0


def test_disbursed_above_planned_is_a_warning_only():
    records = clean(20)
    records[7]["disbursed_vnd"] = records[7]["planned_vnd"] + 1
    result = run(records)
    assert result.passed
    assert result.blocking_failures == []
    (warning,) = result.warnings
    assert warning.severity == "warning"
    assert warning.message_en == "Disbursed is more than planned"
    assert sheet_rows(warning) == [("Bieu01", 17)]


def test_bad_period_label_is_a_warning():
    records = clean(20)
    records[1]["period"] = "Q3/2024"
    result = run(records)
    assert result.passed
    assert [w.message_en.split(" (")[0] for w in result.warnings] == [
        "Period label is not in the contract's form"
    ]


def test_failing_locations_are_sorted_and_capped():
    records = clean(80)
    for record in reversed(records):
        record["disbursed_vnd"] = -1
    failure = only_blocking(run(records), "Disbursed amount is negative")
    assert failure.unexpected_count == 80
    assert len(failure.failing_locations) == runner.MAX_LOCATIONS
    assert sheet_rows(failure) == [("Bieu01", row) for row in range(10, 10 + 50)]


def test_wrong_type_of_amount_blocks():
    df = frame(clean(10))
    df["planned_vnd"] = df["planned_vnd"].astype(float)
    result = validate(SUITE, df, params={"today": TODAY})
    failure = only_blocking(result, "planned_vnd must be an integer number of đồng")
    assert failure.observed_value == "float64"


def test_to_check_records_shape():
    records = clean(20)
    records[4]["project_code"] = None
    result = run(records)
    when = datetime(2024, 10, 5, 8, 0, tzinfo=UTC)
    rows = result.to_check_records("batch-1", when)
    assert len(rows) == len(result.results) == 36
    assert all(list(row) == CHECK_RESULT_COLUMNS for row in rows)
    assert {row["suite"] for row in rows} == {SUITE}
    assert {row["evaluated_at"] for row in rows} == {when}
    failed = [row for row in rows if not row["success"]]
    assert len(failed) == 1
    (row,) = failed
    assert row["column_name"] == "project_code"
    assert row["severity"] == "blocking"
    assert (row["unexpected_count"], row["element_count"]) == (1, 20)
    assert json.loads(row["failing_locations_json"]) == [
        {"source_file_sha256": SHA, "source_row": 14, "source_sheet": "Bieu01"}
    ]
    compound = next(r for r in rows if r["expectation_type"].startswith("expect_compound"))
    assert compound["column_name"].startswith("batch_id, province_code_as_reported, period")
    assert json.loads(compound["failing_locations_json"]) == []


def test_missing_parameter_is_a_config_error():
    with pytest.raises(ConfigError, match=r"province_codes_2025") as info:
        validate("fct_capital_progress", frame(clean(2)), params={})
    assert "fct_capital_progress.yaml" in str(info.value)


def test_later_calls_reuse_the_context():
    # speed is measured in bench/bench_gate.py, not asserted here
    run(clean(100))
    context_before = runner._gx()
    run(clean(100))
    assert runner._gx() is not None and runner._gx()[1] is context_before[1]
