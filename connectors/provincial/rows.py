"""Provincial reports as raw rows: every line of a report with the report's own columns.

Form 01 and the flat CSV give `raw.provincial_report_lines`; Form 02, already pseudonymised by
its reader, gives `raw.beneficiary_support_lines` (no name or citizen ID is ever a column).
The files are read by what they are (CSV export, beneficiary list or Form 01), never by name.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from connectors.batches import Problem
from connectors.landing import LandedFile
from connectors.personal_data import redact
from connectors.provincial.columns import mapped
from connectors.provincial.form02 import BENEFICIARY_SCHEMA
from connectors.provincial.schema import LINE_SCHEMA, Period
from connectors.provincial.workbook import sniff

if TYPE_CHECKING:
    from connectors.provincial.form01 import LoadedSheet

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

FIRST_PROGRAMME_YEAR = 2021
SPREADSHEET_EXTENSIONS = {"xlsx", "xls", "xlsm", "xlsb", "ods"}
TEXT_EXTENSIONS = {"csv", "txt", "tsv"}


def read_provincial_file(landed: LandedFile) -> tuple[str, list[Any]]:
    """The dataset and the reports of one provincial file, each report's period checked to lie
    within the programme's years (see `read_by_content`)."""
    dataset, reports = read_by_content(landed)
    for report in reports:
        reason = period_out_of_range(report.period)
        if reason:
            name = landed.original_name or landed.path.name
            report.problems.append(Problem(f"file {name}: {reason}", check="period"))
    return dataset, reports


def period_out_of_range(period: Period, today: date | None = None) -> str | None:
    """Why a report's period cannot be one of the programme's, or None: it began in 2021
    (Decision 1719), and nobody reports more than a year ahead."""
    today = today or date.today()
    if period.year < FIRST_PROGRAMME_YEAR:
        return (
            f"kỳ báo cáo {period.label} trước khi Chương trình bắt đầu ({FIRST_PROGRAMME_YEAR}) / "
            f"the period {period.label} is before the programme began in {FIRST_PROGRAMME_YEAR}"
        )
    if period.end_date > today + timedelta(days=366):
        return (
            f"kỳ báo cáo {period.label} còn quá xa trong tương lai / the period {period.label} "
            "lies more than a year ahead; check the year written in the report"
        )
    return None


def read_by_content(landed: LandedFile) -> tuple[str, list[Any]]:
    """The dataset and the reports of one provincial file, read by what its bytes are (a zip
    workbook, an OLE .xls, text), never by its extension. Form 02 is pseudonymised by its
    reader: names and IDs stay in landing. (The loader names the file as it was sent.)"""
    from connectors.provincial.flat_csv import read_flat_csv
    from connectors.provincial.form01 import load_sheets, read_form01
    from connectors.provincial.form02 import read_form02
    from connectors.pseudonymise import Pseudonymiser

    path = landed.path
    kind = sniff(path) if path.is_file() else "missing"
    if kind == "text" or (
        kind in ("missing", "empty") and landed.extension.lower() in TEXT_EXTENSIONS
    ):
        return "flat_csv", read_flat_csv(path)
    sheets = load_sheets(path)  # opened once: the form is told, then read, from these
    if _form_of(sheets) == "form02":
        pseudonymiser = Pseudonymiser.from_env()
        return "form02", [read_form02(path, pseudonymiser=pseudonymiser, loaded=sheets)]
    return "form01", [read_form01(path, sheets=sheets)]


def _form_of(sheets: list[LoadedSheet]) -> str:
    """form02 when a visible sheet's first table header is a beneficiary list's (citizen ID
    and amount columns), wherever it sits; form01 otherwise (its reader says what is wrong).
    Both headers are looked for together, `_WINDOW` rows at a time from the top, so neither
    form's sheet is searched row by row to its end for the other form's header."""
    for grid in (s.grid for s in sheets if s.state == "visible"):
        form = _first_header_form(grid)
        if form is not None:
            return form
    return "form01"


_WINDOW = 64


def _first_header_form(grid: list[list[Any]]) -> str | None:
    """The form of the first header in a grid (Form 01's when both start on one row)."""
    from connectors.provincial.form01 import find_header
    from connectors.provincial.form02 import _find_header as find_form02_header

    for top in range(0, len(grid), _WINDOW):
        # a Form 01 header takes at most three rows: one starting in the window is found the
        # same with the two rows after it; a Form 02 header is one row
        form01 = find_header(grid[top : top + _WINDOW + 2])
        form01_row = form01.first_row if form01 is not None else None
        if form01_row is not None and form01_row >= _WINDOW:
            form01_row = None
        form02 = find_form02_header(grid[top : top + _WINDOW])
        if form02 is not None and (form01_row is None or form02[0] < form01_row):
            return "form02"
        if form01_row is not None:
            return "form01"
    return None


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
        "sender_name": redact(report.sender_name),
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
        f.name: pa.repeat(pa.scalar(constants[f.name], type=f.type), n)
        if f.name in constants
        else _typed(rows.column(f.name), f.type)
        for f in schema
    }
    if "label" in columns:
        columns["label"] = _redacted(columns["label"])
    return pa.table(columns, schema=schema)


def _typed(column: pa.ChunkedArray, type: pa.DataType) -> pa.ChunkedArray:
    return column if column.type == type else column.cast(type)


def _redacted(texts: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Free text with identifiers hidden; only texts holding nine digits or more are looked at
    (a line label rarely does), so large CSV exports stay fast. The distinct texts are looked
    over once, joined (a report of a thousand lines has a few dozen distinct labels)."""
    distinct = [t for t in pc.unique(texts).to_pylist() if t]
    if not _SUSPECT.search("\x00".join(distinct)):
        return texts
    return mapped(texts, lambda v: redact(v) if v and _SUSPECT.search(v) else v, pa.string())


# What any identifier `redact` finds has: nine digits, each at most two characters from the
# next, or an @ (an e-mail); across two joined texts it may match too (only looked at more).
_SUSPECT = re.compile(r"(?:\d\D{0,2}){9}|@")
