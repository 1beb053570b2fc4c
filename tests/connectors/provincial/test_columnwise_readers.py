"""The readers' column-at-a-time work (issue 14) says what the row-at-a-time reading said:
amounts in đồng to the last unit, the same problems on the same lines, whatever the pieces
the file is decoded in."""

from __future__ import annotations

import sys
import unicodedata
from decimal import Decimal, InvalidOperation

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.personal_data import redact
from connectors.provincial import flat_csv
from connectors.provincial.columns import WHITESPACE, parse_amounts
from connectors.provincial.flat_csv import read_flat_csv
from connectors.provincial.form01 import LoadedSheet, find_header
from connectors.provincial.form02 import _find_header as find_form02_header
from connectors.provincial.rows import _form_of
from connectors.vietnamese import decimals_of, parse_vn_number, to_vnd
from core.errors import InputRejected, ReportReadError
from warehouse.loading import may_hold_identifiers

HEADER = (
    "ma_tinh,ten_tinh,ky_bao_cao,ma_du_an,ma_tieu_du_an,nguon_von,loai_von,"
    "ke_hoach_trieu_dong,giai_ngan_trieu_dong,ngay_cap_nhat"
)
ROW = "15,Tỉnh Lào Cai,2026-Q3,{project},{sub},NSTW,{kind},{plan},{spent},{date}"


def reference(text: str, decimal: str, unit_vnd: int) -> tuple:
    """What the row-at-a-time reader made of one amount: (đồng, places, unreadable,
    negative, too large)."""
    try:
        number = parse_vn_number(text, decimal=decimal)
    except InputRejected:
        return None, None, True, False, False
    if number is None:
        return None, None, False, False, False
    try:
        vnd = to_vnd(number, unit_vnd)
    except InvalidOperation:
        return None, None, False, number < 0, True
    if abs(vnd) > 2**63 - 1:
        return None, None, False, number < 0, True
    return vnd, decimals_of(number), False, number < 0, False


def column_wise(texts: list[str], decimal: str, unit_vnd: int) -> list[tuple]:
    found = parse_amounts(pa.array(texts, pa.string()), decimal=decimal, unit_vnd=unit_vnd)
    columns = [found.vnd, found.places, found.unreadable, found.negative, found.too_large]
    return list(zip(*(c.to_pylist() for c in columns), strict=True))


WRITTEN = [
    "1.234.567", "1,5", "1.5", "(5)", "(-5)", "-0", "-0.000", "+3", "−7", "–2", "—", "--", "-",
    "", "1 234", "1\u00a0234,5", "abc", "1,2,3", "1.2.3", "12.34.5", ",5", ".5", "5.", "5,", ".",
    ",", "0", "00012", "1e5", "1.0000005", "0.0000005", "0.0000004999", "1234567890123",
    "9223372036854", "9223372036855", "1" * 31, "99999999999999999", "9.999999", "1,234.5",
    "1.234,5", "(1.234)", "()", "12,345,678.9", "4235.027", "0,0000015", "-12.345,6789",
]  # fmt: skip


@pytest.mark.parametrize("unit_vnd", [1, 1_000, 1_000_000, 1_000_000_000])
@pytest.mark.parametrize("decimal", [",", "."])
def test_amounts_read_column_wise_are_the_row_at_a_time_amounts(decimal, unit_vnd):
    expected = [reference(t, decimal, unit_vnd) for t in WRITTEN]
    assert refused_either_sign(column_wise(WRITTEN, decimal, unit_vnd)) == refused_either_sign(
        expected
    )


def refused_either_sign(found: list[tuple]) -> list[tuple]:
    """An amount too large is refused whatever its sign: its negative flag does not count."""
    return [(a, b, c, d and not e, e) for a, b, c, d, e in found]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="0123456789.,-()+ −–\u00a0", max_size=24), min_size=1),
    st.sampled_from([",", "."]),
)
def test_any_amount_text_reads_the_same_column_wise(texts, decimal):
    expected = [reference(t.strip(), decimal, 1_000_000) for t in texts]
    found = column_wise([t.strip() for t in texts], decimal, 1_000_000)
    assert refused_either_sign(found) == refused_either_sign(expected)


def test_whitespace_is_what_str_strip_removes():
    assert "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()) == WHITESPACE


def reports_of(path):
    return [
        (
            r.province,
            r.period,
            r.sender_name,
            r.tolerance_vnd,
            r.rows_read,
            r.problems,
            r.lines.to_pylist(),
        )
        for r in read_flat_csv(path)
    ]


def rows(*cells: dict) -> list[str]:
    base = {"project": "DA1", "sub": "", "kind": "SN", "plan": "4235.027", "spent": "1.5"}
    return [ROW.format(**{**base, "date": "05/10/2026", **c}) for c in cells]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_csv_decoded_in_tiny_pieces_reads_as_one_piece(tmp_path, monkeypatch, encoding, newline):
    lines = [
        HEADER,
        *rows({}, {"project": "DA2", "sub": "TDA1"}, {"project": "XX", "plan": "abc"}),
        "",
        " , ,",
        *rows({}, {"project": "DA3", "date": "31/02/2026"}, {"plan": "-5", "spent": ""}),
        "15,Lào Cai,2026-Q3,DA4",
        "12,Tỉnh Lai Châu,2026-Q3,DA1,,NSDP,DTPT,12,3,05/10/2026,extra",
    ]
    text = newline.join(lines) + newline
    if encoding == "cp1258":  # tones as separate marks, as Windows-1258 writes them
        data = unicodedata.normalize("NFD", text).encode("cp1258", errors="ignore")
    else:
        data = text.encode(encoding)
    path = tmp_path / "pieces.csv"
    path.write_bytes(data)
    whole = reports_of(path)
    monkeypatch.setattr(flat_csv, "_CHUNK_BYTES", 7)
    assert reports_of(path) == whole
    (lao_cai, lai_chau) = whole
    problems = [(p.row, p.check) for p in lao_cai[5]]
    assert problems == [
        (4, "read"),
        (4, "read"),
        (7, "duplicate"),
        (8, "date"),
        (9, "amount"),
        (9, "duplicate"),
        (10, "province"),
        (10, "read"),
        (10, "read"),
    ]
    assert [line["source_row"] for line in lao_cai[6]] == [2, 3, 4, 7, 8, 9, 10]
    assert lai_chau[6][0]["planned_investment_vnd"] == 12_000_000


