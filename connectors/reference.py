"""Reference data on administrative units (communes of both eras and the old→new mappings),
fetched from a configured folder or URL into landing, then typed into raw.reference_* tables."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa

from connectors.admin_units import ProvinceDirectory, default_directory
from connectors.batches import Problem
from connectors.landing import LandedFile, Landing
from connectors.vietnamese import fold, nfc, strip_admin_prefix
from core.errors import InputRejected, SourceError

Row = dict[str, Any]
Converter = Callable[[dict[str, str], ProvinceDirectory], Row]

_BATCH_FIELDS = [
    ("source_row", pa.int32()),  # line of the CSV file (header = 1), for messages
    ("batch_id", pa.string()),
    ("source_file_sha256", pa.string()),
]


@dataclass(frozen=True)
class ReferenceFile:
    """One file of the reference folder: its name, raw table, columns and row conversion."""

    name: str
    table: str
    schema: pa.Schema
    required: tuple[str, ...]
    convert: Converter

    @property
    def full_schema(self) -> pa.Schema:
        return pa.schema(list(self.schema) + _BATCH_FIELDS)


def _text(value: str | None) -> str | None:
    text = nfc(" ".join((value or "").split()))
    return text or None


def _code(value: str | None, width: int) -> str | None:
    """`7.0`, `7`, `00007` → the code padded to `width` digits (the mappings write floats)."""
    text = (value or "").strip().removesuffix(".0")
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"code {value!r} is not a number")
    return text.zfill(width)


def _int(value: str | None) -> int | None:
    text = (value or "").strip().removesuffix(".0")
    return int(text) if text else None


def _is_number(value: str | None) -> bool:
    return (value or "").strip().removesuffix(".0").isdigit()


def _decimal_text(value: str | None) -> str | None:
    """Areas stay exact decimal text (cast downstream), like the ministries' amounts."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return format(number, "f")


def _bool(value: str | None) -> bool | None:
    text = (value or "").strip().lower()
    if not text:
        return None
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def _unit(prefix: str, parent: tuple[str, str, int] | None) -> tuple[list, Callable]:
    fields = [
        (f"{prefix}_code", pa.string()),
        (f"{prefix}_name", pa.string()),
        (f"{prefix}_full_name", pa.string()),
        (f"{prefix}_name_en", pa.string()),
        ("administrative_unit_id", pa.int32()),
        ("name_key", pa.string()),
    ]
    if parent:
        fields.insert(4, (parent[1], pa.string()))
    width = 5 if prefix == "ward" else 3

    def convert(r: dict[str, str], _: ProvinceDirectory) -> Row:
        row = {
            f"{prefix}_code": _code(r["code"], width),
            f"{prefix}_name": _text(r["name"]),
            f"{prefix}_full_name": _text(r.get("full_name")),
            f"{prefix}_name_en": _text(r.get("name_en")),
            "administrative_unit_id": _int(r.get("administrative_unit_id")),
            "name_key": fold(r.get("full_name") or r["name"]),
        }
        if parent:
            row[parent[1]] = _code(r[parent[0]], parent[2])
        return row

    return fields, convert


def _area_population(r: dict[str, str], provinces: ProvinceDirectory) -> Row:
    province_name = _text(r["tentinh"])
    bare = re.sub(r"^(?i:thủ đô)\s+", "", province_name or "")
    found = provinces.find_by_name(strip_admin_prefix(bare), "2025") if bare else None
    return {
        "source_id": _text(r.get("id")),
        "province_name": province_name,
        "province_code_2025": found.code if found else None,
        "unit_type": _text(r.get("loai")),
        "ward_name": _text(r["tenhc"]),
        "name_key": fold(f"{r.get('loai') or ''} {r['tenhc']}"),
        "area_km2": _decimal_text(r.get("dientichkm2")),
        # The publisher writes "đang cập nhật" (being updated) where it has no count yet.
        "population": _int(r["dansonguoi"]) if _is_number(r.get("dansonguoi")) else None,
        "merged_from": _text(r.get("truocsapnhap")),
    }


def _dvhcvn(r: dict[str, str], _: ProvinceDirectory) -> Row:
    return {
        "old_province_code": _code(r["old_province_code"], 2),
        "old_province_name": _text(r.get("old_province_name")),
        "old_ward_code": _code(r["old_ward_code"], 5),
        "old_ward_name": _text(r.get("old_ward_name")),
        "new_ward_code": _code(r["new_ward_code"], 5),
        "new_ward_name": _text(r.get("new_ward_name")),
        "n_targets": _int(r.get("n_targets")),
    }


def _vietnamadminunits(r: dict[str, str], _: ProvinceDirectory) -> Row:
    return {
        "old_province_code": _code(r["provinceCode"], 2),
        "old_district_code": _code(r.get("districtCode"), 3),
        "old_ward_code": _code(r["wardCode"], 5),
        "old_ward_name": _text(r.get("ward")),
        "old_district_name": _text(r.get("district")),
        "is_merged_ward": _bool(r.get("isMergedWard")),
        "is_divided_ward": _bool(r.get("isDividedWard")),
        "new_province_code": _code(r.get("newProvinceCode"), 2),
        "new_ward_code": _code(r["newWardCode"], 5),
        "new_ward_name": _text(r.get("newWard")),
        "new_ward_area_km2": _decimal_text(r.get("newWardAreaKm2")),
    }


_wards_2025 = _unit("ward", ("province_code", "province_code", 2))
_wards_pre2025 = _unit("ward", ("district_code", "district_code", 3))
_districts = _unit("district", ("province_code", "province_code", 2))
_S = pa.string()

