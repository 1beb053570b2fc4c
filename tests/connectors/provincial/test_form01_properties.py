"""Property: whatever the layout, Form 01 round-trips its leaves and catches a wrong subtotal."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.provincial.form01 import read_form01
from demo.form01_writer import (
    AMOUNT_COLUMNS,
    UNITS,
    Form01Leaf,
    Form01Spec,
    Form01Variant,
    InjectedError,
    subtotal_rows,
    write_form01,
)

STRUCTURE = {
    1: [],
    2: [],
    3: [1, 2],
    4: [1, 2],
    5: [1, 2, 3, 4],
    6: [],
    7: [],
    8: [],
    9: [1, 2],
    10: [1, 2, 3],
}
SENDERS = [
    ("UBND TỈNH LÀO CAI", "Quý III năm 2024", "Lào Cai", "2024-Q3"),
    ("Sở Dân tộc và Tôn giáo tỉnh Gia Lai", "Năm 2026", "Gia Lai", "2026"),
    ("UBND tinh Dien Bien", "6 tháng đầu năm 2025", "Điện Biên", "2025-H1"),
    ("BAN DÂN TỘC TỈNH KON TUM", "Tháng 9/2024", "Kon Tum", "2024-09"),
]

variants = st.builds(
    Form01Variant,
    unit=st.sampled_from(list(UNITS)),
    unit_line=st.sampled_from(["Đơn vị tính: {unit}", "ĐVT: {unit}", "(Đơn vị: {unit})"]),
    subproject_stt=st.sampled_from(["-", "a)", "N.M", "Tiểu dự án M"]),
    header_wording=st.sampled_from(["full", "short", "abbreviated"]),
    disbursed_first=st.booleans(),
    total_last=st.booleans(),
    nfd=st.booleans(),
    blank_rows=st.booleans(),
    grand_total_at_bottom=st.booleans(),
    column_numbers=st.booleans(),
    leading_empty_columns=st.integers(0, 2),
    numbers_as_text=st.booleans(),
    trong_do_line=st.booleans(),
    file_format=st.sampled_from(["xlsx", "xls"]),
)


@st.composite
def specs(draw, unit_vnd: int) -> Form01Spec:
    # Amounts carry at most three decimals of the stated unit, as real forms do.
    step = max(1, unit_vnd // 1000)
    amounts = st.integers(0, 5_000_000).map(lambda n: n * step)
    leaves = []
    for source in draw(st.sampled_from([["central"], ["local"], ["central", "local"]])):
        projects = draw(
            st.lists(st.sampled_from(sorted(STRUCTURE)), min_size=1, max_size=4, unique=True)
        )
        for project in projects:
            subs = STRUCTURE[project]
            chosen = (
                draw(st.lists(st.sampled_from(subs), min_size=1, unique=True))
                if (subs and draw(st.booleans()))
                else [None]
            )
            for sub in chosen:
                for capital in draw(
                    st.sampled_from([["investment"], ["recurrent"], ["investment", "recurrent"]])
                ):
                    leaves.append(
                        Form01Leaf(
                            source,
                            f"DA{project}",
                            sub and f"DA{project}.{sub}",
                            capital,
                            draw(amounts),
                            draw(amounts),
                        )
                    )
    sender, period_text, _, _ = draw(st.sampled_from(SENDERS))
    return Form01Spec(sender=sender, period_text=period_text, leaves=tuple(leaves))


def facts(report) -> dict[tuple, tuple[int, int]]:
    result = {}
    for line in report.lines.to_pylist():
        if line["is_leaf"]:
            for capital in ("investment", "recurrent"):
                key = (
                    line["budget_source"],
                    line["project_code"],
                    line["subproject_code"],
                    capital,
                )
                result[key] = (
                    line[f"planned_{capital}_vnd"] or 0,
                    line[f"disbursed_{capital}_vnd"] or 0,
                )
    return result


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), variant=variants)
def test_every_layout_round_trips_its_leaves(data, variant):
    spec = data.draw(specs(UNITS[variant.unit]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"bieu01.{variant.file_format}"
        write_form01(path, spec, variant)
        report = read_form01(path)
    assert report.problems == []
    expected = {
        (x.budget_source, x.project_code, x.subproject_code, x.capital_type): (
            x.planned_vnd,
            x.disbursed_vnd,
        )
        for x in spec.leaves
    }
    got = facts(report)
    assert set(expected) <= set(got)
    assert all(got[k] == expected.get(k, (0, 0)) for k in got)
    name, label = next((n, p) for s, t, n, p in SENDERS if s == spec.sender)
    assert (report.province.name, report.period.label) == (name, label)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), variant=variants)
def test_an_injected_subtotal_error_is_always_caught(data, variant):
    spec = data.draw(specs(UNITS[variant.unit]))
    source, project = data.draw(st.sampled_from(subtotal_rows(spec)))
    # At least two units of the stated precision off: one unit is within tolerance by contract.
    delta = (
        data.draw(st.integers(2, 10**6)) * UNITS[variant.unit] * data.draw(st.sampled_from([1, -1]))
    )
    error = InjectedError(source, project, data.draw(st.sampled_from(AMOUNT_COLUMNS)), delta)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"bieu01.{variant.file_format}"
        write_form01(path, spec, Form01Variant(**{**variant.__dict__, "error": error}))
        report = read_form01(path)
    assert not report.is_acceptable
    assert report.problems and all(p.check == "reconciliation" for p in report.problems)