def test_quoted_fields_keep_their_delimiters_and_line_breaks(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text(
        HEADER + '\n15,"Tỉnh Lào Cai",2026-Q3,DA1,,NSTW,SN,"4,5","1.216,359",05/10/2026\n'
        '15,"Tỉnh\nLào Cai",2026-Q3,DA2,,NSTW,SN,1,2,05/10/2026\n', encoding="utf-8"
    )  # fmt: skip
    (report,) = read_flat_csv(path)
    assert [(p.row, p.check) for p in report.problems] == [(2, "read"), (2, "read")]
    assert [line["source_row"] for line in report.lines.to_pylist()] == [2, 4]


@pytest.mark.parametrize("plan", ["99999999999999999", "1" * 31])
def test_an_amount_past_int64_dong_is_a_located_refusal(tmp_path, plan):
    path = tmp_path / "overflow.csv"
    path.write_text("\n".join([HEADER, *rows({}, {"project": "DA2", "plan": plan})]) + "\n")
    with pytest.raises(ReportReadError) as refused:
        read_flat_csv(path)
    assert refused.value.row == 3 and "ke_hoach_trieu_dong" in refused.value.reason


def test_a_field_past_the_csv_limit_is_a_located_refusal(tmp_path):
    path = tmp_path / "field.csv"
    path.write_text("\n".join([HEADER, *rows({"date": "x" * 140_000})]) + "\n")
    with pytest.raises(ReportReadError) as refused:
        read_flat_csv(path)
    assert refused.value.row == 2


FORM01 = ["STT", "Nội dung", "Kế hoạch vốn", "Giải ngân"]
FORM02 = ["STT", "Họ và tên chủ hộ", "Số CCCD/CMND", "Số tiền hỗ trợ"]


@pytest.mark.parametrize("form02_at", [None, 4, 63, 64, 70, 129])
@pytest.mark.parametrize("form01_at", [None, 0, 3, 4, 5, 62, 63, 64, 65, 70, 71, 128, 140])
def test_the_form_is_told_as_when_every_row_was_searched(form02_at, form01_at):
    grid: list[list] = [["UBND TỈNH LAI CHÂU"]] + [
        [n, "Người", "001234567890", 5.0] for n in range(200)
    ]
    if form02_at is not None:
        grid[form02_at] = FORM02
    if form01_at is not None:
        grid[form01_at] = FORM01
    form01, form02 = find_header(grid), find_form02_header(grid)
    everywhere = (
        "form02"
        if form02 is not None and (form01 is None or form02[0] < form01.first_row)
        else "form01"
    )
    assert _form_of([LoadedSheet("Bieu", "visible", grid)]) == everywhere


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789 .-+()@abđ\u00a0,/", max_size=40))
def test_every_text_redact_changes_is_looked_at(text):
    (suspect,) = may_hold_identifiers([text])
    assert suspect or redact(text) == text


def test_whole_dong_are_exact_where_floats_are_not():
    found = column_wise(["0,0000005", "2.000.000.000,0000005", "0,0000004999"], ",", 1_000_000)
    assert [f[0] for f in found] == [1, 2_000_000_000_000_001, 0]
    assert Decimal("0.0000005") * 1_000_000 == Decimal("0.5")


def test_the_ledger_redacts_sheets_and_only_the_reasons_that_hold_identifiers(tmp_path):
    from connectors.batches import Batch, LandedUnit, Problem
    from connectors.landing import LandedFile
    from warehouse.loading import redact_ledger

    landed = LandedFile(
        source="inbox", sha256="0" * 64, path=tmp_path / "x.csv", size=0, fetched_at="2026-12-01"
    )
    batch = Batch(LandedUnit(batch_id="0" * 64, landed=landed), "inbox", "inbox", "flat_csv")
    sheet = "bao_cao_001234567890"  # a sheet named after someone's CCCD
    batch.problems = [
        Problem("dòng trùng với dòng 2 / duplicates line 2", sheet, 3, "duplicate"),
        Problem("tên tỉnh 'Lào Cai ĐT 0912 345 678' khác dòng 2", sheet, 4, "province"),
        Problem("dòng 5: năm hỗ trợ không hợp lệ", None, 5),
    ]
    redact_ledger(batch)
    assert [(p.reason, p.sheet, p.row) for p in batch.problems] == [
        ("dòng trùng với dòng 2 / duplicates line 2", "bao_cao_[CCCD đã ẩn]", 3),
        ("tên tỉnh 'Lào Cai ĐT [SĐT đã ẩn]' khác dòng 2", "bao_cao_[CCCD đã ẩn]", 4),
        ("dòng 5: năm hỗ trợ không hợp lệ", None, 5),
    ]