REFERENCE_FILES: dict[str, ReferenceFile] = {
    f.name: f
    for f in (
        ReferenceFile(
            "wards_2025.csv",
            "raw.reference_wards_2025",
            pa.schema(_wards_2025[0]),
            ("code", "name", "province_code"),
            _wards_2025[1],
        ),
        ReferenceFile(
            "wards_pre2025.csv",
            "raw.reference_wards_pre2025",
            pa.schema(_wards_pre2025[0]),
            ("code", "name", "district_code"),
            _wards_pre2025[1],
        ),
        ReferenceFile(
            "districts_pre2025.csv",
            "raw.reference_districts_pre2025",
            pa.schema(_districts[0]),
            ("code", "name", "province_code"),
            _districts[1],
        ),
        ReferenceFile(
            "wards_2025_area_population.csv",
            "raw.reference_wards_2025_area_population",
            pa.schema(
                [
                    ("source_id", _S),
                    ("province_name", _S),
                    ("province_code_2025", _S),
                    ("unit_type", _S),
                    ("ward_name", _S),
                    ("name_key", _S),
                    ("area_km2", _S),
                    ("population", pa.int64()),
                    ("merged_from", _S),
                ]
            ),
            ("tentinh", "tenhc", "dientichkm2", "dansonguoi"),
            _area_population,
        ),
        ReferenceFile(
            "old_to_new_wards_dvhcvn.csv",
            "raw.reference_old_to_new_wards_dvhcvn",
            pa.schema(
                [
                    ("old_province_code", _S),
                    ("old_province_name", _S),
                    ("old_ward_code", _S),
                    ("old_ward_name", _S),
                    ("new_ward_code", _S),
                    ("new_ward_name", _S),
                    ("n_targets", pa.int32()),
                ]
            ),
            ("old_province_code", "old_ward_code", "new_ward_code"),
            _dvhcvn,
        ),
        ReferenceFile(
            "old_to_new_wards_vietnamadminunits.csv",
            "raw.reference_old_to_new_wards_vietnamadminunits",
            pa.schema(
                [
                    ("old_province_code", _S),
                    ("old_district_code", _S),
                    ("old_ward_code", _S),
                    ("old_ward_name", _S),
                    ("old_district_name", _S),
                    ("is_merged_ward", pa.bool_()),
                    ("is_divided_ward", pa.bool_()),
                    ("new_province_code", _S),
                    ("new_ward_code", _S),
                    ("new_ward_name", _S),
                    ("new_ward_area_km2", _S),
                ]
            ),
            ("provinceCode", "wardCode", "newWardCode"),
            _vietnamadminunits,
        ),
    )
}


@dataclass
class ReferenceFetch:
    """Files of one reference source brought into landing, and the ones not found."""

    landed: list[LandedFile]
    missing: list[str]


def fetch_reference(source: Any, landing: Landing) -> ReferenceFetch:
    """Land every known reference file of a `reference` source (its `path` folder or `url`).

    A file the folder or server does not have is listed in `missing`; when none is found the
    source is wrong and SourceError says where it looked.
    """
    landed, missing, errors = [], [], []
    for name in REFERENCE_FILES:
        if source.path is not None:
            path = Path(source.path) / name
            if not path.is_file():
                missing.append(name)
                continue
            landed.append(landing.store_file(source.name, path, original_name=name))
        else:
            from connectors.http import HttpClient

            url = f"{source.url.rstrip('/')}/{name}"
            with HttpClient(source.name, **source.http_options()) as http:
                try:
                    landed.append(http.stream_to_landing(url, landing, original_name=name))
                except SourceError as exc:
                    if not _is_absent(exc):
                        raise  # the server failed: no half of the reference set lands
                    missing.append(name)
                    errors.append(exc)
    if not landed:
        where = source.path or source.url
        reason = errors[0].reason if errors else "none of the files is there"
        raise SourceError(
            source.name,
            str(where),
            f"no reference file found ({reason}); expected some of {', '.join(REFERENCE_FILES)}",
        )
    return ReferenceFetch(landed=landed, missing=missing)


def read_reference_file(
    path: Path, spec: ReferenceFile, *, provinces: ProvinceDirectory | None = None
) -> tuple[pa.Table, list[Problem]]:
    """Typed rows of one reference CSV; a row that cannot be read is a problem, not a row.

    Raises InputRejected when the file is not UTF-8 CSV or lacks a column the table needs.
    """
    provinces = provinces or default_directory()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputRejected(f"cannot be read as UTF-8 text ({exc})", file=spec.name) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    absent = [c for c in spec.required if c not in (reader.fieldnames or [])]
    if absent:
        raise InputRejected(
            f"column(s) {', '.join(absent)} missing; the header is {reader.fieldnames}",
            file=spec.name,
        )
    rows, problems = [], []
    for line, record in enumerate(reader, start=2):
        try:
            row = spec.convert(record, provinces)
        except (ValueError, TypeError, AttributeError) as exc:
            problems.append(Problem(reason=f"{spec.name}: {exc}", row=line, blocking=False))
            continue
        if any(row.get(c) is None for c in spec.schema.names[:1]):
            problems.append(
                Problem(reason=f"{spec.name}: no {spec.schema.names[0]}", row=line, blocking=False)
            )
            continue
        row["source_row"] = line
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=spec.full_schema), problems


def _is_absent(error: SourceError) -> bool:
    """The server says the file is not there (404/410), rather than failing to answer."""
    return any(f"answered HTTP {status}" in error.reason for status in (404, 410))
