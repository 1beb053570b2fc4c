"""Landing → raw: one batch per file, unreadable files kept as batches with their reason."""

from __future__ import annotations

import pytest

from connectors.kinds.inbox import InboxSource
from warehouse.connection import connect
from warehouse.loading import load_landed_file, replay_raw
from warehouse.tables import ensure_tables

INBOX = InboxSource(kind="inbox", name="inbox")


@pytest.fixture
def con(home):
    with connect(home.warehouse) as connection:
        ensure_tables(connection)
        yield connection


def test_an_unreadable_file_becomes_a_batch_with_its_reason(con, landing):
    landed = landing.store_bytes("inbox", b"%PDF-1.4 not a sheet", original_name="bao_cao.xlsx")

    load = load_landed_file(con, INBOX, landed)

    assert not load.is_readable
    batch = con.execute(
        "select dataset, rows_loaded, original_name from raw.batches where batch_id = ?",
        [landed.sha256],
    ).fetchone()
    assert batch == ("unreadable", 0, "bao_cao.xlsx")
    reasons = con.execute(
        "select check_name, is_blocking, reason from raw.batch_problems where batch_id = ?",
        [landed.sha256],
    ).fetchall()
    assert len(reasons) == 1 and reasons[0][:2] == ("read", True)
    assert "bao_cao.xlsx" in reasons[0][2] or landed.path.name in reasons[0][2]


def test_loading_twice_and_replaying_reproduce_raw_exactly(con, home, landing, shared):
    example = shared / "sources" / "examples" / "bieu01_lao_cai_2024_q3.xlsx"
    landed = landing.store_file("inbox", example)

    load_landed_file(con, INBOX, landed)
    before = _snapshot(con)
    load_landed_file(con, INBOX, landed)
    assert _snapshot(con) == before

    con.execute("delete from raw.provincial_report_lines")
    replay_raw(con, home, [INBOX])
    assert _snapshot(con) == before
    assert before["lines"] and before["batches"][0][7] == 49  # rows_read


def _snapshot(con) -> dict:
    return {
        "batches": con.execute("select * from raw.batches order by all").fetchall(),
        "problems": con.execute("select * from raw.batch_problems order by all").fetchall(),
        "lines": con.execute("select * from raw.provincial_report_lines order by all").fetchall(),
    }


def test_a_beneficiary_list_without_the_pseudonym_key_is_refused(con, landing, shared, monkeypatch):
    monkeypatch.delenv("MTQG_PSEUDONYM_KEY", raising=False)
    example = shared / "sources" / "examples" / "bieu02_dien_bien_2024_beneficiaries.xlsx"
    landed = landing.store_file("inbox", example)

    load = load_landed_file(con, INBOX, landed)

    assert load.dataset == "unreadable" and not load.is_readable
    assert "MTQG_PSEUDONYM_KEY" in load.problems[0].reason
    assert con.execute("select count(*) from raw.beneficiary_support_lines").fetchone() == (0,)


def test_a_beneficiary_list_lands_pseudonymised(con, landing, shared, monkeypatch):
    monkeypatch.setenv("MTQG_PSEUDONYM_KEY", "a-key-for-tests-only")
    example = shared / "sources" / "examples" / "bieu02_dien_bien_2024_beneficiaries.xlsx"
    landed = landing.store_file("inbox", example)

    load = load_landed_file(con, INBOX, landed)

    assert load.dataset == "form02" and load.rows_loaded == 38
    pseudonyms = con.execute(
        "select distinct length(household_pseudonym) from raw.beneficiary_support_lines"
    ).fetchall()
    assert pseudonyms == [(64,)]
