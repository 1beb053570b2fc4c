"""No citizen ID, phone number or name planted in a Form 02 reaches the raw zone or the logs.

The workbook is built here to look like the shared Điện Biên example (its title lines and its
header, read with python-calamine), with personal data typed where it does not belong: a contact
line above the table, IDs and phones in the support content, village, commune and district, an
ID typed as an amount, an ID in the name column, an ID in a file name.
"""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace

import duckdb
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from connectors.batches import LandedUnit
from connectors.kinds.inbox import InboxSource
from connectors.personal_data import digits_only
from warehouse.connection import connect
from warehouse.loading import load_landed_into_raw, read_unit, replay_raw, write_batch
from warehouse.publish_files import FORMATS, export_tables
from warehouse.snapshots import publish_snapshot
from warehouse.tables import ensure_tables

INBOX = InboxSource(kind="inbox", name="inbox")
EXAMPLE = "sources/examples/bieu02_dien_bien_2024_beneficiaries.xlsx"
KEY = "a-key-for-tests-only-7f3a"
OTHER_KEY = "another-key-for-tests-only-91c2"

CONTACT = "Người lập biểu: Nguyễn Văn A, CCCD 001234567890, ĐT 0912 345 678"
# Every planted value as typed; the scan also looks for their digits with separators removed.
PLANTED = [
    "Nguyễn Văn A",
    "001234567890",
    "0912 345 678",
    "034 185 000 123",
    "0987.654.321",
    "0356-123-456",
    "012345678",
    "099123456726",
    "Lò Văn B",
    "001199004455",
    "079123456789",  # in a file name
    "0388 777 666",  # in a file name
]
PLANTED_DIGITS = {digits_only(p) for p in PLANTED if digits_only(p)} | {"99123456726"}


@pytest.fixture
def con(home):
    with connect(home.warehouse) as connection:
        ensure_tables(connection)
        yield connection


@pytest.fixture
def layout(shared) -> tuple[list[list], list[str], list[list]]:
    """The example's lines above the table, its header and its first household rows."""
    rows = CalamineWorkbook.from_path(str(shared / EXAMPLE)).get_sheet_by_index(0).to_python()
    header = next(i for i, r in enumerate(rows) if "Số CCCD/CMND" in r)
    return rows[:header], list(rows[header]), rows[header + 1 : header + 9]


def _workbook(layout, *, top: str | None = None, extra: str = "") -> bytes:
    above, header, households = layout
    col = {name: header.index(name) for name in header}
    above = [list(r) for r in above]
    if top is not None:
        above[0][0] = top
    above.insert(1, [CONTACT] + [""] * (len(header) - 1))  # the contact line under the sender
    plant = [
        ("Nội dung hỗ trợ", "Hỗ trợ nhà ở (CCCD 034 185 000 123)" + extra),
        ("Thôn/bản", "Bản Co Muông - ĐT 0987.654.321"),
        ("Xã", "Xã Pú Nhi 0356-123-456"),
        ("Huyện", "Huyện Điện Biên 012345678"),
        ("Số tiền hỗ trợ", "099123456726"),
        ("Số tiền hỗ trợ", 99123456726),
        ("Họ và tên chủ hộ", "Lò Văn B 001199004455"),
        ("Số CCCD/CMND", "0912 345 678"),  # a phone typed in the ID column
    ]
    body = []
    for household, (column, value) in zip(households, plant, strict=True):
        row = list(household)
        row[col[column]] = value
        body.append(row)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Bieu02")
    for r, row in enumerate([*above, header, *body]):
        for c, value in enumerate(row):
            if value not in ("", None):
                sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def _leaks(texts) -> list[str]:
    """The planted values found in these texts, as typed or as bare digits."""
    found = []
    for text in texts:
        if not text:
            continue
        bare = digits_only(text)
        found += [p for p in PLANTED if p in text]
        found += [d for d in PLANTED_DIGITS if d in bare]
    return found


def _raw_texts(con) -> list[str]:
    """Every value of every text column of every raw table (batches and problems included)."""
    columns = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'raw' and data_type = 'VARCHAR'"
    ).fetchall()
    assert {"batches", "batch_problems", "beneficiary_support_lines"} <= {t for t, _ in columns}
    return [
        value
        for table, column in columns
        for (value,) in con.execute(f'select "{column}" from raw.{table}').fetchall()
    ]


