"""Checks that a report's declared subtotals equal the sums of what they total."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pyarrow as pa

from connectors.batches import Problem

AMOUNT_COLUMNS = (
    "planned_total_vnd",
    "planned_investment_vnd",
    "planned_recurrent_vnd",
    "disbursed_total_vnd",
    "disbursed_investment_vnd",
    "disbursed_recurrent_vnd",
)
_COLUMN_NAMES = {
    "planned_total_vnd": ("kế hoạch vốn - tổng số", "planned total"),
    "planned_investment_vnd": ("kế hoạch vốn - đầu tư phát triển", "planned investment"),
    "planned_recurrent_vnd": ("kế hoạch vốn - sự nghiệp", "planned recurrent"),
    "disbursed_total_vnd": ("giải ngân - tổng số", "disbursed total"),
    "disbursed_investment_vnd": ("giải ngân - đầu tư phát triển", "disbursed investment"),
    "disbursed_recurrent_vnd": ("giải ngân - sự nghiệp", "disbursed recurrent"),
}
_SOURCE_NAMES = {"central": ("vốn trung ương", "central"), "local": ("vốn địa phương", "local")}
_CHILD_NAMES = {
    "budget_source": ("các nguồn vốn", "its budget sources"),
    "project": ("các dự án", "its projects"),
    "subproject": ("các tiểu dự án", "its sub-projects"),
}


def reconcile(
    report_lines: pa.Table,
    tolerance_vnd: int,
    sheet: str,
    *,
    unit_label: str = "đồng",
    unit_vnd: int = 1,
) -> list[Problem]:
    """Blocking problems for every declared subtotal off by more than `tolerance_vnd`.

    Row-wise: a parent equals the sum of its children, per amount column. Column-wise: a
    total equals investment + recurrent, for plan and for disbursement. Empty cells are not
    declarations: an empty parent cell is not checked, empty children count as zero.
    """
    rows = report_lines.to_pylist()
    children: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["parent_source_row"] is not None:
            children[row["parent_source_row"]].append(row)
    has_parts = {
        side: any(
            r[f"{side}_investment_vnd"] is not None or r[f"{side}_recurrent_vnd"] is not None
            for r in rows
        )
        for side in ("planned", "disbursed")
    }

    def amount(diff: int) -> str:
        return f"{_vn_amount(Decimal(abs(diff)) / unit_vnd)} {unit_label}"

    problems: list[Problem] = []
    for row in rows:
        what_vi, what_en = _describe(row)
        where = f"Biểu {sheet}, dòng {row['source_row']}"
        kids = children.get(row["source_row"], [])
        if kids:
            kinds = {k["line_kind"] for k in kids}
            kids_vi, kids_en = (
                _CHILD_NAMES[kinds.pop()] if len(kinds) == 1 else ("các dòng con", "its lines")
            )
            for column in AMOUNT_COLUMNS:
                declared = row[column]
                if declared is None:
                    continue
                diff = declared - sum(k[column] or 0 for k in kids)
                if abs(diff) > tolerance_vnd:
                    col_vi, col_en = _COLUMN_NAMES[column]
                    more_vi, more_en = ("lớn hơn", "more") if diff > 0 else ("nhỏ hơn", "less")
                    problems.append(
                        Problem(
                            reason=f"{where}: tổng của {what_vi}, cột {col_vi}, {more_vi} tổng "
                            f"{kids_vi} {amount(diff)} / subtotal of {what_en}, {col_en}, is "
                            f"{amount(diff)} {more_en} than {kids_en}",
                            sheet=sheet,
                            row=row["source_row"],
                            check="reconciliation",
                        )
                    )
        for side, side_vi in (("planned", "kế hoạch vốn"), ("disbursed", "giải ngân")):
            total = row[f"{side}_total_vnd"]
            if total is None or not has_parts[side]:
                continue
            parts = (row[f"{side}_investment_vnd"] or 0) + (row[f"{side}_recurrent_vnd"] or 0)
            diff = total - parts
            if abs(diff) > tolerance_vnd:
                more_vi, more_en = ("lớn hơn", "more") if diff > 0 else ("nhỏ hơn", "less")
                problems.append(
                    Problem(
                        reason=f"{where}: {what_vi}, tổng số {side_vi} {more_vi} vốn đầu tư phát "
                        f"triển cộng vốn sự nghiệp {amount(diff)} / {what_en}: {side} total is "
                        f"{amount(diff)} {more_en} than investment plus recurrent",
                        sheet=sheet,
                        row=row["source_row"],
                        check="reconciliation",
                    )
                )
    return problems


def _describe(row: dict[str, Any]) -> tuple[str, str]:
    """A short name of a line in Vietnamese and English: `Dự án 5 (vốn trung ương)`."""
    source = _SOURCE_NAMES.get(row["budget_source"] or "")
    kind = row["line_kind"]
    if kind == "grand_total":
        return "Tổng cộng", "the grand total"
    if kind == "budget_source":
        return (
            (f"nguồn {source[0]}", f"the {source[1]} budget")
            if source
            else ("nguồn vốn", "a budget source")
        )
    if kind == "subproject" and row["subproject_code"]:
        number = row["subproject_code"].removeprefix("DA")
        vi, en = f"Tiểu dự án {number}", f"sub-project {number}"
    elif row["project_code"]:
        number = row["project_code"].removeprefix("DA")
        vi, en = f"Dự án {number}", f"Dự án {number}"
    else:
        vi, en = row["label"] or "dòng", row["label"] or "line"
    return (f"{vi} ({source[0]})", f"{en} ({source[1]})") if source else (vi, en)


def _vn_amount(value: Decimal) -> str:
    """`1234567.5` → `1.234.567,5`: how an officer writes it."""
    text = f"{value.normalize():f}"
    integer, _, fraction = text.partition(".")
    grouped = f"{int(integer):,}".replace(",", ".")
    return f"{grouped},{fraction}" if fraction else grouped
