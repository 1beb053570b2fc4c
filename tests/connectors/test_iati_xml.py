"""IATI activity files: safe streaming XML, the raw tables, schema validation, downloads."""

from __future__ import annotations

import os
import threading
import unicodedata
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from connectors.batches import LandedUnit
from connectors.cursors import CursorStore
from connectors.http import HttpClient, NotModified
from connectors.iati.files import fetch_activity_files
from connectors.iati.xml import parse_activities
from connectors.kinds.iati_files import IatiFilesSource
from connectors.kinds.iati_files import read as read_activity_file
from connectors.landing import LandedFile, Landing
from connectors.safe_xml import UnsafeXml, iter_elements
from core.errors import InputRejected, SourceError
from demo.servers.iati_server import IatiServer

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
IATI_REF = SHARED / "reference" / "iati"
EXAMPLE = IATI_REF / "activity-standard-example-annotated.xml"
SCHEMA = IATI_REF / "iati-activities-schema.xsd"


def _need_reference() -> None:
    if not EXAMPLE.exists() or not SCHEMA.exists():
        pytest.skip(f"IATI reference files not found in {IATI_REF} (../shared/reference/iati)")


def activity_xml(identifier: str, body: str, *, attrs: str = 'default-currency="USD"') -> str:
    return f"""
 <iati-activity {attrs} last-updated-datetime="2024-05-01T08:00:00+07:00">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
  {body}
 </iati-activity>"""


def activities_file(*activities: str, lang: str = "en") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<iati-activities version="2.03" xml:lang="{lang}" '
        'generated-datetime="2024-05-02T00:00:00Z">'
        + "".join(activities)
        + "\n</iati-activities>\n"
    ).encode()


VN_ACTIVITY = activity_xml(
    "XM-DAC-41114-VN-1719",
    # Province name sent in NFD (decomposed) to prove it comes out NFC.
    """
  <title>
   <narrative>Support to ethnic minority areas</narrative>
   <narrative xml:lang="vi">Hỗ trợ vùng đồng bào dân tộc thiểu số</narrative>
  </title>
  <activity-status code="2"/>
  <recipient-country code="VN" percentage="100"/>
  <location ref="VN-LC">
   <name><narrative>"""
    + unicodedata.normalize("NFD", "Lào Cai")
    + """</narrative></name>
   <administrative vocabulary="G1" level="1" code="1562822"/>
   <point srsName="http://www.opengis.net/def/crs/EPSG/0/4326"><pos>22.48 103.97</pos></point>
  </location>
  <sector vocabulary="1" code="43040" percentage="60.50"/>
  <tag vocabulary="99" code="MTQG-1719"><narrative>Chương trình MTQG 1719</narrative></tag>
  <other-identifier ref="1719-DA3" type="B1">
   <owner-org ref="VN-MOF"><narrative>Bộ Tài chính</narrative></owner-org>
  </other-identifier>
  <transaction>
   <transaction-type code="2"/>
   <transaction-date iso-date="2024-01-15"/>
   <value value-date="2024-01-15">1500000.50</value>
  </transaction>
  <transaction ref="D-1">
   <transaction-type code="3"/>
   <transaction-date iso-date="2024-03-01"/>
   <value currency="EUR" value-date="2024-02-28">250000</value>
   <receiver-org ref="VN-LC-DEMA"><narrative xml:lang="vi">Ban Dân tộc tỉnh Lào Cai</narrative>
   </receiver-org>
   <description><narrative>Tranche 1</narrative></description>
  </transaction>
  <result type="1"><indicator measure="1"><baseline year="2023" value="1">
   <location ref="NOT-A-LOCATION"/></baseline></indicator></result>""",
)


