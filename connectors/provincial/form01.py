"""Reader of Form 01 (Biểu 01): a province's capital plan and disbursement, from .xlsx or .xls."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

from connectors.admin_units import ProvinceDirectory, default_directory, era_on
from connectors.batches import Problem
from connectors.provincial.programme_codes import (
    PART_NAMES,
    RegimeCheck,
    file_regime,
    label_code,
    project_code,
    regime_of_period,
    subproject_code,
)
from connectors.provincial.reconcile import AMOUNT_COLUMNS, reconcile
from connectors.provincial.schema import (
    LINE_SCHEMA,
    ParsedReport,
    Period,
    ResolvedProvince,
)
from connectors.provincial.workbook import DEFAULT_LIMITS, Limits, column_letter, guard, quote
from connectors.vietnamese import (
    decimals_of,
    find_dates,
    find_period,
    fold,
    impossible_date_reason,
    nfc,
    parse_unit,
    parse_vn_number,
    to_vnd,
)
from core.errors import InputRejected, ReportReadError

# Beyond this many decimals a float is binary noise of an Excel formula, not stated precision.
_MAX_STATED_DECIMALS = 6
_ROMAN_SOURCES = {"i": "central", "ii": "local"}
_ROMAN = {"i", "ii", "iii", "iv", "v", "vi"}
# Sub-items are lettered in Vietnamese order: a), b), c), d), đ), e), g) ...
_VN_LETTERS = "abcdđeghiklmnopqrstuvxyfjwz"
_SUB_BULLETS = {"-", "+", "*", "•", "–", "—", "o"}
_TOTAL_WORDS = re.compile(r"^(tong cong|tong so|tong von|tong|cong|toan tinh)\b")
_CENTRAL = re.compile(
    r"\b(ngan sach trung uong|ns trung uong|nstw|von trung uong|nguon tw|von tw)\b"
)
_LOCAL = re.compile(
    r"\b(ngan sach dia phuong|ns dia phuong|nsdp|von dia phuong|ngan sach tinh|nguon dp|von dp)\b"
)
FOOTER = re.compile(
    r"\b(nguoi lap bieu|nguoi lap|kt chu tich|chu tich|pho chu tich|thu truong|giam doc|"
    r"truong ban|xac nhan|noi nhan|ky ten|ky ghi ro ho ten)\b|\bngay \d* ?thang \d* ?nam\b"
)
_COLUMN_NUMBER = re.compile(r"^[(\[]?(\d+|[a-z])([=+\-*/x:](\d+|[a-z]))*[)\]]?$", re.IGNORECASE)


@dataclass
class _Header:
    """Where the table starts and what each column means."""

    first_row: int  # 0-based index of the header's top row
    data_row: int  # 0-based index of the first row below the header
    stt: int | None
    label: int
    amounts: dict[str, int]  # LINE_SCHEMA amount column -> 0-based column index
    texts: list[str] = field(default_factory=list)


def read_form01(
    path: Path,
    *,
    directory: ProvinceDirectory | None = None,
    sheet: str | None = None,
    sheets: list[LoadedSheet] | None = None,
) -> ParsedReport:
    """Read one Form 01 workbook: sender, period, unit and every data row, reconciled.

    `sheets` are the workbook's sheets when the caller has loaded them already (`load_sheets`
    of the whole workbook): the file is then not opened a second time.
    Raises `ReportReadError` when the file cannot be read as a Form 01 at all (not a
    spreadsheet, no table, no period, unknown unit or province); problems inside the table
    are returned as `Problem`s on the report.
    """
    path = Path(path)
    directory = directory or default_directory()
    sheet_name, grid, header = _open(path, sheet, sheets)

    def fail(reason: str) -> ReportReadError:
        return ReportReadError(reason, file=path.name, sheet=sheet_name)

    above = grid[: header.first_row]
    period = find_report_period(above)
    if period is None:
        raise fail(
            "không tìm thấy kỳ báo cáo (ví dụ 'Kỳ báo cáo: Quý III năm 2024') phía trên bảng / "
            "no reporting period found above the table"
        )
    unit = find_unit(above, header.texts)
    if unit is None:
        raise fail(
            "không tìm thấy đơn vị tính (ví dụ 'Đơn vị tính: triệu đồng') / "
            "no unit of money found (such as 'Đơn vị tính: triệu đồng')"
        )
    unit_label, unit_vnd = unit
    sender, province = find_sender(above, directory, period, fail)

    reader = _TableReader(sheet_name, header, unit_vnd, period)
    reader.read(grid)
    lines = pa.Table.from_pylist(reader.lines, schema=LINE_SCHEMA)
    tolerance = max(1, unit_vnd // 10**reader.decimals)
    problems = (
        reader.problems
        + date_problems(grid, sheet_name)
        + reconcile(lines, tolerance, sheet_name, unit_label=unit_label, unit_vnd=unit_vnd)
    )
    return ParsedReport(
        form="form01",
        sender_name=sender,
        province=province,
        period=period,
        unit=unit_label,
        unit_vnd=unit_vnd,
        tolerance_vnd=tolerance,
        lines=lines,
        rows_read=reader.rows_read,
        problems=problems,
    )


class CellError(str):
    """A formula error cell (#REF!, #VALUE!, #DIV/0! ...): text, never a number or an empty cell."""


@dataclass
class LoadedSheet:
    name: str
    state: str  # visible | hidden | veryHidden
    grid: list[list[Any]]


_STATES = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}


