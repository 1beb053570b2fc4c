"""An unchanged source lands nothing and makes no batch; a change lands one pull, one batch.

End to end against the demo senders (ministries' gateway, IATI files and Datastore): fetch with
`fetch_source`, load with `load_landed_into_raw`, count every file below landing (sidecars too).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.cursors import CursorStore
from connectors.http import HttpClient
from connectors.iati.datastore import DatastoreClient
from connectors.kinds import fetch_source
from connectors.kinds.iati_datastore import IatiDatastoreSource, api_key_auth
from connectors.kinds.iati_files import IatiFilesSource
from connectors.kinds.ministry_api import MinistryApiSource
from connectors.landing import Landing
from core.errors import LandingError
from core.home import Home
from demo.servers.base import Reply, Request
from demo.servers.iati_server import IatiServer
from demo.servers.ministry_api import MinistryApiServer
from warehouse.connection import connect
from warehouse.loading import load_landed_into_raw
from warehouse.tables import ensure_tables

CLIENTS = {"mtqg-test": "s3cret-value"}
IATI_KEY = "iati-key-for-tests"


# --- helpers ---------------------------------------------------------------------------------


def landed_files(home: Home) -> set[Path]:
    """Every file below landing: payloads, sidecars, and anything left in staging."""
    return {p for p in home.landing.rglob("*") if p.is_file()}


def fetch_and_load(source, home: Home) -> tuple[set[Path], list]:
    """One run of the source: the files it added to landing and the batches the load made."""
    before = landed_files(home)
    fetch_source(source, home)
    added = landed_files(home) - before
    with connect(home.warehouse) as con:
        ensure_tables(con)
        batches = load_landed_into_raw(con, home, [source])
    return added, batches


def raw_rows(home: Home, table: str, batch_id: str) -> list[dict]:
    with connect(home.warehouse) as con:
        cursor = con.execute(f"select * from raw.{table} where batch_id = ?", [batch_id])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def sidecars(added: set[Path]) -> list[dict]:
    """What landing recorded of each added payload (its sidecar)."""
    return [json.loads(p.read_text("utf-8")) for p in added if p.name.endswith(".meta.json")]


def batch_count(home: Home) -> int:
    with connect(home.warehouse) as con:
        ensure_tables(con)
        return con.execute("select count(*) from raw.batches").fetchone()[0]


# --- the ministries' gateway -------------------------------------------------------------------


def _plan(i: int, **changes) -> dict:
    return {
        "id": f"KHV-2025-{i:03d}",
        "year": 2025,
        "plan_kind": "annual",
        "province_code": "10",
        "admin_era": "2008",
        "project_code": "DA1",
        "budget_source": "NSTW",
        "capital_type": "SN",
        "amount_million_vnd": 1000 + i,
        "decision_no": "1234/QĐ-BTC",
        "decision_date": "2025-01-15",
        # one record a day: the overlap (1 hour) re-asks only the newest of them
        "updated_at": f"2026-10-{i + 1:02d}T08:15:00+07:00",
        **changes,
    }


def _disbursement(i: int) -> dict:
    return {
        "id": f"GN-{i:04d}",
        "province_code": "10",
        "admin_era": "2008",
        "project_code": "DA1",
        "budget_source": "NSTW",
        "capital_type": "SN",
        "month": "2026-09",
        "amount_vnd": 5_000_000 + i,
        "value_date": "2026-09-30",
        "updated_at": f"2026-10-{i + 1:02d}T10:00:00+07:00",
    }


@pytest.fixture
def gateway() -> Iterator[MinistryApiServer]:
    records = {
        "capital-plans": [_plan(i) for i in range(12)],
        "disbursements": [_disbursement(i) for i in range(5)],
    }
    with MinistryApiServer(records, clients=CLIENTS) as server:
        yield server


@pytest.fixture
def ministry(gateway, monkeypatch) -> MinistryApiSource:
    monkeypatch.setenv("MTQG_TEST_ID", "mtqg-test")
    monkeypatch.setenv("MTQG_TEST_SECRET", "s3cret-value")
    # every collection, three of them empty: those must stay quiet too
    return MinistryApiSource(
        name="mof",
        kind="ministry_api",
        url=gateway.url,
        auth={"client_id_env": "MTQG_TEST_ID", "client_secret_env": "MTQG_TEST_SECRET"},
        page_size=5,
        overlap_hours=1.0,
        max_retries=1,
        backoff_factor=0.01,
        backoff_max_seconds=0.05,
    )


def _pulls_asked(gateway: MinistryApiServer, since: int) -> list[Request]:
    """Requests for pages after `since` requests, other than the probe's one-record question."""
    return [
        r
        for r in gateway.requests[since:]
        if r.path.startswith("/api/v1/") and r.query.get("page_size") != "1"
    ]


