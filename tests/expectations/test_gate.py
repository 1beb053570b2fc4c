"""The gate without dbt: reader problems quarantine, a batch's facts are read as Arrow."""

from __future__ import annotations

import pyarrow as pa
import pytest

from connectors.kinds.inbox import InboxSource
from expectations.gate import batch_facts, gate_pending_batches
from warehouse.connection import connect
from warehouse.loading import load_landed_file
from warehouse.tables import ensure_tables


@pytest.fixture
def con(home):
    with connect(home.warehouse) as connection:
        ensure_tables(connection)
        yield connection


def test_an_unreadable_file_is_quarantined_with_its_reason(con, landing):
    landed = landing.store_bytes("inbox", b"%PDF-1.4", original_name="bao_cao_q3.xlsx")
    load_landed_file(con, InboxSource(kind="inbox", name="inbox"), landed)

    (outcome,) = gate_pending_batches(con)

    assert outcome.status == "quarantined" and outcome.fact_count == 0
    assert "bao_cao_q3.xlsx" in outcome.reasons[0]
    status = con.execute("select status, reasons from quality.batch_status").fetchall()
    assert status == [("quarantined", outcome.reasons[0])]
    assert gate_pending_batches(con) == []  # judged once, until it is loaded again


def test_a_batch_is_read_as_an_arrow_table_of_its_own_rows(con):
    con.execute("create schema intermediate")
    con.execute("create table intermediate.facts as select * from range(5) t(batch_id)")
    con.execute("update intermediate.facts set batch_id = batch_id % 2")
    facts = batch_facts(con, "intermediate.facts", "1")
    assert isinstance(facts, pa.Table) and facts.num_rows == 2


def test_only_a_plain_relation_name_is_read(con):
    with pytest.raises(ValueError, match=r"schema\.model"):
        batch_facts(con, "intermediate.facts; drop table raw.batches", "1")


def test_verdicts_are_counted_each_by_its_name_held_apart_from_quarantined():
    from expectations.gate import GateOutcome, count_verdicts

    def outcome(status: str) -> GateOutcome:
        return GateOutcome("b", "inbox", "provincial_progress", "f.xlsx", status)

    outcomes = [outcome(s) for s in ("accepted", "held", "held", "quarantined", "accepted")]
    assert count_verdicts(outcomes) == {"accepted": 2, "quarantined": 1, "held": 2}
    assert count_verdicts([]) == {"accepted": 0, "quarantined": 0, "held": 0}


def test_a_batch_of_many_problems_is_named_by_its_first_and_counted(con, landing):
    from expectations.gate import LISTED_PROBLEMS

    lines = [
        "ma_tinh,ten_tinh,ky_bao_cao,ma_du_an,ma_tieu_du_an,nguon_von,loai_von,"
        "ke_hoach_trieu_dong,giai_ngan_trieu_dong,ngay_cap_nhat"
    ]
    lines += ["10,Lào Cai,2024-Q3,DA1,,NSTW,SN,1,1,05/10/2024"] * 300  # 299 duplicates
    data = ("\n".join(lines) + "\n").encode("utf-8")
    landed = landing.store_bytes("inbox", data, original_name="many.csv")
    load_landed_file(con, InboxSource(kind="inbox", name="inbox"), landed)
    [outcome] = gate_pending_batches(con)
    assert outcome.status == "quarantined"
    assert len(outcome.reasons) == LISTED_PROBLEMS + 1
    assert "299" not in outcome.reasons[0] and "dòng trùng" in outcome.reasons[0]
    assert outcome.reasons[-1].startswith(f"… và {299 - LISTED_PROBLEMS} vấn đề khác")
    recorded = con.execute(
        "select reasons from quality.batch_status where batch_id = ?", [outcome.batch_id]
    ).fetchone()[0]
    assert len(recorded) < 5_000  # a line an officer reads, not 299 of them
    assert (
        con.execute(
            "select count(*) from raw.batch_problems where batch_id = ?", [outcome.batch_id]
        ).fetchone()[0]
        == 299
    )  # every problem kept