def load_sheets(
    path: Path,
    sheet: str | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    include_hidden: bool = True,
) -> list[LoadedSheet]:
    """Every sheet (or the one asked for) as rows of cell values, after `workbook.guard` has
    checked the file is safe to inflate; text is NFC and stripped, formula errors `CellError`."""
    path = Path(path)
    info = guard(path, limits=limits)
    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            metadata = workbook.sheets_metadata
            names = [m.name for m in metadata]
            states = {
                m.name: _STATES.get(str(m.visible).rsplit(".", 1)[-1], "visible") for m in metadata
            }
            if sheet is not None and sheet not in names:
                raise ReportReadError(
                    f"không có biểu {sheet!r}; tệp có các biểu {', '.join(names)[:200]} / "
                    f"no sheet {sheet!r} in the workbook",
                    file=path.name,
                )
            if len(names) > limits.sheets:
                raise ReportReadError(
                    f"bảng tính có {len(names):,} biểu (tối đa {limits.sheets}) / the workbook has "
                    f"{len(names):,} sheets: not a provincial report",
                    file=path.name,
                )
            chosen = [sheet] if sheet is not None else names
            if sheet is None and not include_hidden:
                chosen = [n for n in names if states[n] == "visible"]
            loaded = []
            for name in chosen:
                data = workbook.get_sheet_by_name(name)
                _check_extent(path, name, data.end, limits)
                grid = data.to_python(skip_empty_area=False)
                for r, row in enumerate(grid):  # cleaned in place: never two grids at once
                    grid[r] = [_clean(v) for v in row]
                guarded = info.sheet(name)
                for (r, c), text in (guarded.errors if guarded else {}).items():
                    if 0 < r <= len(grid) and 0 <= c < len(grid[r - 1]):
                        grid[r - 1][c] = CellError(text)
                loaded.append(LoadedSheet(name, states[name], grid))
    except (CalamineError, ValueError, OSError) as exc:
        raise ReportReadError(
            "không đọc được tệp như một bảng tính Excel (.xlsx/.xls): "
            f"{quote(str(exc))} / the file is not a readable spreadsheet",
            file=path.name,
        ) from exc
    return loaded


def load_grid(
    path: Path, sheet: str | None, *, limits: Limits = DEFAULT_LIMITS
) -> list[tuple[str, list[list[Any]]]]:
    """The visible sheets (or the one asked for, whatever its state) as rows of cell values.

    Hidden and very hidden sheets are never read unless named: a stale copy or another
    province's sheet must not be taken for the report.
    """
    sheets = load_sheets(path, sheet, limits=limits, include_hidden=False)
    return [(s.name, s.grid) for s in sheets]


