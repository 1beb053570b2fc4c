"""`validate_schema: true`: an activity file the IATI 2.03 schema refuses is quarantined, and the
reason names the file, the line, the activity and the element, for the coordination officer.

Files are landed as a fetch would land them and loaded with `load_landed_into_raw`; what the
gate will read is asserted in raw.batch_problems (the gate itself needs the dbt models built).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.kinds.iati_files import MAX_SCHEMA_PROBLEMS, IatiFilesSource
from connectors.landing import Landing
from core.errors import ConfigError
from core.home import Home
from warehouse.connection import connect
from warehouse.loading import load_landed_into_raw
from warehouse.tables import ensure_tables

URL = "https://donor.example.org/iati/donor.xml"
ROOT = '<iati-activities version="2.03" generated-datetime="2026-01-05T00:00:00Z">\n'
ACTIVITY = """ <iati-activity default-currency="USD" last-updated-datetime="2026-01-05T00:00:00Z">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="XM-DAC-1" type="10"><narrative>Donor</narrative></reporting-org>
  <title><narrative>Rural roads</narrative></title>
  <description><narrative>Rural roads in Lào Cai</narrative></description>
  <participating-org role="1" ref="XM-DAC-1"><narrative>Donor</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date iso-date="2026-01-01" type="1"/>
  <recipient-country code="VN"/>
  <sector vocabulary="1" code="21020"/>
  <transaction>
   <transaction-type code="3"/>
   <transaction-date iso-date="2026-01-02"/>
   <value value-date="2026-01-02">1000</value>
  </transaction>
 </iati-activity>
"""
BOGUS = '<activity-status code="2"/>\n  <bogus>not in the standard</bogus>'


def activity_file(*identifiers: str, root: str = ROOT, padding: str = "") -> str:
    """A schema-valid activity file (one activity per identifier)."""
    body = "".join(ACTIVITY.format(identifier=i) for i in identifiers)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{root}{padding}{body}</iati-activities>\n'


def with_bogus(text: str) -> str:
    return text.replace('<activity-status code="2"/>', BOGUS)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def xsd(shared: Path) -> Path:
    path = shared / "reference" / "iati" / "iati-activities-schema.xsd"
    if not path.is_file():
        pytest.skip(f"the IATI 2.03 schema is not in {path.parent}")
    return path


def source(schema_path: Path, *, validate_schema: bool = True) -> IatiFilesSource:
    return IatiFilesSource(
        name="donor_a",
        kind="iati_files",
        urls=[URL],
        validate_schema=validate_schema,
        schema_path=str(schema_path),
    )


def load(home: Home, src: IatiFilesSource, text: str, name: str = "donor.xml") -> list[dict]:
    """Land the file as a fetch of `URL` would, load the source, return its problems."""
    path = home.root / name
    path.write_text(text, encoding="utf-8")
    Landing(home.landing).store_file(src.name, path, original_name=name, url=URL)
    with connect(home.warehouse) as con:
        ensure_tables(con)
        (batch,) = load_landed_into_raw(con, home, [src])
        cursor = con.execute(
            "select check_name, source_row, reason, is_blocking from raw.batch_problems "
            "where batch_id = ? order by source_row",
            [batch.batch_id],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_standards_own_example_loads_with_no_blocking_problem(home, xsd, shared):
    example = shared / "reference" / "iati" / "activity-standard-example-annotated.xml"
    problems = load(home, source(xsd), example.read_text(encoding="utf-8"))
    assert [p for p in problems if p["is_blocking"]] == []


def test_a_minimal_valid_file_loads_with_no_problem(home, xsd):
    assert load(home, source(xsd), activity_file("XM-DAC-1-VN-1")) == []


def test_an_element_the_schema_refuses_quarantines_the_file_naming_element_and_line(home, xsd):
    text = with_bogus(activity_file("XM-DAC-1-VN-1"))
    line = line_of(text, "<bogus>")

    (problem,) = load(home, source(xsd), text)

    assert problem["check_name"] == "schema"
    assert problem["is_blocking"] is True
    assert problem["source_row"] == line
    assert problem["reason"].startswith(
        f"IATI schema: file donor.xml, line {line}, activity XM-DAC-1-VN-1: "
        "Element 'bogus': This element is not expected."
    )


def test_without_validate_schema_the_same_file_has_no_schema_problem(home, xsd):
    text = with_bogus(activity_file("XM-DAC-1-VN-1"))
    assert load(home, source(xsd, validate_schema=False), text) == []
    with connect(home.warehouse) as con:
        assert con.execute("select count(*) from raw.iati_transactions").fetchone() == (1,)


def test_a_missing_schema_stops_the_load_naming_the_path(home, tmp_path):
    missing = tmp_path / "nowhere" / "iati-activities-schema.xsd"
    with pytest.raises(ConfigError) as caught:
        load(home, source(missing), activity_file("XM-DAC-1-VN-1"))
    assert str(missing) in str(caught.value)
    assert "validate_schema" in str(caught.value) and "donor_a" in str(caught.value)


def test_lines_past_65535_are_still_named(home, xsd):
    # libxml2 keeps line numbers above 65,535 beside the tree: a copy of the activity lost them.
    text = with_bogus(activity_file("XM-DAC-1-VN-1", padding="<!-- padding -->\n" * 70_000))
    line = line_of(text, "<bogus>")
    assert line > 70_000

    (problem,) = load(home, source(xsd), text)

    assert problem["source_row"] == line
    assert f"line {line}, activity XM-DAC-1-VN-1: Element 'bogus'" in problem["reason"]


def test_a_root_without_its_version_is_a_schema_problem_on_the_roots_line(home, xsd):
    text = activity_file("XM-DAC-1-VN-1", root="<iati-activities>\n")

    (problem,) = load(home, source(xsd), text)

    assert problem["is_blocking"] is True and problem["source_row"] == 2
    assert "Element 'iati-activities': The attribute 'version' is required" in problem["reason"]


def test_a_file_failing_in_every_activity_lists_the_first_errors_and_counts_the_rest(home, xsd):
    count = MAX_SCHEMA_PROBLEMS + 7
    text = with_bogus(activity_file(*(f"XM-DAC-1-VN-{i}" for i in range(count))))

    problems = load(home, source(xsd), text)

    assert len(problems) == MAX_SCHEMA_PROBLEMS + 1
    assert all(p["is_blocking"] and p["check_name"] == "schema" for p in problems)
    (summary,) = [p for p in problems if p["source_row"] is None]
    assert summary["reason"].startswith("IATI schema: file donor.xml: 7 more schema errors")
