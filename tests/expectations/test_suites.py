"""Every shipped suite loads, passes clean data of its dataset and blocks the broken kind."""

from __future__ import annotations

import csv
import hashlib
import json
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from core.errors import ConfigError
from expectations import runner
from expectations.runner import validate
from expectations.suites import (
    EXPECTATION_DOMAINS,
    gx_class_name,
    list_suites,
    load_suite,
    load_suite_file,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
TODAY = date(2026, 1, 15)
SUITES = [
    "beneficiary_support",
    "donor_transactions",
    "fct_capital_progress",
    "ministry_beneficiary_communes",
    "ministry_capital_plans",
    "ministry_disbursements",
    "ministry_exchange_rates",
    "ministry_extremely_difficult_villages",
    "provincial_progress_batch",
    "reference_districts_pre2025",
    "reference_old_to_new_wards_dvhcvn",
    "reference_old_to_new_wards_vietnamadminunits",
    "reference_wards_2025",
    "reference_wards_2025_area_population",
    "reference_wards_pre2025",
]


@pytest.fixture(scope="module")
def gx():
    """GX imported once for the module, through the runner's shared context."""
    return runner._gx()[0]


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"shared reference data not available: {path} (../shared beside the repo)")
    return path


def frame(records: list[dict]):
    return pa.Table.from_pylist(records).to_pandas()


def failed_messages(result) -> list[str]:
    return [f.message_en for f in result.blocking_failures]


# --- loading ----------------------------------------------------------------------------------


def test_every_suite_loads_with_locations_and_messages():
    assert list_suites() == SUITES
    for name in SUITES:
        spec = load_suite(name)
        assert spec.name == name and spec.description
        assert spec.location_columns
        for exp in spec.expectations:
            assert exp.severity in ("blocking", "warning")
            assert exp.message_vi and exp.message_en
            assert unicodedata.is_normalized("NFC", exp.message_vi)
    assert load_suite("fct_capital_progress").param_names == {"province_codes_2025"}
    assert load_suite("provincial_progress_batch").param_names == {"today"}
    beneficiary = load_suite("beneficiary_support")
    assert beneficiary.personal_data and beneficiary.location_columns == ("source_row",)


def test_every_known_type_is_a_gx_expectation(gx):
    missing = [t for t in EXPECTATION_DOMAINS if not hasattr(gx.expectations, gx_class_name(t))]
    assert missing == []
    assert gx_class_name("expect_column_pair_values_A_to_be_greater_than_B") == (
        "ExpectColumnPairValuesAToBeGreaterThanB"
    )


def write_suite(tmp_path: Path, entries: str, *, name: str = "broken", extra: str = "") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: broken\ndescription: test\nlocation_columns: [source_row]\n{extra}"
        f"expectations:\n{entries}",
        encoding="utf-8",
    )
    return path


GOOD_ENTRY = """  - type: expect_column_values_to_not_be_null
    kwargs: {column: a}
    severity: blocking
    message_vi: "Thiếu a"
    message_en: "a is missing"
"""


def test_unknown_expectation_type_names_file_and_entry(tmp_path):
    entries = GOOD_ENTRY + GOOD_ENTRY.replace("to_not_be_null", "to_be_purple")
    path = write_suite(tmp_path, entries)
    with pytest.raises(ConfigError) as info:
        load_suite_file(path)
    text = str(info.value)
    assert str(path) in text and "entry 2" in text
    assert "expect_column_values_to_be_purple" in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("severity: blocking", "severity: fatal"), "severity 'fatal'"),
        (('message_en: "a is missing"', ""), "message_en is missing"),
        (("{column: a}", "{colum: a}"), "kwargs.column must name a column"),
    ],
)
def test_bad_entries_are_config_errors(tmp_path, change, expected):
    path = write_suite(tmp_path, GOOD_ENTRY.replace(*change))
    with pytest.raises(ConfigError, match=expected) as info:
        load_suite_file(path)
    assert str(path) in str(info.value) and "entry 1" in str(info.value)


