"""The guard's byte scan of a sheet gives the verdicts of the element-by-element reader it
replaced (kept in `_ZipReader._sheet_by_elements`, where the scan hands over any shape it does
not know): the same refusal, naming the same sheet, row and cell, or the same extents and error
cells. Sheets are generated with far cells, error cells, long texts, empty styled cells, cells
without positions and the shapes the scan must hand over (comments, CDATA, entities, prefixes).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.provincial import workbook
from connectors.provincial.workbook import Limits, SheetInfo, column_letter, guard
from core.errors import ReportReadError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
LIMITS = Limits(rows=40, columns=12, cells=300, cell_chars=30)
LONG = "x" * 31  # over LIMITS.cell_chars


def write_xlsx(path: Path, sheets: list[str], shared: str | None = None) -> Path:
    entries = "".join(
        f'<sheet name="S{i}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(len(sheets))
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(len(sheets))
    )
    if shared is not None:
        rels += f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{entries}</sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{pkg}">{rels}</Relationships>'
        )
        for i, xml in enumerate(sheets):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return path


class _ElementReader(workbook._ZipReader):
    """The guard with the element-by-element sheet reader only: the reference."""

    _sheet = workbook._ZipReader._sheet_by_elements


def verdict(path: Path, reference: bool, limits: Limits = LIMITS) -> object:
    original = workbook._ZipReader
    try:
        if reference:
            workbook._ZipReader = _ElementReader  # type: ignore[misc]
        info = guard(path, limits=limits)
    except ReportReadError as exc:
        return ("refused", str(exc), exc.sheet, exc.row)
    finally:
        workbook._ZipReader = original  # type: ignore[misc]
    return [(s.name, s.rows, s.columns, sorted(s.errors.items())) for s in info.sheets]


def scanned(path: Path, limits: Limits, member: str = "xl/worksheets/sheet0.xml") -> bool:
    """Whether the byte scan read the sheet itself (rather than handing it over)."""
    with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
        reader = workbook._ZipReader(zf, raw, limits, lambda reason, **_: ReportReadError(reason))
        try:
            workbook._SheetScan(reader, member, SheetInfo("S0")).run()
        except workbook._Unusual:
            return False
        except ReportReadError:
            return True
    return True


def cell(ref: str | None, kind: str, text: str) -> str:
    r = f' r="{ref}"' if ref else ""
    return {
        "number": f"<c{r}><v>{text}</v></c>",
        "styled": f'<c{r} s="1"><v>{text}</v></c>',
        "shared": f'<c{r} t="s"><v>{text}</v></c>',
        "inline": f'<c{r} t="inlineStr"><is><t>{text}</t></is></c>',
        "rich": f'<c{r} t="inlineStr"><is><r><rPr><b/></rPr><t xml:space="preserve">{text}</t>'
        f'</r><rPh sb="0" eb="1"><t>{text}</t></rPh></is></c>',
        "error": f'<c{r} t="e"><v>{text}</v></c>',
        "error_formula": f'<c{r} t="e"><f>A1/0</f><v>{text}</v></c>',
        "empty": f'<c{r} s="2"/>',
        "empty_open": f"<c{r}></c>",
        "no_value": f"<c{r}><f>1+1</f></c>",
        "other_attrs": f'<c{r} s="3" t="str" cm="1"><v>{text}</v></c>',
        "quoted": f"<c r='{ref}' t='e'><v>{text}</v></c>" if ref else f"<c t='e'><v>{text}</v></c>",
        "empty_v": f"<c{r}><v/></c>",
        "entity": f'<c{r} t="e"><v>&#35;N/A</v></c>',
        "comment": f'<c{r}><!-- <c r="ZZ9"><v>1</v></c> --><v>{text}</v></c>',
        "cdata": f'<c{r} t="e"><v><![CDATA[{text}]]></v></c>',
        "prefixed": f'<x:c xmlns:x="{MAIN}"{r}><x:v>{text}</x:v></x:c>',
    }[kind]


PLAIN = [
    "number", "styled", "shared", "inline", "rich", "error", "error_formula", "empty",
    "empty_open", "no_value", "other_attrs", "quoted", "empty_v",
]  # fmt: skip
HANDED_OVER = ["entity", "comment", "cdata", "prefixed"]
# one cell in about 60 is in a shape the scan hands over, so most sheets are scanned
KINDS = PLAIN * 15 + HANDED_OVER
# a text over the limit is handed over too (its length in characters is the parser's to tell)
TEXTS = st.sampled_from(["1", "22.5", "#REF!", " #DIV/0! ", "", "0", "7", "Thôn 3"] * 4 + [LONG])


@st.composite
def sheets(draw: st.DrawFn) -> str:
    rows = []
    row_number = 0
    for _ in range(draw(st.integers(0, 8))):
        row_number += draw(st.integers(1, 12))  # past LIMITS.rows sometimes
        row_ref = draw(st.sampled_from(["r", "r", "none", "bad"]))
        attrs = {"r": f' r="{row_number}"', "none": "", "bad": ' r="x"'}[row_ref]
        cells = []
        column = 0
        for _ in range(draw(st.integers(0, 6))):
            column += draw(st.integers(0, 5))  # past LIMITS.columns sometimes
            kind = draw(st.sampled_from(KINDS))
            positioned = draw(st.booleans()) or kind == "quoted"
            ref = f"{column_letter(column)}{row_number}" if positioned else None
            if positioned and draw(st.integers(0, 9)) == 0:
                ref = f"{column_letter(column)}{row_number + 50}"  # a cell below its row
            cells.append(cell(ref, kind, draw(TEXTS)))
            column += 1
        rows.append(
            f"<row{attrs}>{''.join(cells)}</row>"
            if cells or draw(st.booleans())
            else f"<row{attrs}/>"
        )
    prolog = draw(
        st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'])
    )
    data = "".join(rows)
    return (
        f'{prolog}<worksheet xmlns="{MAIN}"><dimension ref="A1"/>'
        f"<sheetData>{data}</sheetData></worksheet>"
    )


SHARED = (
    f'<sst xmlns="{MAIN}"><si><t>ngắn</t></si><si><t>{LONG}</t></si>'
    + "".join(f"<si><t>{n}</t></si>" for n in range(2, 9))
    + "</sst>"
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(sheets(), min_size=1, max_size=2), st.booleans())
def test_the_scan_gives_the_element_readers_verdict(tmp_path, xml, with_shared):
    path = write_xlsx(tmp_path / "bieu02.xlsx", xml, SHARED if with_shared else None)
    assert verdict(path, reference=False) == verdict(path, reference=True)


@pytest.mark.parametrize("seed", range(12))
def test_a_planted_cell_is_named_and_the_scan_reads_the_sheet_itself(tmp_path, seed):
    """A Form 02 shaped sheet (as Excel writes it) with one far or error cell at a random place:
    the scan itself names that cell (a long text is handed to the element reader, which does)."""
    import random

    rng = random.Random(seed)
    planted_row, planted_column = rng.randint(2, 39), rng.randint(0, 9)
    plant = rng.choice(["error", "far_column", "far_row", "long"])
    rows = []
    for r in range(1, 41):
        cells = []
        for c in range(10):
            ref = f"{column_letter(c)}{r}"
            if (r, c) == (planted_row, planted_column):
                if plant == "error":
                    cells.append(f'<c r="{ref}" s="1" t="e"><v>#REF!</v></c>')
                elif plant == "long":
                    cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{LONG}</t></is></c>')
                else:
                    far = (
                        f"{column_letter(c + 20)}{r}"
                        if plant == "far_column"
                        else f"{column_letter(c)}{r + 100}"
                    )
                    cells.append(f'<c r="{far}"><v>1</v></c>')
            else:
                cells.append(f'<c r="{ref}" s="2" t="s"><v>{r % 9}</v></c>')
        cells.append(f'<c r="{column_letter(40)}{r}" s="3"/>')  # a styled empty cell far right
        rows.append(f'<row r="{r}" spans="1:10">{"".join(cells)}</row>')
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(rows)}</sheetData></worksheet>'
    )
    path = write_xlsx(tmp_path / "bieu02.xlsx", [xml], SHARED.replace(LONG, "dài"))
    # a text over the limit is handed over: its length in characters is the XML parser's to tell
    limits = Limits(rows=LIMITS.rows, columns=LIMITS.columns, cells=2_000, cell_chars=30)
    assert scanned(path, limits) == (plant != "long")
    found = verdict(path, reference=False, limits=limits)
    assert found == verdict(path, reference=True, limits=limits)
    if plant == "error":
        assert found == [("S0", 40, 10, [((planted_row, planted_column), "#REF!")])]
        return
    kind, reason, sheet, row = found  # type: ignore[misc]
    assert kind == "refused" and sheet == "S0"
    if plant == "far_column":
        assert row == planted_row and f"{column_letter(planted_column + 20)}{planted_row}" in reason
    elif plant == "far_row":
        assert (
            row == planted_row + 100
            and f"{column_letter(planted_column)}{planted_row + 100}" in reason
        )
    else:
        assert (
            row == planted_row
            and f"ô {column_letter(planted_column)}{planted_row} có 31 ký tự" in reason
        )
