"""Reader of the portals' flat CSV export: a row per province × period × line × source × type."""

from __future__ import annotations

import codecs
import csv
import io
from collections import defaultdict
from pathlib import Path
from typing import Any

import charset_normalizer
import pyarrow as pa

from connectors.admin_units import ProvinceDirectory, default_directory, era_on, normalise_code
from connectors.batches import Problem
from connectors.provincial.programme_codes import (
    RegimeCheck,
    csv_project_code,
    csv_subproject_code,
    is_bare_number,
)
from connectors.provincial.schema import (
    LINE_SCHEMA,
    ParsedReport,
    Period,
    ResolvedProvince,
)
from connectors.vietnamese import (
    decimals_of,
    find_dates,
    fold,
    impossible_date_reason,
    nfc,
    parse_period,
    parse_vn_number,
    to_vnd,
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


def decode_text(data: bytes, name: str) -> str:
    """The text of a CSV whatever its encoding (BOM, UTF-8, UTF-16, Windows-1258), as NFC."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return nfc(data.decode(encoding))
    attempts = ["utf-8"]
    if data[:200].count(b"\x00") > len(data[:200]) // 4:
        # "Unicode text" from Excel without its BOM: every other byte of ASCII is zero
        attempts = ["utf-16-le" if data[1:2] == b"\x00" else "utf-16-be", *attempts]
    # Windows-1258 writes tones as separate combining marks: NFC joins them back.
    attempts.append("cp1258")
    for encoding in attempts:
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


def read_flat_csv(path: Path, *, directory: ProvinceDirectory | None = None) -> list[ParsedReport]:
    """One report per province × period found in a portal's flat CSV export."""
    path = Path(path)
    directory = directory or default_directory()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportReadError(
            f"không đọc được tệp / cannot read the file: {exc.strerror}", file=str(path)
        ) from exc
    text = decode_text(data, path.name).lstrip("\ufeff")
    if "\x00" in text:
        raise ReportReadError(
            "tệp CSV chứa ký tự NUL (tệp nhị phân hoặc xuất lỗi) / the CSV holds NUL characters "
            "(a binary file or a broken export); export it again as CSV",
            file=path.name,
        )
    if not text.strip():
        raise ReportReadError("tệp CSV rỗng / the CSV file is empty", file=path.name)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [fold(h).replace(" ", "_") for h in next(reader)]
    missing = [c for c in COLUMNS if c not in header and c != "ngay_cap_nhat"]
    if missing:
        raise ReportReadError(
            f"tệp CSV thiếu cột {', '.join(missing)} / the CSV lacks the columns "
            f"{', '.join(missing)} (found: {', '.join(header)})",
            file=path.name,
            row=1,
        )
    records = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        record = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        records.append((reader.line_num, record))
    if not records:
        raise ReportReadError(
            "tệp CSV không có dòng số liệu / the CSV has no data rows", file=path.name
        )
    amounts = [r[c] for _, r in records for c in ("ke_hoach_trieu_dong", "giai_ngan_trieu_dong")]
    # With `;` between fields a comma is the decimal mark; with `,` it cannot be one.
    decimal = "," if delimiter == ";" and any("," in a for a in amounts) else "."

    groups: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for line_number, record in records:
        groups[(normalise_code(record["ma_tinh"]), record["ky_bao_cao"])].append(
            (line_number, record)
        )
    return [
        _report(path.name, code, period_text, rows, directory, decimal)
        for (code, period_text), rows in groups.items()
    ]


def _report(
    name: str,
    code: str,
    period_text: str,
    rows: list[tuple[int, dict[str, str]]],
    directory: ProvinceDirectory,
    decimal: str,
) -> ParsedReport:
    sheet = Path(name).stem
    problems: list[Problem] = []
    first_row, first = rows[0]
    try:
        period = parse_period(period_text)
    except InputRejected as exc:
        raise ReportReadError(
            f"kỳ báo cáo {period_text!r} không hợp lệ (cần dạng 2024-Q3, 2024-H1 hoặc 2024) / "
            f"invalid reporting period",
            file=name,
            row=first_row,
        ) from exc
    province = _province(code, first["ten_tinh"], period, directory, problems, sheet, first_row)
    lines: list[dict[str, Any]] = []
    seen: dict[tuple[str, ...], int] = {}
    places = 0
    regimes = RegimeCheck(period, sheet)
    for line_number, record in rows:

        def problem(reason: str, check: str = "read", row: int = line_number) -> None:
            problems.append(Problem(reason, sheet, row, check))

        if record["ten_tinh"] != first["ten_tinh"] and fold(record["ten_tinh"]) != fold(
            first["ten_tinh"]
        ):
            problem(
                f"tên tỉnh {record['ten_tinh']!r} khác dòng {first_row} ({first['ten_tinh']!r}) "
                f"cùng mã {code} / province name differs from line {first_row} for code {code}",
                "province",
            )
        project = csv_project_code(record["ma_du_an"], period)
        subproject = csv_subproject_code(record["ma_tieu_du_an"], project)
        by_period = is_bare_number(record["ma_du_an"])
        if project and (wrong := regimes.check(project, line_number, by_period=by_period)):
            problems.append(wrong)
        source = _SOURCES.get(fold(record["nguon_von"]).replace(" ", ""))
        capital = _TYPES.get(fold(record["loai_von"]).replace(" ", ""))
        for value, label, what in (
            (project, record["ma_du_an"], "mã dự án / project code"),
            (source, record["nguon_von"], "nguồn vốn (NSTW/NSDP) / budget source"),
            (capital, record["loai_von"], "loại vốn (DTPT/SN) / capital type"),
        ):
            if value is None:
                problem(f"{what} không hợp lệ: {label!r} / invalid {what.split(' / ')[1]}")
        if record["ma_tieu_du_an"] and subproject is None:
            problem(
                f"mã tiểu dự án không hợp lệ: {record['ma_tieu_du_an']!r} / "
                "invalid sub-project code"
            )
        money: dict[str, int | None] = {}
        for column, side in (
            ("ke_hoach_trieu_dong", "planned"),
            ("giai_ngan_trieu_dong", "disbursed"),
        ):
            try:
                number = parse_vn_number(record[column], decimal=decimal)
            except InputRejected:
                problem(f"cột {column}: {record[column]!r} không phải là số / not a number")
                number = None
            if number is not None:
                places = max(places, decimals_of(number))
                if number < 0:
                    problem(f"cột {column}: số âm {record[column]!r} / a negative amount", "amount")
            money[side] = None if number is None else to_vnd(number, UNIT_VND)
        updated = record.get("ngay_cap_nhat", "")
        if updated:
            dates = find_dates(updated)
            if not dates:
                problem(
                    f"cột ngay_cap_nhat: {updated[:40]!r} không phải là ngày / not a date", "date"
                )
            elif dates[0][1] is None:
                problem(f"cột ngay_cap_nhat: {impossible_date_reason(dates[0][0])}", "date")
        key = (
            project or record["ma_du_an"],
            subproject or "",
            source or record["nguon_von"],
            capital or record["loai_von"],
        )
        if key in seen:
            problem(
                f"dòng trùng với dòng {seen[key]} (cùng tỉnh, kỳ, dự án, tiểu dự án, nguồn vốn, "
                f"loại vốn) / duplicates line {seen[key]}",
                "duplicate",
            )
        else:
            seen[key] = line_number
        lines.append(
            {
                "source_sheet": sheet,
                "source_row": line_number,
                "line_kind": "subproject" if record["ma_tieu_du_an"] else "project",
                "parent_source_row": None,
                "is_leaf": True,
                "budget_source": source,
                "project_code": project,
                "subproject_code": subproject,
                "label": " ".join(
                    v
                    for v in (
                        record["ma_du_an"],
                        record["ma_tieu_du_an"],
                        record["nguon_von"],
                        record["loai_von"],
                    )
                    if v
                ),
                "planned_total_vnd": None,
                "planned_investment_vnd": money["planned"] if capital == "investment" else None,
                "planned_recurrent_vnd": money["planned"] if capital == "recurrent" else None,
                "disbursed_total_vnd": None,
                "disbursed_investment_vnd": money["disbursed"] if capital == "investment" else None,
                "disbursed_recurrent_vnd": money["disbursed"] if capital == "recurrent" else None,
            }
        )
    return ParsedReport(
        form="flat_csv",
        sender_name=first["ten_tinh"],
        province=province,
        period=period,
        unit=UNIT_LABEL,
        unit_vnd=UNIT_VND,
        tolerance_vnd=max(1, UNIT_VND // 10**places),
        lines=pa.Table.from_pylist(lines, schema=LINE_SCHEMA),
        rows_read=len(rows),
        problems=problems,
    )


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
