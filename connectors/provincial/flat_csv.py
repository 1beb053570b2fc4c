"""Reader of the portals' flat CSV export: a row per province × period × line × source × type.

The file is streamed: decoded a few MiB at a time (whatever its encoding), split into rows and
turned into Arrow columns piece by piece, and every check runs a column at a time (Arrow
kernels; Python only once per distinct code, name or date). Each problem still names its line.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import charset_normalizer
import pyarrow as pa
import pyarrow.compute as pc

from connectors.admin_units import ProvinceDirectory, default_directory, era_on, normalise_code
from connectors.batches import Problem
from connectors.provincial.columns import (
    WHITESPACE,
    Amounts,
    first_rows,
    joined,
    mapped,
    parse_amounts,
    shared_texts,
    stripped,
)
from connectors.provincial.programme_codes import (
    MERGED,
    RegimeCheck,
    csv_project_code,
    csv_subproject_code,
    is_bare_number,
    regime_of_code,
    regime_of_period,
)
from connectors.provincial.schema import (
    LINE_SCHEMA,
    ParsedReport,
    Period,
    ResolvedProvince,
)
from connectors.vietnamese import (
    find_dates,
    fold,
    impossible_date_reason,
    nfc,
    parse_period,
)
from core.errors import InputRejected, ReportReadError

COLUMNS = (
    "ma_tinh",
    "ten_tinh",
    "ky_bao_cao",
    "ma_du_an",
    "ma_tieu_du_an",
    "nguon_von",
    "loai_von",
    "ke_hoach_trieu_dong",
    "giai_ngan_trieu_dong",
    "ngay_cap_nhat",
)
UNIT_LABEL, UNIT_VND = "triệu đồng", 1_000_000
_SOURCES = {"nstw": "central", "nsdp": "local"}
_TYPES = {"dtpt": "investment", "sn": "recurrent"}
# The file is decoded this many bytes at a time; rows become Arrow columns piece by piece.
_CHUNK_BYTES = 4 << 20
_QUOTED_ROWS = 50_000  # rows per Arrow batch when the file has quoted fields
# What Python's csv reader refuses in one field (131,072 characters), and one line at most.
FIELD_LIMIT = csv.field_size_limit()
_LINE_LIMIT = 16 << 20
# charset-normalizer, for a file in none of the usual encodings, looks at this much of it.
_SNIFF_BYTES = 16 << 20
_BLANK = "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, name: str) -> str:
    """The text of a CSV whatever its encoding (BOM, UTF-8, UTF-16, Windows-1258), as NFC."""
    for encoding in _encodings(data[:200]):
        try:
            return nfc(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise ReportReadError(
            "không nhận ra bảng mã ký tự của tệp CSV / the text encoding of the CSV is unknown",
            file=name,
        )
    return nfc(str(best))


def _encodings(head: bytes) -> list[str]:
    """The encodings to try, in order, from the first bytes of a file."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return [encoding]
    attempts = ["utf-8"]
    if head[:200].count(b"\x00") > len(head[:200]) // 4:
        # "Unicode text" from Excel without its BOM: every other byte of ASCII is zero
        attempts = ["utf-16-le" if head[1:2] == b"\x00" else "utf-16-be", *attempts]
    # Windows-1258 writes tones as separate combining marks: NFC joins them back.
    attempts.append("cp1258")
    return attempts


def read_flat_csv(path: Path, *, directory: ProvinceDirectory | None = None) -> list[ParsedReport]:
    """One report per province × period found in a portal's flat CSV export."""
    path = Path(path)
    directory = directory or default_directory()
    encoding, quoted = _survey(path)
    rows, delimiter = _rows(path, encoding, quoted)
    if rows.num_rows == 0:
        raise ReportReadError(
            "tệp CSV không có dòng số liệu / the CSV has no data rows", file=path.name
        )
    amounts = [rows["ke_hoach_trieu_dong"], rows["giai_ngan_trieu_dong"]]
    # With `;` between fields a comma is the decimal mark; with `,` it cannot be one.
    comma = delimiter == ";" and any(pc.any(pc.match_substring(a, ",")).as_py() for a in amounts)
    return _reports(path.name, rows, directory, "," if comma else ".")


# --- the text, streamed ------------------------------------------------------------------