def test_bad_top_level_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown keys severity"):
        load_suite_file(write_suite(tmp_path, GOOD_ENTRY, extra="severity: blocking\n"))
    with pytest.raises(ConfigError, match="must equal the file name"):
        load_suite_file(write_suite(tmp_path, GOOD_ENTRY, name="other"))
    with pytest.raises(ConfigError, match=r"known: .*provincial_progress_batch"):
        load_suite("no_such_suite")


def test_kwargs_gx_refuses_are_a_config_error_naming_the_file(tmp_path, gx):
    entry = GOOD_ENTRY.replace("{column: a}", "{column: a, min_valeu: 3}")
    spec = load_suite_file(write_suite(tmp_path, entry))
    with pytest.raises(ConfigError, match="GX refuses its kwargs") as info:
        validate(spec, frame([{"a": 1, "source_row": 1}]))
    assert str(spec.path) in str(info.value)


def test_a_check_that_cannot_run_blocks_even_as_a_warning(tmp_path, gx):
    entry = (
        GOOD_ENTRY
        + """  - type: expect_column_values_to_match_regex
    kwargs: {column: a, regex: "["}
    severity: warning
    message_vi: "Sai dạng a"
    message_en: "a has the wrong form"
"""
    )
    spec = load_suite_file(write_suite(tmp_path, entry))
    # No location column in this frame: rows are then named by their position.
    result = validate(spec, frame([{"a": "x"}, {"a": None}]))
    assert [f.message_en.split(":")[0] for f in result.blocking_failures] == [
        "a is missing",
        "The check could not run (a has the wrong form)",
    ]
    assert "regular expression" in result.blocking_failures[1].message_en
    assert result.blocking_failures[0].failing_locations == [{"row_index": 1}]


def test_parameters_are_substituted_everywhere(tmp_path):
    entry = """  - type: expect_column_values_to_be_in_set
    kwargs: {column: a, value_set: [{$param: first}, x]}
    severity: warning
    message_vi: "Sai a"
    message_en: "a is wrong"
"""
    spec = load_suite_file(write_suite(tmp_path, entry))
    assert spec.param_names == {"first"}
    assert spec.bind(spec.expectations[0], {"first": "y"})["value_set"] == ["y", "x"]
    with pytest.raises(ConfigError, match="needs the parameter 'first'"):
        spec.bind(spec.expectations[0], {})


def test_messages_are_nfc_whatever_the_file_holds(tmp_path):
    nfd = unicodedata.normalize("NFD", "Thiếu mã dự án")
    path = write_suite(tmp_path, GOOD_ENTRY.replace("Thiếu a", nfd))
    assert load_suite_file(path).expectations[0].message_vi == "Thiếu mã dự án"


# --- each dataset: clean data passes, its typical breakage blocks ------------------------------


def test_ministry_capital_plans_from_the_contract_example():
    page = json.loads(
        shared_file("sources", "examples", "ministry_capital_plans_page1.json").read_text("utf-8")
    )
    records = [
        {
            "capital_plan_id": r["id"],
            "plan_year": r["year"],
            "plan_kind": r["plan_kind"],
            "province_code_as_reported": r["province_code"],
            "admin_era": r["admin_era"],
            "project_code": r["project_code"],
            "subproject_code": r["subproject_code"],
            "budget_source_code": r["budget_source"],
            "capital_type_code": r["capital_type"],
            "amount_vnd": round(Decimal(str(r["amount_million_vnd"])) * 1_000_000),
            "decision_no": r["decision_no"],
            "decision_date": date.fromisoformat(r["decision_date"]),
        }
        for r in page["data"]
    ]
    assert validate("ministry_capital_plans", frame(records), params={"today": TODAY}).passed
    records[3]["budget_source_code"] = "NSNN"
    records[5]["capital_plan_id"] = records[4]["capital_plan_id"]
    result = validate("ministry_capital_plans", frame(records), params={"today": TODAY})
    assert failed_messages(result) == [
        "Capital plan record id is duplicated",
        "Budget source must be NSTW or NSDP",
    ]
    wrong_source = result.blocking_failures[1]
    assert wrong_source.failing_locations == [{"capital_plan_id": records[3]["capital_plan_id"]}]
    assert wrong_source.observed_value == ["NSNN"]