def test_official_example_parses_to_its_activities_and_transactions() -> None:
    _need_reference()
    # Counted independently of the code under test, with the standard library.
    tree = ET.parse(EXAMPLE)
    expected_activities = len(tree.findall("./iati-activity"))
    expected_transactions = len(tree.findall("./iati-activity/transaction"))
    expected_sectors = len(tree.findall("./iati-activity/sector"))
    expected_locations = len(tree.findall("./iati-activity/location"))

    tables = parse_activities(EXAMPLE, schema=SCHEMA)

    assert tables.activities.num_rows == expected_activities == 1
    assert tables.transactions.num_rows == expected_transactions == 1
    assert tables.sectors.num_rows == expected_sectors == 3
    # Locations inside results (baseline/target) are references, not places of the activity.
    assert tables.locations.num_rows == expected_locations == 2
    assert tables.schema_errors == []
    assert tables.problems == []
    activity = tables.activities.to_pylist()[0]
    assert activity["iati_identifier"] == "AA-AAA-123456789-ABC123"
    assert activity["reporting_org_ref"] == "AA-AAA-123456789"
    assert activity["reporting_org_name"] == "Organisation name"
    assert activity["title"] == "Activity title"  # en preferred over fr/es
    assert activity["default_currency"] == "USD"
    assert activity["recipient_countries"] == ["AF", "AG"]
    assert activity["last_updated_datetime"] == datetime(2014, 9, 10, 7, 15, 37, tzinfo=UTC)
    transaction = tables.transactions.to_pylist()[0]
    assert transaction["transaction_type_code"] == "1"
    assert transaction["value"] == Decimal("1000")
    assert transaction["currency"] == "EUR"
    assert transaction["value_date"] == date(2012, 1, 1)
    assert transaction["provider_org_ref"] == "BB-BBB-123456789"
    assert transaction["receiver_org_name"] == "Agency A"
    assert transaction["description"] == "Transaction description text"
    assert tables.participating_orgs.column("role").to_pylist() == ["1", "2", "3"]
    assert tables.tags.column("code").to_pylist() == ["1", "T1"]
    assert tables.other_identifiers.to_pylist()[0]["owner_org_ref"] == "AA-AAA-123456789"


def test_vietnamese_activity_keeps_diacritics_nfc_and_falls_back_to_default_currency(
    tmp_path: Path,
) -> None:
    path = tmp_path / "donor.xml"
    path.write_bytes(activities_file(VN_ACTIVITY, activity_xml("XM-2", "<title/>")))

    tables = parse_activities(path)

    assert tables.activities.column("iati_identifier").to_pylist() == [
        "XM-DAC-41114-VN-1719",
        "XM-2",
    ]
    first = tables.activities.to_pylist()[0]
    assert first["title"] == "Hỗ trợ vùng đồng bào dân tộc thiểu số"  # vi preferred
    # +07:00 in the file is 01:00 UTC.
    assert first["last_updated_datetime"] == datetime(2024, 5, 1, 1, 0, tzinfo=UTC)
    rows = tables.transactions.to_pylist()
    assert [(r["transaction_index"], r["transaction_type_code"]) for r in rows] == [
        (0, "2"),
        (1, "3"),
    ]
    assert rows[0]["currency"] == "USD"  # no value/@currency: the activity's default
    assert rows[0]["value"] == Decimal("1500000.50")
    assert rows[1]["currency"] == "EUR"
    assert rows[1]["receiver_org_name"] == "Ban Dân tộc tỉnh Lào Cai"
    location = tables.locations.to_pylist()
    assert len(location) == 1
    assert location[0]["name"] == "Lào Cai"
    assert unicodedata.is_normalized("NFC", location[0]["name"])
    assert location[0]["administrative"] == [{"vocabulary": "G1", "level": "1", "code": "1562822"}]
    assert (location[0]["latitude"], location[0]["longitude"]) == (22.48, 103.97)
    assert tables.sectors.to_pylist()[0]["percentage"] == Decimal("60.5")
    assert tables.tags.to_pylist()[0]["narrative"] == "Chương trình MTQG 1719"
    assert tables.other_identifiers.to_pylist()[0]["owner_org_name"] == "Bộ Tài chính"


def test_bad_cells_become_problems_with_lines_not_failures(tmp_path: Path) -> None:
    path = tmp_path / "donor.xml"
    body = """
  <transaction><transaction-type code="3"/><transaction-date iso-date="15/01/2024"/>
   <value value-date="2024-01-15">1,500</value></transaction>"""
    content = activities_file(activity_xml("XM-3", body))
    path.write_bytes(content)
    value_line = next(i for i, t in enumerate(content.splitlines(), 1) if b"1,500" in t)

    tables = parse_activities(path, name="https://donor.example/vn.xml")

    row = tables.transactions.to_pylist()[0]
    assert row["value"] is None and row["transaction_date"] is None
    assert row["value_date"] == date(2024, 1, 15)
    reasons = [p.describe() for p in tables.problems]
    value_problem = f"line {value_line}, activity XM-3: transaction value: '1,500' is not a number"
    assert any(value_problem in r for r in reasons), reasons
    assert any("'15/01/2024'" in r and "vn.xml" in r and "XM-3" in r for r in reasons), reasons