def _opened(path: Path) -> IO[bytes]:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ReportReadError(
            f"không đọc được tệp / cannot read the file: {exc.strerror}", file=str(path)
        ) from exc


def _chunks(path: Path) -> Iterator[bytes]:
    with _opened(path) as f:
        while True:
            try:
                chunk = f.read(_CHUNK_BYTES)
            except OSError as exc:
                raise ReportReadError(
                    f"không đọc được tệp / cannot read the file: {exc.strerror}", file=str(path)
                ) from exc
            if not chunk:
                return
            yield chunk


def _survey(path: Path) -> tuple[str, bool]:
    """The file's encoding (the first of `_encodings` that decodes all of it, else
    charset-normalizer's guess) and whether it holds a double quote; refuses a file holding
    NUL characters or nothing but blanks. One streamed pass per encoding tried."""
    with _opened(path) as f:
        head = f.read(200)
    for encoding in _encodings(head):
        try:
            return encoding, _looked_over(path, encoding)
        except UnicodeDecodeError:
            continue
    with _opened(path) as f:
        best = charset_normalizer.from_bytes(f.read(_SNIFF_BYTES)).best()
    if best is not None:
        try:
            return best.encoding, _looked_over(path, best.encoding)
        except UnicodeDecodeError:
            pass
    raise ReportReadError(
        "không nhận ra bảng mã ký tự của tệp CSV / the text encoding of the CSV is unknown",
        file=path.name,
    )


def _looked_over(path: Path, encoding: str) -> bool:
    """Decode the whole file (raising UnicodeDecodeError when it is not in `encoding`): whether
    it holds a double quote. Refuses NUL characters and a file of blanks."""
    decoder = codecs.getincrementaldecoder(encoding)()
    nul = quoted = filled = started = False
    for chunk in itertools.chain(_chunks(path), [b""]):
        text = decoder.decode(chunk, final=not chunk)
        if not started:
            text = text.lstrip("\ufeff")
            started = bool(text)
        nul = nul or "\x00" in text
        quoted = quoted or '"' in text
        filled = filled or bool(text.strip())
    if nul:
        raise ReportReadError(
            "tệp CSV chứa ký tự NUL (tệp nhị phân hoặc xuất lỗi) / the CSV holds NUL characters "
            "(a binary file or a broken export); export it again as CSV",
            file=path.name,
        )
    if not filled:
        raise ReportReadError("tệp CSV rỗng / the CSV file is empty", file=path.name)
    return quoted


def _pieces(path: Path, encoding: str) -> Iterator[str]:
    """The file's text as NFC pieces of a few MiB, each ending where a line does (so no
    character's marks are split from it), leading byte-order marks dropped."""
    decoder = codecs.getincrementaldecoder(encoding)()
    carry, started = "", False
    for chunk in itertools.chain(_chunks(path), [b""]):
        text = carry + decoder.decode(chunk, final=not chunk)
        if not started:
            text = text.lstrip("\ufeff")
            started = bool(text)
        if not chunk:
            if text:
                yield nfc(text)
            return
        # a line ends at \n, \r\n or a lone \r (as the csv module reads them)
        cut = max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1)) + 1
        if cut == 0 and len(text) > _LINE_LIMIT:
            raise ReportReadError(
                f"tệp CSV có một dòng dài hơn {_LINE_LIMIT:,} ký tự / the CSV has a line longer "
                f"than {_LINE_LIMIT:,} characters: not a portal export",
                file=path.name,
            )
        if cut:
            yield nfc(text[:cut])
        carry = text[cut:]


# --- rows as Arrow columns ---------------------------------------------------------------


def _rows(path: Path, encoding: str, quoted: bool) -> tuple[pa.Table, str]:
    """Every non-blank row as Arrow columns (`line`, then `COLUMNS`, stripped text; a row
    shorter than the header is filled with empty text), and the delimiter."""
    pieces = _pieces(path, encoding)
    first = next(pieces, "")
    first_line = first.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    text = _chained(first, pieces)
    if quoted:
        header, batches = _quoted_rows(path.name, text, delimiter)
    else:
        header, batches = _plain_rows(path.name, text, delimiter)
    header = [fold(h).replace(" ", "_") for h in header]
    missing = [c for c in COLUMNS if c not in header and c != "ngay_cap_nhat"]
    if missing:
        raise ReportReadError(
            f"tệp CSV thiếu cột {', '.join(missing)} / the CSV lacks the columns "
            f"{', '.join(missing)} (found: {', '.join(header)})",
            file=path.name,
            row=1,
        )
    # a name given twice: the last column of that name is the one read (as a dict would)
    where = {name: index for index, name in enumerate(header)}
    wanted = {c: where.get(c) for c in COLUMNS}
    tables = [_columns(lines, parts, wanted) for lines, parts in batches(len(header))]
    schema = pa.schema([("line", pa.int32()), *((c, pa.string()) for c in COLUMNS)])
    return pa.Table.from_batches(tables, schema=schema), delimiter


