"""fetch_source → landing → raw for an API source: a pull that fails half-way leaves no batch."""

from __future__ import annotations

import pytest

from connectors.kinds import fetch_source
from connectors.kinds.ministry_api import MinistryApiSource
from connectors.landing import Landing
from core.errors import SourceError
from demo.servers.ministry_api import MinistryApiServer
from warehouse.connection import connect
from warehouse.loading import load_landed_into_raw, replay_raw
from warehouse.tables import ensure_tables

CLIENTS = {"mtqg-test": "s3cret-value"}


def _plans(n: int) -> list[dict]:
    return [
        {
            "id": f"KHV-2024-{i:03d}",
            "year": 2024,
            "plan_kind": "annual",
            "province_code": "10",
            "admin_era": "2008",
            "project_code": "DA1",
            "subproject_code": None,
            "budget_source": "NSTW",
            "capital_type": "SN",
            "amount_million_vnd": 1000 + i,
            "decision_no": "1234/QĐ-BTC",
            "decision_date": "2024-01-15",
            "updated_at": "2026-10-02T08:15:00+07:00",
        }
        for i in range(n)
    ]


@pytest.fixture
def gateway():
    with MinistryApiServer({"capital-plans": _plans(25)}, clients=CLIENTS) as server:
        yield server


@pytest.fixture
def source(gateway, monkeypatch):
    monkeypatch.setenv("MTQG_TEST_ID", "mtqg-test")
    monkeypatch.setenv("MTQG_TEST_SECRET", "s3cret-value")
    return MinistryApiSource(
        name="mof",
        kind="ministry_api",
        url=gateway.url,
        auth={"client_id_env": "MTQG_TEST_ID", "client_secret_env": "MTQG_TEST_SECRET"},
        collections=["capital-plans"],
        page_size=10,
        max_retries=1,
        backoff_factor=0.01,
        backoff_max_seconds=0.05,
    )


def _raw(home):
    with connect(home.warehouse) as con:
        ensure_tables(con)
        return (
            con.execute("select batch_id, dataset, rows_loaded from raw.batches").fetchall(),
            con.execute("select id from raw.ministry_capital_plans order by id").fetchall(),
        )


def test_a_pull_failing_half_way_never_becomes_a_partial_batch(gateway, source, home):
    gateway.faults.add("/api/v1/capital-plans", "status", status=503, times=1)  # page 1 ok
    original = gateway.handle

    def third_page_fails(request):
        # faults apply to the requests after this one: page 3 and its retries
        if request.path.startswith("/api/v1/capital-plans") and request.query.get("page") == "2":
            gateway.faults.add("/api/v1/capital-plans", "status", status=502, times=5)
        return original(request)

    gateway.handle = third_page_fails
    with pytest.raises(SourceError, match="mof"):
        fetch_source(source, home)
    with connect(home.warehouse) as con:
        ensure_tables(con)
        assert load_landed_into_raw(con, home, [source]) == []
    assert _raw(home) == ([], [])
    assert list(Landing(home.landing).files("mof"))  # the pages that came are kept

    gateway.handle = original
    gateway.faults.clear()
    fetch_source(source, home)
    with connect(home.warehouse) as con:
        loads = load_landed_into_raw(con, home, [source])
    batches, ids = _raw(home)
    assert [(b.dataset, b.rows_loaded) for b in loads] == [("capital-plans", 25)]
    assert len(batches) == 1 and len(ids) == 25

    with connect(home.warehouse) as con:
        before = con.execute("select * from raw.ministry_capital_plans order by all").fetchall()
        replay_raw(con, home, [source])
        after = con.execute("select * from raw.ministry_capital_plans order by all").fetchall()
    assert after == before
