"""A look at a spreadsheet before it is opened: what it is, and whether it is safe to read.

calamine inflates a whole sheet into memory, so a 6 KB file with one cell at XFD1048576, a zip
bomb or fifty million copies of one cell can take the process down before any reason is
written. `guard` reads the zip's directory (nothing inflated), then streams the parts calamine
will read (workbook, shared strings, every sheet) through a bounded inflater and a pull parser,
counting cells as they pass; `<dimension>` is never trusted. A sheet's cells are found by
compiled patterns over its bytes (`_SheetScan`, ~5× faster than visiting each element) while
libxml2 checks them well-formed; a sheet in a shape the patterns do not follow is read element
by element. Every refusal is a `ReportReadError` naming the file, the sheet by its name, the row
and the column.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lxml import etree

from core.errors import ReportReadError

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767  # Excel cannot hold a longer text in one cell
QUOTE_CHARS = 80
# Every XML part is parsed so: no entity resolved, no DTD or network, no huge tree.
_XML_OPTIONS: dict[str, bool] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "remove_comments": True,
    "remove_pis": True,
}


@dataclass(frozen=True)
class Limits:
    """What a provincial workbook may hold. A Form 01 is ~100 rows × 20 columns; a Form 02
    beneficiary list a few tens of thousands of rows × 15 columns."""

    file_bytes: int = 100 * 2**20  # on disk, .xlsx or .xls
    uncompressed_bytes: int = 200 * 2**20  # all members of the zip together
    member_ratio: int = 100  # inflated : compressed, for members over `ratio_floor` bytes
    ratio_floor: int = 2**20
    members: int = 10_000
    sheets: int = 200
    rows: int = 200_000
    columns: int = 500
    # rows × columns from A1 to the farthest cell: what calamine and the grid allocate
    cells: int = 4_000_000
    cell_chars: int = EXCEL_MAX_CELL_CHARS
    shared_strings: int = 2_000_000


DEFAULT_LIMITS = Limits()


@dataclass
class SheetInfo:
    """One sheet as the guard saw it: its state and the extent of the cells holding a value."""

    name: str
    state: str = "visible"  # visible | hidden | veryHidden
    rows: int = 0  # 1-based number of the last row holding a value
    columns: int = 0
    # (1-based row, 0-based column) -> the error text (#REF!, #VALUE!, #DIV/0! ...)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass
class WorkbookInfo:
    kind: str  # xlsx | xls | ods | xlsb
    sheets: list[SheetInfo] = field(default_factory=list)

    def sheet(self, name: str) -> SheetInfo | None:
        return next((s for s in self.sheets if s.name == name), None)


def quote(text: Any, limit: int = QUOTE_CHARS) -> str:
    """A cell's text fit for a reason: repr'd, cut to `limit` characters with its full length."""
    text = "" if text is None else str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} ký tự / characters)"


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 16383 → XFD)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _parse_ref(ref: str) -> tuple[int, int] | None:
    """`XFD1048576` → (1048576, 16383): 1-based row, 0-based column."""
    match = _CELL_REF.match(ref)
    if not match:
        return None
    column = 0
    for ch in match[1].upper():
        column = column * 26 + ord(ch) - ord("A") + 1
    return int(match[2]), column - 1


# --- what a file is --------------------------------------------------------------------------


def sniff(path: Path) -> str:
    """What the bytes of a file are, whatever its name says.

    `xlsx` (a zip holding xl/workbook.xml), `xlsb`, `ods`, `zip` (another or a broken zip),
    `ole` (.xls, or an .xlsx encrypted with a password), `encrypted`, `html`, `text`,
    `binary` or `empty`.
    """
    with open(path, "rb") as f:
        head = f.read(8192)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                if "xl/workbook.xml" in names or _office_document(zf, names).endswith(".xml"):
                    return "xlsx"
                if "xl/workbook.bin" in names:
                    return "xlsb"
                if "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype")[:100]:
                    return "ods"
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            pass
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "encrypted" if _ole_is_encrypted(path) else "ole"
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower().replace(b"\x00", b"")
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or (
        text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head
    ):
        return "html" if b"<?xml" not in text[:5] else "xml"
    if b"<html" in text[:1024] or b"<table" in text[:1024]:
        return "html"
    if _looks_like_text(head):
        return "text"
    return "binary"


def _office_document(zf: zipfile.ZipFile, names: set[str]) -> str:
    """The workbook part named by _rels/.rels (some writers do not use xl/workbook.xml)."""
    if "_rels/.rels" not in names:
        return ""
    info = zf.getinfo("_rels/.rels")
    if info.file_size > 2**20:
        return ""
    try:
        root = etree.fromstring(zf.read(info), _safe_parser())
    except etree.XMLSyntaxError:
        return ""
    for rel in root:
        if str(rel.get("Type", "")).endswith("/officeDocument"):
            target = rel.get("Target", "").lstrip("/")
            return target if target in names and target.endswith("workbook.xml") else ""
    return ""


def _ole_is_encrypted(path: Path) -> bool:
    # An encrypted .xlsx is an OLE file with an `EncryptionInfo` stream; its directory entries
    # are UTF-16 names. The file size is bounded before this is called for a read.
    needle = "EncryptionInfo".encode("utf-16-le")
    with open(path, "rb") as f:
        tail = b""
        for _ in range(64):  # at most 64 MiB looked at
            chunk = f.read(2**20)
            if not chunk:
                return False
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return True
    sample = head[:4096]
    if sample.count(b"\x00") > len(sample) // 4:  # UTF-16 without BOM
        sample = sample.replace(b"\x00", b"")
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls <= len(sample) // 100


# --- the guard ---------------------------------------------------------------------------------


def guard(path: Path, *, limits: Limits = DEFAULT_LIMITS, name: str | None = None) -> WorkbookInfo:
    """Check a spreadsheet against `limits` before calamine opens it; raise `ReportReadError`
    with a located reason when it must not be opened."""
    path = Path(path)
    name = name or path.name

    def refuse(reason: str, sheet: str | None = None, row: int | None = None) -> ReportReadError:
        return ReportReadError(reason, file=name, sheet=sheet, row=row)

    if not path.is_file():
        raise ReportReadError("không tìm thấy tệp / file not found", file=str(path))
    size = path.stat().st_size
    if size == 0:
        raise refuse("tệp rỗng (0 byte) / the file is empty")
    if size > limits.file_bytes:
        raise refuse(
            f"tệp quá lớn ({size / 2**20:.0f} MB, tối đa {limits.file_bytes // 2**20} MB) / "
            f"the file is too large for a provincial report ({size:,} bytes)"
        )
    kind = sniff(path)
    if kind == "html":
        raise refuse(
            "tệp là một trang HTML được lưu với đuôi .xls: mở bằng Excel và lưu lại dạng .xlsx / "
            "an HTML page saved as .xls: open it in Excel and save as .xlsx"
        )
    if kind == "xml":
        raise refuse(
            "tệp là bảng tính XML 2003 (SpreadsheetML): mở bằng Excel và lưu lại dạng .xlsx / "
            "an Excel 2003 XML spreadsheet: open it in Excel and save as .xlsx"
        )
    if kind == "encrypted":
        raise refuse(
            "bảng tính được đặt mật khẩu (mã hoá): gửi lại bản không có mật khẩu / "
            "the workbook is password-protected (encrypted): send it without a password"
        )
    if kind in ("text", "binary", "zip", "empty"):
        what = {
            "text": "a text file (CSV?), not a spreadsheet",
            "zip": "a zip archive that is not an Excel workbook, or a broken one",
        }.get(kind, "not a spreadsheet")
        raise refuse(
            "không đọc được tệp như một bảng tính Excel (.xlsx/.xls) / "
            f"the file is not a readable spreadsheet: {what}"
        )
    if kind == "ole":
        return _guard_xls(path, limits, refuse)
    return _guard_zip(path, kind, limits, refuse)


_XLS_STATES = {0: "visible", 1: "hidden", 2: "veryHidden"}
_XLS_ERROR_TYPE = 5  # xlrd.XL_CELL_ERROR


def _guard_xls(path: Path, limits: Limits, refuse: Any) -> WorkbookInfo:
    """An Excel 97–2003 workbook: its sheets' extents and formula error cells, which calamine
    reads as empty (a #REF! amount would pass as a blank). An .xls is bounded by its format
    (65,536 rows × 256 columns) and by `limits.file_bytes`; xlrd reads one sheet at a time."""
    import xlrd  # only .xls files need it

    try:
        book = xlrd.open_workbook(str(path), on_demand=True, formatting_info=False)
    except (xlrd.XLRDError, xlrd.compdoc.CompDocError, ValueError, OSError, AssertionError) as exc:
        raise refuse(
            "không đọc được tệp như một bảng tính Excel 97–2003 (.xls): "
            f"{quote(str(exc))} / the file is not a readable spreadsheet (Excel 97–2003 .xls)"
        ) from exc
    info = WorkbookInfo("xls")
    with book:
        if book.nsheets > limits.sheets:
            raise refuse(
                f"bảng tính có {book.nsheets:,} biểu (tối đa {limits.sheets}) / the workbook has "
                f"{book.nsheets:,} sheets: not a provincial report"
            )
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            seen = SheetInfo(sheet.name, _XLS_STATES.get(sheet.visibility, "visible"))
            seen.rows, seen.columns = sheet.nrows, sheet.ncols
            if sheet.nrows * sheet.ncols > limits.cells:
                raise refuse(
                    f"biểu có {sheet.nrows:,} dòng × {sheet.ncols} cột (tối đa {limits.cells:,} "
                    f"ô) / the sheet spans {sheet.nrows:,} rows × {sheet.ncols} columns",
                    sheet=sheet.name,
                )
            for r in range(sheet.nrows):
                types = sheet.row_types(r)
                if _XLS_ERROR_TYPE not in types:
                    continue
                for c, kind in enumerate(types):
                    if kind == _XLS_ERROR_TYPE:
                        code = sheet.cell_value(r, c)
                        seen.errors[(r + 1, c)] = xlrd.error_text_from_code.get(code, "#ERROR")
            info.sheets.append(seen)
            book.unload_sheet(index)
    return info


def _guard_zip(path: Path, kind: str, limits: Limits, refuse: Any) -> WorkbookInfo:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise refuse(
            "không đọc được tệp như một bảng tính Excel (.xlsx/.xls): tệp nén bị hỏng hoặc bị "
            f"cắt cụt / the file is not a readable spreadsheet (broken or truncated zip: {exc})"
        ) from exc
    with zf, open(path, "rb") as raw:
        infos = zf.infolist()
        if len(infos) > limits.members:
            raise refuse(
                f"tệp nén có {len(infos):,} thành phần (tối đa {limits.members:,}) / "
                f"the workbook zip holds {len(infos):,} parts"
            )
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise refuse(
                    "bảng tính được đặt mật khẩu (mã hoá) / the workbook is encrypted: "
                    "send it without a password"
                )
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.ratio_floor and ratio > limits.member_ratio:
                raise refuse(
                    f"thành phần {quote(info.filename)} nén {ratio:,.0f}:1 (tối đa "
                    f"{limits.member_ratio}:1), có thể là bom nén / part "
                    f"{quote(info.filename)} inflates {ratio:,.0f}:1: a zip bomb, not a report"
                )
        if total > limits.uncompressed_bytes:
            raise refuse(
                f"giải nén ra {total / 2**20:,.0f} MB (tối đa {limits.uncompressed_bytes // 2**20}"
                f" MB) / the workbook inflates to {total:,} bytes: too large for a report"
            )
        if kind != "xlsx":
            return WorkbookInfo(kind)
        reader = _ZipReader(zf, raw, limits, refuse)
        return reader.inspect()


class _ZipReader:
    """Streams members of an .xlsx through a bounded inflater and a pull parser."""

    def __init__(self, zf: zipfile.ZipFile, raw: IO[bytes], limits: Limits, refuse: Any) -> None:
        self.zf, self.raw, self.limits, self.refuse = zf, raw, limits, refuse
        self.names = set(zf.namelist())
        self.long_strings: dict[int, str] = {}  # shared string index -> its start

    def inspect(self) -> WorkbookInfo:
        workbook_part = "xl/workbook.xml"
        if workbook_part not in self.names:
            workbook_part = _office_document(self.zf, self.names)
        sheets, rels = self._workbook(workbook_part)
        base = posixpath.dirname(workbook_part)
        targets = {rid: self._resolve(base, target) for rid, (target, _) in rels.items()}
        for rid, (_, rtype) in rels.items():
            if rtype.endswith("/sharedStrings") and targets[rid] in self.names:
                self._shared_strings(targets[rid])
        info = WorkbookInfo("xlsx")
        for sheet_name, state, rid in sheets:
            sheet = SheetInfo(sheet_name, state)
            info.sheets.append(sheet)
            member = targets.get(rid or "")
            if member in self.names and rels[rid][1].endswith("/worksheet"):
                self._sheet(member, sheet)
        return info

    @staticmethod
    def _resolve(base: str, target: str) -> str:
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(base, target))

    def _workbook(
        self, part: str
    ) -> tuple[list[tuple[str, str, str | None]], dict[str, tuple[str, str]]]:
        sheets: list[tuple[str, str, str | None]] = []
        for _event, elem in self._events(part, ("end",), None, "sheet"):
            if _local(elem.tag) == "sheet":
                state = elem.get("state") or "visible"
                sheets.append((elem.get("name") or "", state, elem.get(f"{{{_REL}}}id")))
                if len(sheets) > self.limits.sheets:
                    raise self.refuse(
                        f"bảng tính có hơn {self.limits.sheets} biểu (sheet) / the workbook "
                        f"has more than {self.limits.sheets} sheets: not a provincial report"
                    )
                elem.clear()
        rels: dict[str, tuple[str, str]] = {}
        rels_part = posixpath.join(
            posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels"
        )
        if rels_part in self.names:
            for _event, elem in self._events(rels_part, ("end",), None, "Relationship"):
                if _local(elem.tag) == "Relationship" and elem.get("Id"):
                    rels[elem.get("Id")] = (elem.get("Target", ""), elem.get("Type", ""))
                    elem.clear()
        return sheets, rels

    def _shared_strings(self, part: str) -> None:
        count = 0
        for _event, elem in self._events(part, ("end",), None, "si"):
            if _local(elem.tag) != "si":
                continue
            if count >= self.limits.shared_strings:
                raise self.refuse(
                    f"bảng tính có hơn {self.limits.shared_strings:,} chuỗi ký tự / the workbook "
                    f"holds more than {self.limits.shared_strings:,} distinct texts"
                )
            text = "".join(
                t.text or "" for t in elem.iter() if _local(t.tag) == "t" and t.text is not None
            )
            if len(text) > self.limits.cell_chars:
                self.long_strings[count] = text[: QUOTE_CHARS + 1]
            count += 1
            elem.clear()
            while elem.getprevious() is not None:
                del elem.getparent()[0]

    def _sheet(self, part: str, sheet: SheetInfo) -> None:
        """Scan a sheet's bytes with compiled patterns; a sheet written in a shape they do not
        know (comments, CDATA, entities in a place that matters, prefixed cell tags, another
        encoding ...) is read again element by element, with the same verdicts."""
        try:
            _SheetScan(self, part, sheet).run()
        except _Unusual:
            sheet.rows, sheet.columns, sheet.errors = 0, 0, {}
            self._sheet_by_elements(part, sheet)

    def _sheet_by_elements(self, part: str, sheet: SheetInfo) -> None:
        limits, name = self.limits, sheet.name
        row_number = 0
        column = -1
        cells = 0
        for event, elem in self._events(part, ("start", "end"), name, "row", "c"):
            tag = _local(elem.tag)
            if tag == "row" and event == "start":
                r = elem.get("r")
                row_number = int(r) if r and r.isdigit() else row_number + 1
                column = -1
            elif tag == "c" and event == "end":
                ref = _parse_ref(elem.get("r") or "")
                if ref is not None:
                    row_number, column = max(row_number, ref[0]), ref[1]
                else:
                    column += 1
                values = [child for child in elem if _local(child.tag) in ("v", "is")]
                if values:  # calamine keeps only cells holding a value
                    if row_number > limits.rows:
                        raise self._far(sheet, row_number, column)
                    self._cell(sheet, elem, values, row_number, column)
                    cells += 1
                    sheet.rows, sheet.columns = (
                        max(sheet.rows, row_number),
                        max(sheet.columns, column + 1),
                    )
                    if column + 1 > limits.columns:
                        raise self._far(sheet, row_number, column)
                    if cells > limits.cells or sheet.rows * sheet.columns > limits.cells:
                        raise self._too_many(sheet, row_number)
                elem.clear()
            elif tag == "row" and event == "end":
                elem.clear()
                while elem.getprevious() is not None:
                    del elem.getparent()[0]

    def _cell(self, sheet: SheetInfo, elem: Any, values: list[Any], row: int, column: int) -> None:
        where = f"{column_letter(column)}{row}" if column >= 0 else f"dòng/row {row}"
        kind = elem.get("t")
        text = "".join(
            t.text or "" for v in values for t in v.iter() if _local(t.tag) in ("v", "t")
        )
        if kind == "s" and text.strip().isdigit() and int(text) in self.long_strings:
            text = self.long_strings[int(text)] + "…"
            length = f"hơn / over {self.limits.cell_chars:,}"
        elif len(text) > self.limits.cell_chars:
            length = f"{len(text):,}"
        else:
            if kind == "e":
                sheet.errors[(row, column)] = text.strip() or "#ERROR"
            return
        raise self._long(sheet, where, length, text, row)

    def _too_many(self, sheet: SheetInfo, row: int) -> ReportReadError:
        return self.refuse(
            f"biểu có vùng dữ liệu quá lớn (đến ô {column_letter(sheet.columns - 1)}"
            f"{sheet.rows}, hơn {self.limits.cells:,} ô) / the used range is larger "
            f"than {self.limits.cells:,} cells: not a provincial report",
            sheet=sheet.name,
            row=row,
        )

    def _long(
        self, sheet: SheetInfo, where: str, length: str, text: str, row: int
    ) -> ReportReadError:
        return self.refuse(
            f"ô {where} có {length} ký tự (Excel cho phép tối đa {EXCEL_MAX_CELL_CHARS:,}): "
            f"{quote(text)} / cell {where} holds a text too long for a cell",
            sheet=sheet.name,
            row=row,
        )

    def _far(self, sheet: SheetInfo, row: int, column: int | None) -> ReportReadError:
        cell = f"{column_letter(column)}{row}" if column is not None else f"dòng {row}"
        return self.refuse(
            f"biểu có dữ liệu ở ô {cell}, quá xa (tối đa {self.limits.rows:,} dòng × "
            f"{self.limits.columns} cột): xoá các ô thừa rồi lưu lại / a cell far outside any "
            f"report (at {cell}; the limit is {self.limits.rows:,} rows × "
            f"{self.limits.columns} columns): delete the stray cells and save again",
            sheet=sheet.name,
            row=row,
        )

    def _events(
        self, part: str, events: tuple[str, ...], sheet: str | None, *tags: str
    ) -> Iterator[tuple[str, Any]]:
        parser = etree.XMLPullParser(events=events, tag=[f"{{*}}{t}" for t in tags], **_XML_OPTIONS)
        try:
            for chunk in self._inflate(part, sheet):
                parser.feed(chunk)
                yield from parser.read_events()
            parser.close()
            yield from parser.read_events()
        except etree.XMLSyntaxError as exc:
            raise self._broken_xml(part, sheet, exc) from exc

    def _checked_chunks(self, part: str, sheet: str | None) -> Iterator[bytes]:
        """The inflated bytes of a member, each chunk yielded once libxml2 (the parser and
        options of `_events`, building nothing) has found it well-formed up to its end."""
        parser = etree.XMLParser(target=_NoTarget(), **_XML_OPTIONS)
        try:
            for chunk in self._inflate(part, sheet):
                parser.feed(chunk)
                yield chunk
            parser.close()
        except etree.XMLSyntaxError as exc:
            raise self._broken_xml(part, sheet, exc) from exc

    def _broken_xml(
        self, part: str, sheet: str | None, exc: etree.XMLSyntaxError
    ) -> ReportReadError:
        if "huge" in str(exc).lower():
            return self.refuse(
                f"phần {quote(part)} có một chuỗi ký tự dài hàng triệu ký tự, dài hơn mọi ô "
                f"Excel ({EXCEL_MAX_CELL_CHARS:,} ký tự) / part {quote(part)} holds a text "
                f"longer than any Excel cell ({EXCEL_MAX_CELL_CHARS:,} characters)",
                sheet=sheet,
            )
        return self.refuse(
            f"phần {quote(part)} của bảng tính bị hỏng / part {quote(part)} of the workbook "
            f"is broken XML: {quote(str(exc))}",
            sheet=sheet,
        )

    def _inflate(self, part: str, sheet: str | None) -> Iterator[bytes]:
        """The bytes of one member, never more than its header says, checked against its CRC.

        Python's zipfile would stop at the declared size; calamine's reader does not, so a
        member that inflates beyond its header is refused here rather than trusted.
        """
        info = self.zf.getinfo(part)

        def broken(why: str) -> ReportReadError:
            return self.refuse(
                f"phần {quote(part)} của bảng tính bị hỏng ({why}) / part {quote(part)} of the "
                f"workbook is broken or truncated ({why})",
                sheet=sheet,
            )

        self.raw.seek(info.header_offset)
        local = self.raw.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise broken("no local header")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        self.raw.seek(info.header_offset + 30 + name_len + extra_len)
        left, produced, crc = info.compress_size, 0, 0
        if info.compress_type == zipfile.ZIP_STORED:
            inflater = None
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
        else:
            raise broken(f"compression method {info.compress_type}")
        while left > 0 or (inflater is not None and inflater.unconsumed_tail):
            if inflater is not None and inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
            else:
                data = self.raw.read(min(left, 2**16))
                if not data:
                    raise broken("truncated")
                left -= len(data)
            try:
                out = data if inflater is None else inflater.decompress(data, 2**18)
            except zlib.error as exc:
                raise broken(str(exc)) from exc
            produced += len(out)
            if produced > info.file_size:
                raise broken("inflates beyond the size its header states")
            crc = zlib.crc32(out, crc)
            if out:
                yield out
            if inflater is not None and inflater.eof:
                break
        if produced != info.file_size or crc != info.CRC:
            raise broken("size or CRC does not match")


class _NoTarget:
    """A parser target with no callbacks: libxml2 checks the XML and builds nothing."""

    def close(self) -> None:
        return None


class _Unusual(Exception):
    """A sheet in a shape `_SheetScan`'s patterns do not know: read it element by element."""


# In a well-formed document (libxml2 has checked each chunk before it is scanned) an attribute
# value holds no `<`, a text no `<`, and a sheet's cells are `<c>` elements inside `<row>`s.
_ATTRS = rb"((?:\s+[^\s=/<>]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*"
_TOKEN = re.compile(
    # a cell as Excel and xlsxwriter write it, its parts taken by the pattern itself
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="[0-9]{1,9}")?(?: t="([A-Za-z]{1,9})")?'
    rb"(?:/>|>(?:(<v>)([^<]*)</v>|(<is>)(.*?)</is>)</c>)"
    # a row; any other cell
    rb"|<(row)(?=[\s/>])" + _ATTRS + rb"/?>|<c(?=[\s/>])" + _ATTRS + rb"(?:(/)>|>(.*?)</c\s*>)",
    re.S,
)
_TAG = re.compile(rb"<(?:row|c)(?=[\s/>])")
_ATTR = re.compile(rb"\s+([^\s=/<>]+)\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")
_BODY = re.compile(
    rb"\s*(?:<f(?=[\s/>])" + _ATTRS + rb"(?:/>|>[^<]*</f\s*>)\s*)?"
    rb"(?:(<v(?=[\s/>])" + _ATTRS + rb"(?:/>|>([^<]*)</v\s*>))\s*"
    rb"|(<is(?=[\s/>])" + _ATTRS + rb"(?:/>|>(.*?)</is\s*>))\s*)?",
    re.S,
)
_T_TEXT = re.compile(rb"<t(?=[\s/>])" + _ATTRS + rb"(?:/>|>([^<]*)</t\s*>)")
_T_TAG = re.compile(rb"<t(?=[\s/>])")
# what the patterns do not follow: comments, CDATA, DOCTYPE and processing instructions; rows
# and cells with a namespace prefix; elements inside an inline string they would not see
_ODD = re.compile(rb"<[!?]|</?[^\s<>/!?=\"']+:(?:row|c)(?=[\s/>])")
_ODD_INLINE = re.compile(rb"<[^\s<>/!?=\"']+:|<v(?=[\s/>])")
_ODD_VALUE = re.compile(rb"[&\s\x80-\xff]")
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml[^>]*?\?>\s*)?")
_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([^\"']*)")
_MAX_CARRY = 8 * 2**20
_COLUMNS: dict[bytes, int] = {}


def _column_index(letters: bytes) -> int:
    """b"AB" → 27 (0-based), remembered."""
    index = _COLUMNS.get(letters)
    if index is None:
        index = 0
        for ch in letters.upper():
            index = index * 26 + ch - 64
        index -= 1
        if len(_COLUMNS) < 20_000:
            _COLUMNS[letters] = index
    return index


class _SheetScan:
    """A sheet's cells found by compiled patterns over its inflated bytes, one `</row>`-ended
    piece at a time, with `_ZipReader._sheet_by_elements`'s checks and verdicts. Anything the
    patterns do not follow exactly raises `_Unusual` before it could change a verdict."""

    def __init__(self, reader: _ZipReader, part: str, sheet: SheetInfo) -> None:
        self.reader, self.part, self.sheet = reader, part, sheet
        self.limits = reader.limits
        self.row_number, self.column, self.cells = 0, -1, 0

    def run(self) -> None:
        carry = b""
        first = True
        for chunk in self.reader._checked_chunks(self.part, self.sheet.name):
            buf = carry + chunk if carry else chunk
            if first:
                buf = self._prolog(buf)
                first = False
            cut = buf.rfind(b"</row>")
            if cut < 0:
                carry = buf
            else:
                cut += 6
                self._scan(buf[:cut])
                carry = buf[cut:]
            if len(carry) > _MAX_CARRY:
                raise _Unusual
        if first:
            return
        self._scan(carry)

    @staticmethod
    def _prolog(buf: bytes) -> bytes:
        head = _PROLOG.match(buf)
        end = head.end() if head else 0
        encoding = _ENCODING.search(buf[:end])
        if encoding and encoding[1].lower().replace(b"-", b"") != b"utf8":
            raise _Unusual
        if not buf[end : end + 1] == b"<":
            raise _Unusual
        return buf[end:]

    def _scan(self, region: bytes) -> None:
        if _ODD.search(region):
            raise _Unusual
        tokens = _TOKEN.findall(region)
        if len(tokens) != len(_TAG.findall(region)):
            raise _Unusual  # a row or cell tag the token pattern did not take whole
        limits, sheet, reader = self.limits, self.sheet, self.reader
        long_strings = reader.long_strings
        row_number, column, cells = self.row_number, self.column, self.cells
        max_rows, max_columns, max_chars = limits.rows, limits.columns, limits.cell_chars
        for token in tokens:
            letters, digits, kind, v, v_text, inline, is_body = token[:7]
            if letters:
                row = int(digits)
                if row > row_number:
                    row_number = row
                column = _COLUMNS.get(letters, -1)
                if column < 0:
                    column = _column_index(letters)
                if v:
                    text = v_text
                elif inline:
                    text = is_body
                else:
                    continue  # <c r=".." s=".."/>: no value
            else:
                is_row, row_attrs, cell_attrs, slash, body = token[7:]
                if is_row:
                    r = _attribute(row_attrs, b"r")
                    row_number = int(r) if r and r.isdigit() else row_number + 1
                    column = -1
                    continue
                ref = _attribute(cell_attrs, b"r")
                where = _parse_ref(ref.decode("ascii")) if ref is not None else None
                if where is not None:
                    row_number, column = max(row_number, where[0]), where[1]
                else:
                    column += 1
                kind = _attribute(cell_attrs, b"t") or b""
                if slash or not body:
                    continue
                found = _value(body)
                if found is None:
                    continue  # no <v> nor <is>: calamine keeps only cells holding a value
                text, inline = found
            if row_number > max_rows:
                raise reader._far(sheet, row_number, column)
            if len(text) > max_chars:
                raise _Unusual  # its exact length in characters is the element reader's to tell
            if kind == b"e" or (kind == b"s" and long_strings):
                self._typed(kind, bool(inline), text, row_number, column)
            cells += 1
            if row_number > sheet.rows:
                sheet.rows = row_number
            if column >= sheet.columns:
                sheet.columns = column + 1
            if column + 1 > max_columns:
                raise reader._far(sheet, row_number, column)
            if cells > limits.cells or sheet.rows * sheet.columns > limits.cells:
                raise reader._too_many(sheet, row_number)
        self.row_number, self.column, self.cells = row_number, column, cells

    def _typed(self, kind: bytes, inline: bool, raw: bytes, row: int, column: int) -> None:
        """An error cell's text, or a shared string the shared strings found too long."""
        if inline:
            if _ODD_INLINE.search(raw) or len(_T_TAG.findall(raw)) != len(_T_TEXT.findall(raw)):
                raise _Unusual
            raw = b"".join(t for _, t in _T_TEXT.findall(raw))
        if b"&" in raw or b"\r" in raw:
            raise _Unusual  # entities and line ends are the XML parser's to decode
        text = raw.decode("utf-8")
        if kind == b"s":
            index = text.strip()
            if index.isdigit() and int(text) in self.reader.long_strings:
                where = f"{column_letter(column)}{row}" if column >= 0 else f"dòng/row {row}"
                raise self.reader._long(
                    self.sheet,
                    where,
                    f"hơn / over {self.limits.cell_chars:,}",
                    self.reader.long_strings[int(text)] + "…",
                    row,
                )
        else:
            self.sheet.errors[(row, column)] = text.strip() or "#ERROR"


def _attribute(attrs: bytes, name: bytes) -> bytes | None:
    """One attribute's raw value; `_Unusual` when the XML parser would make it another."""
    for key, double, single in _ATTR.findall(attrs):
        if key == name:
            value = double or single
            if _ODD_VALUE.search(value):
                raise _Unusual
            return value
    return None


def _value(body: bytes) -> tuple[bytes, bytes] | None:
    """A cell body's `<v>` text or `<is>` content (raw) and whether it is the latter; None when
    it holds neither."""
    match = _BODY.fullmatch(body)
    if match is None:
        raise _Unusual
    if match[2] is not None:
        return match[4] or b"", b""
    if match[5] is not None:
        return match[7] or b"", b"<is>"
    return None


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
