"""Provinces of both administrative eras, and how a report's name or code is placed in one."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from connectors.provincial.schema import ResolvedProvince
from connectors.vietnamese import fold, nfc, strip_admin_prefix
from core.errors import ReportReadError

# The 34-province system took effect on this day (Resolution 202/2025/QH15).
ERA_2025_START = date(2025, 7, 1)
DEFAULT_SEED = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "admin_provinces.csv"
_ERA_NAMES = {"2008": "63 tỉnh (trước 01/7/2025)", "2025": "34 tỉnh (từ 01/7/2025)"}
# Other spellings seen in reports, in folded form, mapped to the seed's folded name.
_ALIASES = {
    "thua thien hue": "hue",
    "tt hue": "hue",
    "ho chi minh city": "ho chi minh",
    "hcm": "ho chi minh",
    "sai gon": "ho chi minh",
    "dac lac": "dak lak",
    "daklak": "dak lak",
    "dac nong": "dak nong",
    "daknong": "dak nong",
    "brvt": "ba ria vung tau",
}


def era_on(day: date) -> str:
    """The administrative era in force on `day`: "2008" (63 provinces) or "2025" (34)."""
    return "2025" if day >= ERA_2025_START else "2008"


@dataclass(frozen=True)
class Province:
    """One row of the province seed."""

    admin_era: str
    code: str
    name: str
    full_name: str
    name_en: str
    code_2025: str


def name_key(name: str) -> str:
    """The key province names are matched on: folded, without `UBND tỉnh`, `TP.` and the like."""
    key = fold(strip_admin_prefix(name))
    return _ALIASES.get(key, key)


def normalise_code(code: str | int | float) -> str:
    """`10`, `10.0`, ` 10 ` and `010` → "10"; codes have two digits."""
    text = str(code).strip()
    if isinstance(code, float) or text.endswith(".0"):
        text = text.removesuffix(".0")
    return text.lstrip("0").zfill(2) if text.isdigit() else text


class ProvinceDirectory:
    """The provinces of both eras, looked up by name (any spelling) or code within an era."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else DEFAULT_SEED
        try:
            with open(self.path, encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.DictReader(fh))
        except OSError as exc:
            raise ReportReadError(
                f"the province list cannot be read: {exc.strerror}", file=str(self.path)
            ) from exc
        self.provinces = [
            Province(
                admin_era=r["admin_era"].strip(),
                code=normalise_code(r["province_code"]),
                name=nfc(r["province_name"].strip()),
                full_name=nfc(r["province_full_name"].strip()),
                name_en=r["province_name_en"].strip(),
                code_2025=normalise_code(r["province_code_2025"]),
            )
            for r in rows
        ]
        self._by_code = {(p.admin_era, p.code): p for p in self.provinces}
        self._by_name: dict[tuple[str, str], Province] = {}
        for p in self.provinces:
            for spelling in (p.name, p.full_name, p.name_en):
                self._by_name.setdefault((p.admin_era, name_key(spelling)), p)

    def find_by_name(self, name: str, era: str) -> Province | None:
        return self._by_name.get((era, name_key(name)))

    def find_by_code(self, code: str | int | float, era: str) -> Province | None:
        return self._by_code.get((era, normalise_code(code)))

    def resolve(
        self,
        name: str | None = None,
        code: str | int | float | None = None,
        *,
        on_date: date,
    ) -> ResolvedProvince:
        """The province a report names, in the era of `on_date`; raises when it cannot be told.

        A code alone, a name alone, or both (which must agree) are accepted.
        """
        era = era_on(on_date)
        vi_list, en_list = f"danh mục {_ERA_NAMES[era]}", f"the list of era {era}"
        by_name = self.find_by_name(name, era) if name else None
        by_code = self.find_by_code(code, era) if code not in (None, "") else None
        if name and by_name is None:
            raise ReportReadError(
                f"không nhận ra tên tỉnh {nfc(name)!r} trong {vi_list}"
                f"{self._other_era_hint(name, era)} / unknown province name {nfc(name)!r} "
                f"in {en_list}"
            )
        if code not in (None, "") and by_code is None:
            raise ReportReadError(
                f"mã tỉnh {normalise_code(code)!r} không có trong {vi_list} / "
                f"unknown province code {normalise_code(code)!r} in {en_list}"
            )
        if by_name and by_code and by_name != by_code:
            raise ReportReadError(
                f"mã tỉnh {by_code.code} ({by_code.name}) không khớp tên tỉnh {nfc(name or '')!r} "
                f"({by_name.name}, mã {by_name.code}) theo {vi_list} / province code "
                f"{by_code.code} is {by_code.name} in {en_list}, but the name says {by_name.name}"
            )
        chosen = by_code or by_name
        if chosen is None:
            raise ReportReadError("không có tên hay mã tỉnh / neither a province name nor a code")
        return ResolvedProvince(
            name=chosen.name,
            admin_era=era,
            code_as_reported=chosen.code,
            code_2025=chosen.code_2025,
        )

    def _other_era_hint(self, name: str, era: str) -> str:
        other = "2025" if era == "2008" else "2008"
        found = self.find_by_name(name, other)
        return f" (có trong danh mục {_ERA_NAMES[other]})" if found else ""


@lru_cache(maxsize=4)
def default_directory(path: Path | None = None) -> ProvinceDirectory:
    """The directory of the repository's seed, read once per process."""
    return ProvinceDirectory(path)