def test_no_planted_id_phone_or_name_reaches_raw_the_logs_or_a_snapshot(
    con, home, landing, layout, monkeypatch, caplog, tmp_path
):
    monkeypatch.setenv("MTQG_PSEUDONYM_KEY", KEY)
    caplog.set_level(logging.DEBUG)
    listed = landing.store_bytes("inbox", _workbook(layout), original_name="bieu02_dien_bien.xlsx")
    named = landing.store_bytes(
        "inbox", _workbook(layout, extra="."), original_name="bao_cao_001234567890.xlsx"
    )
    senderless = landing.store_bytes(
        "inbox", _workbook(layout, top="Phòng Dân tộc"), original_name="ds_079123456789.xlsx"
    )
    broken = landing.store_bytes(
        "inbox", b"PK\x03\x04 not a workbook", original_name="ds 0388 777 666.xlsx"
    )

    loads = load_landed_into_raw(con, home, [INBOX])

    by_id = {load.batch_id: load for load in loads}
    assert by_id[listed.sha256].dataset == "form02" and by_id[listed.sha256].rows_loaded == 8
    assert by_id[senderless.sha256].dataset == by_id[broken.sha256].dataset == "unreadable"
    names = dict(con.execute("select batch_id, original_name from raw.batches").fetchall())
    assert names[named.sha256] == "bao_cao_[CCCD đã ẩn].xlsx"
    assert names[senderless.sha256] == "ds_[CCCD đã ẩn].xlsx"
    assert names[broken.sha256] == "ds [SĐT đã ẩn].xlsx"
    # the ID typed as an amount is a located blocking problem, not 99,123,456,726 triệu đồng
    problems = con.execute(
        "select source_row, check_name, is_blocking from raw.batch_problems "
        "where batch_id = ? order by source_row",
        [listed.sha256],
    ).fetchall()
    # (the header is on row 7: the example's five lines above it and the contact line)
    assert problems == [(12, "personal_data", True), (13, "personal_data", True),
                        (15, "personal_data", True)]  # fmt: skip
    assert con.execute(
        "select count(*), max(amount_vnd) from raw.beneficiary_support_lines where batch_id = ?",
        [listed.sha256],
    ).fetchone() == (8, 40_000_000)
    (reason,) = con.execute(
        "select reason from raw.batch_problems where batch_id = ?", [senderless.sha256]
    ).fetchone()
    assert "[đã ẩn]" in reason

    assert _leaks(_raw_texts(con)) == []
    assert _leaks([caplog.text]) == []
    # the batches handed back (the raw asset logs their names and problems) are redacted too;
    # their landed unit keeps the sender's name, as landing does
    shown = [t for load in loads for p in load.problems for t in (p.reason, p.sheet)]
    assert _leaks(shown + [load.original_name for load in loads]) == []
    # the key is in no table, no log line, no sidecar and no reason
    sidecars = [p.read_text("utf-8") for p in home.landing.rglob("*.json")]
    assert sidecars and not [
        t for t in [*_raw_texts(con), caplog.text, *sidecars] if t and KEY in t
    ]
    _assert_no_personal_data_is_published(con, home, tmp_path)


def _assert_no_personal_data_is_published(con, home, tmp_path) -> None:
    """Nor in a published snapshot or its exports, when the marts hold what dbt builds from
    these batches: the beneficiary mart (by pseudonym) and the batches with their names."""
    pseudonyms = {
        p
        for (p,) in con.execute(
            "select household_pseudonym from raw.beneficiary_support_lines"
        ).fetchall()
        if p
    }
    assert pseudonyms
    for statement in (
        "create schema if not exists marts",
        "create schema if not exists quality",
        "create table marts.fct_beneficiary_support as from raw.beneficiary_support_lines",
        "create table quality.quality_batches as from raw.batches",
        "create table marts.dim_period as select '2024' as period, 'year' as period_kind",
    ):
        con.execute(statement)
    con.close()  # the snapshot reads the warehouse as the pipeline leaves it

    snapshot = publish_snapshot(home, run_id="personal-data")
    assert set(snapshot.tables) == {"marts.dim_period"}
    files = [
        e.path
        for fmt in FORMATS
        for e in export_tables(snapshot, list(snapshot.tables), fmt, tmp_path / fmt)
    ]
    with duckdb.connect(str(snapshot.database), read_only=True) as published:
        texts = [
            str(value)
            for (table,) in published.execute(
                "select schema_name || '.' || table_name from duckdb_tables()"
            ).fetchall()
            for row in published.execute(f"from {table}").fetchall()
            for value in row
        ]
    texts += [p.read_bytes().decode("utf-8", errors="replace") for p in snapshot.path.iterdir()]
    texts += [p.read_bytes().decode("utf-8", errors="replace") for p in files]
    assert _leaks(texts) == []
    assert not [t for t in texts if any(p in t for p in pseudonyms)]


def test_pseudonyms_are_stable_under_one_key_and_differ_under_another(
    con, home, landing, layout, monkeypatch
):
    landing.store_bytes("inbox", _workbook(layout), original_name="bieu02.xlsx")

    def pseudonyms(key: str) -> list[str | None]:
        monkeypatch.setenv("MTQG_PSEUDONYM_KEY", key)
        replay_raw(con, home, [INBOX])
        return [
            row[0]
            for row in con.execute(
                "select household_pseudonym from raw.beneficiary_support_lines order by source_row"
            ).fetchall()
        ]

    first = pseudonyms(KEY)
    assert len([p for p in first if p]) == 7 and first[-1] is None  # the phone is no ID
    assert pseudonyms(KEY) == first
    other = pseudonyms(OTHER_KEY)
    assert [p is None for p in other] == [p is None for p in first]
    assert not {p for p in other if p} & {p for p in first if p}
    assert pseudonyms(KEY) == first
    assert json.dumps(first + other).find(KEY) == -1


def test_an_unforeseen_error_is_logged_without_its_message(con, landing, caplog):
    caplog.set_level(logging.DEBUG)
    landed = landing.store_bytes("inbox", b"x", original_name="ds_001234567890.xlsx")

    def read(source, unit):
        try:
            int("Lò Văn B 001199004455")
        except ValueError as exc:
            raise RuntimeError(f"row 9: cannot read {CONTACT!r}") from exc

    kind = SimpleNamespace(name="inbox", read=read)
    batch = read_unit(kind, INBOX, LandedUnit(batch_id=landed.sha256, landed=landed))
    write_batch(con, batch, {})

    assert "RuntimeError" in caplog.text and "ValueError" in caplog.text
    assert "in read" in caplog.text  # where it was raised: code, not data
    assert _leaks([caplog.text, *_raw_texts(con)]) == []
    (reason,) = con.execute("select reason from raw.batch_problems").fetchone()
    assert reason.startswith("file ds_[CCCD đã ẩn].xlsx: could not be read (RuntimeError)")
