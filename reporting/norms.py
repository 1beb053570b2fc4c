"""Allocation norms: a decision is one YAML file of criteria and coefficients (`norms/*.yaml`).

Each file is validated here (pydantic) and refused with the line of what is wrong: an unknown
criterion, a negative coefficient, a duplicated criterion, a capital envelope whose parts do not
add up to its total. The valid files are compiled into one dbt seed,
`dbt_project/seeds/allocation_norm_criteria.csv` (one row per decision × criterion, with the
file and line each came from); the points and shares are computed in SQL by
`marts.mart_allocation_norms`. A new decision is a new file and `python -m reporting.norms`,
never code; `tests/reporting/test_norms.py` fails when the seed is not the compiled files.

The criteria a decision may use are the ones the warehouse can (or, flagged, cannot yet)
measure: `CRITERIA` says which measure each one reads and whether its input is there.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import ConfigError
from core.files import write_bytes_atomically

REPO = Path(__file__).resolve().parents[1]
NORMS_DIR = REPO / "norms"
SEED = REPO / "dbt_project" / "seeds" / "allocation_norm_criteria.csv"


@dataclass(frozen=True)
class Criterion:
    """A criterion the engine knows: what it counts, in which unit, and whether the warehouse
    holds its input (when not, the mart says so and counts it as zero, never guesses)."""

    unit_vi: str
    unit_en: str
    group: str | None  # criteria of one group count a commune once, at its highest coefficient
    in_warehouse: bool


CRITERIA: dict[str, Criterion] = {
    "commune_region_iii": Criterion("xã khu vực III", "region III commune", "commune_class", True),
    "commune_region_ii": Criterion("xã khu vực II", "region II commune", "commune_class", True),
    "commune_region_i": Criterion("xã khu vực I", "region I commune", "commune_class", True),
    "commune_special_zone": Criterion(
        "xã ATK, biên giới, hải đảo, đặc khu",
        "safe-zone, border, island or special-zone commune",
        "commune_class",
        False,
    ),
    "commune_other": Criterion("xã khác", "other commune", "commune_class", True),
    "extremely_difficult_village": Criterion(
        "thôn đặc biệt khó khăn", "extremely difficult village", None, True
    ),
    "ethnic_minority_population": Criterion(
        "người dân tộc thiểu số", "ethnic-minority person", None, False
    ),
    "poor_household": Criterion("hộ nghèo", "poor household", None, False),
    "population": Criterion("người (dân số)", "person (population)", None, True),
    "area_km2": Criterion("km² diện tích tự nhiên", "km² of natural area", None, True),
}

SEED_COLUMNS = [
    "decision_code",
    "decision_title_vi",
    "decision_title_en",
    "decision_no",
    "first_year",
    "last_year",
    "is_confirmed",
    "is_illustrative",
    "source_reference",
    "central_capital_vnd",
    "criterion",
    "criterion_group",
    "unit_vi",
    "unit_en",
    "is_input_in_warehouse",
    "coefficient",
    "per_units",
    "note",
    "source_file",
    "source_line",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CapitalEnvelope(_Strict):
    """The central capital the decision shares out, in đồng, and its parts (which must add up)."""

    total_vnd: Annotated[int, Field(ge=0)]
    parts_vnd: dict[str, Annotated[int, Field(ge=0)]] = {}

    @model_validator(mode="after")
    def _parts_add_up(self) -> CapitalEnvelope:
        if self.parts_vnd and sum(self.parts_vnd.values()) != self.total_vnd:
            raise ValueError(
                f"the parts add up to {sum(self.parts_vnd.values()):,} đồng, "
                f"not to the total {self.total_vnd:,} đồng"
            )
        return self


class Decision(_Strict):
    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    title_vi: str
    title_en: str
    decision_no: str | None = None
    first_year: Annotated[int, Field(ge=2021, le=2035)]
    last_year: Annotated[int, Field(ge=2021, le=2035)]
    is_confirmed: bool
    is_illustrative: bool
    source: Annotated[str, Field(min_length=1)]
    central_capital: CapitalEnvelope | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Decision:
        if self.first_year > self.last_year:
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        if self.is_confirmed and self.is_illustrative:
            raise ValueError("a decision cannot be both confirmed and illustrative")
        if self.is_confirmed and not self.decision_no:
            raise ValueError("is_confirmed: true needs the decision_no it was typed in from")
        return self


class CriterionLine(_Strict):
    criterion: str
    coefficient: Annotated[float, Field(ge=0)]
    per: Annotated[float, Field(gt=0)] = 1
    note: str | None = None

    @field_validator("criterion")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CRITERIA:
            raise ValueError(f"unknown criterion {value!r}; known: {', '.join(sorted(CRITERIA))}")
        return value


class NormFile(_Strict):
    decision: Decision
    criteria: Annotated[list[CriterionLine], Field(min_length=1)]

    @model_validator(mode="after")
    def _each_once_and_something_counts(self) -> NormFile:
        if not any(line.coefficient > 0 for line in self.criteria):
            raise ValueError("every coefficient is zero: the file shares nothing out")
        return self


@dataclass(frozen=True)
class LoadedDecision:
    path: Path
    norms: NormFile
    lines: dict[int, int]  # index of a criterion → its line in the file


def load_decision(path: Path) -> LoadedDecision:
    """One decision file, validated; `ConfigError` names the file, the line and the reason."""
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path.name}{where}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path.name}, line 1: a decision file is a mapping with 'decision' and 'criteria'"
        )
    try:
        norms = NormFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        line = _line_of(root, first["loc"])
        field = ".".join(str(p) for p in first["loc"]) or "(file)"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{path.name}, line {line}: {field}: {message}") from None
    seen: dict[str, int] = {}
    lines: dict[int, int] = {}
    for index, item in enumerate(norms.criteria):
        line = _line_of(root, ("criteria", index))
        lines[index] = line
        if item.criterion in seen:
            raise ConfigError(
                f"{path.name}, line {line}: criterion {item.criterion!r} is listed twice "
                f"(first at line {seen[item.criterion]})"
            )
        seen[item.criterion] = line
    return LoadedDecision(path, norms, lines)


def load_decisions(directory: Path = NORMS_DIR) -> list[LoadedDecision]:
    """Every `*.yaml` in the folder, each validated; two files may not share a decision code."""
    decisions = [load_decision(p) for p in sorted(directory.glob("*.yaml"))]
    codes: dict[str, str] = {}
    for loaded in decisions:
        code = loaded.norms.decision.code
        if code in codes:
            raise ConfigError(
                f"{loaded.path.name}: decision code {code!r} is used by {codes[code]} already"
            )
        codes[code] = loaded.path.name
    return decisions


def seed_rows(decisions: Iterable[LoadedDecision]) -> list[dict[str, Any]]:
    rows = []
    for loaded in decisions:
        d = loaded.norms.decision
        for index, line in enumerate(loaded.norms.criteria):
            known = CRITERIA[line.criterion]
            rows.append(
                {
                    "decision_code": d.code,
                    "decision_title_vi": d.title_vi,
                    "decision_title_en": d.title_en,
                    "decision_no": d.decision_no or "",
                    "first_year": d.first_year,
                    "last_year": d.last_year,
                    "is_confirmed": str(d.is_confirmed).lower(),
                    "is_illustrative": str(d.is_illustrative).lower(),
                    "source_reference": d.source,
                    "central_capital_vnd": d.central_capital.total_vnd if d.central_capital else "",
                    "criterion": line.criterion,
                    "criterion_group": known.group or "",
                    "unit_vi": known.unit_vi,
                    "unit_en": known.unit_en,
                    "is_input_in_warehouse": str(known.in_warehouse).lower(),
                    "coefficient": _number(line.coefficient),
                    "per_units": _number(line.per),
                    "note": line.note or "",
                    "source_file": f"norms/{loaded.path.name}",
                    "source_line": loaded.lines[index],
                }
            )
    return rows


def compile_seed(directory: Path = NORMS_DIR) -> bytes:
    """The seed's bytes for the decision files of the folder."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, SEED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(seed_rows(load_decisions(directory)))
    return out.getvalue().encode("utf-8")


def write_seed(directory: Path = NORMS_DIR, seed: Path = SEED) -> Path:
    write_bytes_atomically(seed, compile_seed(directory))
    return seed


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m reporting.norms [NORMS_DIR [SEED]]`: validate the files and write the seed."""
    args = list(sys.argv[1:] if argv is None else argv)
    directory = Path(args[0]) if args else NORMS_DIR
    seed = Path(args[1]) if len(args) > 1 else SEED
    try:
        written = write_seed(directory, seed)
    except ConfigError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {written}")
    return 0


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _child(node: yaml.Node | None, key: object) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == str(key):
                return v
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


def _line_of(root: yaml.Node | None, loc: Sequence[object]) -> int:
    """The 1-based line of the deepest node of `loc` the file has (the parent of a missing
    field)."""
    node, line = root, (root.start_mark.line + 1 if root is not None else 1)
    for part in loc:
        node = _child(node, part)
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


if __name__ == "__main__":
    raise SystemExit(main())
