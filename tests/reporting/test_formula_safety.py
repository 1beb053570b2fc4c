"""Text from input reaches the report as text: never a formula, never a link.

A province, project, file name or reason that starts like a formula (`=`, `+`, `-`, `@`, tab,
carriage return) or looks like a link (`http:`, `mailto:`, `external:`) is a plain string cell
in the workbook, read back as written; the sheets hold no formula and no hyperlink; the quality
page makes no link of it.
"""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from core.text import csv_safe, csv_safe_row, looks_like_formula
from reporting.quality_page import write_quality_page
from reporting.report_sheets import SHEETS
from reporting.steering_report import write_progress_report

HYPERLINK = '=HYPERLINK("http://evil.example/x","x")'
CMD = "=cmd|' -C calc'!A0"
HOSTILE = [
    HYPERLINK,
    CMD,
    CMD + ".csv",
    "mailto:x@y",
    "external:c:\\secret.xlsx",
    "http://evil.example/",
    "+1+2",
    "-1+2",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """The progress table and the caveats the report reads, with hostile text where input text
    goes (the report's other sheets say their models are not built)."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create schema quality")
    con.execute(
        """create table marts.rpt_progress_by_province (
            province_code varchar, province_name varchar, period varchar,
            project_code varchar, project_name_vi varchar, planned_central_vnd bigint,
            planned_local_vnd bigint, planned_vnd bigint, disbursed_vnd bigint,
            disbursement_rate_pct double, period_end_date date, project_number integer)"""
    )
    con.execute(
        """create table quality.quality_report_caveats (
            original_name varchar, status varchar, reasons varchar, province_code varchar,
            province_name varchar, period varchar, last_accepted_period varchar,
            loaded_at timestamp)"""
    )
    for n, text in enumerate(HOSTILE):
        con.execute(
            "insert into marts.rpt_progress_by_province values "
            "(?, ?, '2024-Q3', ?, ?, 1000000000, 500000000, 1500000000, 750000000, 50.0, "
            "date '2024-09-30', ?)",
            [text, text, text, text, n],
        )
        con.execute(
            "insert into quality.quality_report_caveats values (?, ?, ?, ?, ?, '2024-Q3', "
            "'2024-Q2', ?)",
            [text, text, text, text, text, datetime(2024, 10, 1, 8, n)],
        )
    return con


@pytest.fixture
def report(tmp_path) -> Path:
    con = _warehouse(tmp_path / "warehouse.duckdb")
    try:
        written = write_progress_report(con, tmp_path / "reports")
    finally:
        con.close()
    assert written.rows == len(HOSTILE) and written.excluded_batches == len(HOSTILE)
    return written.path


def test_hostile_text_is_read_back_as_the_same_string(report):
    book = CalamineWorkbook.from_path(str(report))
    progress = book.get_sheet_by_name("TienDo").to_python()[4:]
    excluded = book.get_sheet_by_name("BaoCaoBiLoai").to_python()[7:]

    assert sorted(row[0] for row in progress) == sorted(HOSTILE)
    for row in progress:
        text = row[0]
        assert row[:5] == [text, text, "2024-Q3", text, text]
        assert row[5:8] == [1000.0, 500.0, 1500.0]  # figures stay numbers
    assert [row[:3] + row[4:5] for row in excluded] == [[text] * 4 for text in HOSTILE]


def test_the_sheets_hold_no_formula_and_no_link(report):
    with zipfile.ZipFile(report) as xlsx:
        names = xlsx.namelist()
        sheets = [n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        assert len(sheets) == len(SHEETS) + 1  # and the detail, TienDo
        for name in sheets:
            xml = xlsx.read(name).decode("utf-8")
            assert "<f>" not in xml and "<f " not in xml, name
            assert "<hyperlink" not in xml, name
            # every cell of input text is a shared string (t="s"), none a formula's string
            assert 't="str"' not in xml and 't="inlineStr"' not in xml, name
        for rels in (n for n in names if n.endswith(".rels")):
            assert "hyperlink" not in xlsx.read(rels).decode("utf-8").lower(), rels
        assert not any("externalLink" in n for n in names)
        strings = xlsx.read("xl/sharedStrings.xml").decode("utf-8")
        assert "=HYPERLINK(&quot;http://evil.example/x&quot;,&quot;x&quot;)" in strings or (
            '=HYPERLINK("http://evil.example/x","x")' in strings
        )
        assert "=cmd|' -C calc'!A0.csv" in strings.replace("&apos;", "'")
        # what starts like a formula also carries Excel's quote prefix, so editing keeps it text
        assert 'quotePrefix="1"' in xlsx.read("xl/styles.xml").decode("utf-8")


def test_csv_safe_prefixes_what_starts_like_a_formula_and_leaves_the_rest():
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", HYPERLINK, CMD, "＝1"):
        assert looks_like_formula(text) and csv_safe(text) == "'" + text
    for value in ("Lào Cai", "mailto:x@y", "1-2", " =1", "", 15, -5, 1.5, None, True):
        assert csv_safe(value) == value
    assert csv_safe_row(["=x", -1, None]) == ["'=x", -1, None]


def test_the_quality_page_makes_no_link_from_input(tmp_path):
    hostile_html = '<a href="http://evil.example/">x</a>'
    batches = [
        {
            "batch_id": f"b{n}",
            "source": "inbox",
            "original_name": text,
            "province": text,
            "period": "2024-Q3",
            "status": "quarantined",
            "reasons": text,
            "row_count": 1,
        }
        for n, text in enumerate([*HOSTILE, hostile_html, "javascript:alert(1)"])
    ]

    page = write_quality_page(
        tmp_path, batches, [], [], None, generated_at=datetime(2024, 10, 1, tzinfo=UTC)
    ).read_text("utf-8")

    tags = _Tags()
    tags.feed(page)
    assert "a" not in tags.names and "script" not in tags.names
    assert not any(name in ("href", "src") for name, _ in tags.attributes)
    assert "&lt;a href=&#34;http://evil.example/&#34;&gt;x&lt;/a&gt;" in page


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attributes.extend(attrs)