def _check_extent(path: Path, sheet: str, end: tuple[int, int] | None, limits: Limits) -> None:
    """calamine's own extent, before the grid is built (what the guard cannot see in .xls)."""
    if end is None:
        return
    rows, columns = end[0] + 1, end[1] + 1
    if rows > limits.rows or columns > limits.columns or rows * columns > limits.cells:
        raise ReportReadError(
            f"biểu có dữ liệu đến ô {column_letter(end[1])}{rows}, quá xa (tối đa "
            f"{limits.rows:,} dòng × {limits.columns} cột, {limits.cells:,} ô) / a cell far "
            "outside any report: delete the stray cells and save again",
            file=path.name,
            sheet=sheet,
            row=rows,
        )


def _clean(value: Any) -> Any:
    return nfc(value).strip() if isinstance(value, str) else value


def _open(
    path: Path, sheet: str | None, loaded: list[LoadedSheet] | None = None
) -> tuple[str, list[list[Any]], _Header]:
    sheets = load_sheets(path, sheet) if loaded is None or sheet is not None else loaded
    readable = [s for s in sheets if sheet is not None or s.state == "visible"]
    for loaded in readable:
        header = find_header(loaded.grid)
        if header is not None:
            return loaded.name, loaded.grid, header
    hidden = [s for s in sheets if s not in readable and find_header(s.grid) is not None]
    if hidden:
        names = ", ".join(repr(s.name) for s in hidden)[:200]
        raise ReportReadError(
            f"bảng Biểu 01 chỉ có ở biểu bị ẩn {names}; biểu ẩn không được đọc: hiện biểu đó "
            f"(Unhide) hoặc xoá các biểu cũ rồi gửi lại / the only Form 01 table is on hidden "
            f"sheet {names}: hidden sheets are not read; unhide it or remove stale sheets",
            file=path.name,
        )
    where = sheets[0].name if sheet is not None and sheets else None
    raise ReportReadError(
        "không tìm thấy bảng số liệu Biểu 01 (dòng tiêu đề có cột kế hoạch vốn và cột giải "
        "ngân) / no Form 01 table found (a header with plan and disbursement columns)",
        file=path.name,
        sheet=where,
    )


def date_problems(grid: list[list[Any]], sheet: str) -> list[Problem]:
    """A located blocking problem for every day written in a text cell that does not exist
    (31/02/2024): Excel keeps such a typing error as text, and it must not pass unread."""
    problems = []
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if (
                not isinstance(value, str)
                or len(value) < 8
                or not any(ch.isdigit() for ch in value)
            ):
                continue
            for written, parsed in find_dates(value):
                if parsed is None:
                    cell = f"{column_letter(c)}{r + 1}"
                    problems.append(
                        Problem(
                            f"ô {cell}: {impossible_date_reason(written)}", sheet, r + 1, "date"
                        )
                    )
    return problems


