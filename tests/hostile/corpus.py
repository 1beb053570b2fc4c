"""A corpus of broken and hostile provincial files, made by code (nothing binary is committed).

Each case writes one file as a careless or hostile sender would send it and says what the
pipeline must make of it: `accepted` (it is really a good report), `quarantined` (landed, then
refused by its reader with a located reason) or `refused` (kept out of landing at the door, in
`quarantine/`, with its reason). Run them with `reliability.py`.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

from demo.form01_writer import Form01Leaf, Form01Spec, Form01Variant, InjectedError, write_form01

ACCEPTED, QUARANTINED, REFUSED = "accepted", "quarantined", "refused"

LEAVES = (
    Form01Leaf("central", "DA1", None, "investment", 12_500_000_000, 4_200_000_000),
    Form01Leaf("central", "DA3", "DA3.1", "recurrent", 3_150_000_000, 1_210_000_000),
    Form01Leaf("central", "DA5", "DA5.2", "recurrent", 8_373_068_000, 7_269_141_000),
    Form01Leaf("local", "DA3", None, "recurrent", 3_455_570_000, 844_274_000),
)
SPEC = Form01Spec(sender="UBND TỈNH LÀO CAI", period_text="Quý III năm 2026", leaves=LEAVES)
CSV_HEADER = (
    "ma_tinh,ten_tinh,ky_bao_cao,ma_du_an,ma_tieu_du_an,nguon_von,loai_von,"
    "ke_hoach_trieu_dong,giai_ngan_trieu_dong,ngay_cap_nhat"
)


@dataclass(frozen=True)
class Case:
    """One hostile input: how to make it, and what must become of it."""

    case_id: str
    group: str
    description: str
    file_name: str
    make: Callable[[Path], None]
    expect: str

    def write(self, folder: Path) -> Path:
        path = folder / self.file_name
        self.make(path)
        return path


# --- builders ------------------------------------------------------------------------------


PLAIN = Form01Variant()


def _form01(variant: Form01Variant = PLAIN, spec: Form01Spec = SPEC):
    return lambda path: write_form01(path, spec, variant)


def _bytes(content: bytes):
    return lambda path: path.write_bytes(content)


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _encoded(text: str, encoding: str) -> bytes:
    """Windows-1258 keeps letters such as ê or ơ whole and writes the tone as a mark after."""
    if encoding == "cp1258":
        out = []
        for char in unicodedata.normalize("NFC", text):
            marks = unicodedata.normalize("NFD", char)
            tones = "".join(m for m in marks if m in _TONES)
            base = "".join(m for m in marks if m not in _TONES)
            out.append(unicodedata.normalize("NFC", base) + tones)
        text = "".join(out)
    return text.encode(encoding)


def _text(text: str, encoding: str = "utf-8"):
    return lambda path: path.write_bytes(_encoded(text, encoding))


def _csv_row(
    code: str = "15",
    name: str = "Tỉnh Lào Cai",
    period: str = "2026-Q3",
    plan: str = "4235.027",
    disbursed: str = "1216.359",
    date: str = "05/10/2026",
) -> str:
    return f"{code},{name},{period},DA1,,NSTW,SN,{plan},{disbursed},{date}"


def _csv(*rows: str, header: str = CSV_HEADER, encoding: str = "utf-8"):
    return _text("\n".join([header, *rows]) + "\n", encoding)


def _xlsx_parts(path: Path, parts: dict[str, bytes]) -> None:
    """A workbook written part by part: what a hostile tool (not Excel) would produce."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
    b'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    b'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxml'
    b'formats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>"
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxml'
    b'formats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b"</Relationships>"
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships"><sheets><sheet name="Bieu01" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_SHEET_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _raw_sheet(sheet_xml: bytes, extra: dict[str, bytes] | None = None):
    def make(path: Path) -> None:
        _xlsx_parts(
            path,
            {
                "[Content_Types].xml": _CONTENT_TYPES,
                "_rels/.rels": _ROOT_RELS,
                "xl/workbook.xml": _WORKBOOK,
                "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
                "xl/worksheets/sheet1.xml": sheet_xml,
                **(extra or {}),
            },
        )

    return make


def _far_cell(path: Path) -> None:
    _raw_sheet(
        b"<?xml version='1.0'?><worksheet "
        + _SHEET_NS
        + b'><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr">'
        b'<is><t>x</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        b"</sheetData></worksheet>"
    )(path)


