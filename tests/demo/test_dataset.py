"""The demo dataset: deterministic, with the promised coverage, and readable by our own readers."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from demo.dataset import (
    BUDGET_SOURCES,
    CAPITAL_TYPES,
    PROGRAMME,
    DemoDataset,
    build_demo_dataset,
    leaf_lines,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
REQUIRED_OLD = {"15", "10", "62", "11", "02", "14", "12", "64", "66", "04", "52"}
REQUIRED_NEW = {"15", "51", "52", "11", "14", "12", "08", "04", "66", "19"}


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return build_demo_dataset()


def _fingerprint(d: DemoDataset) -> dict[str, object]:
    return {
        "form01": [(f.file_name, f.content) for f in d.form01_files],
        "ministry": d.ministry_records,
        "iati": d.iati_files,
        "docs": (d.iati_activity_docs, d.iati_transaction_docs),
        "mapping": d.donor_mapping_csv,
        "ckan": [(p.packages, p.resources) for p in d.ckan_portals],
    }


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(dataset: DemoDataset) -> None:
    again = build_demo_dataset(1719)
    assert _fingerprint(again) == _fingerprint(dataset)
    other = build_demo_dataset(7)
    assert [f.content for f in other.form01_files[:-1]] != [
        f.content for f in dataset.form01_files[:-1]
    ]


def test_form01_covers_both_eras_every_line_and_the_designed_failures(
    dataset: DemoDataset,
) -> None:
    reports = [f for f in dataset.form01_files if f.province is not None]
    old = {f.province.code for f in reports if f.province.admin_era == "2008"}
    new = {f.province.code for f in reports if f.province.admin_era == "2025"}
    assert old >= REQUIRED_OLD and len(old) >= 10
    assert new >= REQUIRED_NEW and len(new) >= 10
    assert {f.period for f in reports} == {"2024-Q3", "2026-Q1"}
    # Reused codes and merged provinces: Yên Bái + Lào Cai → Lào Cai 15; Bình Định + Gia Lai → 52.
    to_2025 = defaultdict(set)
    for f in reports:
        if f.province.admin_era == "2008":
            to_2025[f.province.code_2025].add(f.province.name)
    assert to_2025["15"] == {"Yên Bái", "Lào Cai"}
    assert to_2025["52"] == {"Bình Định", "Gia Lai"}

    expected_lines = {(s, p, sub) for s in BUDGET_SOURCES for p, sub in leaf_lines()}
    assert len(expected_lines) == 36
    assert {sub for subs in PROGRAMME.values() for sub in subs} >= {
        "DA3.1",
        "DA4.2",
        "DA5.4",
        "DA9.2",
        "DA10.3",
    }
    for f in reports:
        keys = [
            (x.budget_source, x.project_code, x.subproject_code, x.capital_type) for x in f.leaves
        ]
        assert len(keys) == len(set(keys)) == 72, f.file_name
        assert {(s, p, sub) for s, p, sub, _ in keys} == expected_lines
        assert {c for *_, c in keys} == set(CAPITAL_TYPES)
        assert all(x.planned_vnd % 1000 == 0 and x.disbursed_vnd >= 0 for x in f.leaves)

    quarantined = [f for f in dataset.form01_files if f.expected_status == "quarantined"]
    assert sorted(f.expected_check for f in quarantined) == ["read", "reconciliation"]
    bad = next(f for f in quarantined if f.expected_check == "reconciliation")
    assert (bad.province.name, bad.period) == ("Yên Bái", "2024-Q3")
    unreadable = next(f for f in quarantined if f.expected_check == "read")
    assert unreadable.file_name.endswith(".xlsx") and unreadable.content.startswith(b"%PDF")

    names = [f.file_name for f in dataset.form01_files]
    assert len(names) == len(set(names))
    assert sum(n.endswith(".xls") for n in names) >= 1
    variants = [f.variant for f in reports]
    assert any(v.nfd for v in variants) and any(v.numbers_as_text for v in variants)
    assert any(v.grand_total_at_bottom for v in variants)
    assert any(not v.column_numbers for v in variants)
    assert len({v.unit for v in variants}) >= 3


def test_amounts_are_plausible_with_two_lines_over_plan(dataset: DemoDataset) -> None:
    reports = [f for f in dataset.form01_files if f.province is not None]
    for f in reports:
        per_project = defaultdict(int)
        for x in f.leaves:
            if x.budget_source == "central":
                per_project[x.project_code] += x.planned_vnd
        nonzero = [v for v in per_project.values() if v]
        # tens of billions of đồng per project (one may be left empty)
        assert len(nonzero) >= 9
        assert all(3e9 <= v <= 1.5e11 for v in nonzero), f.file_name
    over = [x for f in reports for x in f.over_plan_lines]
    assert len(over) == 2
    assert all(x.disbursed_vnd <= 1.15 * x.planned_vnd for x in over)
    summary = dataset.expected_summary()
    assert summary["form01_over_plan_warnings"] == 2
    assert (summary["form01_accepted"], summary["form01_quarantined"]) == (20, 2)
    assert summary["form01_leaf_facts"] == 20 * 72


def _leaves_read(report) -> dict[tuple, tuple[int, int]]:  # type: ignore[no-untyped-def]
    leaves = {}
    for row in report.lines.to_pylist():
        if row["is_leaf"]:
            for capital in CAPITAL_TYPES:
                key = (row["budget_source"], row["project_code"], row["subproject_code"], capital)
                leaves[key] = (
                    row[f"planned_{capital}_vnd"] or 0,
                    row[f"disbursed_{capital}_vnd"] or 0,
                )
    return leaves


def test_every_form01_reads_back_to_exactly_its_leaves(
    dataset: DemoDataset, tmp_path: Path
) -> None:
    form01 = pytest.importorskip("connectors.provincial.form01")
    from core.errors import ReportReadError

    for f in dataset.form01_files:
        path = tmp_path / f.file_name
        path.write_bytes(f.content)
        if f.expected_check == "read":
            with pytest.raises(ReportReadError, match=f.file_name):
                form01.read_form01(path)
            continue
        report = form01.read_form01(path)
        assert report.province.name == f.province.name, f.file_name
        assert report.province.admin_era == f.province.admin_era
        assert report.province.code_as_reported == f.province.code
        assert report.period.label == f.period
        expected = {
            (x.budget_source, x.project_code, x.subproject_code, x.capital_type): (
                x.planned_vnd,
                x.disbursed_vnd,
            )
            for x in f.leaves
        }
        assert _leaves_read(report) == expected, f.file_name
        blocking = [p for p in report.problems if p.blocking]
        if f.expected_status == "accepted":
            assert not blocking, (f.file_name, [p.describe() for p in blocking])
        else:
            assert {p.check for p in blocking} == {"reconciliation"}
            assert any("Dự án 5" in p.reason and "250" in p.reason for p in blocking)


def test_ministry_records_agree_with_the_reports(dataset: DemoDataset) -> None:
    records = dataset.ministry_records
    assert set(records) == {
        "capital-plans",
        "disbursements",
        "beneficiary-communes",
        "extremely-difficult-villages",
        "exchange-rates",
    }
    for name, rows in records.items():
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids)), name
        assert all(r["updated_at"][:4].isdigit() and "T" in r["updated_at"] for r in rows)
    assert 200 <= len(records["beneficiary-communes"]) <= 600
    assert 200 <= len(records["extremely-difficult-villages"]) <= 800
    communes = {r["commune_code"] for r in records["beneficiary-communes"]}
    assert all(len(c) == 5 and c.isdigit() for c in communes)
    assert {r["region"] for r in records["beneficiary-communes"]} == {"I", "II", "III"}
    assert {r["commune_code"] for r in records["extremely-difficult-villages"]} <= communes

    plans = defaultdict(int)
    for r in records["capital-plans"]:
        assert r["budget_source"] in ("NSTW", "NSDP") and r["capital_type"] in ("DTPT", "SN")
        if r["plan_kind"] == "annual":
            key = (
                r["year"],
                r["admin_era"],
                r["province_code"],
                r["project_code"],
                r["subproject_code"],
                r["budget_source"],
                r["capital_type"],
            )
            plans[key] += round(r["amount_million_vnd"] * 1_000_000)
    assert {r["plan_kind"] for r in records["capital-plans"]} == {"annual", "medium_term"}
    paid = defaultdict(int)
    for r in records["disbursements"]:
        assert isinstance(r["amount_vnd"], int) and r["amount_vnd"] > 0
        if r["month"] <= "2024-09" or r["year"] == 2026:
            key = (
                r["year"],
                r["admin_era"],
                r["province_code"],
                r["project_code"],
                r["subproject_code"],
                r["budget_source"],
                r["capital_type"],
            )
            paid[key] += r["amount_vnd"]
    codes = {"central": "NSTW", "local": "NSDP", "investment": "DTPT", "recurrent": "SN"}
    for f in dataset.form01_files:
        if f.province is None:
            continue
        year = int(f.period[:4])
        for x in f.leaves:
            key = (
                year,
                f.province.admin_era,
                f.province.code,
                x.project_code,
                x.subproject_code,
                codes[x.budget_source],
                codes[x.capital_type],
            )
            assert plans.get(key, 0) == x.planned_vnd, key
            assert paid.get(key, 0) == x.disbursed_vnd, key

    rates = records["exchange-rates"]
    days = (date(2026, 3, 31) - date(2024, 1, 1)).days + 1
    assert len(rates) == 2 * days
    usd = [r["vnd_per_unit"] for r in rates if r["currency"] == "USD"]
    eur = [r["vnd_per_unit"] for r in rates if r["currency"] == "EUR"]
    assert min(usd) > 23_000 and max(usd) < 26_500
    assert min(eur) > 24_500 and max(eur) < 31_500


def test_iati_files_docs_and_mapping(dataset: DemoDataset, tmp_path: Path) -> None:
    assert len(dataset.iati_files) == 2
    for name, content in dataset.iati_files.items():
        root = etree.fromstring(content)
        assert root.tag == "iati-activities" and root.get("version") == "2.03", name
        activities = root.findall("iati-activity")
        assert activities
        for a in activities:
            for t in a.findall("transaction"):
                assert t.find("transaction-type").get("code") in {"2", "3", "4"}
                assert "2024" <= t.find("value").get("value-date")[:4] <= "2026"
    reporting = {
        etree.fromstring(c).find("iati-activity/reporting-org").get("ref")
        for c in dataset.iati_files.values()
    }
    assert len(reporting) == 2
    assert dataset.iati_activity_docs and dataset.iati_transaction_docs
    assert {d["reporting_org_ref"] for d in dataset.iati_activity_docs}.isdisjoint(reporting)
    for doc in dataset.iati_activity_docs + dataset.iati_transaction_docs:
        lengths = {len(v) for k, v in doc.items() if k.startswith("transaction_")}
        assert len(lengths) == 1, doc["id"]

    rows = list(csv.DictReader(io.StringIO(dataset.donor_mapping_csv.decode("utf-8"))))
    shares = defaultdict(float)
    for row in rows:
        shares[row["iati_identifier"]] += float(row["share"])
        assert row["project_code"] in PROGRAMME
    assert shares and all(0 < s <= 1 for s in shares.values())
    identifiers = {
        a.findtext("iati-identifier")
        for c in dataset.iati_files.values()
        for a in etree.fromstring(c).findall("iati-activity")
    }
    identifiers |= {d["iati_identifier"] for d in dataset.iati_activity_docs}
    assert set(shares) <= identifiers

    xml = pytest.importorskip("connectors.iati.xml")
    for name, content in dataset.iati_files.items():
        path = tmp_path / name
        path.write_bytes(content)
        tables = xml.parse_activities(path)
        assert not tables.problems, name
        assert tables.transactions.num_rows > 0


def test_iati_files_validate_against_the_iati_schema(dataset: DemoDataset, tmp_path: Path) -> None:
    xsd = SHARED / "reference" / "iati" / "iati-activities-schema.xsd"
    if not xsd.exists():
        pytest.skip(f"IATI schema not found at {xsd} (../shared/reference/iati)")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    for name, content in dataset.iati_files.items():
        document = etree.fromstring(content)
        assert schema.validate(document), (name, str(schema.error_log)[:500])


def test_ckan_portals_serve_flat_csv_both_ways_and_a_form01(
    dataset: DemoDataset, tmp_path: Path
) -> None:
    flat_csv = pytest.importorskip("connectors.provincial.flat_csv")
    assert len(dataset.ckan_portals) == 2
    formats = []
    for portal in dataset.ckan_portals:
        for package in portal.packages:
            assert {"id", "name", "title", "organization", "tags", "metadata_modified"} <= set(
                package
            )
            for resource in package["resources"]:
                assert resource["url"].startswith("{portal}/")
                assert resource["hash"] == ""
                assert resource["size"] == len(portal.resources[resource["id"]])
                formats.append((resource["format"], resource["url"].rsplit(".", 1)[-1]))
        for resource_id, rows in portal.flat_csv_rows.items():
            content = portal.resources[resource_id]
            path = tmp_path / f"{portal.name}-{resource_id}.csv"
            path.write_bytes(content)
            reports = flat_csv.read_flat_csv(path)
            assert sum(r.lines.num_rows for r in reports) == rows
            assert all(r.is_acceptable for r in reports)
    assert ("", "csv") in formats and ("XLSX", "xlsx") in formats
    contents = [c for p in dataset.ckan_portals for c in p.resources.values()]
    assert any(c.startswith("\ufeff".encode()) and b";" in c.split(b"\n")[0] for c in contents)
    assert any(c.startswith(b"ma_tinh,") for c in contents)
    periods = set()
    for p in dataset.ckan_portals:
        for rid in p.flat_csv_rows:
            text = p.resources[rid].decode("utf-8-sig")
            periods |= {
                line.split(";" if ";" in line else ",")[2] for line in text.splitlines()[1:]
            }
    assert periods == {"2024-H1", "2026-Q1"}


def test_assignments_cover_the_demo_provinces(dataset: DemoDataset) -> None:
    rows = list(csv.DictReader(io.StringIO(dataset.assignments_csv.decode("utf-8"))))
    example = SHARED / "sources" / "examples" / "assignments.csv"
    columns = [
        "staff_id",
        "full_name",
        "role",
        "email",
        "webhook_url",
        "provinces_2025",
        "projects",
        "language",
    ]
    if example.exists():
        columns = next(csv.reader(example.open(encoding="utf-8")))
    assert list(rows[0]) == columns
    covered = {c for r in rows for c in r["provinces_2025"].split(";")}
    demo_new = {f.province.code_2025 for f in dataset.form01_files if f.province is not None}
    assert demo_new <= covered
    assert all(r["email"].endswith("@vpdp.example.vn") for r in rows)
