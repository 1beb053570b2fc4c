"""The programme codes a provincial report carries, in the programme's two regimes.

Phase I (2021–2025, Decision 1719) has projects `DA1`…`DA10` and sub-projects `DA3.1`…; the merged
2026–2035 programme (Resolution 257/2025/QH15) has components (hợp phần) `HP1`, `HP2` and their
sub-components (nhóm nội dung thành phần) `HP1.01`…, as `dbt_project/seeds/programme_2026_2035.csv`
writes them. Which codes exist is the seeds' business, checked in the warehouse; this module says
which regime a label or code is written in, the code it stands for, and whether a report's period
and its other rows agree with that regime. The warehouse's rule, kept here: phase I codes are
known in every period (a 2026 report in them is read through the crosswalk), 2026–2035 codes only
in periods from 2026; one report is written in one regime.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from connectors.batches import Problem
from connectors.provincial.schema import Period
from connectors.vietnamese import fold

PHASE_1 = "phase_1_2021_2025"
MERGED = "merged_2026_2035"
MERGED_FROM = date(2026, 1, 1)  # the first day of the 2026–2035 programme

_NAMES = {PHASE_1: "giai đoạn I 2021–2025", MERGED: "chương trình 2026–2035"}
# What a report calls the parts of each regime: (project, sub-project), Vietnamese and English.
PART_NAMES = {
    PHASE_1: ("Dự án", "tiểu dự án", "project", "sub-project"),
    MERGED: ("Hợp phần", "nội dung thành phần", "component", "sub-component"),
}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}

# Form 01 labels, folded (no marks, lower case, punctuation as spaces).
_PROJECT_LABEL = re.compile(r"^du an (\d+)\b")
_SUBPROJECT_LABEL = re.compile(r"^(?:tieu du an|tda) ?(\d+)\b")
_COMPONENT_LABEL = re.compile(r"^(?:hop phan|hp) ?(\d+|i{1,3}|iv|vi?)\b")
_CONTENT_LABEL = re.compile(
    r"^(?:nhom noi dung thanh phan|noi dung thanh phan|nhom noi dung|nhom ndtp|ndtp)"
    r" ?(?:so )?(\d+)\b"
)
_CONTENT_CODE_LABEL = re.compile(r"^\s*HP\s*(\d+)[.,](\d+)", re.IGNORECASE)  # HP1.03: ...
# The number a label is given, as written: "Nhóm nội dung thành phần 1.3" is content 3 of
# component 1; "Nhóm nội dung thành phần 3: ..." is content 3.
_WRITTEN_NUMBER = re.compile(r"(\d+)(?:[.,](\d+))?")

# Codes of the flat CSV, folded with the spaces taken out.
_PROJECT_CODE = re.compile(r"(da|duan|hp|hopphan)?0*(\d{1,2})")
_SUB_RELATIVE = re.compile(
    r"(tda|tieuduan|ndtp|nd|noidungthanhphan|nhomnoidungthanhphan|nhomnoidung)0*(\d{1,2})"
)
_SUB_DOTTED = re.compile(r"(da|du an|hp|hop phan) ?0*(\d{1,2}) 0*(\d{1,2})")
_PHASE_1_WORDS = {"da", "duan", "du an", "tda", "tieuduan"}


@dataclass(frozen=True)
class LabelCode:
    """What a Form 01 label says of its row: a project or sub-project of one regime, and its
    numbers (the project's, when the label tells it, and the sub-project's)."""

    kind: str  # project | subproject
    regime: str
    project: int | None
    sub: int | None


def regime_of_period(period: Period) -> str:
    """The regime a report of this period is written in when its rows do not say."""
    return MERGED if period.end_date >= MERGED_FROM else PHASE_1


def regime_of_code(code: str) -> str:
    """The regime of a code this module made (`DA3.1` or `HP1.01`)."""
    return MERGED if code.startswith("HP") else PHASE_1


def project_code(regime: str, number: int) -> str:
    """`DA3` of phase I, `HP1` of the 2026–2035 programme."""
    return f"HP{number}" if regime == MERGED else f"DA{number}"


def subproject_code(regime: str, project: int, sub: int) -> str:
    """`DA3.1` of phase I, `HP1.01` of the 2026–2035 programme (two digits, as the seed has)."""
    return f"HP{project}.{sub:02d}" if regime == MERGED else f"DA{project}.{sub}"


def label_code(label: str) -> LabelCode | None:
    """The project or sub-project a Form 01 label names (`Dự án 3: ...`, `Tiểu dự án 1`,
    `Hợp phần 2: ...`, `Hợp phần II`, `Nhóm nội dung thành phần 1.3`, diacritics or not), else
    None (the row is then told by its STT)."""
    folded = fold(label)
    if match := _PROJECT_LABEL.match(folded):
        return LabelCode("project", PHASE_1, int(match[1]), None)
    if match := _SUBPROJECT_LABEL.match(folded):
        return LabelCode("subproject", PHASE_1, None, int(match[1]))
    if match := _CONTENT_CODE_LABEL.match(label):
        return LabelCode("subproject", MERGED, int(match[1]), int(match[2]))
    if match := _COMPONENT_LABEL.match(folded):
        number = _ROMAN.get(match[1]) or int(match[1])
        return LabelCode("project", MERGED, number, None)
    if _CONTENT_LABEL.match(folded) and (written := _WRITTEN_NUMBER.search(label)):
        if written[2] is not None:
            return LabelCode("subproject", MERGED, int(written[1]), int(written[2]))
        return LabelCode("subproject", MERGED, None, int(written[1]))
    return None


def file_regime(labels: list[str]) -> str | None:
    """The regime the first project or sub-project label of a table names, or None when no
    label says (rows numbered only by STT)."""
    for label in labels:
        found = label_code(label) if label else None
        if found is not None:
            return found.regime
    return None


def csv_project_code(text: str, period: Period) -> str | None:
    """The project code of a flat CSV's `ma_du_an` (`DA3`, `Dự án 3`, `HP2`, `Hợp phần 2`); a bare
    number is read in the regime of the period. None when it is no project code."""
    match = _PROJECT_CODE.fullmatch(fold(text).replace(" ", ""))
    if match is None:
        return None
    if match[1] is None:
        regime = regime_of_period(period)
    else:
        regime = PHASE_1 if match[1] in _PHASE_1_WORDS else MERGED
    return project_code(regime, int(match[2]))


def csv_subproject_code(text: str, project: str | None) -> str | None:
    """The sub-project code of a flat CSV's `ma_tieu_du_an` within its project: `TDA1` or `DA3.1`
    under `DA3`, `ND3`/`NDTP3` or `HP1.03` under `HP1`. None when it is none of them, or names
    another project or the other regime."""
    folded = fold(text)
    if not folded or project is None:
        return None
    regime = regime_of_code(project)
    number = int(project[2:])
    if match := _SUB_RELATIVE.fullmatch(folded.replace(" ", "")):
        if (match[1] in _PHASE_1_WORDS) == (regime == PHASE_1):
            return subproject_code(regime, number, int(match[2]))
        return None
    dotted = _SUB_DOTTED.fullmatch(folded)
    if dotted is None:
        return None
    written_regime = PHASE_1 if dotted[1] in _PHASE_1_WORDS else MERGED
    if written_regime == regime and int(dotted[2]) == number:
        return subproject_code(regime, number, int(dotted[3]))
    return None


def is_bare_number(text: str) -> bool:
    """Whether a code is written as a number only (`3`), its regime then told by the period."""
    return fold(text).replace(" ", "").isdigit()


class RegimeCheck:
    """Whether the codes of one report agree with its period and with each other.

    A 2026–2035 code in a 2021–2025 period is refused; the first code read sets the report's
    regime and a row in the other one is refused (naming both rows); a 2026+ report whose rows
    never say which regime they are in is read in the 2026–2035 codes, with a warning."""

    def __init__(self, period: Period, sheet: str) -> None:
        self.period, self.sheet = period, sheet
        self._first: tuple[str, int, str] | None = None  # regime, row, code
        self._warned = False

    def check(self, code: str, row: int, *, by_period: bool = False) -> Problem | None:
        """The problem of one row's code, if any; `by_period` when the row did not say its
        regime and the period chose it."""
        regime = regime_of_code(code)
        if regime == MERGED and regime_of_period(self.period) == PHASE_1:
            return Problem(
                f"mã {code} thuộc {_NAMES[MERGED]} nhưng kỳ báo cáo {self.period.label} thuộc "
                f"{_NAMES[PHASE_1]}: báo cáo kỳ này dùng mã Dự án/Tiểu dự án (DA) / the code "
                f"{code} is of the 2026–2035 programme but the period {self.period.label} is of "
                "phase I (2021–2025), reported in DA codes",
                self.sheet,
                row,
                "programme",
            )
        if self._first is None:
            self._first = (regime, row, code)
        elif regime != self._first[0]:
            first_regime, first_row, first_code = self._first
            return Problem(
                f"mã {code} thuộc {_NAMES[regime]} nhưng dòng {first_row} ({first_code}) thuộc "
                f"{_NAMES[first_regime]}: một báo cáo chỉ dùng một hệ mã / the code {code} is "
                f"of another programme regime than row {first_row} ({first_code}): one report "
                "is written in one regime",
                self.sheet,
                row,
                "programme",
            )
        if by_period and regime == MERGED and not self._warned:
            self._warned = True
            return Problem(
                f"dòng không ghi 'Hợp phần' hay 'Dự án': đọc là {code} của {_NAMES[MERGED]} theo "
                f"kỳ báo cáo {self.period.label}; nếu là Dự án giai đoạn I, ghi rõ 'Dự án N' / "
                f"the row does not say 'Hợp phần' or 'Dự án': read as {code} of the 2026–2035 "
                "programme by its period; write 'Dự án N' if it is a phase I project",
                self.sheet,
                row,
                "programme",
                blocking=False,
            )
        return None