def disbursement(i: int, **changes) -> dict:
    record = {
        "disbursement_id": f"KB-{i}",
        "province_code": "15",
        "admin_era": "2025",
        "project_code": "DA1",
        "budget_source_code": "NSTW",
        "capital_type_code": "DTPT",
        "month_label": "2025-09",
        "amount_vnd": 1_500_000_000 + i,
        "value_date": date(2025, 9, 30),
    }
    return record | changes


def test_ministry_disbursements():
    records = [disbursement(i) for i in range(5)]
    assert validate("ministry_disbursements", frame(records), params={"today": TODAY}).passed
    records[1]["month_label"] = "2025-13"
    records[2]["amount_vnd"] = -10
    result = validate("ministry_disbursements", frame(records), params={"today": TODAY})
    assert failed_messages(result) == ["Month must be YYYY-MM within 2021–2035"]
    assert result.blocking_failures[0].failing_locations == [{"disbursement_id": "KB-1"}]
    assert [w.failing_locations for w in result.warnings] == [[{"disbursement_id": "KB-2"}]]


def transaction(i: int, **changes) -> dict:
    record = {
        "iati_identifier": "XM-DAC-41114-PROJECT-00123",
        "transaction_type_code": "3",
        "transaction_date": date(2024, 3, i + 1),
        "transaction_value": Decimal("125000.50") + i,
        "currency": "USD",
        "value_date": date(2024, 3, i + 1),
    }
    return record | changes


def test_donor_transactions_accept_decimal_values():
    records = [transaction(i) for i in range(4)]
    assert validate("donor_transactions", frame(records)).passed
    records[2].update(currency="usd", transaction_type_code="14")
    result = validate("donor_transactions", frame(records))
    assert failed_messages(result) == [
        "Transaction type is not an IATI code (1–13)",
        "Currency must be three capital letters (ISO 4217)",
    ]
    assert result.blocking_failures[1].failing_locations == [
        {
            "iati_identifier": "XM-DAC-41114-PROJECT-00123",
            "transaction_date": "2024-03-03",
            "transaction_type_code": "14",
        }
    ]


def household(row: int, **changes) -> dict:
    record = {
        "batch_id": "form02-batch",
        "source_row": row,
        "household_pseudonym": hashlib.sha256(f"household {row}".encode()).hexdigest(),
        "amount_vnd": 5_000_000,
        "support_year": 2024,
        "is_repeat_household": False,
    }
    return record | changes


def test_beneficiary_support_blocks_a_citizen_id_without_repeating_it():
    citizen_id = "001203004567"
    records = [household(row) for row in range(8, 14)]
    assert validate("beneficiary_support", frame(records)).passed
    records[2]["household_pseudonym"] = citizen_id
    records[4]["is_repeat_household"] = True
    result = validate("beneficiary_support", frame(records))
    assert failed_messages(result) == [
        "Household pseudonym is not a 64-character hash: it may be an unpseudonymised citizen ID"
    ]
    assert result.blocking_failures[0].failing_locations == [{"source_row": 10}]
    assert [w.failing_locations for w in result.warnings] == [[{"source_row": 12}]]
    assert citizen_id not in repr(result)
    assert citizen_id not in json.dumps(result.to_check_records("b", None), default=str)


def test_beneficiary_support_blocks_an_extra_column():
    df = frame([household(8, so_cccd="001203004567")])
    result = validate("beneficiary_support", df)
    assert failed_messages(result) == [
        "Beneficiary data may only hold the pseudonymised columns; a column is extra or missing"
    ]
    assert result.blocking_failures[0].observed_value == {"unexpected": ["so_cccd"]}
    assert "001203004567" not in repr(result)


