"""Benchmark: memory of reading a large IATI activity file, streamed vs as a whole tree.

Writes a ~35 MB activity file (30,000 activities), then reads it in two fresh processes — with
the streaming reader (`connectors.safe_xml.iter_elements`) and as a whole lxml tree — and prints
how much each grew its peak memory. Run: `.venv/bin/python bench/bench_iati_memory.py`.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEAK = """
import resource, sys
from pathlib import Path
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if sys.argv[2] == "stream":
    from connectors.safe_xml import iter_elements
    count = sum(1 for _ in iter_elements(Path(sys.argv[1]), "iati-activity"))
else:
    from lxml import etree
    count = len(etree.parse(sys.argv[1]).getroot())
print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""
ACTIVITY = (
    '<iati-activity default-currency="USD"><iati-identifier>XM-{i}</iati-identifier>'
    '<reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>'
    + "<transaction><value>1</value></transaction>" * 20
    + "</iati-activity>"
)


def peak(path: Path, mode: str) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(path), mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    count, grown_kib = done.stdout.split()
    return int(count), int(grown_kib)


def main() -> None:
    path = Path(tempfile.mkdtemp(prefix="mtqg-bench-")) / "big.xml"
    with open(path, "wb") as out:
        out.write(b'<?xml version="1.0"?>\n<iati-activities version="2.03">')
        for i in range(30_000):
            out.write(ACTIVITY.format(i=i).encode())
        out.write(b"</iati-activities>")
    print(f"file: {path.stat().st_size / 1e6:.1f} MB")
    for mode in ("stream", "tree"):
        count, grown = peak(path, mode)
        print(f"{mode:>6}: {count:,} activities, peak memory grew by {grown / 1024:,.1f} MiB")


if __name__ == "__main__":
    main()