def _lying_dimension(path: Path) -> None:
    """`<dimension>` says A1:B2; a cell sits 250,000 rows down (past any report's size)."""
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(1, 11))
    rows += b'<row r="250000"><c r="A250000"><v>1</v></c></row>'
    _raw_sheet(
        b"<?xml version='1.0'?><worksheet "
        + _SHEET_NS
        + b'><dimension ref="A1:B2"/><sheetData>'
        + rows
        + b"</sheetData></worksheet>"
    )(path)


def _zip_bomb(path: Path) -> None:
    """A sheet that inflates to 1 GiB of spaces (about 1 MiB on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        ):
            z.writestr(name, data)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b"<?xml version='1.0'?><worksheet " + _SHEET_NS + b"><sheetData>")
            chunk = b" " * (1 << 20)
            for _ in range(1024):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")


def _xxe_sheet(path: Path) -> None:
    _raw_sheet(
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<worksheet " + _SHEET_NS + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;'
        b"</t></is></c></row></sheetData></worksheet>"
    )(path)


def _billion_laughs_strings(path: Path) -> None:
    lol = b'<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(8)
    )
    strings = (
        b'<?xml version="1.0"?><!DOCTYPE s [' + lol + b"]><sst " + _SHEET_NS + b' count="1">'
        b"<si><t>&i;</t></si></sst>"
    )
    _raw_sheet(
        b"<?xml version='1.0'?><worksheet " + _SHEET_NS + b'><sheetData><row r="1"><c r="A1" '
        b't="s"><v>0</v></c></row></sheetData></worksheet>',
        {"xl/sharedStrings.xml": strings},
    )(path)


def _many_sheets(count: int):
    def make(path: Path) -> None:
        book = xlsxwriter.Workbook(str(path))
        for n in range(count):
            book.add_worksheet(f"S{n}").write(0, 0, n)
        book.close()

    return make


def _million_rows(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Bieu01")
    for row in range(1_000_000):
        sheet.write_number(row, 0, row)
    book.close()


def _huge_cell(path: Path) -> None:
    """One inline string of 10 MiB (Excel itself caps a cell at 32,767 characters)."""
    _raw_sheet(
        b"<?xml version='1.0'?><worksheet " + _SHEET_NS + b'><sheetData><row r="1"><c r="A1" '
        b't="inlineStr"><is><t>' + b"x" * (10 * 1024 * 1024) + b"</t></is></c></row>"
        b"</sheetData></worksheet>"
    )(path)


def _hidden_sheet_first(state: str, other_sender: str):
    """A stale (or another province's) sheet hidden before the real, visible one."""

    def make(path: Path) -> None:
        stale = path.with_suffix(".stale.xlsx")
        real = path.with_suffix(".real.xlsx")
        write_form01(
            stale,
            Form01Spec(sender=other_sender, period_text="Quý II năm 2026", leaves=LEAVES),
            Form01Variant(sheet_name="Cu"),
        )
        write_form01(real, SPEC, Form01Variant(sheet_name="Bieu01"))
        _merge_sheets(path, [(stale, "Cu", state), (real, "Bieu01", None)])
        stale.unlink()
        real.unlink()

    return make


def _merge_sheets(path: Path, sources: list[tuple[Path, str, str | None]]) -> None:
    """One workbook of the first sheets of others (cell values only), with sheet states."""
    from python_calamine import CalamineWorkbook

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    for source, name, state in sources:
        rows = CalamineWorkbook.from_path(str(source)).get_sheet_by_index(0).to_python()
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value not in ("", None):
                    sheet.write(r, c, value)
        if state == "hidden":
            sheet.hide()
        elif state == "veryHidden":
            sheet.very_hidden()
    book.close()


def _real_sheet_second(path: Path) -> None:
    notes = path.with_suffix(".notes.xlsx")
    real = path.with_suffix(".real.xlsx")
    book = xlsxwriter.Workbook(str(notes))
    book.add_worksheet("HuongDan").write(0, 0, "Hướng dẫn điền biểu: xem sheet Bieu01")
    book.close()
    write_form01(real, SPEC)
    _merge_sheets(path, [(notes, "HuongDan", None), (real, "Bieu01", None)])
    notes.unlink()
    real.unlink()


def _ref_error_amount(path: Path) -> None:
    good = path.with_suffix(".good.xlsx")
    write_form01(good, SPEC)
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                # the first number of the sheet (a cell with no type: not a string) becomes #REF!
                number = re.search(rb'<c r="([A-Z]+\d+)"(?: s="\d+")?><v>[^<]*</v></c>', data)
                assert number, "the form has no number cell"
                error = b'<c r="' + number[1] + b'" t="e"><v>#REF!</v></c>'
                data = data[: number.start()] + error + data[number.end() :]
            z.writestr(info, data)
    good.unlink()


def _rewritten(transform: Callable[[list[list[object]]], list[list[object]]]):
    """A correct Form 01 whose rows a careless sender rearranged: `transform` edits the grid."""

    def make(path: Path) -> None:
        good = path.with_suffix(".good.xlsx")
        write_form01(good, SPEC)
        grid = CalamineWorkbook.from_path(str(good)).get_sheet_by_name("Bieu01").to_python()
        good.unlink()
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("Bieu01")
        for r, row in enumerate(transform([list(row) for row in grid])):
            for c, value in enumerate(row):
                if value != "":
                    sheet.write(r, c, value)
        book.close()

    return make


def _row_of(grid: list[list[object]], stt: str, label_start: str) -> int:
    return next(
        i for i, row in enumerate(grid) if row[0] == stt and str(row[1]).startswith(label_start)
    )


def _duplicated_leaf(grid: list[list[object]]) -> list[list[object]]:
    """The sub-project of Dự án 3 typed twice, one under the other."""
    at = _row_of(grid, "-", "Tiểu dự án 1")
    return [*grid[: at + 1], list(grid[at]), *grid[at + 1 :]]


def _subproject_outside_project(grid: list[list[object]]) -> list[list[object]]:
    """The local budget's Dự án 3 line typed as a sub-project: it hangs under the source line."""
    local = _row_of(grid, "II", "Vốn ngân sách địa phương")
    label = "Tiểu dự án 1: Phát triển kinh tế nông, lâm nghiệp"
    grid[local + 1] = ["-", label, *grid[local + 1][2:]]
    return grid


def _project_inside_subprojects(grid: list[list[object]]) -> list[list[object]]:
    """Dự án 1 moved below a sub-project and a budget-source line moved inside a project."""
    project = _row_of(grid, "1", "Dự án 1")
    moved = grid.pop(project)
    sub = _row_of(grid, "-", "Tiểu dự án 2")
    grid.insert(sub + 1, moved)
    central = _row_of(grid, "I", "Vốn ngân sách trung ương")
    source = grid.pop(central)
    grid.insert(_row_of(grid, "-", "Tiểu dự án 1"), source)
    return grid


def _ref_error_amount_xls(path: Path) -> None:
    """An Excel 97–2003 Form 01 whose first amount is a #REF! error (calamine reads it blank)."""
    import xlwt

    good = path.with_suffix(".good.xlsx")
    write_form01(good, SPEC)
    grid = CalamineWorkbook.from_path(str(good)).get_sheet_by_name("Bieu01").to_python()
    good.unlink()
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Bieu01")
    first_amount = next(
        (r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if isinstance(v, float)
    )
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if (r, c) == first_amount:
                sheet.row(r).set_cell_error(c, "#REF!")
            elif value != "":
                sheet.write(r, c, value)
    book.save(str(path))


def _html_as_xls(path: Path) -> None:
    path.write_text(
        "<html><body><table><tr><td>UBND TỈNH LÀO CAI</td></tr>"
        "<tr><td>Quý III năm 2026</td><td>4235</td></tr></table></body></html>",
        encoding="utf-8",
    )


def _xlsx_named_csv(path: Path) -> None:
    write_form01(path.with_suffix(".tmp.xlsx"), SPEC)
    path.with_suffix(".tmp.xlsx").rename(path)


def _truncated_xlsx(path: Path) -> None:
    good = path.with_suffix(".good.xlsx")
    write_form01(good, SPEC)
    data = good.read_bytes()
    good.unlink()
    path.write_bytes(data[: len(data) // 2])


def _encrypted_like(path: Path) -> None:
    """An OLE compound file holding `EncryptedPackage` (what Excel writes with a password)."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
    path.write_bytes(header + b"\x00" * 486 + "EncryptedPackage".encode("utf-16-le") * 4)


def _csv_many_columns(path: Path) -> None:
    header = ",".join(f"c{n}" for n in range(10_000))
    path.write_text(header + "\n" + ",".join("1" for _ in range(10_000)) + "\n")


def _csv_mixed_encodings(path: Path) -> None:
    path.write_bytes(
        (CSV_HEADER + "\n" + _csv_row() + "\n").encode("utf-8")
        + _encoded(_csv_row(code="12", name="Tỉnh Lai Châu"), "cp1258")
        + b"\n"
    )


def _nfd(name: str) -> str:
    return unicodedata.normalize("NFD", name)


# --- the cases -----------------------------------------------------------------------------


def cases() -> list[Case]:
    form01 = _form01()
    good_csv = _csv(_csv_row())
    out: list[Case] = [
        # good reports, so the corpus also shows what is accepted
        Case("good_form01", "control", "a correct Form 01", "bieu01.xlsx", form01, ACCEPTED),
        Case("good_csv", "control", "a correct portal CSV", "portal.csv", good_csv, ACCEPTED),
        Case(
            "good_form01_xls",
            "control",
            "a correct Form 01 saved as .xls",
            "bieu01.xls",
            _form01(Form01Variant(file_format="xls")),
            ACCEPTED,
        ),
        # workbook structure
        Case("far_cell", "workbook", "one cell at XFD1048576", "far.xlsx", _far_cell, QUARANTINED),
        Case(
            "lying_dimension",
            "workbook",
            "<dimension> says A1:B2, a cell sits at A250000",
            "lying.xlsx",
            _lying_dimension,
            QUARANTINED,
        ),
        Case(
            "zip_bomb",
            "workbook",
            "a sheet inflating to 1 GiB",
            "bomb.xlsx",
            _zip_bomb,
            QUARANTINED,
        ),
        Case(
            "xxe_sheet",
            "workbook",
            "an external entity in the sheet XML",
            "xxe.xlsx",
            _xxe_sheet,
            QUARANTINED,
        ),
        Case(
            "billion_laughs",
            "workbook",
            "entity expansion in sharedStrings",
            "laughs.xlsx",
            _billion_laughs_strings,
            QUARANTINED,
        ),
        Case(
            "many_sheets",
            "workbook",
            "3,000 sheets",
            "sheets.xlsx",
            _many_sheets(3000),
            QUARANTINED,
        ),
        Case("million_rows", "workbook", "a million rows", "rows.xlsx", _million_rows, QUARANTINED),
        Case("huge_cell", "workbook", "a 10 MB cell", "cell.xlsx", _huge_cell, QUARANTINED),
        Case(
            "hidden_stale",
            "workbook",
            "a hidden stale sheet before the visible real one",
            "hidden.xlsx",
            _hidden_sheet_first("hidden", "UBND TỈNH LÀO CAI"),
            ACCEPTED,
        ),
        Case(
            "very_hidden_other",
            "workbook",
            "a veryHidden sheet of another province first",
            "veryhidden.xlsx",
            _hidden_sheet_first("veryHidden", "UBND TỈNH ĐIỆN BIÊN"),
            ACCEPTED,
        ),
        Case(
            "real_sheet_second",
            "workbook",
            "a notes sheet before the report",
            "second.xlsx",
            _real_sheet_second,
            ACCEPTED,
        ),
        Case(
            "duplicated_leaf_row",
            "form01",
            "a sub-project row typed twice",
            "dup.xlsx",
            _rewritten(_duplicated_leaf),
            QUARANTINED,
        ),
        Case(
            "subproject_outside_project",
            "form01",
            "a sub-project with no project above it",
            "orphan.xlsx",
            _rewritten(_subproject_outside_project),
            QUARANTINED,
        ),
        Case(
            "nonsense_hierarchy",
            "form01",
            "a project below a sub-project, a budget source inside a project",
            "nonsense.xlsx",
            _rewritten(_project_inside_subprojects),
            QUARANTINED,
        ),
        Case(
            "ref_error",
            "workbook",
            "#REF! in an amount",
            "ref.xlsx",
            _ref_error_amount,
            QUARANTINED,
        ),
        Case(
            "ref_error_xls",
            "workbook",
            "#REF! in an amount of an .xls",
            "ref.xls",
            _ref_error_amount_xls,
            QUARANTINED,
        ),
        Case(
            "html_as_xls",
            "format",
            "an HTML table saved as .xls",
            "html.xls",
            _html_as_xls,
            QUARANTINED,
        ),
        Case(
            "xlsx_named_csv",
            "format",
            "a good workbook named .csv",
            "bieu01.csv",
            _xlsx_named_csv,
            ACCEPTED,
        ),
        Case(
            "truncated", "format", "half of a workbook", "half.xlsx", _truncated_xlsx, QUARANTINED
        ),
        Case(
            "junk",
            "format",
            "random bytes named .xlsx",
            "junk.xlsx",
            _bytes(bytes(range(256)) * 40),
            QUARANTINED,
        ),
        Case(
            "pdf",
            "format",
            "a PDF named .xlsx",
            "scan.xlsx",
            _bytes(b"%PDF-1.4\n%\xe2\xe3"),
            QUARANTINED,
        ),
        Case("zero_bytes", "format", "an empty file", "empty.xlsx", _bytes(b""), REFUSED),
        Case(
            "encrypted",
            "format",
            "a password-protected workbook",
            "locked.xlsx",
            _encrypted_like,
            QUARANTINED,
        ),
        # Form 01 content
        Case(
            "bad_subtotal",
            "form01",
            "a subtotal 250 triệu đồng off",
            "subtotal.xlsx",
            _form01(
                Form01Variant(error=InjectedError(budget_source="central", project_code="DA5"))
            ),
            QUARANTINED,
        ),
        Case(
            "header_far_down",
            "form01",
            "blank rows and leading empty columns",
            "far_header.xlsx",
            _form01(Form01Variant(blank_rows=True, leading_empty_columns=3)),
            ACCEPTED,
        ),
        Case(
            "unknown_province",
            "form01",
            "a sender that is no province",
            "unknown.xlsx",
            _form01(
                spec=Form01Spec(
                    sender="UBND TỈNH ATLANTIS", period_text="Quý III năm 2026", leaves=LEAVES
                )
            ),
            QUARANTINED,
        ),
        Case(
            "period_before_programme",
            "form01",
            "a period of 2019",
            "2019.xlsx",
            _form01(
                spec=Form01Spec(
                    sender="UBND TỈNH LÀO CAI", period_text="Quý III năm 2019", leaves=LEAVES
                )
            ),
            QUARANTINED,
        ),
        Case(
            "period_far_future",
            "form01",
            "a period of 2099",
            "2099.xlsx",
            _form01(
                spec=Form01Spec(
                    sender="UBND TỈNH LÀO CAI", period_text="Quý III năm 2099", leaves=LEAVES
                )
            ),
            QUARANTINED,
        ),
        Case(
            "nfd_text",
            "form01",
            "every text in NFD",
            "nfd.xlsx",
            _form01(Form01Variant(nfd=True)),
            ACCEPTED,
        ),
        Case(
            "numbers_as_text",
            "form01",
            "amounts typed as Vietnamese text",
            "text_numbers.xlsx",
            _form01(Form01Variant(numbers_as_text=True)),
            ACCEPTED,
        ),
        # CSV
        Case(
            "csv_bom",
            "csv",
            "UTF-8 with BOM",
            "bom.csv",
            _text("\ufeff" + CSV_HEADER + "\n" + _csv_row() + "\n"),
            ACCEPTED,
        ),
        Case(
            "csv_utf16_bom",
            "csv",
            "UTF-16 with BOM",
            "u16.csv",
            _text(CSV_HEADER + "\n" + _csv_row() + "\n", "utf-16"),
            ACCEPTED,
        ),
        Case(
            "csv_utf16_no_bom",
            "csv",
            "UTF-16 without BOM",
            "u16le.csv",
            _text(CSV_HEADER + "\n" + _csv_row() + "\n", "utf-16-le"),
            ACCEPTED,
        ),
        Case(
            "csv_cp1258",
            "csv",
            "Windows-1258",
            "cp1258.csv",
            _text(CSV_HEADER + "\n" + _csv_row() + "\n", "cp1258"),
            ACCEPTED,
        ),
        Case(
            "csv_mixed_encodings",
            "csv",
            "UTF-8 and cp1258 lines mixed",
            "mixed.csv",
            _csv_mixed_encodings,
            QUARANTINED,
        ),
        Case(
            "csv_unbalanced_quote",
            "csv",
            "an unbalanced quote",
            "quote.csv",
            _csv(_csv_row(name='"Tỉnh Lào Cai')),
            QUARANTINED,
        ),
        Case(
            "csv_10000_columns", "csv", "10,000 columns", "wide.csv", _csv_many_columns, QUARANTINED
        ),
        Case(
            "csv_nul_bytes",
            "csv",
            "NUL bytes inside",
            "nul.csv",
            _text(CSV_HEADER + "\n" + _csv_row().replace("DA1", "D\x00A1") + "\n"),
            QUARANTINED,
        ),
        Case(
            "csv_amount_1e30",
            "csv",
            "an amount of 1e30",
            "1e30.csv",
            _csv(_csv_row(plan="1e30")),
            QUARANTINED,
        ),
        Case(
            "csv_int64_overflow",
            "csv",
            "an amount past int64 đồng",
            "overflow.csv",
            _csv(_csv_row(plan="99999999999999999")),
            QUARANTINED,
        ),
        Case(
            "csv_31_digits",
            "csv",
            "a 31-digit amount",
            "digits.csv",
            _csv(_csv_row(plan="1" * 31)),
            QUARANTINED,
        ),
        Case(
            "csv_negative",
            "csv",
            "a negative plan",
            "negative.csv",
            _csv(_csv_row(plan="-5")),
            QUARANTINED,
        ),
        Case(
            "csv_impossible_date",
            "csv",
            "31/02/2026 as the update date",
            "date.csv",
            _csv(_csv_row(date="31/02/2026")),
            QUARANTINED,
        ),
        Case(
            "csv_year_zero",
            "csv",
            "year 0000 as the update date",
            "year0.csv",
            _csv(_csv_row(date="05/10/0000")),
            QUARANTINED,
        ),
        Case(
            "csv_unknown_province",
            "csv",
            "province code 99",
            "p99.csv",
            _csv(_csv_row(code="99", name="Tỉnh Không Có")),
            QUARANTINED,
        ),
        Case(
            "csv_code_name_mismatch",
            "csv",
            "code 15 named Điện Biên",
            "mismatch.csv",
            _csv(_csv_row(name="Tỉnh Điện Biên")),
            QUARANTINED,
        ),
        Case(
            "csv_period_2019",
            "csv",
            "a period before the programme",
            "p2019.csv",
            _csv(_csv_row(period="2019-Q3")),
            QUARANTINED,
        ),
        Case(
            "csv_period_2099",
            "csv",
            "a period far in the future",
            "p2099.csv",
            _csv(_csv_row(period="2099-Q3")),
            QUARANTINED,
        ),
        Case(
            "csv_huge_field",
            "csv",
            "a field over 131,072 characters",
            "field.csv",
            _csv(_csv_row(name="x" * 140_000)),
            QUARANTINED,
        ),
        Case(
            "csv_header_only",
            "csv",
            "a header and no rows",
            "header.csv",
            _text(CSV_HEADER + "\n"),
            QUARANTINED,
        ),
        Case(
            "csv_semicolons",
            "csv",
            "semicolons and decimal commas",
            "semi.csv",
            _text(
                CSV_HEADER.replace(",", ";")
                + "\n"
                + _csv_row(plan="4235,027", disbursed="1216,359")
                .replace(",", ";")
                .replace("4235;027", "4235,027")
                .replace("1216;359", "1216,359")
                + "\n"
            ),
            ACCEPTED,
        ),
        Case(
            "csv_formula_name",
            "csv",
            "a province name that is a formula",
            "formula.csv",
            _csv(_csv_row(name='=HYPERLINK("http://x","y")')),
            QUARANTINED,
        ),
    ]
    names = [
        ("name_dotdot", "..bieu01.xlsx", "a name starting with two dots"),
        ("name_dot_only", "...xlsx", "dots and an extension only"),
        ("name_windows", "C:\\Users\\x\\bieu01.xlsx", "a Windows path as the name"),
        ("name_reserved", "CON.xlsx", "a reserved Windows name"),
        ("name_dash", "-rf bieu01.xlsx", "a leading dash"),
        ("name_shell", "$(rm -rf ~);`id`.xlsx", "shell markup"),
        ("name_rich", "[bold red]bieu01[blink].xlsx", "rich markup"),
        ("name_escape", "bieu01\x1b[31m.xlsx", "an ESC sequence"),
        ("name_formula", "=cmd|' -C calc'!A0.xlsx", "a formula as the name"),
        (
            "name_long_nfd",
            _nfd("Báo cáo tiến độ giải ngân " * 8)[:120] + ".xlsx",
            "a very long NFD name",
        ),
        ("name_long_empty", "x" * 245, "a zero-byte file with a 245-byte name"),
    ]
    # names the inbox keeps out of landing (hidden, a path, control characters): refused with
    # the reason, the file kept in quarantine/; the others are good reports with odd names
    refused_names = {"name_dotdot", "name_dot_only", "name_windows", "name_escape"}
    for case_id, name, description in names:
        empty = case_id == "name_long_empty"
        out.append(
            Case(
                case_id,
                "file name",
                description,
                name,
                _bytes(b"") if empty else form01,
                REFUSED if empty or case_id in refused_names else ACCEPTED,
            )
        )
    return out