def test_an_unchanged_gateway_lands_nothing_and_makes_no_batch(gateway, ministry, home):
    added, batches = fetch_and_load(ministry, home)
    assert {b.dataset for b in batches} == set(ministry.collections)  # first pull: all of them
    assert added

    asked_before = len(gateway.requests)
    for _ in range(2):
        added, batches = fetch_and_load(ministry, home)
        assert added == set()
        assert batches == []
    # Nothing newer than the marks: nothing pulled at all (the overlap is not re-asked).
    # An empty collection has no mark yet: it is asked whole again (one empty page, the one
    # already landed), which lands nothing either.
    asked = {r.path.removeprefix("/api/v1/") for r in _pulls_asked(gateway, asked_before)}
    assert asked == set(ministry.collections) - {"capital-plans", "disbursements"}
    assert batch_count(home) == len(ministry.collections)


def test_one_changed_record_lands_one_pull_and_one_batch_holding_it(gateway, ministry, home):
    fetch_and_load(ministry, home)
    fetch_and_load(ministry, home)
    changed = _plan(3, amount_million_vnd="7777.5", updated_at="2026-10-20T09:00:00+07:00")
    gateway.upsert("capital-plans", changed)

    added, batches = fetch_and_load(ministry, home)

    assert [b.dataset for b in batches] == ["capital-plans"]
    (batch,) = batches
    landed = sidecars(added)
    assert {f["extra"]["collection"] for f in landed} == {"capital-plans"}
    assert [f["extra"].get("role") for f in landed].count("pull_manifest") == 1
    rows = {r["id"]: r for r in raw_rows(home, "ministry_capital_plans", batch.batch_id)}
    assert rows[changed["id"]]["amount_million_vnd"] == "7777.5"
    # the overlap brought the newest record of the last pull again, nothing more
    assert set(rows) == {changed["id"], _plan(11)["id"]}

    added, batches = fetch_and_load(ministry, home)
    assert (added, batches) == (set(), [])


def test_the_fetch_retries_its_question_as_it_retries_its_pages(gateway, ministry, home):
    # A sensor's look tries once; a run's fetch has the source's retries for the question too.
    source = ministry.model_copy(update={"collections": ["capital-plans"]})
    fetch_and_load(source, home)
    gateway.upsert("capital-plans", _plan(3, updated_at="2026-10-20T09:00:00+07:00"))
    gateway.faults.add("/api/v1/capital-plans", "status", status=503, times=1)

    _, batches = fetch_and_load(source, home)

    assert gateway.faults.pending() == 0
    assert [b.dataset for b in batches] == ["capital-plans"]


def _fail_before_the_manifest(monkeypatch) -> None:
    def no_room(*args, **kwargs):
        raise LandingError("disk full while landing the pull manifest")

    monkeypatch.setattr("connectors.kinds.ministry_api.land_pull_manifest", no_room)


