"""The CKAN portal connector: real answers, and syncs against the demo portal on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.ckan import CkanClient, CkanSync, select_resources, sync_resources
from connectors.cursors import CursorStore
from connectors.http import HttpClient
from connectors.landing import Landing
from core.errors import SourceError
from demo.servers.ckan_portal import CkanPortal

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
CKAN_REF = SHARED / "reference" / "ckan"
SOURCE = "lao_cai_portal"


def _reference(name: str) -> dict[str, Any]:
    path = CKAN_REF / name
    if not path.exists():
        pytest.skip(f"CKAN reference answer {name} not found in {CKAN_REF} (../shared/reference)")
    return json.loads(path.read_text(encoding="utf-8"))


# --- real answers --------------------------------------------------------------------------


def test_real_package_search_answer_parses() -> None:
    answer = _reference("demo.ckan.org_package_search_rows3.json")
    packages = answer["result"]["results"]
    assert answer["result"]["count"] == len(packages) == 3

    chosen = select_resources(packages)
    every = select_resources(packages, formats={"csv", "PDF"})

    assert [r.format for r in chosen] == ["CSV", "CSV"]  # the PDF is not a report
    assert sorted(r.format for r in every) == ["CSV", "CSV", "PDF"]
    first = chosen[0]
    assert first.package_name == "100-validated-species-of-plants"
    assert first.resource_id == "bf4d5116-634e-43f2-a41c-9ae22d362083"
    assert first.hash is None and first.last_modified is None  # empty and null on the portal
    assert chosen[1].organization == "sdb"


def test_real_package_show_answer_parses() -> None:
    package = _reference("demo.ckan.org_package_show_62513382.json")["result"]
    chosen = select_resources([package])
    assert [(r.resource_id, r.format) for r in chosen] == [
        ("bf4d5116-634e-43f2-a41c-9ae22d362083", "CSV")
    ]
    assert chosen[0].url.endswith("/download/validated_100_species.csv")


def test_real_hdx_answer_parses() -> None:
    answer = _reference("hdx_package_search_example.json")
    packages = answer["result"]["results"]
    assert answer["result"]["count"] == len(packages) == 1
    assert len(packages[0]["resources"]) == 4

    chosen = select_resources(packages)

    assert [r.format for r in chosen] == ["XLSX"]  # three Geoservice links left out
    assert chosen[0].organization == "ocha-fiss"
    assert chosen[0].size == 142757
    assert chosen[0].last_modified == "2021-11-30T09:50:08.359278"


def test_real_answers_page_through_the_demo_portal() -> None:
    packages = _reference("demo.ckan.org_package_search_rows3.json")["result"]["results"]
    with CkanPortal(packages, {}) as portal:
        client = CkanClient(portal.url, _http(), rows=2)
        found = list(client.package_search(fq=None))
    assert [p["id"] for p in found] == [p["id"] for p in packages]
    assert [r.query["start"] for r in portal.requests] == ["0", "2"]


def test_format_comes_from_the_url_when_the_portal_left_it_empty() -> None:
    package = {
        "id": "p",
        "resources": [
            {"id": "a", "url": "http://x/a/Bieu01.XLSX", "format": ""},
            {"id": "b", "url": "http://x/b/report.csv?download=1", "format": None},
            {"id": "c", "url": "http://x/c/report.xls", "format": "xls"},
            {"id": "d", "url": "http://x/d/notes.docx", "format": ""},
            {"id": "e", "url": "http://x/e/file", "format": "text/csv"},
        ],
    }
    assert [(r.resource_id, r.format) for r in select_resources([package])] == [
        ("a", "XLSX"),
        ("b", "CSV"),
        ("c", "XLS"),
        ("e", "CSV"),
    ]


# --- syncs against the demo portal ----------------------------------------------------------


def _package(number: int, resources: list[dict[str, Any]], tag: str = "mtqg-1719"):
    return {
        "id": f"pkg-{number}",
        "name": f"bao-cao-tien-do-{number}",
        "organization": {"name": "so-tai-chinh-lao-cai", "title": "Sở Tài chính Lào Cai"},
        "tags": [{"name": tag}],
        "metadata_modified": "2024-10-01T00:00:00",
        "resources": resources,
    }


def _resource(resource_id: str, filename: str, fmt: str) -> dict[str, Any]:
    return {
        "id": resource_id,
        "name": filename,
        "url": f"{{portal}}/dataset/x/resource/{resource_id}/download/{filename}",
        "format": fmt,
        "hash": "",
        "last_modified": None,
        "size": None,
    }


def portal_content() -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    packages = [
        _package(
            1, [_resource("r1", "bieu01_q3.xlsx", "XLSX"), _resource("r1pdf", "cv.pdf", "PDF")]
        ),
        _package(2, [_resource("r2", "tien_do_q3.csv", "")]),
        _package(3, [_resource("r3", "bieu01_2023.xls", "xls")]),
        _package(4, [_resource("r4", "other.csv", "CSV")], tag="khac"),
    ]
    files = {
        "r1": b"PK\x03\x04 xlsx of Lao Cai Q3",
        "r1pdf": b"%PDF-1.4",
        "r2": "ma_tinh,ten_tinh\n15,Lào Cai\n".encode(),
        "r3": b"\xd0\xcf\x11\xe0 xls 2023",
        "r4": b"not ours",
    }
    return packages, files


@pytest.fixture
def portal():
    packages, files = portal_content()
    with CkanPortal(packages, files) as running:
        yield running


def _http(**options: Any) -> HttpClient:
    options.setdefault("timeout", (2.0, 0.3))
    return HttpClient(SOURCE, max_retries=3, backoff_factor=0.01, backoff_max=0.05, **options)


def _sync(portal: CkanPortal, tmp_path: Path, rows: int = 2, **options: Any) -> CkanSync:
    client = CkanClient(portal.url, _http(**options), rows=rows)
    with client.http:
        return sync_resources(
            client, Landing(tmp_path / "landing"), SOURCE, tmp_path / "state" / f"{SOURCE}.json"
        )


def _summary(sync: CkanSync) -> dict[str, Any]:
    return {
        "landed": sorted((f.extra["resource_id"], f.sha256) for f in sync.landed),
        "unchanged": sorted(r.resource_id for r in sync.unchanged),
        "disappeared": sorted(sync.disappeared),
        "failed": [f.resource.resource_id for f in sync.failed],
    }


def test_sync_lands_changes_only_and_notes_what_disappeared(
    portal: CkanPortal, tmp_path: Path
) -> None:
    first = _sync(portal, tmp_path)
    assert sorted(f.extra["resource_id"] for f in first.landed) == ["r1", "r2", "r3"]
    landed = {f.extra["resource_id"]: f for f in first.landed}
    assert landed["r2"].extension == "csv" and landed["r3"].extension == "xls"
    assert landed["r1"].path.read_bytes() == b"PK\x03\x04 xlsx of Lao Cai Q3"
    extra = landed["r1"].extra
    assert extra["package_id"] == "pkg-1" and extra["package_name"] == "bao-cao-tien-do-1"
    assert extra["format"] == "XLSX" and extra["organization"] == "so-tai-chinh-lao-cai"
    assert extra["portal_hash"] is None and extra["portal_last_modified"] is None
    assert landed["r1"].original_name == "bieu01_q3.xlsx"

    second = _sync(portal, tmp_path)
    assert second.landed == [] and sorted(r.resource_id for r in second.unchanged) == [
        "r1",
        "r2",
        "r3",
    ]
    conditional = [r for r in portal.requests if r.header("If-None-Match")]
    assert len(conditional) == 3  # the second sync asked with the ETags

    # The portal's metadata (hash, last_modified) does not move: the content tells.
    portal.set_resource("r2", "ma_tinh,ten_tinh\n15,Lào Cai\n10,Lào Cai\n".encode())
    portal.remove_resource("r3")
    third = _sync(portal, tmp_path)
    assert [f.extra["resource_id"] for f in third.landed] == ["r2"]
    assert sorted(r.resource_id for r in third.unchanged) == ["r1"]
    assert third.disappeared == ["r3"]
    assert landed["r3"].path.exists()  # never deleted from landing
    state = CursorStore(tmp_path / "state" / f"{SOURCE}.json").entry("r3")
    assert state is not None and state["disappeared_at"]

    fourth = _sync(portal, tmp_path)
    assert fourth.disappeared == [] and fourth.landed == []


def test_sync_without_validators_judges_on_content(tmp_path: Path) -> None:
    packages, files = portal_content()
    with CkanPortal(packages, files, validators=False) as portal:
        first = _sync(portal, tmp_path)
        second = _sync(portal, tmp_path)
        portal.set_resource("r1", b"PK\x03\x04 corrected")
        third = _sync(portal, tmp_path)
    assert len(first.landed) == 3
    assert second.landed == [] and len(second.unchanged) == 3
    assert [f.extra["resource_id"] for f in third.landed] == ["r1"]
    assert third.landed[0].is_new


def test_a_resource_that_comes_back_with_other_content_lands(portal: CkanPortal, tmp_path) -> None:
    _sync(portal, tmp_path)
    portal.set_resource("r1", b"PK\x03\x04 v2")
    changed = _sync(portal, tmp_path)
    portal.set_resource("r1", b"PK\x03\x04 xlsx of Lao Cai Q3")  # back to the first version
    reverted = _sync(portal, tmp_path)
    assert [f.extra["resource_id"] for f in changed.landed] == ["r1"]
    # Same bytes as a file landed long ago: still a change for this resource.
    assert [f.extra["resource_id"] for f in reverted.landed] == ["r1"]
    assert reverted.landed[0].is_new is False


def test_success_false_names_the_portal_and_url(portal: CkanPortal, tmp_path: Path) -> None:
    portal.failure_message = "Search index not found"
    with pytest.raises(SourceError) as failed:
        _sync(portal, tmp_path)
    message = str(failed.value)
    assert SOURCE in message and f"{portal.url}/api/3/action/package_search" in message
    assert "Search index not found" in message
    assert not (tmp_path / "state" / f"{SOURCE}.json").exists()


FAULTS = [
    {"kind": "status", "status": 429, "retry_after": "0"},
    {"kind": "status", "status": 500},
    {"kind": "status", "status": 502},
    {"kind": "status", "status": 503, "times": 2},
    {"kind": "delay", "delay": 0.6},
    {"kind": "reset"},
    {"kind": "truncate"},
    {"kind": "invalid_body"},
]
FAULT_IDS = ["429", "500", "502", "503x2", "timeout", "reset", "truncated", "invalid-json"]


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
@pytest.mark.parametrize("where", ["/api/3/action/package_search", "/dataset/x/resource/r2/"])
def test_faults_recover_to_the_fault_free_sync(
    portal: CkanPortal, tmp_path: Path, fault: dict, where: str
) -> None:
    clean = _summary(_sync(portal, tmp_path / "clean"))
    portal.faults.add(where, **fault)

    faulty = _summary(_sync(portal, tmp_path / "faulty"))

    assert portal.faults.pending() == 0
    if where.startswith("/dataset") and fault["kind"] == "invalid_body":
        # A file's bytes are the sender's business: what came lands as it came, and the
        # report readers reject it naming the file; the other files are not affected.
        assert [r for r in faulty["landed"] if r[0] != "r2"] == [
            r for r in clean["landed"] if r[0] != "r2"
        ]
        assert faulty["landed"] != clean["landed"]
        return
    assert faulty == clean


def test_a_listing_that_keeps_failing_raises_and_changes_nothing(
    portal: CkanPortal, tmp_path: Path
) -> None:
    _sync(portal, tmp_path)
    state_path = tmp_path / "state" / f"{SOURCE}.json"
    before = state_path.read_bytes()
    portal.faults.add("/api/3/action/package_search", "status", status=502, times=20)
    with pytest.raises(SourceError) as failed:
        _sync(portal, tmp_path)
    assert SOURCE in str(failed.value) and "/api/3/action/package_search" in str(failed.value)
    assert state_path.read_bytes() == before  # nothing marked as disappeared


def test_a_file_that_keeps_failing_is_reported_and_fetched_next_time(
    portal: CkanPortal, tmp_path: Path
) -> None:
    portal.faults.add("/dataset/x/resource/r2/", "status", status=503, times=20)
    first = _sync(portal, tmp_path)
    assert [f.resource.id for f in first.failed] == ["r2"]
    assert "/dataset/x/resource/r2/download/tien_do_q3.csv" in str(first.failed[0].error)
    assert sorted(f.extra["resource_id"] for f in first.landed) == ["r1", "r3"]
    portal.faults.clear()
    second = _sync(portal, tmp_path)
    assert [f.extra["resource_id"] for f in second.landed] == ["r2"]
    assert second.failed == []


def test_packages_shifting_between_pages_are_listed_once(portal: CkanPortal) -> None:
    client = CkanClient(portal.url, _http(), rows=1)
    seen = []
    with client.http:
        for package in client.package_search():
            seen.append(package["id"])
            if len(seen) == 1:
                # Published while we page: every package moves one page down.
                portal.add_package(_package(9, [_resource("r9", "new.csv", "CSV")]), first=True)
    # pkg-1 was served twice and given once; pkg-9 comes with the next sync (offset paging).
    assert seen == ["pkg-1", "pkg-2", "pkg-3"]
    assert portal.hits("/api/3/action/package_search") == 4


def test_an_empty_portal_syncs_to_nothing(tmp_path: Path) -> None:
    with CkanPortal([], {}) as portal:
        sync = _sync(portal, tmp_path)
        assert portal.hits("/api/3/action/package_search") == 1
    assert _summary(sync) == {"landed": [], "unchanged": [], "disappeared": [], "failed": []}
