"""Sign-off without dbt: which province and period a person means, and what is refused.

The approvals, holds and unlocks themselves are proved on a real dbt build in
tests/dbt/test_signoff_restatements.py.
"""

from __future__ import annotations

import unicodedata

import pytest
from typer.testing import CliRunner

from orchestration.cli import app
from warehouse.connection import connect
from warehouse.signoff import SignoffRefused, resolve_period, resolve_province
from warehouse.tables import ensure_tables


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("51", "51"),
        ("1", "01"),
        ("Quảng Ngãi", "51"),
        (unicodedata.normalize("NFD", "Tỉnh Quảng Ngãi"), "51"),
        ("UBND TỈNH LÀO CAI", "15"),
        ("TP. Huế", "46"),
        ("quang ngai", "51"),  # without diacritics: only when one province has the name
        ("Dak Lak", "66"),
    ],
)
def test_a_province_is_found_by_2025_code_or_name(given, code):
    assert resolve_province(given).code == code


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("62", "not the code of one of the 34 provinces"),  # Kon Tum's code before the reform
        ("Kon Tum", r"unknown province 'Kon Tum': it could be Quảng Ngãi \(51\), of which"),
        ("Atlantis", "unknown province"),
        ("  ", "no province given"),
    ],
)
def test_an_unknown_province_is_refused_with_what_to_write(given, says):
    with pytest.raises(SignoffRefused, match=says):
        resolve_province(given)


@pytest.mark.parametrize(
    ("given", "period"),
    [
        ("2024-Q3", "2024-Q3"),
        ("Quý III năm 2024", "2024-Q3"),
        ("2025-H1", "2025-H1"),
        ("2024", "2024"),
        ("2024-09", "2024-09"),
    ],
)
def test_a_period_is_read_as_the_warehouse_writes_it(given, period):
    assert resolve_period(given) == period


@pytest.mark.parametrize("given", ["2024-Q5", "Q3", "2024-13", "", "quý ba"])
def test_a_malformed_period_is_refused(given):
    with pytest.raises(SignoffRefused, match="is not a reporting period"):
        resolve_period(given)


@pytest.fixture
def cli(home):
    with connect(home.warehouse) as con:
        ensure_tables(con)
    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(app, [*args, "--home", str(home.root)])
        return result.exit_code, " ".join(result.output.split())

    return invoke


def test_the_commands_refuse_what_they_cannot_do_and_record_nothing(cli, home):
    assert cli("approve", "Atlantis", "2024-Q3", "--by", "Hoa") == (
        2,
        "refused: không nhận ra tỉnh 'Atlantis' trong 34 tỉnh từ 01/7/2025 / unknown province "
        "'Atlantis'; write its 2025 code or its name as in the province list",
    )
    code, said = cli("approve", "51", "Q3/2024x", "--by", "Hoa")
    assert code == 2 and "is not a reporting period" in said
    code, said = cli("approve", "51", "2024-Q3", "--by", "  ")
    assert code == 2 and "who signs must be named" in said
    code, said = cli("approve", "51", "2024-Q3", "--by", "Hoa")
    assert code == 2 and "the marts are not built yet" in said
    code, said = cli("unlock", "51", "2024-Q3", "--by", "Hoa", "--reason", "sửa")
    assert code == 2 and "Quảng Ngãi (51) 2024-Q3 is not approved" in said
    code, said = cli("unlock", "51", "2024-Q3", "--by", "Hoa", "--reason", " ")
    assert code == 2 and "an unlock needs a reason" in said
    with connect(home.warehouse, read_only=True) as con:
        assert con.execute("select count(*) from quality.signoff_events").fetchone() == (0,)