NAMELESS_ACTIVITY = """
 <iati-activity default-currency="USD">
  <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
  <sector vocabulary="1" code="43040"/>
  <transaction><transaction-type code="3"/><value value-date="2024-01-15">10</value></transaction>
 </iati-activity>"""


def _line_of(content: bytes, needle: bytes, nth: int = 1) -> int:
    lines = [i for i, t in enumerate(content.splitlines(), 1) if needle in t]
    return lines[nth - 1]


def test_an_activity_without_identifier_gives_no_rows_and_a_located_problem(
    tmp_path: Path,
) -> None:
    # IATI's own schema test files hold such activities: their rows could not be joined (and a
    # null identifier in staging would stop the warehouse for every source of the run).
    content = activities_file(activity_xml("XM-1", ""), NAMELESS_ACTIVITY)
    path = tmp_path / "donor.xml"
    path.write_bytes(content)
    line = _line_of(content, b"<iati-activity", nth=2)

    tables = parse_activities(path, name="donor-c.xml")

    assert tables.activities.column("iati_identifier").to_pylist() == ["XM-1"]
    for part in ("transactions", "sectors", "locations", "participating_orgs", "tags"):
        assert None not in getattr(tables, part).column("iati_identifier").to_pylist(), part
    assert tables.transactions.num_rows == 0 and tables.sectors.num_rows == 0
    [problem] = tables.problems
    assert problem.line == line
    assert problem.describe() == (
        f"file donor-c.xml, line {line}: activity at line {line} has no <iati-identifier>; "
        "the file is quarantined"
    )


def test_the_problem_quarantines_the_file_through_its_kind(tmp_path: Path) -> None:
    content = activities_file(activity_xml("XM-1", ""), NAMELESS_ACTIVITY)
    path = tmp_path / "landed.xml"
    path.write_bytes(content)
    landed = LandedFile(
        "donor_files",
        "ab" * 32,
        path,
        len(content),
        "2026-04-01T08:00:00+00:00",
        original_name="donor-c.xml",
        url="https://donor.example/donor-c.xml",
    )
    source = IatiFilesSource(
        kind="iati_files",
        name="donor_files",
        urls=["https://donor.example/donor-c.xml"],
        validate_schema=False,
    )

    batch = read_activity_file(source, LandedUnit(batch_id=landed.sha256, landed=landed))

    line = _line_of(content, b"<iati-activity", nth=2)
    [problem] = batch.problems
    assert problem.blocking and problem.row == line
    assert f"activity at line {line} has no <iati-identifier>" in problem.reason
    assert batch.tables["iati_activities"].num_rows == 1


def test_a_repeated_identifier_gives_no_second_rows_and_a_located_problem(
    tmp_path: Path,
) -> None:
    body = '<transaction><transaction-type code="3"/><value>1</value></transaction>'
    content = activities_file(activity_xml("XM-1", body), activity_xml("XM-1", body))
    path = tmp_path / "donor.xml"
    path.write_bytes(content)
    first, second = (_line_of(content, b"<iati-activity", nth=n) for n in (1, 2))

    tables = parse_activities(path)

    assert tables.activities.num_rows == 1 and tables.transactions.num_rows == 1
    [problem] = tables.problems
    assert problem.line == second and problem.iati_identifier == "XM-1"
    assert f"activity at line {second} repeats" in problem.reason
    assert f"activity at line {first}" in problem.reason


def test_schema_errors_are_collected_with_line_numbers(tmp_path: Path) -> None:
    _need_reference()
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('<activity-status code="2" />', '<activity-status code="2" /><bogus/>', 1)
    path = tmp_path / "invalid.xml"
    path.write_text(text, encoding="utf-8")
    expected_line = next(i for i, line in enumerate(text.splitlines(), 1) if "<bogus/>" in line)

    tables = parse_activities(path, schema=SCHEMA)

    assert tables.activities.num_rows == 1  # still read
    assert [e.line for e in tables.schema_errors] == [expected_line]
    assert "bogus" in tables.schema_errors[0].reason


def _file_with_old_atime(path: Path) -> float:
    """Write a file whose atime is older than its mtime, so any read updates the atime."""
    path.write_text("secret-content\n", encoding="utf-8")
    stat = path.stat()
    old = stat.st_mtime - 3600
    os.utime(path, (old, stat.st_mtime))
    return old