def _chained(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _columns(
    lines: pa.Array, parts: list[pa.Array | None], wanted: dict[str, int | None]
) -> pa.RecordBatch:
    columns = [lines]
    for index in wanted.values():
        if index is None or parts[index] is None:
            columns.append(pa.repeat(pa.scalar("", pa.string()), len(lines)))
        else:
            columns.append(stripped(parts[index]))
    return pa.RecordBatch.from_arrays(columns, names=["line", *wanted])


def _field_too_long(name: str, line: int) -> ReportReadError:
    return ReportReadError(
        f"dòng {line}: một ô dài hơn {FIELD_LIMIT:,} ký tự, không phải số liệu của báo cáo / "
        f"line {line}: a field longer than {FIELD_LIMIT:,} characters, not a report's value",
        file=name,
        row=line,
    )


_Batches = Any  # Callable[[int], Iterator[tuple[pa.Array, list[pa.Array | None]]]]


def _plain_rows(name: str, text: Iterator[str], delimiter: str) -> tuple[list[str], _Batches]:
    """A file without a double quote: every line is a row, its fields split on the delimiter
    by Arrow (what the csv module would make of it)."""
    first = next(text, "")
    header_line, _, rest = first.replace("\r\n", "\n").replace("\r", "\n").partition("\n")
    header = header_line.split(delimiter) if header_line else []
    if any(len(h) > FIELD_LIMIT for h in header):
        raise _field_too_long(name, 1)
    blank = f"^[{_BLANK}{re.escape(delimiter)}]*$"

    def batches(width: int) -> Iterator[tuple[pa.Array, list[pa.Array | None]]]:
        number = 2
        for piece in _chained(rest, text):
            piece = piece.replace("\r\n", "\n").replace("\r", "\n")
            lines = pc.split_pattern(pa.array([piece]), "\n").flatten()
            if piece.endswith("\n"):
                lines = lines.slice(0, len(lines) - 1)
            numbers = pa.array(range(number, number + len(lines)), pa.int32())
            number += len(lines)
            _check_fields(name, lines, numbers, delimiter)
            keep = pc.invert(pc.match_substring_regex(lines, blank))
            lines, numbers = lines.filter(keep), numbers.filter(keep)
            padded = joined(lines, delimiter * width)
            split = pc.split_pattern(padded, delimiter, max_splits=width)
            yield numbers, [pc.list_element(split, i) for i in range(width)]

    return header, batches


def _check_fields(name: str, lines: pa.Array, numbers: pa.Array, delimiter: str) -> None:
    """Refuse a field the csv module would refuse (longer than `FIELD_LIMIT`)."""
    long = pc.greater(pc.utf8_length(lines), FIELD_LIMIT)
    if not pc.any(long).as_py():
        return
    for line, number in zip(
        lines.filter(long).to_pylist(), numbers.filter(long).to_pylist(), strict=True
    ):
        if any(len(field) > FIELD_LIMIT for field in line.split(delimiter)):
            raise _field_too_long(name, number)


def _quoted_rows(name: str, text: Iterator[str], delimiter: str) -> tuple[list[str], _Batches]:
    """A file with double quotes: Python's csv reader (quoted fields may hold delimiters and
    line breaks), its rows turned into Arrow columns 50,000 at a time."""
    lines = (line for piece in text for line in io.StringIO(piece, newline=""))
    reader = csv.reader(lines, delimiter=delimiter)

    def unparsable(exc: csv.Error) -> ReportReadError:
        return ReportReadError(
            f"dòng {reader.line_num}: không đọc được dòng CSV ({exc}) / line {reader.line_num}: "
            f"the CSV row cannot be parsed ({exc})",
            file=name,
            row=reader.line_num,
        )

    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise unparsable(exc) from exc

    def batches(width: int) -> Iterator[tuple[pa.Array, list[pa.Array | None]]]:
        numbers: list[int] = []
        records: list[list[str]] = []
        try:
            for values in reader:
                if any(v.strip() for v in values):
                    numbers.append(reader.line_num)
                    records.append(values)
                if len(records) >= _QUOTED_ROWS:
                    yield _quoted_batch(numbers, records, width)
                    numbers, records = [], []
        except csv.Error as exc:
            raise unparsable(exc) from exc
        yield _quoted_batch(numbers, records, width)

    return header, batches


def _quoted_batch(
    numbers: list[int], records: list[list[str]], width: int
) -> tuple[pa.Array, list[pa.Array | None]]:
    padded = [r + [""] * (width - len(r)) if len(r) < width else r for r in records]
    columns = list(zip(*padded, strict=False))[:width] if padded else [()] * width
    return pa.array(numbers, pa.int32()), [pa.array(c, pa.string()) for c in columns]


# --- the checks, a column at a time ------------------------------------------------------


@dataclass
class _Derived:
    """What the rows' codes and amounts mean (one value per row)."""

    project: Any
    subproject: Any
    bare: Any  # the project written as a number only: its regime told by the period
    source: Any
    capital: Any
    planned: Amounts
    disbursed: Amounts


def _reports(
    name: str, rows: pa.Table, directory: ProvinceDirectory, decimal: str
) -> list[ParsedReport]:
    """One report per province code × period, in the order they first appear."""
    sheet = Path(name).stem
    code = mapped(rows["ma_tinh"], normalise_code, pa.string())
    group_key = joined(code, "\x00", rows["ky_bao_cao"])
    keys = pc.unique(group_key)
    group = pc.index_in(group_key, value_set=keys)
    first = first_rows(group)
    derived = _derive(rows, decimal)
    _refuse_too_large(name, rows, derived)
    lines = _lines(rows, derived, sheet)
    found = _problems(rows, derived, group, first, code)
    places = _per_group_max(group, derived.planned.places, derived.disbursed.places, len(keys))
    by_group = pc.sort_indices(pa.table({"g": group}), [("g", "ascending")])
    grouped, grouped_bare = lines.take(by_group), pc.take(derived.bare, by_group)
    sizes = _per_group_count(group, len(keys))
    problem_sizes = _per_group_count(found["group"], len(keys))
    reasons, checks = shared_texts(found["reason"]), shared_texts(found["check"])
    problem_rows = found["line"].to_pylist()
    firsts = first.to_pylist()
    reports: list[ParsedReport] = []
    resolved: dict[tuple[str, str, str], tuple[ResolvedProvince, list[str]]] = {}
    at = problem_at = 0
    for g, key in enumerate(keys.to_pylist()):
        group_code, period_text = key.split("\x00", 1)
        first_row = rows["line"][firsts[g]].as_py()
        first_name = rows["ten_tinh"][firsts[g]].as_py()
        try:
            period = parse_period(period_text)
        except InputRejected as exc:
            raise ReportReadError(
                f"kỳ báo cáo {period_text!r} không hợp lệ (cần dạng 2024-Q3, 2024-H1 hoặc 2024) "
                f"/ invalid reporting period",
                file=name,
                row=first_row,
            ) from exc
        # periods of one province resolve alike: a file of 400 reports resolves 34 provinces
        known = (group_code, first_name, era_on(period.end_date))
        if known not in resolved:
            said: list[Problem] = []
            found_province = _province(group_code, first_name, period, directory, said, sheet, 0)
            resolved[known] = (found_province, [p.reason for p in said])
        province, province_reasons = resolved[known]
        problems = [Problem(reason, sheet, first_row, "province") for reason in province_reasons]
        end = problem_at + problem_sizes[g]
        problems += [
            Problem(reasons[i], sheet, problem_rows[i], checks[i]) for i in range(problem_at, end)
        ]
        problem_at = end
        if regimes := _regime_problems(
            grouped.slice(at, sizes[g]), grouped_bare.slice(at, sizes[g]), period, sheet
        ):  # before the other problems of their rows, as the rows are read
            problems = sorted([*regimes, *problems], key=lambda p: p.row or 0)
        reports.append(
            ParsedReport(
                form="flat_csv",
                sender_name=first_name,
                province=province,
                period=period,
                unit=UNIT_LABEL,
                unit_vnd=UNIT_VND,
                tolerance_vnd=max(1, UNIT_VND // 10 ** places[g]),
                lines=grouped.slice(at, sizes[g]),
                rows_read=sizes[g],
                problems=problems,
            )
        )
        at += sizes[g]
    return reports


def _regime_problems(lines: pa.Table, bare: Any, period: Period, sheet: str) -> list[Problem]:
    """What `RegimeCheck` says of a report's codes read row by row (a 2026–2035 code in a
    phase I period, a row in another regime than the first code's, the warning for a bare
    number read by the period), asked only of the rows it can have something to say of."""
    codes, rows = lines["project_code"], lines["source_row"]
    valid = pc.is_valid(codes)
    if not pc.any(valid).as_py():
        return []
    merged = pc.fill_null(pc.starts_with(codes, "HP"), False)
    first = pc.index(valid, True).as_py()
    if regime_of_period(period) != MERGED:  # every 2026–2035 code is refused, the rest pass
        asked = merged
    else:
        other = pc.and_(valid, pc.not_equal(merged, regime_of_code(codes[first].as_py()) == MERGED))
        warned = pc.and_(pc.and_(valid, pc.invert(other)), pc.and_(merged, bare))
        at = pc.index(warned, True).as_py()
        asked = other if at < 0 else pc.or_(other, pc.equal(pa.array(range(len(lines))), at))
        asked = pc.or_(asked, pc.equal(pa.array(range(len(lines))), first))
    check = RegimeCheck(period, sheet)
    said = (
        check.check(code, row, by_period=by_period)
        for code, row, by_period in zip(
            codes.filter(asked).to_pylist(),
            rows.filter(asked).to_pylist(),
            pc.fill_null(bare, False).filter(asked).to_pylist(),
            strict=True,
        )
    )
    return [problem for problem in said if problem is not None]


def _per_group_max(ids: Any, planned: Any, disbursed: Any, count: int) -> list[int]:
    """The most decimal places any amount of each group is written with (0 for none)."""
    table = pa.table({"id": ids, "v": pc.max_element_wise(planned, disbursed)})
    found = table.group_by("id").aggregate([("v", "max")]).to_pydict()
    most = dict(zip(found["id"], found["v_max"], strict=True))
    return [most.get(g) or 0 for g in range(count)]


def _per_group_count(ids: Any, count: int) -> list[int]:
    found = {c["values"]: c["counts"] for c in pc.value_counts(ids).to_pylist()}
    return [found.get(g, 0) for g in range(count)]


def _derive(rows: pa.Table, decimal: str) -> _Derived:
    # a bare number is read in the regime of the report's period: the code depends on both
    project = mapped(
        joined(rows["ma_du_an"], "\x00", rows["ky_bao_cao"]), _project_of_pair, pa.string()
    )
    pair = joined(rows["ma_tieu_du_an"], "\x00", pc.fill_null(project, ""))
    return _Derived(
        project=project,
        subproject=mapped(pair, _subproject_of_pair, pa.string()),
        bare=mapped(rows["ma_du_an"], is_bare_number, pa.bool_()),
        source=mapped(rows["nguon_von"], lambda v: _SOURCES.get(_key(v)), pa.string()),
        capital=mapped(rows["loai_von"], lambda v: _TYPES.get(_key(v)), pa.string()),
        planned=parse_amounts(rows["ke_hoach_trieu_dong"], decimal=decimal, unit_vnd=UNIT_VND),
        disbursed=parse_amounts(rows["giai_ngan_trieu_dong"], decimal=decimal, unit_vnd=UNIT_VND),
    )


def _refuse_too_large(name: str, rows: pa.Table, derived: _Derived) -> None:
    """An amount beyond what int64 đồng holds is no report's figure: the file is refused,
    naming the first such line (nothing is loaded from it, the file stays in landing)."""
    found = [
        (rows["line"][at].as_py(), column, rows[column][at].as_py())
        for column, amounts in (
            ("ke_hoach_trieu_dong", derived.planned),
            ("giai_ngan_trieu_dong", derived.disbursed),
        )
        if (at := pc.index(amounts.too_large, True).as_py()) >= 0
    ]
    if found:
        line, column, value = min(found)
        raise ReportReadError(
            f"dòng {line}: cột {column}: {value[:40]!r} quá lớn, không thể là một số tiền / "
            f"line {line}: column {column}: the amount is too large to be a sum of money",
            file=name,
            row=line,
        )


def _key(text: str) -> str:
    return fold(text).replace(" ", "")


def _project_of_pair(pair: str) -> str | None:
    text, period_text = pair.split("\x00", 1)
    try:
        period = parse_period(period_text)
    except InputRejected:  # the report is refused for its period (see _reports)
        return None
    return csv_project_code(text, period)


def _subproject_of_pair(pair: str) -> str | None:
    text, project = pair.split("\x00", 1)
    return csv_subproject_code(text, project or None)


def _lines(rows: pa.Table, derived: _Derived, sheet: str) -> pa.Table:
    """The report line of every row (LINE_SCHEMA), in the rows' order."""
    n = rows.num_rows
    none = pa.scalar(None, pa.int64())
    investment = pc.equal(derived.capital, "investment")
    recurrent = pc.equal(derived.capital, "recurrent")

    def spaced(column: str) -> Any:  # the text and a space, or nothing when empty
        return pc.if_else(pc.equal(rows[column], ""), "", joined(rows[column], " "))

    # (stripped values end in no space: trimming the join's right end takes only the last one)
    label = pc.utf8_rtrim(
        joined(*(spaced(c) for c in ("ma_du_an", "ma_tieu_du_an", "nguon_von", "loai_von"))), " "
    )
    columns = {
        "source_sheet": pa.repeat(pa.scalar(sheet), n),
        "source_row": rows["line"],
        "line_kind": pc.if_else(pc.equal(rows["ma_tieu_du_an"], ""), "project", "subproject"),
        "parent_source_row": pa.repeat(pa.scalar(None, pa.int32()), n),
        "is_leaf": pa.repeat(pa.scalar(True), n),
        "budget_source": derived.source,
        "project_code": derived.project,
        "subproject_code": derived.subproject,
        "label": label,
        "planned_total_vnd": pa.repeat(none, n),
        "planned_investment_vnd": pc.if_else(investment, derived.planned.vnd, none),
        "planned_recurrent_vnd": pc.if_else(recurrent, derived.planned.vnd, none),
        "disbursed_total_vnd": pa.repeat(none, n),
        "disbursed_investment_vnd": pc.if_else(investment, derived.disbursed.vnd, none),
        "disbursed_recurrent_vnd": pc.if_else(recurrent, derived.disbursed.vnd, none),
    }
    return pa.table({f.name: columns[f.name] for f in LINE_SCHEMA}).cast(LINE_SCHEMA)


_PROBLEMS = pa.schema(
    [
        ("group", pa.int32()),
        ("line", pa.int32()),
        ("order", pa.int8()),
        ("reason", pa.string()),
        ("check", pa.string()),
    ]
)


def _problems(
    rows: pa.Table, derived: _Derived, group: Any, first: pa.Array, code: Any
) -> pa.Table:
    """Every row's problems (group, line, reason, check), in the order the reports list them:
    by group, line, then the order of the row's checks."""
    found: list[pa.Table] = []

    def add(order: int, check: str, mask: Any, reason: Callable[[Callable[[Any], Any]], Any]):
        mask = pc.fill_null(mask, False)
        if not pc.any(mask).as_py():
            return
        pick = lambda column: column.filter(mask)  # noqa: E731
        line = pick(rows["line"])
        found.append(
            pa.table(
                {
                    "group": pick(group),
                    "line": line,
                    "order": pa.repeat(pa.scalar(order, pa.int8()), len(line)),
                    "reason": reason(pick),
                    "check": pa.repeat(pa.scalar(check), len(line)),
                },
                schema=_PROBLEMS,
            )
        )

    def said(column: str, fn: Callable[[str], str]) -> Callable[[Callable[[Any], Any]], Any]:
        return lambda pick: mapped(pick(rows[column]), fn, pa.string())

    first_of_row = pc.take(first, group)
    name, first_name = rows["ten_tinh"], pc.take(rows["ten_tinh"], first_of_row)
    folded = mapped(name, fold, pa.string())
    first_line = pc.cast(pc.take(rows["line"], first_of_row), pa.string())
    add(
        0,
        "province",
        pc.and_(
            pc.not_equal(name, first_name), pc.not_equal(folded, pc.take(folded, first_of_row))
        ),
        lambda pick: joined(
            "tên tỉnh ",
            mapped(pick(name), repr, pa.string()),
            " khác dòng ",
            pick(first_line),
            " (",
            mapped(pick(first_name), repr, pa.string()),
            ") cùng mã ",
            pick(code),
            " / province name differs from line ",
            pick(first_line),
            " for code ",
            pick(code),
        ),
    )
    for order, value, column, what in (
        (1, derived.project, "ma_du_an", "mã dự án / project code"),
        (2, derived.source, "nguon_von", "nguồn vốn (NSTW/NSDP) / budget source"),
        (3, derived.capital, "loai_von", "loại vốn (DTPT/SN) / capital type"),
    ):
        english = what.split(" / ")[1]
        add(
            order,
            "read",
            pc.is_null(value),
            said(column, lambda v, w=what, e=english: f"{w} không hợp lệ: {v!r} / invalid {e}"),
        )
    add(
        4,
        "read",
        pc.and_(pc.not_equal(rows["ma_tieu_du_an"], ""), pc.is_null(derived.subproject)),
        said(
            "ma_tieu_du_an",
            lambda v: f"mã tiểu dự án không hợp lệ: {v!r} / invalid sub-project code",
        ),
    )
    for order, column, amounts in (
        (5, "ke_hoach_trieu_dong", derived.planned),
        (6, "giai_ngan_trieu_dong", derived.disbursed),
    ):
        add(
            order,
            "read",
            amounts.unreadable,
            said(column, lambda v, c=column: f"cột {c}: {v!r} không phải là số / not a number"),
        )
        add(
            order,
            "amount",
            amounts.negative,
            said(column, lambda v, c=column: f"cột {c}: số âm {v!r} / a negative amount"),
        )
    dates = mapped(rows["ngay_cap_nhat"], _date_problem, pa.string())
    add(7, "date", pc.is_valid(dates), lambda pick: pick(dates))
    key = joined(
        pc.cast(group, pa.string()),
        "\x00",
        pc.coalesce(derived.project, rows["ma_du_an"]),
        "\x00",
        pc.fill_null(derived.subproject, ""),
        "\x00",
        pc.coalesce(derived.source, rows["nguon_von"]),
        "\x00",
        pc.coalesce(derived.capital, rows["loai_von"]),
    )
    key_id = pc.index_in(key, value_set=pc.unique(key))
    seen = pc.cast(pc.take(rows["line"], pc.take(first_rows(key_id), key_id)), pa.string())
    add(
        8,
        "duplicate",
        pc.not_equal(pc.cast(rows["line"], pa.string()), seen),
        lambda pick: joined(
            "dòng trùng với dòng ",
            pick(seen),
            " (cùng tỉnh, kỳ, dự án, tiểu dự án, nguồn vốn, loại vốn) / duplicates line ",
            pick(seen),
        ),
    )
    if not found:
        return _PROBLEMS.empty_table()
    table = pa.concat_tables(found)
    order = pc.sort_indices(
        table, [("group", "ascending"), ("line", "ascending"), ("order", "ascending")]
    )
    return table.take(order)


def _date_problem(updated: str | None) -> str | None:
    if not updated:
        return None
    dates = find_dates(updated)
    if not dates:
        return f"cột ngay_cap_nhat: {updated[:40]!r} không phải là ngày / not a date"
    if dates[0][1] is None:
        return f"cột ngay_cap_nhat: {impossible_date_reason(dates[0][0])}"
    return None


def _province(
    code: str,
    name: str,
    period: Period,
    directory: ProvinceDirectory,
    problems: list[Problem],
    sheet: str,
    row: int,
) -> ResolvedProvince:
    try:
        return directory.resolve(name=name, code=code, on_date=period.end_date)
    except ReportReadError as exc:
        problems.append(Problem(exc.reason, sheet, row, "province"))
    # The report stays, quarantined by its blocking problem; it is filed under its code.
    era = era_on(period.end_date)
    found = directory.find_by_code(code, era) or directory.find_by_name(name, era)
    if found is None:
        return ResolvedProvince(name=name, admin_era=era, code_as_reported=code, code_2025="")
    return ResolvedProvince(found.name, era, found.code, found.code_2025)
