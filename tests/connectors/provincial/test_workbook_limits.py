"""Hostile workbooks are refused with a short located reason, in bounded memory, before calamine
inflates them; hidden sheets, formula errors and impossible dates are never read as data.

Every file is made here (zipfile, xlsxwriter): no binary is committed.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from connectors.landing import LandedFile
from connectors.provincial.form01 import read_form01
from connectors.provincial.rows import read_provincial_file
from connectors.provincial.workbook import Limits, guard, quote, sniff
from connectors.vietnamese import find_dates, parse_vn_date
from core.errors import InputRejected, ReportReadError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TOP = [
    ["UBND TỈNH ĐIỆN BIÊN"],
    ["Kỳ báo cáo: 6 tháng đầu năm 2024"],
    ["", "", "", "", "", "", "Đơn vị tính: triệu đồng"],
]
HEADER = [
    ["STT", "Nội dung", "Kế hoạch vốn năm 2024", "", "", "Giải ngân", "", "", "Tỷ lệ (%)"],
    ["", "", "Tổng số", "ĐTPT", "SN", "Tổng số", "ĐTPT", "SN", ""],
]
DATA = [["1", "Dự án 1", 10, 10, "", 5, 5, ""]]


def write_form(path: Path, sheets: list[tuple[str, list[list], str]]) -> Path:
    """An .xlsx of (name, rows, state) sheets; state is visible, hidden or veryHidden."""
    workbook = xlsxwriter.Workbook(str(path))
    for name, rows, state in sheets:
        worksheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value not in ("", None):
                    worksheet.write(r, c, value)
        if state == "hidden":
            worksheet.hide()
        elif state == "veryHidden":
            worksheet.very_hidden()
        else:
            worksheet.activate()
    workbook.close()
    return path


def write_raw_xlsx(
    path: Path,
    sheets: list[tuple[str, str | bytes]],
    *,
    shared: str | None = None,
    sheet_attrs: dict[str, str] | None = None,
) -> Path:
    """A minimal .xlsx whose sheet XML is given as is (a far cell, a lying dimension ...)."""
    entries = "".join(
        f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"'
        f"{(sheet_attrs or {}).get(name, '')}/>"
        for i, (name, _) in enumerate(sheets)
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{REL}/worksheet" '
        f'Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(len(sheets))
    )
    if shared is not None:
        rels += f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{entries}</sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rels}</Relationships>",
        )
        for i, (_, xml) in enumerate(sheets):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", xml)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return path


def sheet_xml(cells: str, dimension: str = "A1") -> str:
    return (
        f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/>'
        f"<sheetData>{cells}</sheetData></worksheet>"
    )


def refusal(path: Path) -> str:
    with pytest.raises(ReportReadError) as err:
        read_form01(path)
    text = str(err.value)
    assert path.name in text and len(text) < 700, text
    return text


def run_measured(path: Path) -> dict:
    """read_form01 in a fresh process: its reason and how much its peak RSS grew (MB)."""
    code = f"""
