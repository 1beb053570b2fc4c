"""Pulling the ministries' gateway (demo server on 127.0.0.1): pages, cursors, faults, tables."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from connectors.cursors import CursorStore
from connectors.landing import Landing
from connectors.ministry import (
    COLLECTION_SCHEMAS,
    COLLECTIONS,
    MinistryClient,
    cursor_key,
    ministry_records,
    pull_collection,
)
from core.errors import InputRejected, SourceError
from core.home import Home
from demo.servers.ministry_api import MinistryApiServer

EXAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "sources" / "examples"
CLIENTS = {"mtqg-test": "s3cret-value"}
PAGE = 10
STAMP = "2026-10-02T08:15:00+07:00"


def _records() -> dict[str, list[dict]]:
    plans = [
        {
            "id": f"KHV-2024-{p:02d}-DA{d}-{i}",
            "year": 2024 + (i % 3),
            "plan_kind": "annual",
            "province_code": f"{p:02d}",
            "admin_era": "2008",
            "project_code": f"DA{d}",
            "subproject_code": f"DA{d}.1" if i % 2 else None,
            "budget_source": "NSTW",
            "capital_type": "SN" if i % 2 else "DTPT",
            "amount_million_vnd": Decimal(f"{1000 + i}.{i:03d}"),
            "decision_no": "1234/QĐ-BTC",
            "decision_date": "2024-01-15",
            "updated_at": STAMP,
        }
        for i, (p, d) in enumerate((p, d) for p in (10, 11, 15, 52) for d in range(1, 7))
    ]
    disbursements = [
        {
            "id": f"GN-{i:04d}",
            "province_code": "15",
            "admin_era": "2008",
            "project_code": "DA3",
            "subproject_code": "DA3.1",
            "budget_source": "NSDP" if i % 2 else "NSTW",
            "capital_type": "DTPT",
            "month": f"2024-{(i % 12) + 1:02d}",
            "amount_vnd": 1_234_567_000 + i,
            "value_date": f"2024-{(i % 12) + 1:02d}-28",
            "updated_at": f"2026-09-{(i % 28) + 1:02d}T10:00:00Z",
        }
        for i in range(23)
    ]
    # Names arrive decomposed (NFD) from this ministry: the table must hold them NFC.
    communes = [
        {
            "id": f"XA-{i:05d}",
            "commune_code": f"{i + 1000:05d}",
            "commune_name": unicodedata.normalize("NFD", f"Xã Nậm Cang {i}"),
            "province_code": "15",
            "admin_era": "2008",
            "region": ["I", "II", "III"][i % 3],
            "decision_no": "861/QĐ-TTg",
            "updated_at": STAMP,
        }
        for i in range(12)
    ]
    villages = [
        {
            "id": f"TB-{i:05d}",
            "village_name": f"Thôn Phìn Hồ {i}",
            "commune_code": f"{i + 1000:05d}",
            "province_code": "15",
            "decision_no": "612/QĐ-UBDT",
            "updated_at": STAMP,
        }
        for i in range(7)
    ]
    rates = [
        {
            "id": f"USD-2024-01-{d:02d}",
            "currency": "USD",
            "rate_date": f"2024-01-{d:02d}",
            "vnd_per_unit": Decimal(f"24{d:03d}.5"),
            "updated_at": f"2024-01-{d:02d}T09:00:00+07:00",
        }
        for d in range(1, 21)
    ]
    return {
        "capital-plans": plans,
        "disbursements": disbursements,
        "beneficiary-communes": communes,
        "extremely-difficult-villages": villages,
        "exchange-rates": rates,
    }


def _jsonable(records: dict[str, list[dict]]) -> dict[str, list[dict]]:
    # The demo server serialises with the stdlib: decimals travel as JSON numbers.
    return json.loads(json.dumps(records, default=float))


@pytest.fixture
def gateway():
    with MinistryApiServer(_jsonable(_records()), clients=CLIENTS) as server:
        yield server


def _client(gateway: MinistryApiServer, **http_options) -> MinistryClient:
    options = dict(timeout=(2.0, 0.5), max_retries=3, backoff_factor=0.001, backoff_max=0.01)
    return MinistryClient.with_client_credentials(
        "mof",
        gateway.url,
        client_id="mtqg-test",
        client_secret="s3cret-value",
        **{**options, **http_options},
    )


def _pull(gateway, home, collection="capital-plans", *, commit=True, **kwargs):
    """A pull as the kind makes it: the cursor moves once the pull is finished (`commit`)."""
    pull = pull_collection(
        kwargs.pop("client", None) or _client(gateway),
        collection,
        landing=Landing(home.landing),
        source="mof",
        cursor_store=CursorStore.for_source(home, "mof"),
        page_size=kwargs.pop("page_size", PAGE),
        **kwargs,
    )
    if commit:
        pull.commit()
    return pull


def _comparable(table: pa.Table) -> pa.Table:
    """The table without what legitimately differs between two pulls of the same data."""
    return table.drop_columns(["batch_id", "source_file_sha256", "page"])


@pytest.fixture(scope="module")
def reference_tables(tmp_path_factory) -> dict[str, pa.Table]:
    """Each collection pulled from a gateway that never misbehaves."""
    home = Home.resolve(tmp_path_factory.mktemp("reference")).ensure()
    with MinistryApiServer(_jsonable(_records()), clients=CLIENTS) as server:
        return {c: ministry_records(_pull(server, home, c), c) for c in COLLECTIONS}


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_each_collection_lands_every_page_and_reads_back_typed(
    gateway, home, collection, reference_tables
):
    expected = _records()[collection]
    pull = _pull(gateway, home, collection)
    pages = -(-len(expected) // PAGE)
    assert len(pull.landed) == pages
    assert pull.record_count == len(expected)
    for number, landed in enumerate(pull.landed, start=1):
        assert landed.extra == {
            "batch_id": pull.batch_id,
            "collection": collection,
            "page": number,
            "params": {},
        }
        assert json.loads(landed.path.read_bytes())["page"] == number
        assert "access_token" not in landed.sidecar.read_text(encoding="utf-8")
    assert pull.batch_id.startswith(f"mof:{collection}:")
    table = ministry_records(pull, collection)
    assert table.schema.names == [
        *COLLECTION_SCHEMAS[collection].names,
        "record_json",
        "batch_id",
        "source_file_sha256",
        "page",
    ]
    assert table.num_rows == len(expected)
    assert table.column("id").to_pylist() == sorted(r["id"] for r in expected)
    assert set(table.column("batch_id").to_pylist()) == {pull.batch_id}
    assert set(table.column("source_file_sha256").to_pylist()) == {f.sha256 for f in pull.landed}
    assert _comparable(table).equals(_comparable(reference_tables[collection]))


def test_typed_values_are_lossless(gateway, home):
    plans = ministry_records(_pull(gateway, home, "capital-plans"), "capital-plans")
    first = plans.slice(0, 1).to_pylist()[0]
    assert first["id"] == "KHV-2024-10-DA1-0"
    assert first["amount_million_vnd"] == "1000.0"  # JSON 1000.0 kept as written
    assert first["decision_no"] == "1234/QĐ-BTC"
    assert first["decision_date"] == date(2024, 1, 15)
    assert first["updated_at"].isoformat() == "2026-10-02T01:15:00+00:00"
    assert json.loads(first["record_json"])["updated_at"] == STAMP
    by_id = {r["id"]: r for r in plans.to_pylist()}
    assert by_id["KHV-2024-10-DA2-1"]["amount_million_vnd"] == "1001.001"
    disb = ministry_records(_pull(gateway, home, "disbursements"), "disbursements")
    assert disb.schema.field("amount_vnd").type == pa.int64()
    assert disb.column("amount_vnd").to_pylist()[:2] == [1_234_567_000, 1_234_567_001]
    communes = ministry_records(
        _pull(gateway, home, "beneficiary-communes"), "beneficiary-communes"
    )
    name = communes.column("commune_name").to_pylist()[0]
    assert name == unicodedata.normalize("NFC", "Xã Nậm Cang 0")
    rates = ministry_records(_pull(gateway, home, "exchange-rates"), "exchange-rates")
    assert rates.column("vnd_per_unit").to_pylist()[0] == "24001.5"


def test_example_page_from_the_contract_reads(tmp_path):
    example = EXAMPLES / "ministry_capital_plans_page1.json"
    if not example.exists():
        pytest.skip(f"shared examples not found at {example}")
    landed = Landing(tmp_path).store_file(
        "mof", example, extra={"collection": "capital-plans", "batch_id": "b1", "page": 1}
    )
    table = ministry_records([landed], "capital-plans")
    raw = json.loads(example.read_text(encoding="utf-8"))["data"]
    assert table.num_rows == len({r["id"] for r in raw})
    row = {r["id"]: r for r in table.to_pylist()}["KHV-2024-10-DA3-0"]
    assert row["amount_million_vnd"] == "11643.401"
    assert row["subproject_code"] == "DA3.1"
    assert row["batch_id"] == "b1" and row["page"] == 1


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("status", {"status": 429, "retry_after": "1"}),
        ("status", {"status": 500}),
        ("status", {"status": 502}),
        ("status", {"status": 503}),
        ("delay", {"delay": 1.0}),
        ("reset", {}),
        ("truncate", {}),
        ("invalid_body", {}),
    ],
)
def test_faults_end_with_the_same_table(gateway, home, reference_tables, kind, options):
    # Page 2 misbehaves twice; the pull recovers and the table is the fault-free one.
    client = _client(gateway)
    fetch = client.fetch_page

    def faulty_second_page(collection, params):
        if params["page"] == 2:
            gateway.faults.add("/api/v1/capital-plans", kind, times=2, **options)
        return fetch(collection, params)

    client.fetch_page = faulty_second_page
    table = ministry_records(_pull(gateway, home, client=client), "capital-plans")
    assert _comparable(table).equals(_comparable(reference_tables["capital-plans"]))
    assert gateway.faults.pending() == 0
    assert gateway.hits("/api/v1/capital-plans") == 3 + 2


def test_expired_token_is_renewed_once(gateway, home, reference_tables):
    client = _client(gateway)
    first = _pull(gateway, home, "extremely-difficult-villages", client=client)
    assert gateway.hits("/oauth/token") == 1
    gateway.expire_tokens()
    # A fresh cursor store and landing would hide nothing here: same client, expired token.
    CursorStore.for_source(home, "mof").path.unlink()
    second = _pull(gateway, home, "extremely-difficult-villages", client=client)
    assert gateway.hits("/oauth/token") == 2
    for pull in (first, second):
        table = ministry_records(pull, "extremely-difficult-villages")
        assert _comparable(table).equals(
            _comparable(reference_tables["extremely-difficult-villages"])
        )


def test_records_shifting_between_pages_are_deduplicated_and_none_lost(gateway, home, tmp_path):
    newcomer = {
        **_jsonable(_records())["capital-plans"][0],
        "id": "KHV-2024-00-DA1-0",  # sorts first: every later record moves one place down
        "updated_at": "2026-10-05T09:00:00+07:00",
    }
    gateway.insert_after_page("capital-plans", 1, newcomer)
    first = _pull(gateway, home, "capital-plans")
    assert first.record_count == len(_records()["capital-plans"]) + 1  # one seen twice
    table = ministry_records(first, "capital-plans")
    expected = sorted(r["id"] for r in _records()["capital-plans"])
    assert table.column("id").to_pylist() == expected
    # The newcomer (missed by this pull, it arrived behind us) comes with the next one.
    second = _pull(gateway, home, "capital-plans")
    assert second.updated_since == "2026-10-02T00:15:00Z"
    both = ministry_records([*first.landed, *second.landed], "capital-plans")
    assert both.column("id").to_pylist() == sorted([*expected, newcomer["id"]])
    with MinistryApiServer(
        {"capital-plans": [*_jsonable(_records())["capital-plans"], newcomer]}, CLIENTS
    ) as calm:
        calm_home = Home.resolve(tmp_path / "calm").ensure()
        calm_table = ministry_records(_pull(calm, calm_home, "capital-plans"), "capital-plans")
    assert _comparable(both).equals(_comparable(calm_table))


def test_cursor_advances_only_after_success_and_overlaps(gateway, home):
    store = CursorStore.for_source(home, "mof")
    first = _pull(gateway, home, "disbursements")
    assert first.previous_cursor is None and first.updated_since is None
    assert first.cursor == "2026-09-23T10:00:00Z"
    assert store.get("disbursements") == first.cursor
    # Nothing changed: the overlap window still returns the records of the last hour.
    again = _pull(gateway, home, "disbursements")
    assert again.updated_since == "2026-09-23T09:00:00Z"
    assert again.record_count == 1 and again.cursor == first.cursor
    changed = {**_jsonable(_records())["disbursements"][3], "amount_vnd": 99}
    changed["updated_at"] = "2026-10-01T12:00:00+07:00"
    gateway.upsert("disbursements", changed)
    third = _pull(gateway, home, "disbursements")
    assert third.cursor == "2026-10-01T05:00:00Z" and store.get("disbursements") == third.cursor
    table = ministry_records([*first.landed, *third.landed], "disbursements")
    by_id = {r["id"]: r for r in table.to_pylist()}
    assert by_id["GN-0003"]["amount_vnd"] == 99
    assert table.num_rows == 23


def test_the_cursor_moves_only_when_the_pull_is_committed(gateway, home):
    store = CursorStore.for_source(home, "mof")
    pull = _pull(gateway, home, "disbursements", commit=False)
    assert pull.cursor == "2026-09-23T10:00:00Z" and pull.cursor_key == "disbursements"
    assert store.get("disbursements") is None  # pages landed, the mark has not moved
    assert pull.commit() is True
    assert store.entry("disbursements")["batch_id"] == pull.batch_id
    assert store.get("disbursements") == pull.cursor
    again = _pull(gateway, home, "disbursements", commit=False)
    assert again.commit() is False  # nothing newer: the mark stays as it is


def test_failure_midway_keeps_cursor_and_names_source_and_url(gateway, home):
    store = CursorStore.for_source(home, "mof")
    _pull(gateway, home, "capital-plans", params={"year": 2024})
    key = cursor_key("capital-plans", {"year": 2024})
    before = store.get(key)
    gateway.upsert(
        "capital-plans",
        {**_jsonable(_records())["capital-plans"][0], "updated_at": "2026-11-01T00:00:00Z"},
    )
    gateway.faults.add("/api/v1/capital-plans", "status", status=503, times=100)
    with pytest.raises(SourceError) as caught:
        _pull(gateway, home, "capital-plans", params={"year": 2024})
    error = caught.value
    assert error.source == "mof"
    assert error.url.startswith(f"{gateway.url}/api/v1/capital-plans?year=2024&updated_since=")
    assert "s3cret-value" not in str(error) and "Bearer" not in str(error)
    assert store.get(key) == before
    assert store.get("capital-plans") is None


def test_failure_on_a_later_page_keeps_cursor(gateway, home):
    store = CursorStore.for_source(home, "mof")
    client = _client(gateway)
    original = client.fetch_page

    def failing_on_page_3(collection, params):
        if params["page"] == 3:
            gateway.faults.add("/api/v1", "status", status=502, times=100)
        return original(collection, params)

    client.fetch_page = failing_on_page_3
    with pytest.raises(SourceError, match="502"):
        _pull(gateway, home, "capital-plans", client=client)
    assert store.get("capital-plans") is None
    # Pages 1 and 2 stay in landing (harmless: the next pull asks for them again).
    assert len(list(Landing(home.landing).files("mof"))) == 2


def test_empty_answer_lands_one_page_and_keeps_cursor(home):
    with MinistryApiServer({}, CLIENTS) as empty:
        pull = _pull(empty, home, "exchange-rates", params={"currency": "USD"})
    assert pull.record_count == 0 and pull.cursor is None and len(pull.landed) == 1
    table = ministry_records(pull, "exchange-rates")
    assert table.num_rows == 0
    assert table.schema.field("rate_date").type == pa.date32()
    assert CursorStore.for_source(home, "mof").all() == {}


def test_filters_reach_the_gateway(gateway, home):
    pull = _pull(
        gateway,
        home,
        "exchange-rates",
        params={"currency": "USD", "from": "2024-01-05", "to": "2024-01-09"},
    )
    table = ministry_records(pull, "exchange-rates")
    assert table.column("rate_date").to_pylist() == [date(2024, 1, d) for d in range(5, 10)]
    plans = ministry_records(_pull(gateway, home, params={"year": 2025}), "capital-plans")
    assert set(plans.column("year").to_pylist()) == {2025}


def test_page_size_is_capped_at_the_gateway_limit(gateway, home):
    pull = _pull(gateway, home, "capital-plans", page_size=5000)
    assert len(pull.landed) == 1
    assert gateway.requests[-1].query["page_size"] == "1000"


def test_records_of_other_collections_are_skipped_and_bad_values_rejected(gateway, home):
    plans = _pull(gateway, home, "capital-plans")
    rates = _pull(gateway, home, "exchange-rates")
    mixed = ministry_records([*plans.landed, *rates.landed], "exchange-rates")
    assert mixed.num_rows == 20
    bad = dict(_jsonable(_records())["disbursements"][0], amount_vnd=12.5)
    page = {"data": [bad], "page": 1, "page_size": 10, "total": 1}
    landed = Landing(home.landing).store_bytes(
        "mof", json.dumps(page).encode(), extension="json", extra={"collection": "disbursements"}
    )
    with pytest.raises(InputRejected, match=r"GN-0000.*amount_vnd"):
        ministry_records([landed], "disbursements")


def test_overlap_is_configurable(gateway, home):
    _pull(gateway, home, "disbursements")
    pull = _pull(gateway, home, "disbursements", overlap=timedelta(days=1))
    assert pull.updated_since == "2026-09-22T10:00:00Z"
