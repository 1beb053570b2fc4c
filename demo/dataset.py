"""The demo's synthetic but realistic data: every sender's payload, built in memory from a seed."""

from __future__ import annotations

import calendar
import csv
import io
import itertools
import random
import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from lxml import etree

from connectors.admin_units import Province, ProvinceDirectory
from connectors.provincial.flat_csv import COLUMNS as FLAT_CSV_COLUMNS
from demo.form01_writer import Form01Leaf, Form01Spec, Form01Variant, InjectedError, write_form01

_REPO = Path(__file__).resolve().parents[1]
PROVINCES_SEED = _REPO / "dbt_project" / "seeds" / "admin_provinces.csv"
ASSIGNMENTS_CSV = Path(__file__).resolve().parent / "assignments.csv"

# Phase I structure (Decision 1719/QĐ-TTg): projects and their sub-projects; a project without
# sub-projects is itself a leaf of Form 01.
PROGRAMME: dict[str, tuple[str, ...]] = {
    "DA1": (),
    "DA2": (),
    "DA3": ("DA3.1", "DA3.2"),
    "DA4": ("DA4.1", "DA4.2"),
    "DA5": ("DA5.1", "DA5.2", "DA5.3", "DA5.4"),
    "DA6": (),
    "DA7": (),
    "DA8": (),
    "DA9": ("DA9.1", "DA9.2"),
    "DA10": ("DA10.1", "DA10.2", "DA10.3"),
}
BUDGET_SOURCES = ("central", "local")
CAPITAL_TYPES = ("investment", "recurrent")
SOURCE_CODES = {"central": "NSTW", "local": "NSDP"}
CAPITAL_CODES = {"investment": "DTPT", "recurrent": "SN"}
# Lines that build things (land, housing, infrastructure, facilities) carry investment capital.
_INVESTMENT_LINES = {"DA1", "DA2", "DA4.1", "DA4.2", "DA6", "DA9.1"}

OLD_PROVINCE_CODES = ("15", "10", "62", "11", "02", "14", "12", "64", "66", "04", "52")
NEW_PROVINCE_CODES = ("15", "51", "52", "11", "14", "12", "08", "04", "66", "19")

# Staff save e-mail attachments under whatever name the sender chose; these say nothing reliable.
_OLD_FILE_NAMES = (
    "Bieu 01 - Quy III.xlsx",
    "BC giai ngan 1719 (final).xlsx",
    "BC Gia Lai - chuyen tiep.xlsx",
    "Bieu01_QIII.xlsx",
    "bieu mau 01.xls",
    "Bao cao MTQG 1719 quy 3 (2).xlsx",
    "Copy of Bieu 01.xlsx",
    "Book1.xlsx",
    "BC 1719 gui VPDP.xlsx",
    "Bieu 01 - Quy III (1).xlsx",
    "BC tien do giai ngan.xls",
)
_NEW_FILE_NAMES = (
    "Bieu 01 quy I.xlsx",
    "BC giai ngan 1719 (final) (1).xlsx",
    "bieu 01 - ban sua.xlsx",
    "BC quy 1 gui Van phong dieu phoi.xlsx",
    "Bieu01.xlsx",
    "Bao cao giai ngan Q1.xlsx",
    "BC 1719 - lan 2.xlsx",
    "Copy of Bieu 01 (2).xlsx",
    "Bieu 01 tinh.xlsx",
    "BC MTQG quy I nam nay.xlsx",
)
UNREADABLE_FILE_NAME = "bao_cao_quy3.xlsx"
BAD_SUBTOTAL = {
    "province": ("2008", "15"),
    "budget_source": "central",
    "project_code": "DA5",
    "excess_vnd": 250_000_000,
}


@dataclass(frozen=True)
class Leaf:
    """One leaf fact of a Form 01: one line (project or sub-project) of one budget source, one
    capital type; amounts in đồng."""

    budget_source: str  # central | local
    project_code: str
    subproject_code: str | None
    capital_type: str  # investment | recurrent
    planned_vnd: int
    disbursed_vnd: int

    @property
    def line_code(self) -> str:
        return self.subproject_code or self.project_code


@dataclass(frozen=True)
class Form01File:
    """One Form 01 file as it lands in the inbox, with what the pipeline must make of it."""

    file_name: str
    content: bytes
    province: Province | None  # None for the file that is not a spreadsheet
    period: str | None  # warehouse period label: 2024-Q3, 2026-Q1, 2024
    leaves: tuple[Leaf, ...]
    expected_status: str  # accepted | quarantined
    expected_check: str | None = None  # the failing check when quarantined: read | reconciliation
    variant: Any = None  # the writer's Form01Variant used, None when not written by the writer
    over_plan_lines: tuple[Leaf, ...] = ()  # leaves disbursed above plan (a warning, not a block)


@dataclass(frozen=True)
class CkanPortalData:
    """One provincial open-data portal: its CKAN packages and the bytes behind each resource.

    Resource URLs start with `{portal}`, which the portal server replaces by its live address;
    `resources` and `flat_csv_rows` (data rows of each flat CSV export) are keyed by resource id.
    """

    name: str
    title: str
    packages: list[dict[str, Any]]
    resources: dict[str, bytes]
    flat_csv_rows: dict[str, int]


