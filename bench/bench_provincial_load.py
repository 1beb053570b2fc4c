"""Benchmark: read and load provincial Form 01 reports at national scale.

Writes `--provinces` × `--periods` synthetic Form 01 files (every project and sub-project, both
budget sources), then measures reading them (Form 01 reader) and loading them into raw DuckDB,
and reports files/s, rows/s and peak memory. Run: `.venv/bin/python bench/bench_provincial_load.py`.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from connectors.kinds.inbox import InboxSource
from connectors.landing import Landing
from core.home import Home
from demo.form01_writer import Form01Leaf, Form01Spec, Form01Variant, write_form01
from warehouse.connection import connect
from warehouse.loading import load_landed_file
from warehouse.tables import ensure_tables

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
PROVINCES_2025 = [
    "Hà Nội",
    "Cao Bằng",
    "Tuyên Quang",
    "Điện Biên",
    "Lai Châu",
    "Sơn La",
    "Lào Cai",
    "Thái Nguyên",
    "Lạng Sơn",
    "Quảng Ninh",
    "Phú Thọ",
    "Bắc Ninh",
    "Hải Phòng",
    "Hưng Yên",
    "Ninh Bình",
    "Thanh Hóa",
    "Nghệ An",
    "Hà Tĩnh",
    "Quảng Trị",
    "Huế",
    "Đà Nẵng",
    "Quảng Ngãi",
    "Gia Lai",
    "Khánh Hòa",
    "Đắk Lắk",
    "Lâm Đồng",
    "Đồng Nai",
    "Hồ Chí Minh",
    "Tây Ninh",
    "Đồng Tháp",
    "Vĩnh Long",
    "An Giang",
    "Cần Thơ",
    "Cà Mau",
]


def leaves(seed: int) -> tuple[Form01Leaf, ...]:
    out = []
    for n, (project, subs) in enumerate(PROGRAMME.items(), start=1):
        for m, sub in enumerate(subs, start=1):
            for source in ("central", "local"):
                for capital in ("investment", "recurrent"):
                    planned = ((seed * 7919 + n * 104729 + m * 1299709) % 50_000 + 1) * 1_000_000
                    out.append(Form01Leaf(source, project, sub, capital, planned, planned // 3))
    return tuple(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--periods", type=int, default=4, help="quarters of 2026")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mtqg-bench-"))
    home = Home.resolve(work / "home").ensure()
    files = []
    started = time.perf_counter()
    for p, name in enumerate(PROVINCES_2025[: args.provinces]):
        for q in range(1, args.periods + 1):
            roman = ["I", "II", "III", "IV"][(q - 1) % 4]
            path = work / f"bieu01_{p:02d}_{q}.xlsx"
            spec = Form01Spec(
                f"UBND TỈNH {name.upper()}", f"Quý {roman} năm 2026", leaves(p * 10 + q)
            )
            write_form01(path, spec, Form01Variant())
            files.append(path)
    written = time.perf_counter() - started

    landing = Landing(home.landing)
    landed = [landing.store_file("inbox", f) for f in files]
    started = time.perf_counter()
    rows = 0
    with connect(home.warehouse) as con:
        ensure_tables(con)
        for item in landed:
            rows += load_landed_file(con, InboxSource(kind="inbox", name="inbox"), item).rows_loaded
    loaded = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"files: {len(files)} written in {written:.1f} s")
    print(
        f"read + loaded into raw: {loaded:.1f} s — {len(files) / loaded:.1f} files/s, "
        f"{rows / loaded:,.0f} rows/s ({rows:,} report rows)"
    )
    print(
        f"peak memory: {peak_mib:,.0f} MiB; warehouse {home.warehouse.stat().st_size / 1e6:.1f} MB"
    )
    print(f"(work folder {work})")


if __name__ == "__main__":
    main()
