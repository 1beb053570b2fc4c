"""Synthetic national data in the real formats, for the benchmarks (`bench/run.py`).

Every file says in its own data that it is synthetic: Form 01 and Form 02 in their title line,
the flat CSV and the treasury records in a `synthetic` column/field, IATI activities in their
title and a `tag`. Place names are the real administrative units of `../shared/reference/`
when it is there (the 34 provinces and 3,321 communes of 2025, the 63 provinces before), else
the project's own province seed; amounts, people and IDs are invented.

Scales (see BENCHMARKS.md):
  S  the demo's size: a few provinces, one quarter, a few hundred rows of each kind;
  M  one year (2026), every province: 136 Form 01, commune-level progress rows by flat CSV,
     commune-level beneficiaries in one Form 02 per province, 100,000 treasury records;
  L  2021–2030: ~1,300 Form 01 (63 provinces by half-year to 2025-H1, then 34 by quarter),
     6 M commune-period progress rows, 3.5 M households in one Form 02 per commune,
     1 M treasury records, 5,000 IATI activities with 50,000 transactions.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter
from lxml import etree

from demo.form01_writer import Form01Leaf, Form01Spec, Form01Variant, write_form01

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "admin_units"
SEED_PROVINCES = (
    Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "admin_provinces.csv"
)
SYNTHETIC = "DỮ LIỆU GIẢ LẬP ĐỂ ĐO HIỆU NĂNG / SYNTHETIC BENCHMARK DATA"
# Phase I structure (Decision 1719): projects and their sub-projects.
PROGRAMME = {
    "DA1": (None,),
    "DA2": (None,),
    "DA3": ("DA3.1", "DA3.2"),
    "DA4": ("DA4.1", "DA4.2"),
    "DA5": ("DA5.1", "DA5.2", "DA5.3", "DA5.4"),
    "DA6": (None,),
    "DA7": (None,),
    "DA8": (None,),
    "DA9": ("DA9.1", "DA9.2"),
    "DA10": ("DA10.1", "DA10.2", "DA10.3"),
}
LINES = [(p, s) for p, subs in PROGRAMME.items() for s in subs]  # 23 lines
SOURCES = (("central", "NSTW"), ("local", "NSDP"))
CAPITALS = (("investment", "DTPT"), ("recurrent", "SN"))
ETHNICITIES = ("Mông", "Thái", "Dao", "Tày", "Nùng", "Khơ Mú", "Ê Đê", "Gia Rai", "Khmer")
CONTENTS = ("Hỗ trợ nhà ở", "Hỗ trợ đất sản xuất", "Hỗ trợ nước sinh hoạt phân tán")
SURNAMES = ("Quàng", "Lò", "Cà", "Lường", "Vàng", "Giàng", "Hoàng", "Nông", "Triệu")
GIVEN = ("Văn Pằng", "Thị Hoa", "Văn Sáng", "Thị Mai", "A Páo", "Thị Dung", "Văn Tươi")
ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    province_code: str


@dataclass(frozen=True)
class Scale:
    name: str
    form01: str  # "s" | "year" | "decade"
    form01_provinces: int  # 0 = all
    csv_communes: int  # communes with progress rows (0 = all)
    csv_years: tuple[int, ...]
    form02_households: int
    form02_per_commune: bool
    treasury_records: int
    iati_activities: int
    iati_transactions_per_activity: int


SCALES = {
    "S": Scale("S", "s", 4, 20, (2026,), 400, False, 1_000, 10, 10),
    "M": Scale("M", "year", 0, 0, (2026,), 350_000, False, 100_000, 500, 10),
    "L": Scale(
        "L", "decade", 0, 0, tuple(range(2021, 2031)), 3_500_000, True, 1_000_000, 5_000, 10
    ),
}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def provinces(era: str) -> list[Unit]:
    """The provinces of an era ("2025": 34, "2008": 63): real names from the reference."""
    name = "provinces_2025.csv" if era == "2025" else "provinces_pre2025.csv"
    if (REFERENCE / name).is_file():
        rows = _read_csv(REFERENCE / name)
        return [Unit(r["code"].zfill(2), r["name"], r["code"].zfill(2)) for r in rows]
    rows = [r for r in _read_csv(SEED_PROVINCES) if r["admin_era"] == era]
    return [Unit(r["province_code"], r["province_name"], r["province_code"]) for r in rows]


def communes() -> list[Unit]:
    """The 3,321 communes of 2025 (or one made-up commune per province without the reference)."""
    if (REFERENCE / "wards_2025.csv").is_file():
        rows = _read_csv(REFERENCE / "wards_2025.csv")
        return [Unit(r["code"], r["full_name"], r["province_code"].zfill(2)) for r in rows]
    return [Unit(f"{p.code}000", f"Xã {p.name}", p.code) for p in provinces("2025")]


def periods(scale: Scale) -> list[tuple[str, str, str]]:
    """(era, label as written in a Form 01, contract label) of every Form 01 period."""
    if scale.form01 in ("s", "year"):
        quarters = (1,) if scale.form01 == "s" else (1, 2, 3, 4)
        return [("2025", f"Quý {ROMAN[q - 1]} năm 2026", f"2026-Q{q}") for q in quarters]
    out = []
    for year in range(2021, 2026):
        out.append(("2008", f"6 tháng đầu năm {year}", f"{year}-H1"))
        if year < 2025:
            out.append(("2008", f"Năm {year}", str(year)))
    out.append(("2025", "Quý III năm 2025", "2025-Q3"))
    out.append(("2025", "Quý IV năm 2025", "2025-Q4"))
    for year in range(2026, 2031):
        out += [("2025", f"Quý {ROMAN[q - 1]} năm {year}", f"{year}-Q{q}") for q in (1, 2, 3, 4)]
    return out


def _leaves(rng: random.Random, share: float) -> tuple[Form01Leaf, ...]:
    out = []
    for project, sub in LINES:
        for source, _ in SOURCES:
            for capital, _ in CAPITALS:
                planned = rng.randint(1, 50_000) * 1_000_000
                disbursed = int(planned * share * rng.uniform(0.3, 1.0)) // 1_000_000 * 1_000_000
                out.append(Form01Leaf(source, project, sub, capital, planned, disbursed))
    return tuple(out)


def write_form01_files(scale: Scale, folder: Path, rng: random.Random) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    title = f"BÁO CÁO TÌNH HÌNH GIAO KẾ HOẠCH VÀ GIẢI NGÂN VỐN CHƯƠNG TRÌNH MTQG 1719 — {SYNTHETIC}"
    for era, written, label in periods(scale):
        chosen = provinces(era)
        if scale.form01_provinces:
            chosen = chosen[: scale.form01_provinces]
        share = 0.9 if label[5:] in ("", "Q4") else 0.5
        for p in chosen:
            spec = Form01Spec(f"UBND TỈNH {p.name.upper()}", written, _leaves(rng, share), title)
            path = folder / f"bieu01_{p.code}_{label}.xlsx"
            write_form01(path, spec, Form01Variant())
            files.append(path)
    return files


def write_flat_csv(
    scale: Scale, folder: Path, rng: random.Random, *, by_commune: bool = True
) -> list[Path]:
    """Progress rows in the portal export's columns, with `ma_xa`, `ten_xa` and `synthetic`
    columns the contract does not have (the reader ignores them).

    `by_commune`: a row per commune × period × line × source, the national volume; the
    contract keys a row by province, so the reader finds these rows duplicates and quarantines
    the batches (the figure is then read + load throughput). Otherwise one row per province ×
    period × line × source: a valid export that reaches the marts."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {p.code: p.name for p in provinces("2025")}
    if by_commune:
        chosen = communes()
        if scale.csv_communes:
            chosen = chosen[: scale.csv_communes]
    else:
        chosen = [Unit("", "", p.code) for p in provinces("2025")]
        if scale.form01_provinces:
            chosen = chosen[: scale.form01_provinces]
    header = [
        "ma_tinh", "ten_tinh", "ma_xa", "ten_xa", "ky_bao_cao", "ma_du_an", "ma_tieu_du_an",
        "nguon_von", "loai_von", "ke_hoach_trieu_dong", "giai_ngan_trieu_dong", "ngay_cap_nhat",
        "synthetic",
    ]  # fmt: skip
    files = []
    for year in scale.csv_years:
        for q in (1, 2, 3, 4):
            path = folder / f"portal_progress_{year}_q{q}.csv"
            updated = (date(year, 3 * q, 28) + timedelta(days=7)).strftime("%d/%m/%Y")
            with open(path, "w", encoding="utf-8", newline="") as f:
                out = csv.writer(f)
                out.writerow(header)
                for c in chosen:
                    province = names.get(c.province_code, c.province_code)
                    for project, sub in LINES:
                        tda = sub.split(".")[1] if sub else ""
                        for _, source in SOURCES:
                            planned = rng.randint(10, 5_000_000) / 1000
                            out.writerow(
                                [
                                    c.province_code, province, c.code, c.name, f"{year}-Q{q}",
                                    project, f"TDA{tda}" if tda else "", source,
                                    "DTPT" if rng.random() < 0.6 else "SN", f"{planned:.3f}",
                                    f"{planned * rng.uniform(0, 1):.3f}", updated, "true",
                                ]
                            )  # fmt: skip
            files.append(path)
    return files


