"""A donor transaction counted for several programme projects is apportioned in whole đồng by the
largest remainder: its project parts add up to the transaction (to its mapped share of it, rounded
once, when the Office's shares make less than 1) — never a đồng lost or added by rounding each
part alone. The mapping is the Office's seed; the test replaces its rows in the built warehouse
with splits that rounding part by part gets wrong, then builds the mart again."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from test_figures_defended import _activity, _batch, _status, _tx, _when
from test_warehouse_builds import _dbt, _insert

from warehouse.tables import ensure_tables

pytestmark = pytest.mark.slow  # two dbt invocations on the donor models only (~25 s)

THIRD = Decimal("0.333333")
# activity → project shares (decimal(9, 6), as the seed types them)
MAPPING = {
    "XI-T-THIRDS": {"DA1": THIRD, "DA2": THIRD, "DA3": THIRD},
    "XI-T-HALVES": {"DA4": Decimal("0.5"), "DA5": Decimal("0.5")},
    "XI-T-PART": {"DA6": Decimal("0.5"), "DA7": Decimal("0.25")},  # a quarter not mapped
    "XI-T-WHOLE": {"DA8": Decimal("1")},
}
VALUES = ("100", "-100", "1", "2", "7", "101", "1000001", "3")


def delivery() -> dict[str, list[dict]]:
    donor = _batch("donor", "iati_activities", _when(1), "iati_files", "donor", "d.xml")
    return {
        "raw.batches": [donor],
        "quality.batch_status": [_status(donor, "accepted")],
        "raw.iati_activities": [_activity(identifier, "donor") for identifier in MAPPING],
        "raw.iati_transactions": [
            _tx(identifier, index, "3", value, "donor")
            for identifier in MAPPING
            for index, value in enumerate(VALUES)
        ],
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("donor_shares")
    path = tmp / "warehouse.duckdb"
    env = {"MTQG_WAREHOUSE": str(path), "MTQG_DBT_TARGET": "duckdb"}
    with duckdb.connect(str(path)) as con:
        ensure_tables(con)
        _insert(con, delivery())
    build = ("build", "--indirect-selection", "cautious", "--select", "+fct_donor_transactions")
    _dbt(tmp, *build, env=env)
    with duckdb.connect(str(path)) as con:
        con.execute("delete from reference.donor_project_mapping")
        con.executemany(
            "insert into reference.donor_project_mapping (iati_identifier, project_code, share) "
            "values (?, ?, ?)",
            [
                [identifier, project, share]
                for identifier, shares in MAPPING.items()
                for project, share in shares.items()
            ],
        )
    _dbt(tmp, "run", "--select", "fct_donor_transactions", env=env)
    return path


def _parts(path: Path) -> dict[tuple[str, int], dict[str, int]]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select iati_identifier, amount_vnd, project_code, project_amount_vnd "
            "from marts.fct_donor_transactions"
        ).fetchall()
    parts: dict[tuple[str, int], dict[str, int]] = {}
    for identifier, amount, project, part in rows:
        parts.setdefault((identifier, amount), {})[project] = part
    return parts


def _rounded(value: Decimal) -> int:
    """Half away from zero, as the warehouse rounds."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_every_transactions_project_parts_add_up_to_it(warehouse):
    parts = _parts(warehouse)
    assert len(parts) == len(MAPPING) * len(VALUES)
    for (identifier, amount), by_project in parts.items():
        shares = MAPPING[identifier]
        assert by_project.keys() == shares.keys(), identifier
        mapped = _rounded(amount * sum(shares.values()))
        assert sum(by_project.values()) == mapped, (identifier, amount, by_project)
        for project, part in by_project.items():  # each part within a đồng of its exact share
            assert abs(part - amount * shares[project]) < 1, (identifier, amount, project)


def test_the_remainder_goes_to_the_largest_fractions_then_by_project_code(warehouse):
    parts = _parts(warehouse)
    assert parts[("XI-T-THIRDS", 100)] == {"DA1": 34, "DA2": 33, "DA3": 33}
    assert parts[("XI-T-THIRDS", -100)] == {"DA1": -33, "DA2": -33, "DA3": -34}
    assert parts[("XI-T-HALVES", 1)] == {"DA4": 1, "DA5": 0}
    assert parts[("XI-T-HALVES", 7)] == {"DA4": 4, "DA5": 3}
    # 3 đồng × 0.75 mapped = 2 (2.25): 1.5 and 0.75 each rounded alone would make 3
    assert parts[("XI-T-PART", 3)] == {"DA6": 1, "DA7": 1}
    assert parts[("XI-T-WHOLE", 1_000_001)] == {"DA8": 1_000_001}
