"""Writes realistic Form 01 workbooks (.xlsx or .xls) from leaf amounts, in many layouts."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from connectors.vietnamese import find_period

UNITS = {"đồng": 1, "nghìn đồng": 1_000, "triệu đồng": 1_000_000, "tỷ đồng": 1_000_000_000}
AMOUNT_COLUMNS = (
    "planned_total_vnd",
    "planned_investment_vnd",
    "planned_recurrent_vnd",
    "disbursed_total_vnd",
    "disbursed_investment_vnd",
    "disbursed_recurrent_vnd",
)
# Short names typed by hand (phase I, Decision 1719/QĐ-TTg); reports match by number, not name.
PROJECT_NAMES = {
    1: "Giải quyết tình trạng thiếu đất ở, nhà ở, đất sản xuất, nước sinh hoạt",
    2: "Quy hoạch, sắp xếp, bố trí, ổn định dân cư ở những nơi cần thiết",
    3: "Phát triển sản xuất nông, lâm nghiệp bền vững theo chuỗi giá trị",
    4: "Đầu tư cơ sở hạ tầng thiết yếu vùng đồng bào DTTS&MN",
    5: "Phát triển giáo dục đào tạo nâng cao chất lượng nguồn nhân lực",
    6: "Bảo tồn, phát huy giá trị văn hóa truyền thống gắn với phát triển du lịch",
    7: "Chăm sóc sức khỏe Nhân dân, phòng chống suy dinh dưỡng trẻ em",
    8: "Thực hiện bình đẳng giới và giải quyết những vấn đề cấp thiết đối với phụ nữ và trẻ em",
    9: "Đầu tư phát triển nhóm DTTS rất ít người và nhóm dân tộc còn nhiều khó khăn",
    10: "Truyền thông, tuyên truyền; kiểm tra, giám sát đánh giá thực hiện Chương trình",
}
SUBPROJECT_NAMES = {
    (3, 1): "Phát triển kinh tế nông, lâm nghiệp bền vững gắn với bảo vệ rừng",
    (3, 2): "Hỗ trợ phát triển sản xuất theo chuỗi giá trị, vùng trồng dược liệu quý",
    (4, 1): "Đầu tư cơ sở hạ tầng thiết yếu, phục vụ sản xuất, đời sống",
    (4, 2): "Đầu tư cơ sở vật chất các đơn vị sự nghiệp công lập lĩnh vực dân tộc",
    (5, 1): "Đổi mới hoạt động các trường phổ thông dân tộc nội trú, bán trú",
    (5, 2): "Bồi dưỡng kiến thức dân tộc; đào tạo dự bị đại học, đại học",
    (5, 3): "Phát triển giáo dục nghề nghiệp và giải quyết việc làm",
    (5, 4): "Đào tạo nâng cao năng lực cho cộng đồng và cán bộ triển khai Chương trình",
    (9, 1): "Đầu tư tạo sinh kế, phát triển kinh tế nhóm DTTS rất ít người",
    (9, 2): "Giảm thiểu tình trạng tảo hôn và hôn nhân cận huyết thống",
    (10, 1): "Biểu dương, tôn vinh điển hình tiên tiến, phát huy vai trò người có uy tín",
    (10, 2): "Ứng dụng công nghệ thông tin hỗ trợ phát triển kinh tế - xã hội",
    (10, 3): "Kiểm tra, giám sát, đánh giá, đào tạo, tập huấn thực hiện Chương trình",
}
_VN_LETTERS = "abcdđeghiklmnopqrstuvxy"
_SOURCES = ("central", "local")
_SOURCE_LABELS = {"central": "Vốn ngân sách trung ương", "local": "Vốn ngân sách địa phương"}
_WORDINGS = {
    # stt, label, plan, disbursed, total, investment, recurrent, rate, notes, grand total
    "full": (
        "STT",
        "Nội dung",
        "Kế hoạch vốn năm {year}",
        "Giải ngân đến hết kỳ báo cáo",
        "Tổng số",
        "Vốn đầu tư phát triển",
        "Vốn sự nghiệp",
        "Tỷ lệ giải ngân (%)",
        "Ghi chú",
        "TỔNG CỘNG",
    ),
    "short": (
        "TT",
        "Tên dự án, tiểu dự án",
        "Kế hoạch vốn giao",
        "Lũy kế giải ngân",
        "Tổng",
        "Đầu tư phát triển",
        "Sự nghiệp",
        "Tỷ lệ (%)",
        "Ghi chú",
        "Tổng số",
    ),
    "abbreviated": (
        "STT",
        "Danh mục",
        "KH vốn năm {year}",
        "Giải ngân",
        "Cộng",
        "ĐTPT",
        "SN",
        "% GN",
        "Ghi chú",
        "Tổng cộng",
    ),
}


@dataclass(frozen=True)
class Form01Leaf:
    """One fact: plan and disbursement of a budget source × (sub-)project × capital type."""

    budget_source: str  # central | local
    project_code: str  # DA3
    subproject_code: str | None  # DA3.1, or None for a project without sub-projects
    capital_type: str  # investment | recurrent
    planned_vnd: int
    disbursed_vnd: int


@dataclass(frozen=True)
class InjectedError:
    """A wrong subtotal to write: the row (grand total, a source, or a project) and the delta."""

    budget_source: str | None = None  # None (and no project): the grand total
    project_code: str | None = None  # None: the budget source's row
    column: str = "planned_total_vnd"
    delta_vnd: int = 250_000_000


@dataclass(frozen=True)
class Form01Spec:
    """What a province reports: who, for when, and the leaves; subtotals are computed."""

    sender: str  # "UBND TỈNH LÀO CAI"
    period_text: str  # "Quý III năm 2024"
    leaves: tuple[Form01Leaf, ...]
    title: str = (
        "BÁO CÁO TÌNH HÌNH GIAO KẾ HOẠCH VÀ GIẢI NGÂN VỐN CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA PHÁT "
        "TRIỂN KINH TẾ - XÃ HỘI VÙNG ĐỒNG BÀO DÂN TỘC THIỂU SỐ VÀ MIỀN NÚI"
    )


@dataclass(frozen=True)
class Form01Variant:
    """How one province lays its form out."""

    unit: str = "triệu đồng"  # đồng | nghìn đồng | triệu đồng | tỷ đồng
    unit_line: str = "Đơn vị tính: {unit}"  # or "ĐVT: {unit}", "(Đơn vị: {unit})"
    subproject_stt: str = "-"  # "-" | "a)" | "N.M" | "Tiểu dự án M"
    header_wording: str = "full"  # full | short | abbreviated
    disbursed_first: bool = False
    total_last: bool = False  # Tổng số after ĐTPT and SN
    nfd: bool = False
    blank_rows: bool = False
    grand_total_at_bottom: bool = False
    column_numbers: bool = True
    leading_empty_columns: int = 0
    numbers_as_text: bool = False  # "1.234,5" as Vietnamese text instead of numbers
    trong_do_line: bool = False  # a "Trong đó:" line above each project's sub-projects
    file_format: str = "xlsx"  # xlsx | xls
    sheet_name: str = "Bieu01"
    error: InjectedError | None = None


@dataclass
class _Sheet:
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    bold_rows: set[int] = field(default_factory=set)


def write_form01(path: Path, spec: Form01Spec, variant: Form01Variant = Form01Variant()) -> None:
    """Write `spec` as a Form 01 workbook laid out as `variant` says."""
    if variant.unit not in UNITS:
        raise ValueError(f"unknown unit {variant.unit!r}; use one of {', '.join(UNITS)}")
    sheet = _layout(spec, variant)
    if variant.nfd:
        sheet.cells = {k: _nfd(v) for k, v in sheet.cells.items()}
        sheet.merges = [(*m[:4], _nfd(m[4])) for m in sheet.merges]
    if variant.file_format == "xlsx":
        _write_xlsx(Path(path), variant.sheet_name, sheet)
    elif variant.file_format == "xls":
        _write_xls(Path(path), variant.sheet_name, sheet)
    else:
        raise ValueError(f"unknown file format {variant.file_format!r}; use xlsx or xls")


def subtotal_rows(spec: Form01Spec) -> list[tuple[str | None, str | None]]:
    """The (budget source, project) keys of rows that carry a subtotal, for injecting errors."""
    tree = _tree(spec.leaves)
    keys: list[tuple[str | None, str | None]] = [(None, None)]
    for source, projects in tree.items():
        keys.append((source, None))
        keys.extend((source, p) for p, subs in projects.items() if None not in subs)
    return keys


def _tree(leaves: tuple[Form01Leaf, ...]) -> dict[str, dict[str, dict[str | None, dict]]]:
    """source → project → sub-project (None for none) → six amounts in đồng."""
    tree: dict[str, dict[str, dict[str | None, dict[str, int]]]] = {}
    for leaf in leaves:
        if leaf.budget_source not in _SOURCES or leaf.capital_type not in (
            "investment",
            "recurrent",
        ):
            raise ValueError(f"leaf {leaf} has an unknown budget source or capital type")
        subs = tree.setdefault(leaf.budget_source, {}).setdefault(leaf.project_code, {})
        amounts = subs.setdefault(leaf.subproject_code, dict.fromkeys(AMOUNT_COLUMNS, 0))
        amounts[f"planned_{leaf.capital_type}_vnd"] += leaf.planned_vnd
        amounts[f"disbursed_{leaf.capital_type}_vnd"] += leaf.disbursed_vnd
        if None in subs and len(subs) > 1:
            raise ValueError(f"{leaf.project_code} has leaves both with and without sub-projects")
    for projects in tree.values():
        for subs in projects.values():
            for amounts in subs.values():
                _fill_totals(amounts)
    ordered = {s: tree[s] for s in _SOURCES if s in tree}
    for source, projects in ordered.items():
        ordered[source] = {
            p: dict(sorted(projects[p].items(), key=lambda kv: _number(kv[0])))
            for p in sorted(projects, key=_number)
        }
    return ordered


def _number(code: str | None) -> tuple[int, ...]:
    return tuple(int(x) for x in code.removeprefix("DA").split(".")) if code else ()


def _fill_totals(amounts: dict[str, int]) -> None:
    for side in ("planned", "disbursed"):
        amounts[f"{side}_total_vnd"] = (
            amounts[f"{side}_investment_vnd"] + amounts[f"{side}_recurrent_vnd"]
        )


def _sum(items: list[dict[str, int]]) -> dict[str, int]:
    return {c: sum(i[c] for i in items) for c in AMOUNT_COLUMNS}


def _layout(spec: Form01Spec, variant: Form01Variant) -> _Sheet:
    sheet = _Sheet()
    left = variant.leading_empty_columns
    period = find_period(spec.period_text)
    words = _WORDINGS[variant.header_wording]
    year = period.year if period else ""
    sheet.cells[(0, left)] = spec.sender
    sheet.cells[(0, left + 5)] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    sheet.cells[(1, left + 5)] = "Độc lập - Tự do - Hạnh phúc"
    sheet.merges.append((3, left, 3, left + 9, spec.title))
    sheet.cells[(4, left)] = f"Kỳ báo cáo: {spec.period_text}"
    sheet.cells[(5, left + 7)] = variant.unit_line.format(unit=variant.unit)

    groups = [("planned", words[2].format(year=year)), ("disbursed", words[3])]
    if variant.disbursed_first:
        groups.reverse()
    types = [("total", words[4]), ("investment", words[5]), ("recurrent", words[6])]
    if variant.total_last:
        types = types[1:] + types[:1]
    columns: dict[str, int] = {}
    top, sub = 7, 8
    sheet.merges.append((top, left, sub, left, words[0]))
    sheet.merges.append((top, left + 1, sub, left + 1, words[1]))
    c = left + 2
    for side, text in groups:
        sheet.merges.append((top, c, top, c + 2, text))
        for kind, kind_text in types:
            sheet.cells[(sub, c)] = kind_text
            columns[f"{side}_{kind}_vnd"] = c
            c += 1
    rate, notes = c, c + 1
    sheet.merges.append((top, rate, sub, rate, words[7]))
    sheet.merges.append((top, notes, sub, notes, words[8]))
    sheet.bold_rows.update({top, sub})
    row = sub + 1
    if variant.column_numbers:
        number_of = {col: str(col - left + 1) for col in range(left, notes + 1)}
        for side, _ in groups:
            total, inv, rec = (
                columns[f"{side}_{k}_vnd"] for k in ("total", "investment", "recurrent")
            )
            number_of[total] = f"{number_of[total]}={number_of[inv]}+{number_of[rec]}"
        plan, done = columns["planned_total_vnd"], columns["disbursed_total_vnd"]
        number_of[rate] = (
            f"{number_of[rate]}={number_of[done].split('=')[0]}/" + (number_of[plan].split("=")[0])
        )
        for col, text in number_of.items():
            sheet.cells[(row, col)] = text
        row += 1

    unit_vnd = UNITS[variant.unit]
    lines = _lines(spec, variant, words[9])
    for stt, label, amounts, bold in lines:
        if label is None:
            row += 1
            continue
        if stt:
            sheet.cells[(row, left)] = stt
        sheet.cells[(row, left + 1)] = label
        if amounts is not None:
            for column, col in columns.items():
                value = _amount(amounts[column], unit_vnd, variant)
                sheet.cells[(row, col)] = (
                    0 if value in ("", "-") and amounts.get("declared") == column else value
                )
            if amounts["planned_total_vnd"]:
                share = Decimal(amounts["disbursed_total_vnd"]) / amounts["planned_total_vnd"]
                sheet.cells[(row, rate)] = round(float(share * 100), 1)
        if bold:
            sheet.bold_rows.add(row)
        row += 1
    row += 1
    sheet.cells[(row, left + 1)] = "NGƯỜI LẬP BIỂU"
    sheet.cells[(row, left + 6)] = "KT. CHỦ TỊCH"
    sheet.cells[(row + 1, left + 6)] = "PHÓ CHỦ TỊCH"
    sheet.cells[(row + 5, left + 1)] = "Nguyễn Văn A"
    sheet.cells[(row + 5, left + 6)] = "Trần Thị B"
    return sheet


def _lines(
    spec: Form01Spec, variant: Form01Variant, grand_label: str
) -> list[tuple[str, str | None, dict[str, int] | None, bool]]:
    """(STT, label, amounts, bold) per row; a None label is a blank row.

    The amounts of the row with the injected error name the wrong column under "declared",
    so it is written even if the error made it zero (an empty cell declares nothing).
    """
    tree = _tree(spec.leaves)
    error = variant.error
    body: list[tuple[str, str | None, dict[str, int] | None, bool]] = []
    source_totals = []
    injected = False

    def inject(amounts: dict[str, int], source: str | None, project: str | None) -> dict:
        nonlocal injected
        if error and (error.budget_source, error.project_code) == (source, project):
            injected = True
            return {
                **amounts,
                error.column: amounts[error.column] + error.delta_vnd,
                "declared": error.column,
            }
        return amounts

    for index, (source, projects) in enumerate(tree.items()):
        if index and variant.blank_rows:
            body.append(("", None, None, False))
        project_totals = []
        project_rows = []
        for project, subs in projects.items():
            number = _number(project)[0]
            project_amounts = _sum(list(subs.values()))
            project_totals.append(project_amounts)
            label = f"Dự án {number}: {PROJECT_NAMES.get(number, f'Dự án {number}')}"
            project_rows.append(
                (str(number), label, inject(project_amounts, source, project), False)
            )
            if None in subs:
                continue
            if variant.trong_do_line:
                project_rows.append(("", "Trong đó:", None, False))
            for subproject, amounts in subs.items():
                sub = _number(subproject)[1]
                project_rows.append((*_subproject_cells(number, sub, variant), amounts, False))
        source_amounts = _sum(project_totals)
        source_totals.append(source_amounts)
        roman = "I" if index == 0 else "II"
        body.append((roman, _SOURCE_LABELS[source], inject(source_amounts, source, None), True))
        body.extend(project_rows)
    grand = ("", grand_label, inject(_sum(source_totals), None, None), True)
    if error and not injected:
        raise ValueError(f"no subtotal row for the injected error {error}")
    return [*body, grand] if variant.grand_total_at_bottom else [grand, *body]


def _subproject_cells(project: int, sub: int, variant: Form01Variant) -> tuple[str, str]:
    name = SUBPROJECT_NAMES.get((project, sub), f"Nội dung {sub}")
    style = variant.subproject_stt
    if style == "-":
        return "-", f"Tiểu dự án {sub}: {name}"
    if style == "a)":
        return f"{_VN_LETTERS[sub - 1]})", name
    if style == "N.M":
        return f"{project}.{sub}", name
    if style == "Tiểu dự án M":
        return "", f"Tiểu dự án {sub}: {name}"
    raise ValueError(f"unknown sub-project STT style {style!r}")


def _amount(vnd: int, unit_vnd: int, variant: Form01Variant) -> Any:
    if vnd == 0:
        return "-" if variant.numbers_as_text else ""
    value = Decimal(vnd) / Decimal(unit_vnd)
    if variant.numbers_as_text:
        text = f"{value.normalize():f}"
        integer, _, fraction = text.partition(".")
        sign = "-" if integer.startswith("-") else ""
        grouped = f"{int(integer.lstrip('-')):,}".replace(",", ".")
        return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"
    return int(value) if value == value.to_integral_value() else float(value)


def _nfd(value: Any) -> Any:
    return unicodedata.normalize("NFD", value) if isinstance(value, str) else value


def _write_xlsx(path: Path, name: str, sheet: _Sheet) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    worksheet = workbook.add_worksheet(name)
    plain = workbook.add_format({"text_wrap": True, "valign": "vcenter"})
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "vcenter"})
    merged = workbook.add_format(
        {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1}
    )
    for (r, c), value in sorted(sheet.cells.items()):
        style = bold if r in sheet.bold_rows else plain
        if isinstance(value, str):
            worksheet.write_string(r, c, value, style)
        else:
            worksheet.write_number(r, c, value, style)
    for r1, c1, r2, c2, text in sheet.merges:
        worksheet.merge_range(r1, c1, r2, c2, text, merged)
    workbook.close()


def _write_xls(path: Path, name: str, sheet: _Sheet) -> None:
    # xlwt writes the old binary format some provinces still send; it is only needed here.
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    worksheet = workbook.add_sheet(name)
    bold = xlwt.easyxf("font: bold on; align: wrap on")
    for (r, c), value in sorted(sheet.cells.items()):
        worksheet.write(r, c, value, bold if r in sheet.bold_rows else xlwt.Style.default_style)
    for r1, c1, r2, c2, text in sheet.merges:
        worksheet.write_merge(r1, r2, c1, c2, text, bold)
    workbook.save(str(path))


def leaves_from_rows(rows: list[dict[str, Any]]) -> tuple[Form01Leaf, ...]:
    """Leaves from dicts shaped like the truth files' `leaves` (budget_source, …, disbursed_vnd)."""
    grouped: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        key = (r["budget_source"], r["project_code"], r.get("subproject_code"), r["capital_type"])
        grouped[key][0] += int(r["planned_vnd"])
        grouped[key][1] += int(r["disbursed_vnd"])
    return tuple(Form01Leaf(*k, *v) for k, v in grouped.items())