@dataclass(frozen=True)
class DemoDataset:
    """Everything the demo's senders send, deterministic for a seed."""

    seed: int
    provinces: tuple[Province, ...]
    form01_files: tuple[Form01File, ...]
    ministry_records: dict[str, list[dict[str, Any]]]
    iati_files: dict[str, bytes]  # file name -> IATI 2.03 activity XML
    iati_activity_docs: list[dict[str, Any]]
    iati_transaction_docs: list[dict[str, Any]]
    donor_mapping_csv: bytes
    ckan_portals: tuple[CkanPortalData, ...]
    assignments_csv: bytes

    def province(self, admin_era: str, code: str) -> Province:
        for p in self.provinces:
            if p.admin_era == admin_era and p.code == code:
                return p
        raise KeyError(f"no province {code} in era {admin_era}")

    def expected_summary(self) -> dict[str, Any]:
        """Numbers a test can check after the demo ran (counts of files, facts and records)."""
        accepted = [f for f in self.form01_files if f.expected_status == "accepted"]
        quarantined = [f for f in self.form01_files if f.expected_status != "accepted"]
        return {
            "form01_files": len(self.form01_files),
            "form01_accepted": len(accepted),
            "form01_quarantined": len(quarantined),
            "form01_quarantined_files": sorted(f.file_name for f in quarantined),
            "form01_quarantine_checks": sorted(str(f.expected_check) for f in quarantined),
            # one fact per leaf line × capital type, as in the example truth file (72 per file)
            "form01_leaf_facts": sum(len(f.leaves) for f in accepted),
            "form01_leaf_rows": sum(
                len({(x.budget_source, x.line_code) for x in f.leaves}) for f in accepted
            ),
            "form01_over_plan_warnings": sum(len(f.over_plan_lines) for f in accepted),
            "form01_planned_vnd": sum(x.planned_vnd for f in accepted for x in f.leaves),
            "form01_disbursed_vnd": sum(x.disbursed_vnd for f in accepted for x in f.leaves),
            "ministry_records": {k: len(v) for k, v in self.ministry_records.items()},
            "iati_files": len(self.iati_files),
            "iati_file_activities": sum(
                f.count(b"<iati-activity ") for f in self.iati_files.values()
            ),
            "iati_datastore_activities": len(self.iati_activity_docs),
            "iati_datastore_transactions": len(self.iati_transaction_docs),
            "ckan_packages": sum(len(p.packages) for p in self.ckan_portals),
            "ckan_resources": sum(len(p.resources) for p in self.ckan_portals),
            "flat_csv_rows": sum(sum(p.flat_csv_rows.values()) for p in self.ckan_portals),
        }


def load_provinces(path: Path = PROVINCES_SEED) -> tuple[Province, ...]:
    """The 97 provinces (34 of era 2025, 63 of era 2008) typed in the repository's seed."""
    return tuple(ProvinceDirectory(path).provinces)


def leaf_lines() -> list[tuple[str, str | None]]:
    """(project, sub-project) of every leaf line of Form 01, in the form's order."""
    lines: list[tuple[str, str | None]] = []
    for project, subs in PROGRAMME.items():
        lines.extend((project, s) for s in subs) if subs else lines.append((project, None))
    return lines


def build_demo_dataset(seed: int = 1719) -> DemoDataset:
    """Build the whole demo dataset in memory; the same seed gives the same bytes."""
    provinces = load_provinces()
    by_key = {(p.admin_era, p.code): p for p in provinces}
    old = [by_key[("2008", c)] for c in OLD_PROVINCE_CODES]
    new = [by_key[("2025", c)] for c in NEW_PROVINCE_CODES]

    rng = random.Random(f"{seed}-amounts")
    reports_2024 = {p.code: _report_leaves(rng, p, quarter_share=(0.35, 0.95)) for p in old}
    reports_2026 = {p.code: _report_leaves(rng, p, quarter_share=(0.03, 0.35)) for p in new}
    # Two lines disbursed above plan: a warning of the report, never a reason to reject it.
    reports_2024["14"] = _push_over_plan(reports_2024["14"], "central", "DA7", "recurrent", 1.07)
    reports_2026["04"] = _push_over_plan(reports_2026["04"], "central", "DA1", "investment", 1.11)

    form01 = _form01_files(seed, old, new, reports_2024, reports_2026)
    ministry = _ministry_records(seed, old, new, reports_2024, reports_2026)
    iati_files, activity_docs, transaction_docs, mapping = _iati(seed)
    portals = _ckan_portals(seed, by_key)
    return DemoDataset(
        seed=seed,
        provinces=provinces,
        form01_files=form01,
        ministry_records=ministry,
        iati_files=iati_files,
        iati_activity_docs=activity_docs,
        iati_transaction_docs=transaction_docs,
        donor_mapping_csv=mapping,
        ckan_portals=portals,
        assignments_csv=ASSIGNMENTS_CSV.read_bytes(),
    )


# ---------------------------------------------------------------------------------------------
# Amounts of the provincial reports


def _report_leaves(
    rng: random.Random, province: Province, quarter_share: tuple[float, float]
) -> tuple[Leaf, ...]:
    """Plan and cumulative disbursement of every leaf line × capital type of one report."""
    # Bigger, poorer mountain provinces get more; keeps the national picture uneven.
    weight = rng.uniform(0.6, 1.6)
    leaves: list[Leaf] = []
    for source in BUDGET_SOURCES:
        scale = 1.0 if source == "central" else rng.uniform(0.08, 0.16)
        for project, sub in leaf_lines():
            line = sub or project
            n_subs = len(PROGRAMME[project]) or 1
            # Tens of billions of đồng per project, split among its sub-projects.
            line_total = rng.uniform(8e9, 60e9) * weight * scale / n_subs
            # Like DA5.3 in the example: a sub-project may have nothing assigned this year.
            is_empty = sub is not None and rng.random() < 0.05
            if line in _INVESTMENT_LINES:
                investment_share = rng.uniform(0.45, 1.0) if rng.random() < 0.6 else 1.0
            else:
                investment_share = rng.uniform(0.2, 0.5) if rng.random() < 0.1 else 0.0
            for capital in CAPITAL_TYPES:
                share = investment_share if capital == "investment" else 1 - investment_share
                planned = 0 if is_empty else _round_thousand(line_total * share)
                disbursed = _round_thousand(planned * rng.uniform(*quarter_share))
                leaves.append(Leaf(source, project, sub, capital, planned, disbursed))
    return tuple(leaves)


