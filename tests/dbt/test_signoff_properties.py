"""Property: whatever the sequence of submissions — corrections, quarantined versions, leaves
dropped, two reporting units in one 2025 province, approvals and unlocks — every total of the
report equals, to the đồng, the sum of the leaf rows of the latest accepted submission of each
reporting unit (held ones excluded until an unlock accepts them), and the restatements of a leaf
add up to how far it moved since it was first published.

Each example holds several independent slices (one period each) in one warehouse, judged by the
gate's sign-off SQL as each submission arrives, then one dbt build (~50 s): Hypothesis's first
example is the simplest one, the second a random one (2 builds, ~100 s on 2 busy cores).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_warehouse_builds import _batch, _dbt, _insert, _report_line

from warehouse import signoff
from warehouse.tables import SIGNOFF_APPROVED_BATCHES, SIGNOFF_EVENTS, append_rows, ensure_tables

pytestmark = pytest.mark.slow

UNITS = {"62": "Kon Tum", "51": "Quảng Ngãi"}  # both report, before 2025, into Quảng Ngãi (51)
LEAVES = (("DA1", None), ("DA3", "DA3.1"), ("DA3", "DA3.2"))
START = datetime(2024, 1, 1, tzinfo=UTC)
MODELS = "+rpt_progress_by_province +fct_progress_restatements"

leaf_values = st.integers(min_value=0, max_value=10**12)
submission = st.tuples(
    st.just("submit"),
    st.sampled_from(sorted(UNITS)),
    st.sampled_from(["accepted", "accepted", "quarantined"]),  # as the suites would judge it
    st.dictionaries(st.sampled_from(LEAVES), st.tuples(leaf_values, leaf_values), min_size=1),
)
event = st.one_of(submission, st.just(("approve",)), st.just(("unlock",)))
scenarios = st.lists(st.lists(event, min_size=1, max_size=7), min_size=1, max_size=8)


def _period(index: int) -> tuple[str, date]:
    year, quarter = 2021 + index // 4, index % 4 + 1
    end = {1: date(year, 3, 31), 2: date(year, 6, 30), 3: date(year, 9, 30), 4: date(year, 12, 31)}
    return f"{year}-Q{quarter}", end[quarter]


class Replay:
    """Plays one example into a warehouse, keeping what the report must say (the oracle)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.tick = 0
        # (period, unit) → [(batch_id, status, leaves)] in load order
        self.submissions: dict[tuple[str, str], list[list]] = defaultdict(list)
        self.locked: dict[str, dict[str, str]] = {}  # period → unit → approved batch

    def _now(self) -> datetime:
        self.tick += 1
        return START + timedelta(minutes=self.tick)

    def submit(self, period: str, end: date, unit: str, judged: str, leaves: dict) -> None:
        batch_id = f"b{self.tick:04d}-{uuid.uuid4().hex[:6]}"
        at = self._now()
        lines = [
            {
                **_report_line(batch_id, "2008", unit, "51", period, end, project, sub, row, p, d),
                "province_name": UNITS[unit],
            }
            for row, ((project, sub), (p, d)) in enumerate(sorted(leaves.items(), key=str), 10)
        ]
        batch = {**_batch(batch_id, "form01", 1), "loaded_at": at, "rows_read": len(lines)}
        _insert(self.con, {"raw.batches": [batch], "raw.provincial_report_lines": lines})
        status = judged
        if judged == "accepted":
            # the gate's own decision, on what the warehouse holds at this moment
            held = bool(signoff.hold_reasons(self.con, batch_id))
            assert held == (period in self.locked), (period, unit, self.locked)
            status = "held" if held else "accepted"
        self._verdict(batch_id, status, at)
        self.submissions[(period, unit)].append([batch_id, status, leaves])

    def approve(self, period: str) -> None:
        published = {
            unit: self._in_force(period, unit)
            for unit in UNITS
            if self._in_force(period, unit) is not None
        }
        if period in self.locked or not published:
            return  # refused by `mtqg approve`
        event_id, at = uuid.uuid4().hex, self._now()
        self._event(event_id, "approve", period, at)
        rows = [
            {
                "event_id": event_id,
                "province_code": "51",
                "period": period,
                "batch_id": batch_id,
                "admin_era": "2008",
                "province_code_as_reported": unit,
            }
            for unit, batch_id in published.items()
        ]
        append_rows(
            self.con,
            "quality.signoff_approved_batches",
            pa.Table.from_pylist(rows, schema=SIGNOFF_APPROVED_BATCHES),
        )
        self.locked[period] = published

    def unlock(self, period: str) -> None:
        if period not in self.locked:
            return  # refused by `mtqg unlock`
        at = self._now()
        self._event(uuid.uuid4().hex, "unlock", period, at)
        del self.locked[period]
        for (held_period, _unit), versions in self.submissions.items():
            for version in versions:
                if held_period == period and version[1] == "held":
                    assert not signoff.hold_reasons(self.con, version[0])
                    version[1] = "accepted"  # judged again: it passed its suite before
                    self._verdict(version[0], "accepted", at)

    def _in_force(self, period: str, unit: str) -> str | None:
        accepted = [v for v in self.submissions[(period, unit)] if v[1] == "accepted"]
        return accepted[-1][0] if accepted else None

    def _event(self, event_id: str, action: str, period: str, at: datetime) -> None:
        row = {
            "event_id": event_id,
            "action": action,
            "province_code": "51",
            "period": period,
            "actor": "Property",
            "reason": "test" if action == "unlock" else None,
            "recorded_at": at,
        }
        append_rows(
            self.con, "quality.signoff_events", pa.Table.from_pylist([row], schema=SIGNOFF_EVENTS)
        )

    def _verdict(self, batch_id: str, status: str, at: datetime) -> None:
        self.con.execute("delete from quality.batch_status where batch_id = ?", [batch_id])
        _insert(
            self.con,
            {
                "quality.batch_status": [
                    {
                        "batch_id": batch_id,
                        "source": "inbox",
                        "dataset": "form01",
                        "status": status,
                        "loaded_at": at,
                        "gated_at": at,
                    }
                ]
            },
        )

    def expected_totals(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(period, project) → (planned, disbursed) of the latest accepted submissions."""
        totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for (period, _unit), versions in self.submissions.items():
            accepted = [v for v in versions if v[1] == "accepted"]
            if accepted:
                for (project, _sub), (planned, paid) in accepted[-1][2].items():
                    totals[(period, project)][0] += planned
                    totals[(period, project)][1] += paid
        return {key: tuple(value) for key, value in totals.items()}

    def expected_moves(self) -> dict[tuple, int]:
        """(period, unit, project, sub, measure) → last − first published value (nonzero)."""
        moves = {}
        for (period, unit), versions in self.submissions.items():
            accepted = [v[2] for v in versions if v[1] == "accepted"]
            if len(accepted) < 2:
                continue
            for leaf in LEAVES:
                for index, measure in enumerate(("planned_vnd", "disbursed_vnd")):
                    first = accepted[0].get(leaf, (0, 0))[index]
                    last = accepted[-1].get(leaf, (0, 0))[index]
                    if first != last:
                        moves[(period, unit, *leaf, measure)] = last - first
        return moves


def _dbt_folder(tmp: Path) -> Path:
    """A dbt target folder that starts from the project's parse (`make install`), if there is
    one: dbt then parses only what changed."""
    prepared = (
        Path(__file__).resolve().parents[2] / "dbt_project" / "target" / "partial_parse.msgpack"
    )
    if prepared.is_file():
        (tmp / "target").mkdir(parents=True, exist_ok=True)
        shutil.copy(prepared, tmp / "target" / prepared.name)
    return tmp


def _play(con: duckdb.DuckDBPyConnection, examples: list[list[tuple]]) -> Replay:
    replay = Replay(con)
    for index, events in enumerate(examples):
        period, end = _period(index)
        for step in events:
            if step[0] == "submit":
                replay.submit(period, end, *step[1:])
            elif step[0] == "approve":
                replay.approve(period)
            else:
                replay.unlock(period)
    return replay


@settings(
    max_examples=2,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios)
def test_report_totals_are_the_leaves_of_the_latest_accepted_submissions(examples):
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        warehouse = tmp / "w.duckdb"
        with duckdb.connect(str(warehouse)) as con:
            ensure_tables(con)
            replay = _play(con, examples)
        env = {"MTQG_WAREHOUSE": str(warehouse), "MTQG_DBT_TARGET": "duckdb"}
        _dbt(
            _dbt_folder(tmp),
            "build",
            "--indirect-selection",
            "cautious",
            "--select",
            MODELS,
            env=env,
        )
        with duckdb.connect(str(warehouse), read_only=True) as con:
            report = con.execute(
                "select period, project_code, planned_vnd, disbursed_vnd "
                "from marts.rpt_progress_by_province where province_code = '51'"
            ).fetchall()
            restated = con.execute(
                "select period, province_code_as_reported, project_code, subproject_code, "
                "measure, sum(change_vnd) from marts.fct_progress_restatements "
                "group by all having sum(change_vnd) <> 0"
            ).fetchall()
    assert {(p, project): (planned, paid) for p, project, planned, paid in report} == (
        replay.expected_totals()
    )
    assert {row[:5]: row[5] for row in restated} == replay.expected_moves()