def test_a_failure_between_the_last_page_and_the_manifest_keeps_the_cursor(
    gateway, ministry, home, monkeypatch
):
    source = ministry.model_copy(update={"collections": ["capital-plans"]})
    cursors = CursorStore.for_source(home, "mof")
    fetch_and_load(source, home)
    mark = cursors.get("capital-plans")
    assert mark == "2026-10-12T01:15:00Z"
    gateway.upsert("capital-plans", _plan(3, updated_at="2026-10-20T09:00:00+07:00"))

    with monkeypatch.context() as patch:
        _fail_before_the_manifest(patch)
        with pytest.raises(LandingError):
            fetch_source(source, home)
    assert cursors.get("capital-plans") == mark  # the pages landed, the mark did not move
    with connect(home.warehouse) as con:
        assert load_landed_into_raw(con, home, [source]) == []  # no manifest: no batch

    # The next fetch asks again; its pages are the ones already landed, the manifest is new.
    added, batches = fetch_and_load(source, home)
    assert [f["extra"].get("role") for f in sidecars(added)] == ["pull_manifest"]
    assert len(added) == 2  # the manifest and its sidecar
    (batch,) = batches
    ids = {r["id"] for r in raw_rows(home, "ministry_capital_plans", batch.batch_id)}
    assert _plan(3)["id"] in ids
    assert cursors.get("capital-plans") == "2026-10-20T02:00:00Z"


def test_a_first_pull_that_never_got_its_manifest_still_becomes_a_batch(
    gateway, ministry, home, monkeypatch
):
    source = ministry.model_copy(update={"collections": ["disbursements"]})
    with monkeypatch.context() as patch:
        _fail_before_the_manifest(patch)
        with pytest.raises(LandingError):
            fetch_source(source, home)
    assert CursorStore.for_source(home, "mof").all() == {}  # still "never pulled"

    added, batches = fetch_and_load(source, home)
    assert [f["extra"].get("role") for f in sidecars(added)] == ["pull_manifest"]
    assert len(added) == 2
    assert [(b.dataset, b.rows_loaded) for b in batches] == [("disbursements", 5)]


# --- IATI: activity files and the Datastore ---------------------------------------------------

ACTIVITY_FILE = b"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2026-01-05T00:00:00Z">
 <iati-activity default-currency="USD" last-updated-datetime="2026-01-05T00:00:00Z">
  <iati-identifier>XM-DAC-1-VN-1</iati-identifier>
  <reporting-org ref="XM-DAC-1" type="10"><narrative>Donor</narrative></reporting-org>
  <transaction>
   <transaction-type code="3"/>
   <transaction-date iso-date="2026-01-02"/>
   <value value-date="2026-01-02">1000</value>
  </transaction>
 </iati-activity>