def test_external_entity_is_refused_and_its_target_never_read(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    old_atime = _file_with_old_atime(target)
    # Sanity: this filesystem records reads; otherwise the atime check proves nothing.
    probe = tmp_path / "probe.txt"
    probe_atime = _file_with_old_atime(probe)
    probe.read_bytes()
    atime_works = probe.stat().st_atime != probe_atime

    hits: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"xx")

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        port = httpd.server_address[1]
        document = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            "<!DOCTYPE iati-activities [\n"
            f'  <!ENTITY xxe SYSTEM "file://{target}">\n'
            f'  <!ENTITY net SYSTEM "http://127.0.0.1:{port}/entity">\n'
            "]>\n"
            '<iati-activities version="2.03"><iati-activity>'
            "<iati-identifier>&xxe;&net;</iati-identifier>"
            "</iati-activity></iati-activities>\n"
        )
        path = tmp_path / "xxe.xml"
        path.write_text(document, encoding="utf-8")

        with pytest.raises(UnsafeXml) as refused:
            parse_activities(path, name="donor-b.xml")
    finally:
        httpd.shutdown()
        httpd.server_close()

    assert "donor-b.xml" in str(refused.value)
    assert "DOCTYPE" in str(refused.value)
    assert isinstance(refused.value, InputRejected)
    assert hits == []
    if atime_works:
        assert target.stat().st_atime == old_atime


def test_parser_refuses_a_dtd_even_past_the_prolog_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Defence in depth: with the prolog scan switched off, the parser itself must neither read
    # the entity's target nor let the document through.
    import connectors.safe_xml as safe_xml

    monkeypatch.setattr(safe_xml, "refuse_doctype", lambda path, name=None: None)
    target = tmp_path / "target.txt"
    old_atime = _file_with_old_atime(target)
    path = tmp_path / "xxe.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{target}">]>'
        "<iati-activities><iati-activity><iati-identifier>&x;</iati-identifier>"
        "</iati-activity></iati-activities>",
        encoding="utf-8",
    )
    with pytest.raises(UnsafeXml, match=r"xxe\.xml"):
        list(iter_elements(path, "iati-activity"))
    probe = tmp_path / "probe.txt"
    probe_atime = _file_with_old_atime(probe)
    probe.read_bytes()
    if probe.stat().st_atime != probe_atime:
        assert target.stat().st_atime == old_atime


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lols = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    document = (
        '<?xml version="1.0"?>\n<!-- a comment first -->\n<!DOCTYPE lolz [\n'
        + "\n".join(lols)
        + "\n]>\n<iati-activities><iati-activity><iati-identifier>&lol9;"
        "</iati-identifier></iati-activity></iati-activities>"
    )
    path = tmp_path / "lol.xml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(UnsafeXml, match=r"lol\.xml"):
        parse_activities(path)


def test_doctype_is_refused_in_utf16_too(tmp_path: Path) -> None:
    document = (
        '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE a [<!ENTITY e "x">]>\n'
        "<iati-activities><iati-activity/></iati-activities>"
    )
    path = tmp_path / "u16.xml"
    path.write_bytes(document.encode("utf-16"))
    with pytest.raises(UnsafeXml):
        list(iter_elements(path, "iati-activity"))


@pytest.mark.parametrize(
    "content",
    [
        activities_file(VN_ACTIVITY)[:-200],  # cut off mid-file
        b"<html><body>502 Bad Gateway</body>",
        b"",
    ],
    ids=["truncated", "html", "empty"],
)
def test_broken_xml_is_rejected_naming_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "abc.xml"
    path.write_bytes(content)
    with pytest.raises(InputRejected) as rejected:
        parse_activities(path, name="https://donor.example/files/vn.xml")
    assert "https://donor.example/files/vn.xml" in str(rejected.value)


def test_streaming_frees_consumed_activities(tmp_path: Path) -> None:
    one = "<transaction><value>1</value></transaction>"
    many = [activity_xml(f"XM-{i}", one) for i in range(3000)]
    path = tmp_path / "big.xml"
    path.write_bytes(activities_file(*many))
    largest = 0
    count = 0
    for element in iter_elements(path, "iati-activity"):
        count += 1
        largest = max(largest, sum(1 for _ in element.itersiblings(preceding=True)))
    assert count == 3000
    assert largest <= 1  # activities already read are dropped (only the last one, emptied)


