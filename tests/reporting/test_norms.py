"""Allocation decision files: the shipped ones compile to the checked-in seed, the 2026–2030 file
holds the published coefficients (unconfirmed), and a file that does not add up is refused with
its line."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from core.errors import ConfigError
from reporting import norms

GOOD = """\
decision:
  code: test-decision
  title_vi: "Thử"
  title_en: "Test"
  first_year: 2026
  last_year: 2030
  is_confirmed: false
  is_illustrative: true
  source: "a test"
  central_capital:
    total_vnd: 100
    parts_vnd:
      investment: 70
      recurrent: 30
criteria:
  - criterion: commune_region_iii
    coefficient: 50
  - criterion: extremely_difficult_village
    coefficient: 1
"""


def _file(tmp_path: Path, text: str, name: str = "d.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_checked_in_seed_is_the_compiled_decision_files():
    assert norms.SEED.read_bytes() == norms.compile_seed(), (
        "dbt_project/seeds/allocation_norm_criteria.csv is not norms/*.yaml compiled: "
        "run `python -m reporting.norms`"
    )


def test_the_shipped_decisions_are_labelled_in_the_data():
    rows = list(csv.DictReader(io.StringIO(norms.compile_seed().decode("utf-8"))))
    by_code = {r["decision_code"]: r for r in rows}
    assert by_code["nstw-2026-2030-reported"]["is_confirmed"] == "false"
    assert by_code["nstw-2026-2030-reported"]["is_illustrative"] == "false"
    assert by_code["phase1-2021-2025-illustrative"]["is_illustrative"] == "true"
    assert all(r["source_reference"] and r["source_file"].startswith("norms/") for r in rows)
    missing = {r["criterion"] for r in rows if r["is_input_in_warehouse"] == "false"}
    assert missing == {"commune_special_zone", "ethnic_minority_population", "poor_household"}


def test_the_2026_file_holds_the_published_coefficients(shared):
    reference = shared / "reference" / "programme_2026_2035.md"
    if not reference.is_file():
        pytest.skip(f"no {reference}: the published coefficients live there")
    table = reference.read_text(encoding="utf-8").split("## Allocation coefficients")[1]
    published = [int(c) for c in re.findall(r"^\|[^|]+\|\s*(\d+)\s*\|$", table, re.M)[:5]]
    loaded = norms.load_decision(norms.NORMS_DIR / "2026_2030_reported.yaml").norms
    coefficient = {line.criterion: line.coefficient for line in loaded.criteria}
    # village 1; region III / ATK / border / island 50; region II 40; region I 30; other 25
    assert published == [1, 50, 40, 30, 25]
    assert [
        coefficient["extremely_difficult_village"],
        coefficient["commune_region_iii"],
        coefficient["commune_region_ii"],
        coefficient["commune_region_i"],
        coefficient["commune_other"],
    ] == published
    assert coefficient["commune_special_zone"] == 50
    assert loaded.decision.central_capital.total_vnd == 100_000 * 10**9


def test_a_good_file_compiles_with_its_lines(tmp_path):
    _file(tmp_path, GOOD)
    rows = list(csv.DictReader(io.StringIO(norms.compile_seed(tmp_path).decode("utf-8"))))
    assert [(r["criterion"], r["coefficient"], r["source_line"]) for r in rows] == [
        ("commune_region_iii", "50", "16"),
        ("extremely_difficult_village", "1", "18"),
    ]


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (("commune_region_iii", "commune_region_iv"), 16, "unknown criterion 'commune_region_iv'"),
        (("coefficient: 50", "coefficient: -50"), 17, "greater than or equal to 0"),
        (("recurrent: 30", "recurrent: 31"), 11, "the parts add up to 101 đồng"),
        (("extremely_difficult_village", "commune_region_iii"), 18, "listed twice"),
        (("is_illustrative: true", "is_illustrative: true\n  colour: red"), 9, "colour"),
        (("last_year: 2030", "last_year: 2020"), 6, "greater than or equal to 2021"),
    ],
)
def test_a_file_that_does_not_add_up_is_refused_with_its_line(tmp_path, change, line, reason):
    path = _file(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as refused:
        norms.load_decisions(tmp_path)
    message = str(refused.value)
    assert message.startswith(f"{path.name}, line {line}:"), message
    assert reason in message


def test_two_files_with_one_decision_code_are_refused(tmp_path):
    _file(tmp_path, GOOD, "a.yaml")
    _file(tmp_path, GOOD, "b.yaml")
    with pytest.raises(
        ConfigError, match=r"b\.yaml: decision code 'test-decision' is used by a\.yaml"
    ):
        norms.load_decisions(tmp_path)


def test_the_command_refuses_without_writing(tmp_path, capsys):
    _file(tmp_path, GOOD.replace("coefficient: 1", "coefficient: -1"))
    seed = tmp_path / "seed.csv"
    assert norms.main([str(tmp_path), str(seed)]) == 1
    assert not seed.exists()
    assert "refused: d.yaml, line 19" in capsys.readouterr().err
