"""The programme seeds say what was published and nothing more: the 2026–2035 structure and
money as in ../shared/reference/programme_2026_2035.md, invented amounts marked as such in the
data itself."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "dbt_project" / "seeds"
REFERENCE = REPO.parent / "shared" / "reference" / "programme_2026_2035.md"


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def published() -> str:
    if not REFERENCE.exists():
        pytest.skip(f"the published facts are not beside the repository ({REFERENCE})")
    return REFERENCE.read_text(encoding="utf-8")


def test_invented_targets_say_so_in_the_data():
    rows = _seed("feasibility_targets")
    assert rows and all(r["is_illustrative"] == "true" for r in rows)
    assert all("MINH HOẠ" in r["source_document"] for r in rows)
    assert {int(r["target_year"]) for r in rows} <= set(range(2021, 2026))


def test_the_2026_structure_is_the_published_one(published):
    rows = _seed("programme_2026_2035")
    components = [r for r in rows if not r["parent_code"]]
    assert re.search(r"\*\*two components", published) and len(components) == 2
    first, second = sorted(components, key=lambda r: int(r["component_number"]))
    assert "nông thôn mới" in first["name_vi"] and "giảm nghèo" in first["name_vi"]
    assert "dân tộc thiểu số" in second["name_vi"]
    assert "Ministry of Agriculture and Environment" in published
    assert first["lead_ministry"] == "Bộ Nông nghiệp và Môi trường"
    assert second["lead_ministry"] == "Bộ Dân tộc và Tôn giáo"
    groups = int(re.search(r"reported as (\d+)\s+sub-components", published)[1])
    children = [r for r in rows if r["parent_code"] == first["programme_code"]]
    assert len(children) == groups
    # names not found are left empty, never made up; nothing is confirmed yet
    assert "were **not found**" in published and all(not r["name_vi"] for r in children)
    assert not [r for r in rows if r["parent_code"] == second["programme_code"]]
    assert all(r["is_confirmed"] == "false" and r["source"] for r in rows)


def test_the_2026_2030_money_is_the_published_money(published):
    billion = 1_000_000_000
    amounts = {
        (r["funding_source"], r["capital_type"]): int(r["amount_vnd"])
        for r in _seed("programme_budget_2026_2030")
    }
    central = re.search(
        r"central budget \| ([\d,]+) \(investment ([\d,]+); recurrent ([\d,]+)\)", published
    )
    total, investment, recurrent = (int(g.replace(",", "")) * billion for g in central.groups())
    assert amounts[("central_budget", "all")] == total
    assert amounts[("central_budget", "investment")] == investment
    assert amounts[("central_budget", "recurrent")] == recurrent
    local = re.search(r"local budgets \| about ([\d,]+)", published)[1]
    assert amounts[("local_budget", "all")] == int(local.replace(",", "")) * billion
    mobilised = re.search(r"\*\*total mobilised\*\* \| \*\*about ([\d,]+)", published)[1]
    assert amounts[("total_mobilised", "all")] == int(mobilised.replace(",", "")) * billion


def test_every_phase1_code_crosses_to_a_published_code():
    structure = {r["programme_code"] for r in _seed("programme_2026_2035")}
    phase1 = {r["subproject_code"] or r["project_code"] for r in _seed("programme_phase1")}
    crosswalk = _seed("programme_crosswalk")
    assert {r["phase1_code"] for r in crosswalk} == phase1
    assert {r["programme_code_2026"] for r in crosswalk} <= structure
    illustrative = [r for r in crosswalk if r["share"] != "1"]
    assert illustrative and all("MINH HOẠ" in r["note"] for r in illustrative)