import json, resource
from connectors.provincial.form01 import read_form01
from core.errors import InputRejected
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_form01({str(path)!r}); reason = None
except InputRejected as exc:
    reason = str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"reason": reason, "grew_mb": (after - before) / 1024}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_one_cell_at_xfd1048576_is_refused_in_bounded_memory(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "far.xlsx",
        [
            (
                "Bieu01",
                sheet_xml(
                    '<row r="1"><c r="A1" t="inlineStr"><is><t>UBND</t></is></c></row>'
                    '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                ),
            )
        ],
    )
    assert path.stat().st_size < 10_000
    measured = run_measured(path)
    assert "XFD1048576" in measured["reason"] and "sheet Bieu01" in measured["reason"]
    assert measured["grew_mb"] < 300, measured


def test_a_far_column_on_the_first_row_is_refused(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "wide.xlsx", [("Bieu01", sheet_xml('<row r="1"><c r="ZZ1"><v>1</v></c></row>'))]
    )
    assert "ZZ1" in refusal(path)


def test_a_lying_dimension_is_not_trusted(tmp_path):
    small_claim = write_raw_xlsx(
        tmp_path / "lie.xlsx",
        [("Bieu01", sheet_xml('<row r="900000"><c r="A900000"><v>1</v></c></row>', "A1:B2"))],
    )
    assert "A900000" in refusal(small_claim)
    # a huge claim over a small sheet costs nothing: the cells, not the tag, are the truth
    huge_claim = write_raw_xlsx(
        tmp_path / "claim.xlsx",
        [("Bieu01", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:XFD1048576"))],
    )
    assert guard(huge_claim).sheets[0].rows == 1


def test_cells_without_positions_are_counted_too(tmp_path):
    # 5,000 copies of one cell at A1: calamine would keep every one
    path = write_raw_xlsx(
        tmp_path / "copies.xlsx",
        [("Bieu01", sheet_xml('<row r="1">' + '<c r="A1"><v>1</v></c>' * 5000 + "</row>"))],
    )
    with pytest.raises(ReportReadError, match="1,000 cells"):
        guard(path, limits=Limits(cells=1000))


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.xlsx"
    write_raw_xlsx(path, [("Bieu01", sheet_xml(""))])
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as z,
        z.open("xl/media/padding.xml", "w", force_zip64=True) as member,
    ):
        zeros = b"\0" * 2**20
        for _ in range(1024):  # 1 GiB of zeros, about 5 MB on disk at level 1
            member.write(zeros)
    assert path.stat().st_size < 10 * 2**20
    measured = run_measured(path)
    assert "zip bomb" in measured["reason"] and "padding.xml" in measured["reason"]
    assert measured["grew_mb"] < 300, measured


def test_a_member_larger_than_its_header_says_is_refused(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "liar.xlsx",
        [("Bieu01", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>' * 50))],
    )
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    # patch the uncompressed size (offset 24) of the sheet's central directory entry
    central = data.index(b"xl/worksheets/sheet1.xml", data.index(b"PK\x01\x02")) - 46
    assert data[central : central + 4] == b"PK\x01\x02"
    data[central + 24 : central + 28] = (info.file_size // 2).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    assert "sheet1.xml" in refusal(path)


def test_two_thousand_sheets_are_refused(tmp_path):
    path = write_raw_xlsx(tmp_path / "many.xlsx", [(f"S{i}", sheet_xml("")) for i in range(2000)])
    assert "200 sheets" in refusal(path)


def test_a_ten_megabyte_cell_is_refused_with_a_short_reason(tmp_path):
    # not one letter repeated: that compresses 1000:1 and is refused as a zip bomb already
    big = base64.b64encode(os.urandom(8 * 2**20)).decode()
    shared = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>{big}</t></si></sst>'
    path = write_raw_xlsx(
        tmp_path / "big.xlsx",
        [("Bieu01", sheet_xml('<row r="5"><c r="C5" t="s"><v>0</v></c></row>'))],
        shared=shared,
    )
    assert "longer than" in refusal(path)


def test_a_long_cell_is_named_by_its_place(tmp_path):
    shared = f'<sst xmlns="{MAIN}"><si><t>x</t></si><si><t>{"B" * 100_000}</t></si></sst>'
    path = write_raw_xlsx(
        tmp_path / "long.xlsx",
        [("Bieu01", sheet_xml('<row r="7"><c r="D7" t="s"><v>1</v></c></row>'))],
        shared=shared,
    )
    text = refusal(path)
    assert "D7" in text and "sheet Bieu01" in text and "BBBB" in text


def test_quote_cuts_long_text():
    assert len(quote("x" * 10_000_000)) < 140


def test_the_visible_sheet_is_read_not_a_hidden_stale_one(tmp_path):
    stale = [["UBND TỈNH LÀO CAI"], *TOP[1:], *HEADER, ["1", "Dự án 1", 99, 99, "", 1, 1, ""]]
    path = write_form(
        tmp_path / "two.xlsx",
        [("Cu", stale, "hidden"), ("Bieu01", [*TOP, *HEADER, *DATA], "visible")],
    )
    report = read_form01(path)
    assert report.province.name == "Điện Biên"
    assert report.lines.column("source_sheet").to_pylist() == ["Bieu01"]
    assert report.lines.column("planned_total_vnd").to_pylist() == [10_000_000]


def test_a_very_hidden_sheet_of_another_province_is_not_read(tmp_path):
    other = [["UBND TỈNH LÀO CAI"], *TOP[1:], *HEADER, *DATA]
    path = write_form(
        tmp_path / "vh.xlsx",
        [("X", other, "veryHidden"), ("Bieu01", [*TOP, *HEADER, *DATA], "visible")],
    )
    assert read_form01(path).province.name == "Điện Biên"


def test_a_table_only_on_a_hidden_sheet_is_refused_naming_it(tmp_path):
    path = write_form(
        tmp_path / "h.xlsx",
        [("Cu", [*TOP, *HEADER, *DATA], "hidden"), ("Ghi chu", [["ghi chú"]], "visible")],
    )
    text = refusal(path)
    assert "'Cu'" in text and "hidden" in text


def test_a_ref_error_in_an_amount_is_a_blocking_located_problem(tmp_path):
    path = tmp_path / "ref.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Bieu01")
    for r, row in enumerate([*TOP, *HEADER, *DATA]):
        for c, value in enumerate(row):
            if value not in ("", None):
                sheet.write(r, c, value)
    sheet.write_formula(5, 5, "=#REF!+1", None, "#REF!")  # F6, disbursed total
    workbook.close()
    report = read_form01(path)
    assert not report.is_acceptable
    found = [p for p in report.problems if "#REF!" in p.reason]
    assert found and found[0].row == 6 and "F6" in found[0].reason and found[0].blocking


def test_an_html_page_saved_as_xls_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "bao_cao.xls"
    path.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    assert sniff(path) == "html"
    assert "save as .xlsx" in refusal(path)


def landed(path: Path, original: str) -> LandedFile:
    return LandedFile("inbox", "0" * 64, path, path.stat().st_size, "now", original_name=original)


def test_an_xlsx_named_csv_is_read_as_a_workbook(tmp_path):
    path = write_form(tmp_path / "abc.csv", [("Bieu01", [*TOP, *HEADER, *DATA], "visible")])
    dataset, reports = read_provincial_file(landed(path, "bao_cao.csv"))
    assert dataset == "form01" and reports[0].province.name == "Điện Biên"


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04" + b"\0" * 100, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600],
    ids=["junk-zip", "junk-ole"],
)
def test_junk_with_a_spreadsheet_signature_is_refused(tmp_path, content):
    path = tmp_path / "junk.xlsx"
    path.write_bytes(content)
    assert "spreadsheet" in refusal(path)


def test_a_truncated_workbook_is_refused(tmp_path):
    path = write_form(tmp_path / "cut.xlsx", [("Bieu01", [*TOP, *HEADER, *DATA], "visible")])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert "spreadsheet" in refusal(path)


def test_an_impossible_date_is_a_located_problem(tmp_path):
    rows = [*TOP, *HEADER, *DATA, [], ["", "", "", "", "", "Điện Biên, ngày 31/02/2024"]]
    path = write_form(tmp_path / "d.xlsx", [("Bieu01", rows, "visible")])
    report = read_form01(path)
    found = [p for p in report.problems if p.check == "date"]
    assert len(found) == 1 and found[0].row == 8 and "F8" in found[0].reason
    assert "31/02/2024" in found[0].reason and not report.is_acceptable


def test_dates_are_parsed_day_first_and_impossible_days_refused():
    assert str(parse_vn_date("ngày 30 tháng 9 năm 2024")) == "2024-09-30"
    assert str(parse_vn_date("30/09/2024")) == "2024-09-30"
    with pytest.raises(InputRejected, match="31/02/2024"):
        parse_vn_date("31/02/2024")
    assert find_dates("1.234.567,5 triệu") == []


def test_error_cells_of_an_xls_are_found_though_calamine_reads_them_blank(tmp_path):
    import xlwt
    from python_calamine import CalamineWorkbook

    path = tmp_path / "bieu01.xls"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Bieu01")
    sheet.write(0, 0, "UBND TỈNH LÀO CAI")
    sheet.write(4, 2, 12500.0)
    sheet.row(4).set_cell_error(3, "#REF!")
    sheet.row(5).set_cell_error(1, "#DIV/0!")
    hidden = book.add_sheet("Cu")
    hidden.write(0, 0, "old")
    hidden.visibility = 1
    book.save(str(path))

    info = guard(path)

    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Bieu01").to_python()[4][3] == ""
    assert info.kind == "xls"
    assert info.sheet("Bieu01").errors == {(5, 3): "#REF!", (6, 1): "#DIV/0!"}
    assert (info.sheet("Bieu01").rows, info.sheet("Bieu01").columns) == (6, 4)
    assert info.sheet("Cu").state == "hidden" and not info.sheet("Cu").errors


def test_a_broken_xls_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "hong.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)

    with pytest.raises(ReportReadError) as refused:
        guard(path)

    assert "hong.xls" in str(refused.value) and ".xls" in str(refused.value)