def _push_over_plan(
    leaves: tuple[Leaf, ...], source: str, line: str, capital: str, ratio: float
) -> tuple[Leaf, ...]:
    out = []
    for leaf in leaves:
        if (leaf.budget_source, leaf.line_code, leaf.capital_type) == (source, line, capital):
            planned = leaf.planned_vnd or 4_250_000_000
            leaf = Leaf(
                source,
                leaf.project_code,
                leaf.subproject_code,
                capital,
                planned,
                _round_thousand(planned * ratio),
            )
        out.append(leaf)
    return tuple(out)


def _round_thousand(amount: float) -> int:
    # Reports in triệu đồng carry three decimals: amounts are whole thousands of đồng.
    return round(amount / 1000) * 1000


def _over_plan(leaves: Iterable[Leaf]) -> tuple[Leaf, ...]:
    return tuple(x for x in leaves if x.disbursed_vnd > x.planned_vnd)


# ---------------------------------------------------------------------------------------------
# Ministries: the five collections of the data-sharing gateway

_PLAN_DECISIONS = {
    2024: ("1234/QĐ-BTC", "2024-01-15"),
    2026: ("215/QĐ-BTC", "2026-01-22"),
}


def _ministry_records(
    seed: int,
    old: list[Province],
    new: list[Province],
    reports_2024: dict[str, tuple[Leaf, ...]],
    reports_2026: dict[str, tuple[Leaf, ...]],
) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(f"{seed}-ministry")
    plans: list[dict[str, Any]] = []
    for year, provinces, reports in ((2024, old, reports_2024), (2026, new, reports_2026)):
        decision_no, decision_date = _PLAN_DECISIONS[year]
        for p in provinces:
            for leaf in reports[p.code]:
                if leaf.planned_vnd:
                    plans.append(
                        _plan_record(
                            year, "annual", p, leaf, leaf.planned_vnd, decision_no, decision_date
                        )
                    )
    # The medium-term plan 2021–2025 of a few provinces, for the baseline pages.
    for p in old[:3]:
        for leaf in reports_2024[p.code]:
            if (
                leaf.budget_source == "central"
                and leaf.planned_vnd
                and leaf.subproject_code is None
            ):
                amount = _round_thousand(leaf.planned_vnd * rng.uniform(4.2, 5.4))
                plans.append(
                    _plan_record(2021, "medium_term", p, leaf, amount, "1535/QĐ-TTg", "2022-09-14")
                )

    disbursements: list[dict[str, Any]] = []
    for provinces, reports, year, months_reported, months_after in (
        (old, reports_2024, 2024, 9, 3),
        (new, reports_2026, 2026, 3, 0),
    ):
        for p in provinces:
            for leaf in reports[p.code]:
                monthly = _split(rng, leaf.disbursed_vnd, months_reported)
                # The rest of the year keeps disbursing towards the plan.
                rest = max(leaf.planned_vnd - leaf.disbursed_vnd, 0)
                monthly += _split(rng, int(rest * rng.uniform(0.5, 0.95)), months_after)
                for month, amount in enumerate(monthly, start=1):
                    if amount:
                        disbursements.append(
                            _disbursement_record(rng, p, leaf, year, month, amount)
                        )

    communes, villages = _communes_and_villages(rng, old)
    return {
        "capital-plans": plans,
        "disbursements": disbursements,
        "beneficiary-communes": communes,
        "extremely-difficult-villages": villages,
        "exchange-rates": _exchange_rates(rng),
    }


def _plan_record(
    year: int,
    kind: str,
    p: Province,
    leaf: Leaf,
    amount_vnd: int,
    decision_no: str,
    decision_date: str,
) -> dict[str, Any]:
    source, capital = SOURCE_CODES[leaf.budget_source], CAPITAL_CODES[leaf.capital_type]
    return {
        "id": f"KHV-{year}-{kind[0].upper()}-{p.admin_era}-{p.code}-{leaf.line_code}-"
        f"{source}-{capital}",
        "year": year,
        "plan_kind": kind,
        "province_code": p.code,
        "admin_era": p.admin_era,
        "project_code": leaf.project_code,
        "subproject_code": leaf.subproject_code,
        "budget_source": source,
        "capital_type": capital,
        "amount_million_vnd": round(amount_vnd / 1_000_000, 3),
        "decision_no": decision_no,
        "decision_date": decision_date,
        "updated_at": f"{decision_date}T08:15:00+07:00",
    }