# --- downloads -------------------------------------------------------------------------------


@pytest.fixture
def iati_files_server():
    files = {"donor-a.xml": activities_file(VN_ACTIVITY), "donor-b.xml": activities_file()}
    with IatiServer(files, [], [], api_key="unused") as server:
        yield server


def _fetch(server: IatiServer, tmp_path: Path, names=("donor-a.xml", "donor-b.xml"), **options):
    http = HttpClient(
        "donor_files", max_retries=3, backoff_factor=0.01, backoff_max=0.05, **options
    )
    with http:
        return fetch_activity_files(
            http,
            [f"{server.url}/files/{n}" for n in names],
            Landing(tmp_path / "landing"),
            "donor_files",
            CursorStore(tmp_path / "state" / "donor_files.json"),
        )


def test_fetch_lands_then_asks_conditionally(iati_files_server: IatiServer, tmp_path: Path) -> None:
    first = _fetch(iati_files_server, tmp_path)
    assert all(isinstance(r, LandedFile) for r in first)
    assert first[0].path.read_bytes() == activities_file(VN_ACTIVITY)
    assert parse_activities(first[0].path).transactions.num_rows == 2

    second = _fetch(iati_files_server, tmp_path)
    assert all(isinstance(r, NotModified) for r in second)
    conditional = [r for r in iati_files_server.requests if r.header("If-None-Match")]
    assert len(conditional) == 2

    iati_files_server.set_file("donor-b.xml", activities_file(VN_ACTIVITY, lang="vi"))
    third = _fetch(iati_files_server, tmp_path)
    assert isinstance(third[0], NotModified)
    assert isinstance(third[1], LandedFile) and third[1].is_new
    assert len(list(Landing(tmp_path / "landing").files("donor_files"))) == 3


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 429, "retry_after": "0"},
        {"kind": "status", "status": 500},
        {"kind": "status", "status": 502},
        {"kind": "status", "status": 503, "times": 2},
        {"kind": "reset"},
        {"kind": "truncate"},
        {"kind": "delay", "delay": 0.6},
    ],
    ids=["429", "500", "502", "503x2", "reset", "truncated", "timeout"],
)
def test_fetch_recovers_from_faults_to_the_same_files(
    iati_files_server: IatiServer, tmp_path: Path, fault: dict
) -> None:
    clean = _fetch(iati_files_server, tmp_path / "clean")
    iati_files_server.faults.add("/files/donor-a.xml", **fault)

    faulty = _fetch(iati_files_server, tmp_path / "faulty", timeout=(2.0, 0.3))

    assert [r.sha256 for r in faulty] == [r.sha256 for r in clean]
    assert iati_files_server.faults.pending() == 0


def test_fetch_that_keeps_failing_names_source_and_url(
    iati_files_server: IatiServer, tmp_path: Path
) -> None:
    iati_files_server.faults.add("/files/donor-b.xml", "status", status=503, times=10)
    with pytest.raises(SourceError) as failed:
        _fetch(iati_files_server, tmp_path)
    message = str(failed.value)
    assert "donor_files" in message and "/files/donor-b.xml" in message and "503" in message
    # The file fetched before the failure keeps its validators: the next run asks for it with 304.
    state = CursorStore(tmp_path / "state" / "donor_files.json").all()
    assert list(state) == [f"{iati_files_server.url}/files/donor-a.xml"]


def test_fetch_of_a_missing_file_is_not_retried(
    iati_files_server: IatiServer, tmp_path: Path
) -> None:
    with pytest.raises(SourceError, match="404"):
        _fetch(iati_files_server, tmp_path, names=("gone.xml",))
    assert iati_files_server.hits("/files/gone.xml") == 1


def test_demo_server_answers_if_modified_since(iati_files_server: IatiServer) -> None:
    url = f"{iati_files_server.url}/files/donor-a.xml"
    first = requests.get(url, timeout=5)
    stamp = first.headers["Last-Modified"]
    assert first.status_code == 200 and first.headers["ETag"]
    assert requests.get(url, headers={"If-Modified-Since": stamp}, timeout=5).status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert requests.get(url, headers={"If-Modified-Since": old}, timeout=5).status_code == 200
    # If-None-Match wins over If-Modified-Since, as in RFC 9110.
    stale = {"If-None-Match": '"other"', "If-Modified-Since": stamp}
    assert requests.get(url, headers=stale, timeout=5).status_code == 200
