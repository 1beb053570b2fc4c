"""Landing → raw: one batch per file, unreadable files kept as batches with their reason."""

from __future__ import annotations

import pytest

from connectors.kinds.inbox import InboxSource
from warehouse.connection import connect
from warehouse.loading import load_landed_file, load_landed_into_raw, replay_raw
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


_HEADER = (
    "ma_tinh,ten_tinh,ky_bao_cao,ma_du_an,ma_tieu_du_an,nguon_von,loai_von,"
    "ke_hoach_trieu_dong,giai_ngan_trieu_dong,ngay_cap_nhat\n"
)


def _csv(plan: str = "4235.027", name: str = "Tỉnh Lào Cai") -> bytes:
    row = f"10,{name},2024-Q3,DA1,,NSTW,SN,{plan},1216.359,05/10/2024\n"
    return (_HEADER + row).encode("utf-8")


@pytest.mark.parametrize(
    "content",
    [
        _csv(plan="1" * 31),  # decimal.InvalidOperation once scaled to đồng
        _csv(plan="99999999999999999"),  # past int64 đồng
        _csv(name="x" * 140_000),  # a field over csv's limit
    ],
    ids=["31-digit amount", "int64 overflow", "huge field"],
)
def test_a_file_no_reader_foresaw_is_quarantined_and_the_rest_still_load(
    con, home, landing, content
):
    poison = landing.store_bytes("inbox", content, original_name="bao_cao_hong.csv")
    good = landing.store_bytes("inbox", _csv(), original_name="bao_cao_tot.csv")

    loads = load_landed_into_raw(con, home, [INBOX])

    by_name = {load.original_name: load for load in loads}
    assert by_name["bao_cao_tot.csv"].rows_loaded == 1
    refused = by_name["bao_cao_hong.csv"]
    assert refused.dataset == "unreadable" and refused.rows_loaded == 0
    (problem,) = refused.problems
    assert problem.blocking and "bao_cao_hong.csv" in problem.reason
    assert con.execute(
        "select count(*) from raw.provincial_report_lines where batch_id = ?", [poison.sha256]
    ).fetchone() == (0,)
    assert good.sha256 in {load.batch_id for load in loads}
