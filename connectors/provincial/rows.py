"""Provincial reports as raw rows: every line of a report with the report's own columns.

Form 01 and the flat CSV give `raw.provincial_report_lines`; Form 02, already pseudonymised by
its reader, gives `raw.beneficiary_support_lines` (no name or citizen ID is ever a column).
The files are read by what they are (CSV export, beneficiary list or Form 01), never by name.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from connectors.landing import LandedFile
from connectors.provincial.form02 import BENEFICIARY_SCHEMA
from connectors.provincial.schema import LINE_SCHEMA

REPORT_COLUMNS = pa.schema(
    [
        ("batch_id", pa.string()),
        ("source_file_sha256", pa.string()),
        ("report_index", pa.int32()),
        ("form", pa.string()),
        ("sender_name", pa.string()),
        ("province_name", pa.string()),
        ("admin_era", pa.string()),
        ("province_code_as_reported", pa.string()),
        ("province_code_2025", pa.string()),
        ("period", pa.string()),
        ("period_end_date", pa.date32()),
        ("unit", pa.string()),
        ("unit_vnd", pa.int64()),
        ("tolerance_vnd", pa.int64()),
    ]
)
PROVINCIAL_REPORT_LINES = pa.schema(list(REPORT_COLUMNS) + list(LINE_SCHEMA))
BENEFICIARY_SUPPORT_LINES = pa.schema(
    [f for f in REPORT_COLUMNS if f.name != "tolerance_vnd"] + list(BENEFICIARY_SCHEMA)
)

# dataset -> (raw table, its columns, the reader's lines of one report)
TABLE_OF_DATASET: dict[str, tuple[str, pa.Schema, Any]] = {
    "form01": ("provincial_report_lines", PROVINCIAL_REPORT_LINES, lambda r: r.lines),
    "flat_csv": ("provincial_report_lines", PROVINCIAL_REPORT_LINES, lambda r: r.lines),
    "form02": ("beneficiary_support_lines", BENEFICIARY_SUPPORT_LINES, lambda r: r.beneficiaries),
}
RAW_TABLES = {table: schema for table, schema, _ in TABLE_OF_DATASET.values()}

SPREADSHEET_EXTENSIONS = {"xlsx", "xls", "xlsm", "xlsb", "ods"}
TEXT_EXTENSIONS = {"csv", "txt", "tsv"}


def read_provincial_file(landed: LandedFile) -> tuple[str, list[Any]]:
    """The dataset and the reports of one provincial file. Form 02 is pseudonymised by its
    reader: names and IDs stay in landing."""
    from connectors.provincial.flat_csv import read_flat_csv
    from connectors.provincial.form01 import read_form01
    from connectors.provincial.form02 import looks_like_form02, read_form02
    from connectors.pseudonymise import Pseudonymiser

    ext = landed.extension.lower()
    if ext in TEXT_EXTENSIONS:
        return "flat_csv", read_flat_csv(landed.path)
    if looks_like_form02(landed.path):
        return "form02", [read_form02(landed.path, pseudonymiser=Pseudonymiser.from_env())]
    return "form01", [read_form01(landed.path)]


def report_rows(report: Any, dataset: str, index: int) -> pa.Table:
    """The lines of one report with the report's columns (batch columns left for the writer)."""
    _, schema, lines_of = TABLE_OF_DATASET[dataset]
    rows = lines_of(report)
    n = rows.num_rows
    constants = {
        "batch_id": None,
        "source_file_sha256": None,
        "report_index": index,
        "form": report.form,
        "sender_name": report.sender_name,
        "province_name": report.province.name,
        "admin_era": report.province.admin_era,
        "province_code_as_reported": report.province.code_as_reported,
        "province_code_2025": report.province.code_2025,
        "period": report.period.label,
        "period_end_date": report.period.end_date,
        "unit": report.unit,
        "unit_vnd": report.unit_vnd,
        "tolerance_vnd": getattr(report, "tolerance_vnd", None),
    }
    columns = {
        f.name: pa.array([constants[f.name]] * n, type=f.type)
        if f.name in constants
        else rows.column(f.name).cast(f.type)
        for f in schema
    }
    return pa.table(columns, schema=schema)