def cell_text(value: Any) -> str:
    """A cell as text: numbers as written (1.0 → '1'), empty as ''."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _group_of(folded: str) -> str | None:
    if "ty le" in folded or "%" in folded:
        return "rate"
    if "ghi chu" in folded:
        return "notes"
    if re.search(r"\b(giai ngan|gn|thuc hien|luy ke)\b", folded):
        return "disbursed"
    if re.search(r"\b(ke hoach|kh|du toan|von giao|giao von)\b", folded):
        return "planned"
    return None


def _type_of(folded: str) -> str | None:
    if re.search(r"\b(dau tu phat trien|dtpt|dau tu|von dt|xdcb)\b", folded):
        return "investment"
    if re.search(r"\b(su nghiep|sn|thuong xuyen)\b", folded):
        return "recurrent"
    if re.search(r"\b(tong so|tong cong|tong|cong|tong von)\b", folded):
        return "total"
    return None


def is_stt_header(folded: str) -> bool:
    """Whether a folded header names the row-number column (STT, TT, Số thứ tự)."""
    return folded in ("stt", "tt", "so tt", "so thu tu")


def _is_label(folded: str) -> bool:
    return bool(
        re.match(r"(noi dung|ten|danh muc|chi tieu|du an|chuong trinh|hang muc|nguon von)", folded)
    )


def find_header(grid: list[list[Any]]) -> _Header | None:
    """The first Form 01 table header of a sheet, or None."""
    for top in range(len(grid)):
        groups = {
            c: _group_of(fold(v)) for c, v in enumerate(grid[top]) if isinstance(v, str) and v
        }
        if not ({"planned", "disbursed"} <= set(groups.values())):
            continue
        # Rows under the top one belong to the header while they hold only words such as
        # "Tổng số", "Trong đó", "ĐTPT", "SN" (at most two more rows).
        below = top + 1
        while below < min(len(grid), top + 3) and _is_sub_header(grid[below]):
            below += 1
        width = max(len(r) for r in grid[top:below])
        top_text = [_cell(grid[top], c) for c in range(width)]
        sub_texts = [
            [t for t in (_cell(grid[r], c) for r in range(top + 1, below)) if t]
            for c in range(width)
        ]
        group_at: list[str | None] = []
        for c in range(width):
            group = _group_of(fold(top_text[c])) if top_text[c] else None
            if group is None and not top_text[c] and sub_texts[c] and c and group_at[c - 1]:
                # a merged group label sits in its first cell only
                group = group_at[c - 1]
            group_at.append(group)
        amounts: dict[str, int] = {}
        stt = label = None
        for c in range(width):
            folded_top = fold(top_text[c])
            if stt is None and is_stt_header(folded_top):
                stt = c
            elif label is None and group_at[c] is None and _is_label(folded_top):
                label = c
            if group_at[c] not in ("planned", "disbursed"):
                continue
            sub = fold(sub_texts[c][-1]) if sub_texts[c] else ""
            kind = _type_of(sub) or (None if sub else _type_of(folded_top)) or "total"
            amounts.setdefault(f"{group_at[c]}_{kind}_vnd", c)
        if label is None:
            label = _guess_label(stt, group_at, top_text)
        if label is None:
            continue
        texts = [t for r in range(top, below) for t in (cell_text(v) for v in grid[r]) if t]
        return _Header(top, below, stt, label, amounts, texts)
    return None


def _cell(row: list[Any], c: int) -> str:
    return cell_text(row[c]) if c < len(row) else ""


def _guess_label(stt: int | None, group_at: list[str | None], top_text: list[str]) -> int | None:
    candidates = [
        c for c in range(len(top_text)) if top_text[c] and group_at[c] is None and c != stt
    ]
    after_stt = [c for c in candidates if stt is not None and c > stt]
    return (after_stt or candidates or [None])[0]


def _is_sub_header(row: list[Any]) -> bool:
    texts = [fold(cell_text(v)) for v in row if cell_text(v)]
    if not texts or any(not isinstance(v, str) for v in row if v not in ("", None)):
        return False
    return all(
        _type_of(t) or t.startswith("trong do") or _group_of(t) or t in ("%",) for t in texts
    ) and any(_type_of(t) or t.startswith("trong do") for t in texts)


def _is_column_numbers(row: list[Any], header: _Header) -> bool:
    texts = [cell_text(v) for v in row if cell_text(v)]
    if len(texts) < 2:
        return False
    label = cell_text(row[header.label]) if header.label < len(row) else ""
    if label and not _COLUMN_NUMBER.match(label.replace(" ", "")):
        return False
    return all(_COLUMN_NUMBER.match(t.replace(" ", "")) for t in texts)


def find_report_period(above: list[list[Any]]) -> Period | None:
    """The period of the `Kỳ báo cáo` line, else of a line that is only a period, else a title's."""
    rows = [" ".join(cell_text(v) for v in row if cell_text(v)) for row in above]
    stated = [r for r in rows if "ky bao cao" in fold(r)]
    for text in stated:
        period = find_period(fold(text).split("ky bao cao", 1)[1])
        if period:
            return period
    for row in above:
        for value in row:
            if isinstance(value, str) and value and (period := find_period(value, whole=True)):
                return period
    for text in rows:
        if period := find_period(text):
            return period
    return None