def _disbursement_record(
    rng: random.Random, p: Province, leaf: Leaf, year: int, month: int, amount: int
) -> dict[str, Any]:
    last_day = calendar.monthrange(year, month)[1]
    value_date = date(year, month, rng.randint(20, last_day))
    updated = value_date + timedelta(days=rng.randint(1, 6))
    source, capital = SOURCE_CODES[leaf.budget_source], CAPITAL_CODES[leaf.capital_type]
    return {
        "id": f"GN-{year}{month:02d}-{p.admin_era}-{p.code}-{leaf.line_code}-{source}-{capital}",
        "year": year,
        "month": f"{year}-{month:02d}",
        "province_code": p.code,
        "admin_era": p.admin_era,
        "project_code": leaf.project_code,
        "subproject_code": leaf.subproject_code,
        "budget_source": source,
        "capital_type": capital,
        "amount_vnd": amount,
        "value_date": value_date.isoformat(),
        "updated_at": f"{updated.isoformat()}T17:30:00+07:00",
    }


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` đồng in `parts` uneven integer instalments that add up exactly."""
    if parts == 0:
        return []
    weights = [rng.uniform(0.2, 1.5) for _ in range(parts)]
    amounts = [int(total * w / sum(weights)) for w in weights]
    amounts[-1] += total - sum(amounts)
    return amounts


_SYLLABLES_NORTH = (
    "Nậm",
    "Pà",
    "Tả",
    "Phìn",
    "Mường",
    "Sín",
    "Chải",
    "Bản",
    "Lũng",
    "Hồ",
    "Thầu",
    "Sà",
    "Pìn",
    "Mồ",
    "Chiềng",
    "Pa",
    "Vàng",
    "Khao",
    "Na",
    "Tủa",
)
_SYLLABLES_HIGHLANDS = (
    "Ia",
    "Đăk",
    "Kon",
    "Krông",
    "Ea",
    "Pờ",
    "Tơ",
    "Ngọc",
    "Hơ",
    "Bờ",
    "Rơ",
    "Lây",
    "Sơ",
    "Mơ",
    "Rai",
    "Drông",
    "Kênh",
    "Kar",
    "Yang",
    "Hra",
)
_TAY_NGUYEN_AND_CENTRE = {"62", "64", "66", "52"}


def _place_name(rng: random.Random, province: Province) -> str:
    pool = _SYLLABLES_HIGHLANDS if province.code in _TAY_NGUYEN_AND_CENTRE else _SYLLABLES_NORTH
    first, second = rng.choice(pool), rng.choice(pool)
    # Some names run together as one word ("Pà cò"), most are two capitalised syllables.
    return f"{first} {second.lower() if rng.random() < 0.3 else second}"


def _communes_and_villages(
    rng: random.Random, old: list[Province]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    communes: list[dict[str, Any]] = []
    villages: list[dict[str, Any]] = []
    for p in old:
        # Invented codes in a block of 400 per province: unique nationally, five digits.
        base = int(p.code) * 400
        for i in range(rng.randint(24, 34)):
            code = f"{base + 3 * i + rng.randint(0, 2):05d}"
            name = f"Xã {_place_name(rng, p)}"
            region = rng.choices(("I", "II", "III"), weights=(2, 3, 5))[0]
            communes.append(
                {
                    "id": f"XA-861-{code}",
                    "commune_code": code,
                    "commune_name": name,
                    "province_code": p.code,
                    "province_name": p.name,
                    "admin_era": "2008",
                    "region": region,
                    "decision_no": "861/QĐ-TTg",
                    "decision_date": "2021-06-04",
                    "updated_at": "2021-06-10T09:00:00+07:00",
                }
            )
            n_villages = {"III": rng.randint(1, 3), "II": rng.randint(0, 2), "I": 0}[region]
            for v in range(n_villages):
                kind = "Thôn" if p.code in _TAY_NGUYEN_AND_CENTRE else "Bản"
                villages.append(
                    {
                        "id": f"THON-612-{code}-{v + 1:02d}",
                        "village_name": f"{kind} {_place_name(rng, p)}",
                        "commune_code": code,
                        "commune_name": name,
                        "province_code": p.code,
                        "admin_era": "2008",
                        "decision_no": "612/QĐ-UBDT",
                        "decision_date": "2021-09-16",
                        "updated_at": "2021-09-20T09:00:00+07:00",
                    }
                )
    return communes, villages


def _exchange_rates(rng: random.Random) -> list[dict[str, Any]]:
    """State Bank central rates, VND per unit, every day of 2024-01-01..2026-03-31."""
    # Anchors close to the published path of the central rate; the walk fills the days between.
    usd_anchors = {
        date(2024, 1, 1): 23_900,
        date(2024, 12, 31): 24_270,
        date(2025, 12, 31): 25_150,
        date(2026, 3, 31): 25_180,
    }
    eur_per_usd = {
        date(2024, 1, 1): 1.10,
        date(2024, 12, 31): 1.04,
        date(2025, 12, 31): 1.17,
        date(2026, 3, 31): 1.16,
    }
    records: list[dict[str, Any]] = []
    day, end = date(2024, 1, 1), date(2026, 3, 31)
    noise_usd = noise_eur = 0.0
    while day <= end:
        noise_usd = 0.9 * noise_usd + rng.gauss(0, 6)
        noise_eur = 0.9 * noise_eur + rng.gauss(0, 0.003)
        usd = _interpolate(usd_anchors, day) + noise_usd
        eur = usd * (_interpolate(eur_per_usd, day) + noise_eur)
        for currency, rate in (("USD", round(usd)), ("EUR", round(eur, 2))):
            records.append(
                {
                    "id": f"TG-{currency}-{day.isoformat()}",
                    "currency": currency,
                    "rate_date": day.isoformat(),
                    "vnd_per_unit": rate,
                    "updated_at": f"{day.isoformat()}T08:00:00+07:00",
                }
            )
        day += timedelta(days=1)
    return records


def _interpolate(anchors: dict[date, float], day: date) -> float:
    points = sorted(anchors.items())
    for (d0, v0), (d1, v1) in itertools.pairwise(points):
        if d0 <= day <= d1:
            return v0 + (v1 - v0) * (day - d0).days / (d1 - d0).days
    return points[-1][1]


# ---------------------------------------------------------------------------------------------
# Donors: IATI activity files (two donors) and Datastore documents (a third donor)

_DONORS = {
    "XI-DEMO-MRDF": ("Mekong Rural Development Fund (demo)", "USD"),
    "XI-DEMO-HPF": ("Highlands Partnership Facility (demo)", "EUR"),
    "XI-DEMO-NUT": ("Northern Uplands Trust (demo)", "USD"),
}
# (activity suffix, title, country, locations as donors write them, programme tag, sector)
_ACTIVITIES = {
    "XI-DEMO-MRDF": (
        (
            "VN-1719-01",
            "Value chains for upland farmers",
            "VN",
            ("Lao Cai", "Ha Giang Province"),
            "MTQG-1719-DA3",
            "31120",
        ),
        (
            "VN-1719-02",
            "Rural roads and small irrigation in the Central Highlands",
            "VN",
            ("Kon Tum", "Gia Lai"),
            "MTQG-1719-DA4",
            "21020",
        ),
        (
            "VN-1719-03",
            "Vocational skills for ethnic minority youth",
            "VN",
            ("Dien Bien", "Son La", "Lai Chau"),
            "MTQG-1719-DA5",
            "11330",
        ),
        (
            "LA-2023-07",
            "Smallholder resilience in northern Laos",
            "LA",
            ("Phongsaly",),
            None,
            "31120",
        ),
    ),
    "XI-DEMO-HPF": (
        (
            "VN-CULT-2024",
            "Living heritage and community tourism",
            "VN",
            ("Dak Lak", "Lam Dong"),
            "MTQG-1719-DA6",
            "16061",
        ),
        (
            "VN-GENDER-2024",
            "Safe villages for women and girls",
            "VN",
            ("Tỉnh Cao Bằng", "Yen Bai"),
            "MTQG-1719-DA8",
            "15170",
        ),
    ),
    "XI-DEMO-NUT": (
        (
            "VN-WATER-01",
            "Clean water for mountain communes",
            "VN",
            ("Ha Giang", "Cao Bang"),
            "MTQG-1719-DA1",
            "14030",
        ),
        (
            "VN-COMMS-02",
            "Community radio and legal aid",
            "VN",
            ("Son La", "Thai Nguyen"),
            "MTQG-1719-DA10",
            "15160",
        ),
    ),
}
_DONOR_SHARES = {
    "XI-DEMO-MRDF-VN-1719-01": (("DA3", "0.6"), ("DA9", "0.4")),
    "XI-DEMO-MRDF-VN-1719-02": (("DA4", "1"),),
    "XI-DEMO-MRDF-VN-1719-03": (("DA5", "0.5"),),
    "XI-DEMO-HPF-VN-CULT-2024": (("DA6", "0.7"),),
    "XI-DEMO-HPF-VN-GENDER-2024": (("DA8", "1"),),
    "XI-DEMO-NUT-VN-WATER-01": (("DA1", "0.8"),),
    "XI-DEMO-NUT-VN-COMMS-02": (("DA10", "1"),),
}


@dataclass(frozen=True)
class _Transaction:
    type_code: str  # 2 commitment, 3 disbursement, 4 expenditure
    date: date
    value: float
    currency: str | None  # None: the activity's default currency applies


def _transactions(rng: random.Random, default_currency: str) -> list[_Transaction]:
    commitment = round(rng.uniform(2e6, 12e6), -3)
    start = date(2024, rng.randint(1, 6), rng.randint(1, 28))
    out = [_Transaction("2", start, commitment, None)]
    day, left = start, commitment
    for _ in range(rng.randint(3, 6)):
        day += timedelta(days=rng.randint(45, 140))
        if day > date(2026, 3, 31):
            break
        amount = round(min(left, commitment * rng.uniform(0.08, 0.25)), 2)
        left -= amount
        # Some donors repeat the currency on every value, some rely on default-currency.
        currency = default_currency if rng.random() < 0.5 else None
        out.append(_Transaction(rng.choice(("3", "3", "4")), day, amount, currency))
    return out


def _iati(
    seed: int,
) -> tuple[dict[str, bytes], list[dict[str, Any]], list[dict[str, Any]], bytes]:
    rng = random.Random(f"{seed}-iati")
    files: dict[str, bytes] = {}
    activity_docs: list[dict[str, Any]] = []
    transaction_docs: list[dict[str, Any]] = []
    for org_ref, activities in _ACTIVITIES.items():
        org_name, currency = _DONORS[org_ref]
        root = etree.Element(
            "iati-activities", version="2.03", attrib={"generated-datetime": "2026-04-02T06:00:00Z"}
        )
        for suffix, title, country, locations, tag, sector in activities:
            identifier = f"{org_ref}-{suffix}"
            transactions = _transactions(rng, currency)
            root.append(
                _activity_xml(
                    identifier,
                    org_ref,
                    org_name,
                    currency,
                    title,
                    country,
                    locations,
                    tag,
                    sector,
                    transactions,
                )
            )
            if org_ref == "XI-DEMO-NUT":
                doc = _activity_doc(
                    identifier,
                    org_ref,
                    org_name,
                    currency,
                    title,
                    country,
                    locations,
                    tag,
                    sector,
                    transactions,
                )
                activity_docs.append(doc)
                transaction_docs.extend(_transaction_docs(doc, transactions, currency))
        if org_ref != "XI-DEMO-NUT":
            name = f"{org_ref.lower()}-vn.xml"
            files[name] = etree.tostring(
                root, xml_declaration=True, encoding="UTF-8", pretty_print=True
            )
    mapping = io.StringIO()
    writer = csv.writer(mapping, lineterminator="\n")
    writer.writerow(("iati_identifier", "project_code", "share"))
    for identifier, shares in _DONOR_SHARES.items():
        for project, share in shares:
            writer.writerow((identifier, project, share))
    return files, activity_docs, transaction_docs, mapping.getvalue().encode("utf-8")


def _narrative(parent: etree._Element, tag: str, text: str, **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib=attrib)
    etree.SubElement(element, "narrative").text = text
    return element


def _activity_xml(
    identifier: str,
    org_ref: str,
    org_name: str,
    currency: str,
    title: str,
    country: str,
    locations: tuple[str, ...],
    tag: str | None,
    sector: str,
    transactions: list[_Transaction],
) -> etree._Element:
    # Children in the order the IATI 2.03 schema requires.
    activity = etree.Element(
        "iati-activity",
        attrib={
            "last-updated-datetime": "2026-04-01T10:00:00Z",
            "{http://www.w3.org/XML/1998/namespace}lang": "en",
            "default-currency": currency,
        },
    )
    etree.SubElement(activity, "iati-identifier").text = identifier
    _narrative(activity, "reporting-org", org_name, ref=org_ref, type="80")
    _narrative(activity, "title", title)
    _narrative(activity, "description", f"{title}. Activity of {org_name}.")
    _narrative(activity, "participating-org", org_name, ref=org_ref, role="1", type="80")
    if tag:
        other = etree.SubElement(activity, "other-identifier", ref=tag, type="A1")
        _narrative(other, "owner-org", org_name, ref=org_ref)
    etree.SubElement(activity, "activity-status", code="2")
    etree.SubElement(activity, "activity-date", type="2", attrib={"iso-date": "2024-01-15"})
    etree.SubElement(activity, "recipient-country", code=country, percentage="100")
    for i, location in enumerate(locations, start=1):
        loc = etree.SubElement(activity, "location", ref=f"{identifier}-L{i}")
        _narrative(loc, "name", location)
    etree.SubElement(activity, "sector", vocabulary="1", code=sector)
    if tag:
        _narrative(
            activity, "tag", "National Target Programme 1719 (Vietnam)", vocabulary="99", code=tag
        )
    for t in transactions:
        tx = etree.SubElement(activity, "transaction")
        etree.SubElement(tx, "transaction-type", code=t.type_code)
        etree.SubElement(tx, "transaction-date", attrib={"iso-date": t.date.isoformat()})
        value = etree.SubElement(tx, "value", attrib={"value-date": t.date.isoformat()})
        if t.currency:
            value.set("currency", t.currency)
        value.text = f"{t.value:.2f}"
    return activity


def _activity_doc(
    identifier: str,
    org_ref: str,
    org_name: str,
    currency: str,
    title: str,
    country: str,
    locations: tuple[str, ...],
    tag: str | None,
    sector: str,
    transactions: list[_Transaction],
) -> dict[str, Any]:
    # Solr names join element and attribute with "_"; repeated elements are parallel lists.
    return {
        "id": identifier,
        "iati_identifier": identifier,
        "reporting_org_ref": org_ref,
        "reporting_org_narrative": [org_name],
        "default_currency": currency,
        "title_narrative": [title],
        "recipient_country_code": [country],
        "recipient_country_percentage": [100.0],
        "location_name_narrative": list(locations),
        "sector_code": [sector],
        "sector_vocabulary": ["1"],
        "other_identifier_ref": [tag] if tag else [],
        "other_identifier_type": ["A1"] if tag else [],
        "tag_code": [tag] if tag else [],
        "tag_vocabulary": ["99"] if tag else [],
        "transaction_transaction_type_code": [t.type_code for t in transactions],
        "transaction_transaction_date_iso_date": [
            f"{t.date.isoformat()}T00:00:00Z" for t in transactions
        ],
        "transaction_value": [t.value for t in transactions],
        "transaction_value_currency": [t.currency or currency for t in transactions],
        "transaction_value_value_date": [f"{t.date.isoformat()}T00:00:00Z" for t in transactions],
    }


def _transaction_docs(
    activity: dict[str, Any], transactions: list[_Transaction], currency: str
) -> list[dict[str, Any]]:
    docs = []
    for i, t in enumerate(transactions):
        docs.append(
            {
                "id": f"{activity['iati_identifier']}-T{i + 1}",
                "iati_identifier": activity["iati_identifier"],
                "reporting_org_ref": activity["reporting_org_ref"],
                "default_currency": currency,
                "recipient_country_code": activity["recipient_country_code"],
                "other_identifier_ref": activity["other_identifier_ref"],
                "transaction_transaction_type_code": [t.type_code],
                "transaction_transaction_date_iso_date": [f"{t.date.isoformat()}T00:00:00Z"],
                "transaction_value": [t.value],
                "transaction_value_currency": [t.currency or currency],
                "transaction_value_value_date": [f"{t.date.isoformat()}T00:00:00Z"],
            }
        )
    return docs


# ---------------------------------------------------------------------------------------------
# Provinces' open-data portals (CKAN): flat CSV exports and one Form 01

_FLAT_COLUMNS = FLAT_CSV_COLUMNS


def flat_csv_rows(
    province: Province, period: str, leaves: Iterable[Leaf], updated: date
) -> list[dict[str, Any]]:
    """The rows of a flat CSV export, amounts as numbers in triệu đồng (empty lines skipped)."""
    rows = []
    for leaf in leaves:
        if not leaf.planned_vnd and not leaf.disbursed_vnd:
            continue
        sub = leaf.subproject_code
        rows.append(
            {
                "ma_tinh": province.code,
                "ten_tinh": province.full_name,
                "ky_bao_cao": period,
                "ma_du_an": leaf.project_code,
                "ma_tieu_du_an": f"TDA{sub.split('.')[1]}" if sub else "",
                "nguon_von": SOURCE_CODES[leaf.budget_source],
                "loai_von": CAPITAL_CODES[leaf.capital_type],
                "ke_hoach_trieu_dong": leaf.planned_vnd / 1_000_000,
                "giai_ngan_trieu_dong": leaf.disbursed_vnd / 1_000_000,
                "ngay_cap_nhat": updated.strftime("%d/%m/%Y"),
            }
        )
    return rows


def _flat_csv(rows: list[dict[str, Any]], *, semicolon: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if semicolon else ",", lineterminator="\r\n")
    writer.writerow(_FLAT_COLUMNS)
    for row in rows:
        values = []
        for column in _FLAT_COLUMNS:
            value = row[column]
            if isinstance(value, float):
                value = f"{value:.3f}".rstrip("0").rstrip(".")
                # Spreadsheets set to Vietnamese write a decimal comma.
                value = value.replace(".", ",") if semicolon else value
            values.append(value)
        writer.writerow(values)
    text = out.getvalue()
    return ("\ufeff" + text).encode("utf-8") if semicolon else text.encode("utf-8")


def _resource(
    rng: random.Random, package_id: str, file_name: str, fmt: str, content: bytes, modified: str
) -> tuple[dict[str, Any], str]:
    resource_id = _uuid(rng)
    return {
        "id": resource_id,
        "package_id": package_id,
        "name": file_name,
        "description": "",
        "format": fmt,
        "url": f"{{portal}}/dataset/{package_id}/resource/{resource_id}/download/{file_name}",
        "url_type": "upload",
        "mimetype": None,
        # Like most real portals: no hash, often no last_modified.
        "hash": "",
        "last_modified": modified if rng.random() < 0.4 else None,
        "created": modified,
        "size": len(content),
        "state": "active",
        "position": 0,
    }, resource_id


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _package(
    rng: random.Random,
    portal: str,
    org_title: str,
    name: str,
    title: str,
    modified: str,
    tags: tuple[str, ...],
) -> dict[str, Any]:
    return {
        "id": _uuid(rng),
        "name": name,
        "title": title,
        "type": "dataset",
        "state": "active",
        "private": False,
        "license_id": "cc-by",
        "license_title": "Creative Commons Attribution",
        "notes": f"{title}. Dữ liệu do {org_title} công bố.",
        "organization": {
            "id": _uuid(rng),
            "name": portal,
            "title": org_title,
            "type": "organization",
            "state": "active",
            "is_organization": True,
        },
        "owner_org": None,
        "metadata_created": modified,
        "metadata_modified": modified,
        "tags": [
            {"name": t, "display_name": t, "state": "active", "vocabulary_id": None} for t in tags
        ],
        "num_tags": len(tags),
        "resources": [],
        "num_resources": 0,
        "extras": [],
    }


def _add_resource(package: dict[str, Any], resource: dict[str, Any]) -> None:
    resource["package_id"] = package["id"]
    resource["position"] = len(package["resources"])
    package["resources"].append(resource)
    package["num_resources"] = len(package["resources"])


def _ckan_portals(seed: int, by_key: dict[tuple[str, str], Province]) -> tuple[CkanPortalData, ...]:
    rng = random.Random(f"{seed}-ckan")
    amounts = random.Random(f"{seed}-ckan-amounts")
    portals = []
    # Lâm Đồng absorbed Đắk Nông and Bình Thuận: its 2024 export still carries the three old
    # provinces under their old codes, in a Vietnamese-locale CSV (";", decimal comma, BOM).
    # Lạng Sơn kept its code: a plain CSV, and a Form 01 for the whole of 2024.
    for portal, code_2025, old_codes, semicolon in (
        ("lamdong", "68", ("68", "67", "60"), True),
        ("langson", "20", ("20",), False),
    ):
        new = by_key[("2025", code_2025)]
        org_title = f"Sở Dân tộc và Tôn giáo tỉnh {new.name}"
        packages: list[dict[str, Any]] = []
        resources: dict[str, bytes] = {}
        flat_rows: dict[str, int] = {}

        rows_h1: list[dict[str, Any]] = []
        for code in old_codes:
            leaves = _report_leaves(amounts, by_key[("2008", code)], quarter_share=(0.15, 0.6))
            rows_h1 += flat_csv_rows(by_key[("2008", code)], "2024-H1", leaves, date(2024, 7, 8))
        h1 = _package(
            rng,
            portal,
            org_title,
            "mtqg-1719-tien-do-6-thang-dau-nam-2024",
            "Tiến độ giải ngân Chương trình MTQG 1719 - 6 tháng đầu năm 2024",
            "2024-07-10T09:12:44.120331",
            ("mtqg-1719", "giai-ngan"),
        )
        content = _flat_csv(rows_h1, semicolon=semicolon)
        resource, resource_id = _resource(
            rng, h1["id"], "tien_do_1719_2024_h1.csv", "CSV", content, "2024-07-10T09:12:44.120331"
        )
        _add_resource(h1, resource)
        resources[resource_id], flat_rows[resource_id] = content, len(rows_h1)
        packages.append(h1)

        leaves_q1 = _report_leaves(amounts, new, quarter_share=(0.03, 0.3))
        rows_q1 = flat_csv_rows(new, "2026-Q1", leaves_q1, date(2026, 4, 6))
        q1 = _package(
            rng,
            portal,
            org_title,
            "mtqg-1719-tien-do-quy-1-2026",
            "Tiến độ giải ngân Chương trình MTQG 1719 - Quý I năm 2026",
            "2026-04-07T15:40:02.551870",
            ("mtqg-1719",),
        )
        content = _flat_csv(rows_q1, semicolon=semicolon)
        # One portal leaves the format empty: only the URL says it is a CSV.
        resource, resource_id = _resource(
            rng,
            q1["id"],
            "bao_cao_quy_1_2026.csv",
            "" if portal == "langson" else "CSV",
            content,
            "2026-04-07T15:40:02.551870",
        )
        _add_resource(q1, resource)
        resources[resource_id], flat_rows[resource_id] = content, len(rows_q1)
        packages.append(q1)

        if portal == "langson":
            old = by_key[("2008", "20")]
            leaves_year = _report_leaves(amounts, old, quarter_share=(0.7, 0.98))
            year = _package(
                rng,
                portal,
                org_title,
                "mtqg-1719-bieu-01-nam-2024",
                "Biểu 01 - Kế hoạch vốn và giải ngân năm 2024",
                "2025-01-20T10:03:11.000000",
                ("mtqg-1719", "bieu-01"),
            )
            content = _write_form01(
                f"UBND TỈNH {old.name.upper()}",
                "Năm 2024",
                leaves_year,
                Form01Variant(subproject_stt="N.M"),
                date(2025, 1, 17),
            )
            resource, resource_id = _resource(
                rng,
                year["id"],
                "Bieu01_nam_2024.xlsx",
                "XLSX",
                content,
                "2025-01-20T10:03:11.000000",
            )
            _add_resource(year, resource)
            resources[resource_id] = content
            packages.append(year)

        # Portals publish other things too; only the programme's tag concerns the Office.
        other = _package(
            rng,
            portal,
            org_title,
            "diem-du-lich-cong-dong",
            "Danh sách điểm du lịch cộng đồng",
            "2023-11-02T08:00:00.000000",
            ("du-lich",),
        )
        content = f"ten_diem,tinh\nLàng văn hoá cộng đồng,{new.name}\n".encode()
        resource, resource_id = _resource(
            rng, other["id"], "du_lich.csv", "CSV", content, "2023-11-02T08:00:00.000000"
        )
        _add_resource(other, resource)
        resources[resource_id] = content
        packages.append(other)
        portals.append(
            CkanPortalData(
                portal, f"Cổng dữ liệu mở tỉnh {new.name}", packages, resources, flat_rows
            )
        )
    return tuple(portals)


# ---------------------------------------------------------------------------------------------
# Form 01 files of the inbox

# How each province lays out its form (the writer's variants), in the order of the codes above.
_OLD_VARIANTS = (
    # Yên Bái: the designed wrong subtotal (Dự án 5, central, 250 triệu đồng too much)
    Form01Variant(error=InjectedError("central", "DA5", "planned_total_vnd", 250_000_000)),
    Form01Variant(subproject_stt="a)", header_wording="short"),
    Form01Variant(unit="đồng", trong_do_line=True),
    Form01Variant(unit="nghìn đồng", nfd=True),
    Form01Variant(file_format="xls", column_numbers=False),
    Form01Variant(grand_total_at_bottom=True, unit_line="ĐVT: {unit}"),
    Form01Variant(numbers_as_text=True),
    Form01Variant(subproject_stt="N.M", total_last=True, header_wording="abbreviated"),
    Form01Variant(disbursed_first=True, blank_rows=True),
    Form01Variant(
        leading_empty_columns=1, unit_line="(Đơn vị: {unit})", subproject_stt="Tiểu dự án M"
    ),
    Form01Variant(file_format="xls", sheet_name="Sheet1", subproject_stt="N.M"),
)
_NEW_VARIANTS = (
    Form01Variant(),
    Form01Variant(header_wording="short", subproject_stt="a)", grand_total_at_bottom=True),
    Form01Variant(unit="nghìn đồng", column_numbers=False),
    Form01Variant(nfd=True, trong_do_line=True),
    Form01Variant(header_wording="abbreviated", total_last=True),
    Form01Variant(subproject_stt="N.M", blank_rows=True, sheet_name="BC quy I"),
    Form01Variant(disbursed_first=True, unit_line="ĐVT: {unit}"),
    Form01Variant(unit="đồng", subproject_stt="Tiểu dự án M"),
    Form01Variant(leading_empty_columns=2, numbers_as_text=True, unit="nghìn đồng"),
    Form01Variant(grand_total_at_bottom=True, column_numbers=False, subproject_stt="a)"),
)
# Most reports come from the provincial People's Committee, some from its ethnic affairs office.
_OLD_SENDERS = {"11": "BAN DÂN TỘC TỈNH {name}", "64": "UBND tỉnh {title}"}
_NEW_SENDERS = {"12": "SỞ DÂN TỘC VÀ TÔN GIÁO TỈNH {name}"}


def _sender(province: Province, templates: dict[str, str]) -> str:
    template = templates.get(province.code, "UBND TỈNH {name}")
    return template.format(name=province.name.upper(), title=province.name)


def _form01_files(
    seed: int,
    old: list[Province],
    new: list[Province],
    reports_2024: dict[str, tuple[Leaf, ...]],
    reports_2026: dict[str, tuple[Leaf, ...]],
) -> tuple[Form01File, ...]:
    files: list[Form01File] = []
    for provinces, reports, variants, names, senders, period_text, period, sent in (
        (
            old,
            reports_2024,
            _OLD_VARIANTS,
            _OLD_FILE_NAMES,
            _OLD_SENDERS,
            "Quý III năm 2024",
            "2024-Q3",
            date(2024, 10, 8),
        ),
        (
            new,
            reports_2026,
            _NEW_VARIANTS,
            _NEW_FILE_NAMES,
            _NEW_SENDERS,
            "Quý I năm 2026",
            "2026-Q1",
            date(2026, 4, 7),
        ),
    ):
        for i, (p, variant, name) in enumerate(zip(provinces, variants, names, strict=True)):
            leaves = reports[p.code]
            content = _write_form01(
                _sender(p, senders), period_text, leaves, variant, sent + timedelta(days=i)
            )
            bad = variant.error is not None
            files.append(
                Form01File(
                    file_name=name,
                    content=content,
                    province=p,
                    period=period,
                    leaves=leaves,
                    expected_status="quarantined" if bad else "accepted",
                    expected_check="reconciliation" if bad else None,
                    variant=variant,
                    over_plan_lines=_over_plan(leaves),
                )
            )
    # Someone saved a scanned PDF under a spreadsheet's name.
    rng = random.Random(f"{seed}-pdf")
    pdf = (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        + bytes(rng.getrandbits(8) for _ in range(2048))
        + b"\n%%EOF\n"
    )
    files.append(Form01File(UNREADABLE_FILE_NAME, pdf, None, None, (), "quarantined", "read"))
    return tuple(files)


def _write_form01(
    sender: str, period_text: str, leaves: Iterable[Leaf], variant: Form01Variant, saved: date
) -> bytes:
    """The bytes of one Form 01 written by the writer, with the save date pinned."""
    spec = Form01Spec(
        sender=sender,
        period_text=period_text,
        leaves=tuple(
            Form01Leaf(
                x.budget_source,
                x.project_code,
                x.subproject_code,
                x.capital_type,
                x.planned_vnd,
                x.disbursed_vnd,
            )
            for x in leaves
        ),
    )
    with tempfile.TemporaryDirectory(prefix="mtqg-demo-") as tmp:
        path = Path(tmp) / f"form01.{variant.file_format}"
        write_form01(path, spec, variant)
        content = path.read_bytes()
    return _pin_xlsx_dates(content, saved) if variant.file_format == "xlsx" else content


_W3CDTF = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _pin_xlsx_dates(content: bytes, saved: date) -> bytes:
    """Set the workbook's created/modified properties to `saved`: the same seed gives the same
    bytes (xlsxwriter stamps the time of writing) and the file looks saved when it was sent."""
    stamp = f"{saved.isoformat()}T09:30:00Z".encode()
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                data = _W3CDTF.sub(lambda m: m.group(1) + stamp + m.group(3), data)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()