def _citizen_id(rng: random.Random, province_code: str) -> str:
    return f"0{province_code}{rng.randint(0, 3)}{rng.randint(50, 99)}{rng.randint(0, 999_999):06d}"


def write_form02_files(scale: Scale, folder: Path, rng: random.Random) -> list[Path]:
    """Beneficiary lists: one per province (per commune at L), households of every commune."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {p.code: p.name for p in provinces("2025")}
    by_province: dict[str, list[Unit]] = {}
    for c in communes():
        by_province.setdefault(c.province_code, []).append(c)
    if scale.name == "S":
        by_province = {k: v[:3] for k, v in list(by_province.items())[:2]}
    groups: list[tuple[str, list[Unit]]] = []
    for code, units in by_province.items():
        if scale.form02_per_commune:
            groups += [(code, [u]) for u in units]
        else:
            groups.append((code, units))
    total_communes = sum(len(units) for _, units in groups)
    per_commune = max(1, scale.form02_households // total_communes)
    years = list(scale.csv_years)
    files = []
    for n, (code, units) in enumerate(groups):
        year = years[n % len(years)]
        path = folder / f"bieu02_{code}_{units[0].code if scale.form02_per_commune else 'all'}.xlsx"
        _write_form02(path, names.get(code, code), code, units, per_commune, year, rng)
        files.append(path)
    return files


def _write_form02(
    path: Path,
    province: str,
    code: str,
    units: list[Unit],
    per_commune: int,
    year: int,
    rng: random.Random,
) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Bieu02")
    sheet.write_string(0, 0, f"UBND TỈNH {province.upper()}")
    sheet.write_string(
        2, 0, f"DANH SÁCH HỘ ĐƯỢC HỖ TRỢ - CHƯƠNG TRÌNH MTQG 1719 NĂM {year} — {SYNTHETIC}"
    )
    sheet.write_string(3, 7, "Đơn vị tính: triệu đồng")
    header = (
        "STT", "Họ và tên chủ hộ", "Số CCCD/CMND", "Dân tộc", "Thôn/bản", "Xã", "Huyện",
        "Nội dung hỗ trợ", "Số tiền hỗ trợ", "Năm hỗ trợ",
    )  # fmt: skip
    for c, text in enumerate(header):
        sheet.write_string(5, c, text)
    row = 6
    for unit in units:
        for _ in range(per_commune):
            sheet.write_number(row, 0, row - 5)
            sheet.write_string(row, 1, f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}")
            sheet.write_string(row, 2, _citizen_id(rng, code))
            sheet.write_string(row, 3, rng.choice(ETHNICITIES))
            sheet.write_string(row, 4, f"Thôn {rng.randint(1, 12)}")
            sheet.write_string(row, 5, unit.name)
            sheet.write_string(row, 6, "")
            sheet.write_string(row, 7, rng.choice(CONTENTS))
            sheet.write_number(row, 8, rng.choice((3.0, 22.5, 40.0, 10.0)))
            sheet.write_number(row, 9, year)
            row += 1
    book.close()


def treasury_records(scale: Scale, rng: random.Random) -> Iterator[dict]:
    """State Treasury disbursement records (the ministry API's `disbursements` collection)."""
    units = provinces("2025")
    for n in range(scale.treasury_records):
        p = units[n % len(units)]
        project, sub = LINES[(n // len(units)) % len(LINES)]
        year = scale.csv_years[n % len(scale.csv_years)]
        month = 1 + (n // (len(units) * len(LINES))) % 12
        value_date = date(year, month, rng.randint(1, 28))
        source, capital = SOURCES[n % 2][1], CAPITALS[(n // 2) % 2][1]
        yield {
            "id": f"GN-SYN-{n:08d}",
            "year": year,
            "month": f"{year}-{month:02d}",
            "province_code": p.code,
            "admin_era": "2025",
            "project_code": project,
            "subproject_code": sub,
            "budget_source": source,
            "capital_type": capital,
            "amount_vnd": rng.randint(1, 5_000) * 1_000_000,
            "value_date": value_date.isoformat(),
            "updated_at": f"{(value_date + timedelta(days=2)).isoformat()}T17:30:00+07:00",
            "synthetic": True,
        }


def write_treasury_pages(scale: Scale, folder: Path, rng: random.Random) -> list[Path]:
    """The records as the gateway's pages of 1,000 (`{"data": [...], "page": N, ...}`)."""
    folder.mkdir(parents=True, exist_ok=True)
    size, files, page, total = 1000, [], 0, scale.treasury_records
    records = treasury_records(scale, rng)
    while chunk := list(itertools.islice(records, size)):
        page += 1
        path = folder / f"disbursements-page{page:05d}.json"
        body = {"data": chunk, "page": page, "page_size": size, "total": total}
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        files.append(path)
    return files


def write_iati(scale: Scale, folder: Path, rng: random.Random) -> list[Path]:
    """IATI 2.03 activity files (1,000 activities each), streamed out with lxml's xmlfile."""
    folder.mkdir(parents=True, exist_ok=True)
    places = [p.name for p in provinces("2025")]
    files = []
    per_file = 1000
    for first in range(0, scale.iati_activities, per_file):
        path = folder / f"iati_activities_{first // per_file:03d}.xml"
        with etree.xmlfile(str(path), encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element("iati-activities", version="2.03", attrib={
                "generated-datetime": "2026-04-01T10:00:00Z"
            }):  # fmt: skip
                for n in range(first, min(first + per_file, scale.iati_activities)):
                    xf.write(_activity(n, rng, places, scale.iati_transactions_per_activity))
        files.append(path)
    return files


def _activity(n: int, rng: random.Random, places: list[str], transactions: int) -> etree._Element:
    org = f"XM-SYN-{n % 40:03d}"
    ident = f"{org}-ACT-{n:05d}"
    activity = etree.Element(
        "iati-activity",
        attrib={"last-updated-datetime": "2026-04-01T10:00:00Z", "default-currency": "USD"},
    )
    etree.SubElement(activity, "iati-identifier").text = ident
    for tag, text, attrib in (
        ("reporting-org", f"Synthetic donor {n % 40}", {"ref": org, "type": "80"}),
        ("title", f"Synthetic activity {n} — {SYNTHETIC}", {}),
        ("description", "Synthetic benchmark activity", {}),
        ("participating-org", f"Synthetic donor {n % 40}", {"ref": org, "role": "1"}),
    ):
        element = etree.SubElement(activity, tag, attrib=attrib)
        etree.SubElement(element, "narrative").text = text
    etree.SubElement(activity, "activity-status", code="2")
    etree.SubElement(activity, "activity-date", type="2", attrib={"iso-date": "2024-01-15"})
    etree.SubElement(activity, "recipient-country", code="VN", percentage="100")
    location = etree.SubElement(activity, "location", ref=f"{ident}-L1")
    etree.SubElement(etree.SubElement(location, "name"), "narrative").text = rng.choice(places)
    etree.SubElement(activity, "sector", vocabulary="1", code="43040")
    tag = etree.SubElement(activity, "tag", vocabulary="99", code="SYNTHETIC")
    etree.SubElement(tag, "narrative").text = SYNTHETIC
    for _ in range(transactions):
        day = date(2021, 1, 1) + timedelta(days=rng.randint(0, 3600))
        tx = etree.SubElement(activity, "transaction")
        etree.SubElement(tx, "transaction-type", code=rng.choice(("2", "3", "4")))
        etree.SubElement(tx, "transaction-date", attrib={"iso-date": day.isoformat()})
        value = etree.SubElement(tx, "value", attrib={"value-date": day.isoformat()})
        value.text = f"{rng.randint(1_000, 2_000_000)}.00"
    return activity


def generate(scale_name: str, folder: Path, seed: int = 1719) -> dict[str, list[Path]]:
    """Write every kind of file of one scale below `folder`; returns the files per format."""
    scale = SCALES[scale_name]
    rng = random.Random(f"{seed}-{scale_name}")
    return {
        "form01": write_form01_files(scale, folder / "form01", rng),
        "flat_csv": write_flat_csv(scale, folder / "csv", rng),
        "flat_csv_province": write_flat_csv(scale, folder / "csv_province", rng, by_commune=False),
        "form02": write_form02_files(scale, folder / "form02", rng),
        "treasury": write_treasury_pages(scale, folder / "treasury", rng),
        "iati": write_iati(scale, folder / "iati", rng),
    }