def find_unit(above: list[list[Any]], header_texts: list[str]) -> tuple[str, int] | None:
    """The unit of money of an `Đơn vị tính` line above the table, else of a header's `(… đồng)`."""
    for row in above:
        texts = [cell_text(v) for v in row if cell_text(v)]
        for i, text in enumerate(texts):
            folded = fold(text)
            if re.search(r"\b(don vi|dvt)\b", folded):
                candidate = text if len(folded.split()) > 3 else " ".join(texts[i : i + 2])
                try:
                    return parse_unit(candidate)
                except InputRejected:
                    continue
    for text in header_texts:
        if re.search(r"\b(dong|vnd)\b", fold(text)):
            try:
                return parse_unit(text)
            except InputRejected:
                continue
    return None


def find_sender(
    above: list[list[Any]],
    directory: ProvinceDirectory,
    period: Period,
    fail: Callable[[str], ReportReadError],
) -> tuple[str, ResolvedProvince]:
    """The sender's line (top-left, e.g. `UBND TỈNH LÀO CAI`) and its province in the era."""
    era = era_on(period.end_date)
    tried: list[str] = []
    for row in above:
        # the sender sits top-left; the national motto sits top-right
        left = [cell_text(v) for v in row[: max(2, len(row) // 2)] if cell_text(v)]
        for text in left:
            folded = fold(text)
            if any(w in folded for w in ("cong hoa", "doc lap", "bao cao", "bieu so", "ky bao")):
                continue
            found = directory.find_by_name(text, era)
            if found is not None:
                try:
                    return text, directory.resolve(name=text, on_date=period.end_date)
                except ReportReadError as exc:
                    raise fail(exc.reason) from exc
            tried.append(text)
    shown = "; ".join(repr(t) for t in tried[:4]) or "không có"
    raise fail(
        f"không xác định được tỉnh gửi báo cáo từ góc trên bên trái ({shown}) theo danh mục "
        f"năm {era} / the sending province cannot be recognised from the top-left lines"
    )


class _TableReader:
    """Walks the data rows once, keeping the hierarchy told by STT and labels."""

    def __init__(self, sheet: str, header: _Header, unit_vnd: int, period: Period) -> None:
        self.sheet, self.header, self.unit_vnd = sheet, header, unit_vnd
        self.lines: list[dict[str, Any]] = []
        self.problems: list[Problem] = []
        self.rows_read = 0
        self.decimals = 0
        self._source: tuple[str | None, int | None] = (None, None)
        self._project: tuple[int | None, int | None, str | None] = (None, None, None)
        # the regime numbered rows are in: the one the table's labels name, else the period's
        self._period_regime = regime_of_period(period)
        self._labels_regime: str | None = None
        self._regimes = RegimeCheck(period, sheet)
        self._subs_seen = 0
        self._keys: dict[tuple[Any, ...], int] = {}

    def problem(self, row: int, reason: str, check: str = "read", blocking: bool = True) -> None:
        self.problems.append(Problem(reason, self.sheet, row, check, blocking))

    def read(self, grid: list[list[Any]]) -> None:
        self._labels_regime = file_regime(
            [_cell(row, self.header.label) for row in grid[self.header.data_row :]]
        )
        may_be_numbers = True
        for index in range(self.header.data_row, len(grid)):
            row = grid[index]
            excel_row = index + 1
            if not any(cell_text(v) for v in row):
                continue
            if may_be_numbers and _is_column_numbers(row, self.header):
                may_be_numbers = False
                continue
            may_be_numbers = False
            if self._is_footer(row):
                break
            self.rows_read += 1
            amounts = self._amounts(row, excel_row)
            self._line(row, excel_row, amounts, any(v is not None for v in amounts.values()))
        self._link_grand_total()

    def _is_footer(self, row: list[Any]) -> bool:
        """Signature lines end the table; names written below them are not data."""
        numbers = [
            row[i]
            for i in self.header.amounts.values()
            if i < len(row) and isinstance(row[i], (int, float))
        ]
        return not numbers and any(isinstance(v, str) and FOOTER.search(fold(v)) for v in row)

    def _amounts(self, row: list[Any], excel_row: int) -> dict[str, int | None]:
        values: dict[str, int | None] = {}
        for column in AMOUNT_COLUMNS:
            index = self.header.amounts.get(column)
            raw = row[index] if index is not None and index < len(row) else None
            cell = f"{column_letter(index or 0)}{excel_row}"
            if isinstance(raw, CellError):
                self.problem(
                    excel_row,
                    f"ô {cell} là lỗi công thức {quote(raw)}, không phải số: sửa công thức rồi gửi "
                    f"lại / cell {cell} holds the formula error {quote(raw)}, not an amount",
                )
                values[column] = None
                continue
            try:
                number = parse_vn_number(raw)
            except InputRejected:
                self.problem(
                    excel_row,
                    f"ô {cell} không phải là số ({quote(cell_text(raw))}) / cell {cell} is not a "
                    "number",
                )
                number = None
            if number is not None:
                self._note_precision(number)
            values[column] = None if number is None else to_vnd(number, self.unit_vnd)
        return values

    def _note_precision(self, number: Decimal) -> None:
        places = decimals_of(number)
        if places <= _MAX_STATED_DECIMALS:
            self.decimals = max(self.decimals, places)

    def _line(
        self, row: list[Any], excel_row: int, amounts: dict[str, int | None], has_amount: bool
    ) -> None:
        stt = _cell(row, self.header.stt) if self.header.stt is not None else ""
        label = _cell(row, self.header.label)
        kind, source, number, sub, regime = _classify(stt, label)
        if kind is None:
            if fold(label).startswith("trong do") and not has_amount:
                return
            if has_amount:
                self.problem(
                    excel_row,
                    f"không xác định được dòng có số liệu (STT {stt!r}, nội dung {label[:60]!r})"
                    " là tổng, nguồn vốn, dự án hay tiểu dự án / a row with amounts is neither a "
                    "total, a budget source, a project nor a sub-project",
                )
            return
        line: dict[str, Any] = {
            "source_sheet": self.sheet,
            "source_row": excel_row,
            "line_kind": kind,
            "parent_source_row": None,
            "is_leaf": True,
            "budget_source": None,
            "project_code": None,
            "subproject_code": None,
            "label": label or stt,
            **amounts,
        }
        if kind == "grand_total":
            self._source, self._project = (None, None), (None, None, None)
        elif kind == "budget_source":
            if source is None:
                self.problem(
                    excel_row,
                    f"nguồn vốn {stt} {label[:60]!r} không phải ngân sách trung ương hay địa "
                    "phương / the budget source is neither central nor local",
                )
            self._source, self._project = (source, excel_row), (None, None, None)
            line["budget_source"] = source
        elif kind == "project":
            by_period = regime is None and self._labels_regime is None
            regime = regime or self._labels_regime or self._period_regime
            assert number is not None  # a project row always has its number
            self._project, self._subs_seen = (number, excel_row, regime), 0
            line.update(
                budget_source=self._source[0],
                parent_source_row=self._source[1],
                project_code=project_code(regime, number),
            )
            self._check_regime(line["project_code"], excel_row, by_period)
        elif not self._subproject(line, excel_row, sub, regime):
            return
        self._check_duplicate(line)
        self.lines.append(line)

    def _subproject(
        self,
        line: dict[str, Any],
        excel_row: int,
        sub: tuple[int | None, int | None] | None,
        regime: str | None,
    ) -> bool:
        """Fill a sub-project row's codes from the project above it (or its own STT `3.1`);
        False when it belongs to no project."""
        project_number, project_row, project_regime = self._project
        by_period = regime is None and project_regime is None and self._labels_regime is None
        regime = regime or project_regime or self._labels_regime or self._period_regime
        project_vi, sub_vi, project_en, sub_en = PART_NAMES[regime]
        if sub and sub[0] is not None and sub[0] != project_number:
            if project_number is not None:
                self.problem(
                    excel_row,
                    f"{sub_vi} {sub[0]}.{sub[1]} nằm dưới {project_vi} {project_number} / "
                    f"{sub_en} {sub[0]}.{sub[1]} is listed under {project_vi} {project_number}",
                )
            project_number, project_row = sub[0], None
        if project_number is None:
            self.problem(
                excel_row,
                f"{sub_vi} không nằm dưới {project_vi.lower()} nào / a {sub_en} outside any "
                f"{project_en}",
            )
            return False
        self._subs_seen += 1
        sub_number = sub[1] if sub and sub[1] is not None else self._subs_seen
        line.update(
            budget_source=self._source[0],
            parent_source_row=project_row or self._source[1],
            project_code=project_code(regime, project_number),
            subproject_code=subproject_code(regime, project_number, sub_number),
        )
        self._check_regime(line["subproject_code"], excel_row, by_period)
        return True

    def _check_regime(self, code: str, excel_row: int, by_period: bool) -> None:
        if problem := self._regimes.check(code, excel_row, by_period=by_period):
            self.problems.append(problem)

    def _check_duplicate(self, line: dict[str, Any]) -> None:
        key = (
            line["line_kind"],
            line["budget_source"],
            line["project_code"],
            line["subproject_code"],
        )
        if key in self._keys:
            self.problem(
                line["source_row"],
                f"dòng trùng với dòng {self._keys[key]} ({line['label'][:60]!r}) / duplicates "
                f"row {self._keys[key]}",
                check="duplicate",
            )
        else:
            self._keys[key] = line["source_row"]

    def _link_grand_total(self) -> None:
        totals = [ln for ln in self.lines if ln["line_kind"] == "grand_total"]
        if len(totals) > 1:
            self.problem(
                totals[1]["source_row"],
                f"có nhiều hơn một dòng tổng cộng (dòng {totals[0]['source_row']} và "
                f"{totals[1]['source_row']}) / more than one grand total row",
                check="duplicate",
            )
        if totals:
            has_sources = any(ln["line_kind"] == "budget_source" for ln in self.lines)
            top_kind = "budget_source" if has_sources else "project"
            for ln in self.lines:
                if ln["line_kind"] == top_kind and ln["parent_source_row"] is None:
                    ln["parent_source_row"] = totals[0]["source_row"]
        parents = {ln["parent_source_row"] for ln in self.lines}
        for ln in self.lines:
            ln["is_leaf"] = ln["source_row"] not in parents


_Kind = tuple[str | None, str | None, int | None, tuple[int | None, int | None] | None, str | None]


def _classify(stt: str, label: str) -> _Kind:
    """(line_kind, budget source, project number, (project, sub-project) numbers, programme
    regime) of a row; the regime is None unless the label names it (`Dự án 3`, `Hợp phần 2`)."""
    fs, fl = fold(stt), fold(label)
    if named := label_code(label):
        if named.kind == "project":
            return "project", None, named.project, None, named.regime
        numbered = re.fullmatch(r"(\d+)[.,](\d+)", stt)
        project = named.project or (int(numbered[1]) if numbered else None)
        return "subproject", None, None, (project, named.sub), named.regime
    kind, source, number, sub = _classify_by_stt(stt, fs, fl)
    return kind, source, number, sub, None


def _classify_by_stt(
    stt: str, fs: str, fl: str
) -> tuple[str | None, str | None, int | None, tuple[int | None, int | None] | None]:
    sources = {s for s, rx in (("central", _CENTRAL), ("local", _LOCAL)) if rx.search(fl)}
    if _TOTAL_WORDS.match(fl) and len(sources) != 1:
        return "grand_total", None, None, None
    if len(sources) == 1 and (not stt or fs in _ROMAN or not re.fullmatch(r"[\d.,]+", stt)):
        return "budget_source", sources.pop(), None, None
    if fs in _ROMAN:
        return "budget_source", _ROMAN_SOURCES.get(fs), None, None
    if re.fullmatch(r"\d+\.?", stt):
        return "project", None, int(stt.rstrip(".")), None
    if match := re.fullmatch(r"(\d+)[.,](\d+)\.?", stt):
        return "subproject", None, None, (int(match[1]), int(match[2]))
    if re.fullmatch(r"[a-zđ][).]?", stt):
        return "subproject", None, None, (None, _VN_LETTERS.index(stt[0]) + 1)
    if stt in _SUB_BULLETS:
        return "subproject", None, None, None
    if _TOTAL_WORDS.match(fs) and not fl:
        return "grand_total", None, None, None
    return None, None, None, None