</iati-activities>
"""


def _transaction_doc(i: int, value: int = 100) -> dict:
    return {
        "id": f"XM-DAC-1-VN-1-T{i}",
        "iati_identifier": "XM-DAC-1-VN-1",
        "default_currency": "USD",
        "last_updated_datetime": "2026-01-05T00:00:00Z",
        "transaction_transaction_type_code": "3",
        "transaction_transaction_date_iso_date": "2026-01-02",
        "transaction_value": value + i,
        "transaction_value_value_date": "2026-01-02",
        "recipient_country_code": "VN",
    }


@pytest.fixture
def iati(monkeypatch) -> Iterator[IatiServer]:
    monkeypatch.setenv("MTQG_TEST_IATI_KEY", IATI_KEY)
    docs = [_transaction_doc(i) for i in range(5)]
    with IatiServer({"donor-a.xml": ACTIVITY_FILE}, [], docs, api_key=IATI_KEY) as server:
        yield server


@pytest.fixture
def datastore(iati) -> IatiDatastoreSource:
    return IatiDatastoreSource(
        name="datastore",
        kind="iati_datastore",
        url=iati.url + "/datastore",
        auth={"api_key_env": "MTQG_TEST_IATI_KEY"},
        query="recipient_country_code:VN",
        rows=2,  # five docs: three pages
    )


@pytest.fixture
def donor_files(iati) -> IatiFilesSource:
    return IatiFilesSource(
        name="donor_a",
        kind="iati_files",
        urls=[iati.url + "/files/donor-a.xml"],
        validate_schema=False,  # the schema gate has its own tests
    )


def test_an_unchanged_datastore_lands_nothing_and_makes_no_batch(iati, datastore, home):
    added, batches = fetch_and_load(datastore, home)
    roles = [f["extra"].get("role") for f in sidecars(added)]
    assert roles.count("pull_manifest") == 1 and len(roles) >= 4  # pages of two docs, manifest
    assert len(added) == 2 * len(roles)  # each payload with its sidecar
    assert [(b.dataset, b.rows_loaded) for b in batches] == [("transaction", 5)]

    for _ in range(2):
        assert fetch_and_load(datastore, home) == (set(), [])

    iati.add_doc("transaction", _transaction_doc(9, value=4000))
    added, batches = fetch_and_load(datastore, home)
    (batch,) = batches
    rows = raw_rows(home, "iati_datastore_transactions", batch.batch_id)
    assert len(rows) == 6 and 4009 in {int(r["value"]) for r in rows}
    assert fetch_and_load(datastore, home) == (set(), [])


def _with_a_header_that_changes_every_answer(iati: IatiServer) -> None:
    """As real Solr does: `responseHeader.QTime` differs on every answer, unless the client
    asks `omitHeader=true`."""
    original = iati.handle
    rng = random.Random(1719)

    def handle(request: Request) -> Reply:
        reply = original(request)
        if not request.path.endswith("/select") or reply.status != 200:
            return reply
        answer = json.loads(reply.body)
        if request.query.get("omitHeader") == "true":
            answer.pop("responseHeader", None)
        else:
            answer["responseHeader"]["QTime"] = rng.randint(1, 10_000)
        return Reply.json(answer, reply.status)

    iati.handle = handle


def test_a_datastore_timing_its_answers_still_lands_nothing_when_unchanged(iati, datastore, home):
    _with_a_header_that_changes_every_answer(iati)
    fetch_and_load(datastore, home)
    assert fetch_and_load(datastore, home) == (set(), [])


def test_datastore_pages_landed_without_a_manifest_become_a_batch_on_the_next_fetch(
    iati, datastore, home
):
    # A run stopped after the last page, before the manifest: same client, same query.
    http = HttpClient("datastore", auth=api_key_auth(datastore))
    client = DatastoreClient(datastore.url, http, rows=datastore.rows)
    pull = client.pull("transaction", Landing(home.landing), "datastore", datastore.query)
    assert len(pull.landed) >= 3
    with connect(home.warehouse) as con:
        ensure_tables(con)
        assert load_landed_into_raw(con, home, [datastore]) == []

    added, batches = fetch_and_load(datastore, home)
    # the pages were there: only the manifest (and its sidecar) lands
    assert [f["extra"].get("role") for f in sidecars(added)] == ["pull_manifest"]
    assert len(added) == 2
    assert [(b.dataset, b.rows_loaded) for b in batches] == [("transaction", 5)]
    assert fetch_and_load(datastore, home) == (set(), [])


def test_datastore_going_back_to_an_earlier_state_makes_a_batch(iati, datastore, home):
    fetch_and_load(datastore, home)
    iati.add_doc("transaction", _transaction_doc(9))
    fetch_and_load(datastore, home)
    # The donor withdraws the new transaction (the demo server has no call for that).
    with iati._lock:
        iati._docs["transaction"].pop()

    added, batches = fetch_and_load(datastore, home)
    assert len(added) == 2  # every page is one landed before; the pull is not the latest one
    assert [b.rows_loaded for b in batches] == [5]


def test_unchanged_activity_files_land_nothing_and_make_no_batch(iati, donor_files, home):
    added, batches = fetch_and_load(donor_files, home)
    assert len(added) == 2 and [b.rows_loaded for b in batches] == [1]
    assert fetch_and_load(donor_files, home) == (set(), [])

    iati.set_file("donor-a.xml", ACTIVITY_FILE.replace(b">1000<", b">2500<"))
    added, batches = fetch_and_load(donor_files, home)
    (batch,) = batches
    (row,) = raw_rows(home, "iati_transactions", batch.batch_id)
    assert int(row["value"]) == 2500
    assert fetch_and_load(donor_files, home) == (set(), [])