def test_fct_capital_progress_with_the_34_provinces():
    with shared_file("reference", "admin_units", "provinces_2025.csv").open(encoding="utf-8") as f:
        codes = [row["code"] for row in csv.DictReader(f)]
    assert len(codes) == 34
    records = [
        {
            "province_code": code,
            "province_code_as_reported": code,
            "admin_era": "2025",
            "period": "2025-Q3",
            "period_end_date": date(2025, 9, 30),
            "project_code": "DA4",
            "subproject_code": None,
            "budget_source": "central",
            "capital_type": "investment",
            "planned_vnd": 2_000_000_000,
            "disbursed_vnd": 900_000_000,
            "source_file_sha256": "cd" * 32,
            "source_sheet": None,
            "source_row": i + 2,
        }
        for i, code in enumerate(codes)
    ]
    params = {"province_codes_2025": codes}
    assert validate("fct_capital_progress", frame(records), params=params).passed
    records[0]["province_code"] = "10"  # Lào Cai's code before 2025: not a current province
    result = validate("fct_capital_progress", frame(records), params=params)
    assert failed_messages(result) == ["Province code is not one of the 34 current provinces"]
    assert result.blocking_failures[0].failing_locations == [
        {"source_file_sha256": "cd" * 32, "source_row": 2, "source_sheet": None}
    ]


# --- the data behind every figure: rates, Decisions 861 and 612, reference files ---------------

_CLEAN_AND_BROKEN = {
    "ministry_exchange_rates": (
        {
            "exchange_rate_id": "TG-1",
            "currency": "USD",
            "rate_date": date(2024, 7, 1),
            "vnd_per_unit": Decimal("24000"),
        },
        {"vnd_per_unit": Decimal("0")},
        "Rate must be greater than zero",
    ),
    "ministry_beneficiary_communes": (
        {
            "beneficiary_commune_id": "XA-1",
            "commune_code": "23500",
            "province_code": "62",
            "admin_era": "2008",
            "region": "III",
        },
        {"region": "IV"},
        "The commune's region must be I, II or III",
    ),
    "ministry_extremely_difficult_villages": (
        {
            "village_id": "THON-1",
            "village_name": "Thôn 1",
            "commune_code": "23500",
            "province_code": "62",
        },
        {"commune_code": "2350"},
        "Commune code must be five digits",
    ),
    "reference_wards_2025": (
        {"commune_code": "23600", "commune_name": "Đăk Kôi", "province_code_2025": "51"},
        {"province_code_2025": None},
        "Province code is missing",
    ),
    "reference_wards_pre2025": (
        {"commune_code": "23500", "commune_name": "Đăk Kôi", "district_code": "610"},
        {"commune_code": "235"},
        "Commune code has the wrong form",
    ),
    "reference_districts_pre2025": (
        {"district_code": "610", "district_name": "Kon Rẫy", "province_code": "62"},
        {"district_name": None},
        "District name is missing",
    ),
    "reference_old_to_new_wards_dvhcvn": (
        {"old_commune_code": "23500", "new_commune_code": "23600"},
        {"new_commune_code": None},
        "New commune code is missing",
    ),
    "reference_old_to_new_wards_vietnamadminunits": (
        {"old_commune_code": "23500", "new_commune_code": "23600"},
        {"new_commune_code": "236"},
        "New commune code must be five digits",
    ),
    "reference_wards_2025_area_population": (
        {
            "province_code_2025": "51",
            "name_key": "xa dak koi",
            "population": 2000,
            "area_km2": Decimal("100"),
        },
        {"population": -1},
        "Population is negative",
    ),
}


@pytest.mark.parametrize("suite", sorted(_CLEAN_AND_BROKEN))
def test_rates_communes_villages_and_reference_files_are_gated(suite):
    from connectors.kinds import gated_datasets

    assert suite in {g.suite for g in gated_datasets().values()}
    clean, change, message = _CLEAN_AND_BROKEN[suite]
    second = {k: (f"{v}-2" if k.endswith("_id") else v) for k, v in clean.items()}
    if suite == "ministry_exchange_rates":
        second["rate_date"] = date(2024, 7, 2)
    if "commune_code" in clean and suite in ("reference_wards_2025", "reference_wards_pre2025"):
        second["commune_code"] = "23601"
    if suite == "reference_districts_pre2025":
        second["district_code"] = "611"
    if suite.startswith("reference_old_to_new"):
        second["new_commune_code"] = "23601"
    if suite == "reference_wards_2025_area_population":
        second["name_key"] = "xa kon braih"
    params = {"today": TODAY}
    assert validate(suite, frame([clean, second]), params=params).passed
    result = validate(suite, frame([clean, {**second, **change}]), params=params)
    assert failed_messages(result) == [message]
