"""The benchmark: synthetic national data (`bench/generate.py`) through every phase, measured.

    .venv/bin/python bench/run.py --scale M        (make bench)
    .venv/bin/python bench/run.py --scale L        (make bench-l)
    .venv/bin/python bench/run.py --scale S --no-write   (the slow CI test)

Each phase runs in a process of its own, so its peak memory (RSS) is its own (`os.wait4`):
  ingest/<format>  land every file and load it into raw (the readers and the one batch writer)
  dbt_harmonise    seeds, staging, intermediate (dbt build, as the pipeline selects it)
  gate             every pending batch judged by its suite
  dbt_marts        marts and quality models (dbt build)
  baseline         the same models as one DuckDB SQL script over the same raw and gate tables,
                   no orchestration: every model's SQL as dbt compiled it, in dependency order,
                   and every data test's query
  mtqg_run         a fresh home, its inbox holding every Form 01, Form 02
                   and the province-level CSV export, `mtqg run` (the whole
                   pipeline through Dagster: landing, raw, dbt, gate, marts, report, alerts)
  incremental      one more Form 01 into that full warehouse: `mtqg ingest` → republished report
Figures are printed with their ratio to the target or the baseline and written to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from a checkout: the project's own selection

from orchestration.warehouse.dbt_assets import (  # noqa: E402
    HARMONISE_EXCLUSION,
    HARMONISE_SELECTION,
    MARTS_SELECTION,
)

BIN = Path(sys.executable).parent
DBT_DIR = REPO / "dbt_project"
BENCHMARKS = REPO / "BENCHMARKS.md"
PSEUDONYM_KEY = "bench-key-synthetic-data-only"
# The two dbt steps of the pipeline, as the pipeline selects them (orchestration.warehouse).
HARMONISE = ["--select", HARMONISE_SELECTION, "--exclude", HARMONISE_EXCLUSION]
MARTS = ["--select", MARTS_SELECTION]
# The targets (on this 2-core machine).
TARGETS = {
    "form02_rows_per_s": 50_000,
    "csv_rows_per_s": 1_000_000,
    "form01_files_per_s_pipeline": 20,
    "iati_mb_per_s": 10,
    "incremental_s": 30,
    "full_refresh_l_s": 600,
    "transform_vs_baseline": 1.5,
    "peak_rss_gb": 4,
    "batch_rss_gb": 1,
}


@dataclass
class Phase:
    name: str
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float = (
        0.0  # user + system of the phase and its children: robust to a busy machine
    )
    figures: dict[str, Any] = field(default_factory=dict)
    ok: bool = True
    note: str = ""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MTQG_", "DAGSTER_"))}
    env.update(
        MTQG_HOME=str(home),
        MTQG_PSEUDONYM_KEY=PSEUDONYM_KEY,
        MTQG_WAREHOUSE=str(home / "warehouse.duckdb"),
        PYTHONPATH=str(REPO),
    )
    return env


def measure(name: str, args: list[str], env: dict[str, str], log: Path) -> Phase:
    """Run one phase as a child process: wall time, its own peak RSS, the figures it printed
    on its last line (JSON)."""
    started = time.perf_counter()
    with open(log, "ab") as out:
        out.write(f"\n=== {name}: {' '.join(args)}\n".encode())
        out.flush()
        child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=out, cwd=REPO)
        stdout = child.stdout.read() if child.stdout else b""
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.write(stdout)
    seconds = time.perf_counter() - started
    figures: dict[str, Any] = {}
    lines = stdout.decode("utf-8", "replace").strip().splitlines()
    if lines and lines[-1].startswith("{"):
        figures = json.loads(lines[-1])
    ok = child.returncode == 0
    cpu = usage.ru_utime + usage.ru_stime
    phase = Phase(name, seconds, usage.ru_maxrss / 1024, cpu, figures, ok)
    if not ok:
        phase.note = f"exit {child.returncode}; see {log}"
    return phase


# --- phases run in a child process ---------------------------------------------------------


def phase_ingest(work: Path, fmt: str) -> dict[str, Any]:
    """Land every file of one format and load it into raw: what the readers and the batch
    writer do, without Dagster."""
    from connectors.kinds.iati_files import IatiFilesSource
    from connectors.kinds.inbox import InboxSource
    from connectors.kinds.ministry_api import MinistryApiSource
    from connectors.landing import Landing
    from connectors.pulls import land_pull_manifest
    from core.home import Home
    from warehouse.connection import connect
    from warehouse.loading import load_landed_file, load_landed_into_raw
    from warehouse.tables import ensure_tables

    home = Home.resolve(work / "home").ensure()
    files = sorted((work / "data" / FOLDERS[fmt]).iterdir())
    landing = Landing(home.landing)
    started = time.perf_counter()
    rows = batches = read = 0
    size = sum(f.stat().st_size for f in files)
    with connect(home.warehouse) as con:
        ensure_tables(con)
        if fmt == "treasury":
            source = MinistryApiSource.model_validate(
                {
                    "kind": "ministry_api",
                    "name": "treasury",
                    "url": "http://127.0.0.1:9",
                    "auth": {"client_id_env": "UNUSED_ID", "client_secret_env": "UNUSED_SECRET"},
                    "collections": ["disbursements"],
                }
            )
            pages = [
                landing.store_file(
                    "treasury",
                    f,
                    extension="json",
                    original_name=f.name,
                    extra={"batch_id": "bench-pull", "collection": "disbursements", "page": n},
                )
                for n, f in enumerate(files, start=1)
            ]
            land_pull_manifest(landing, "treasury", "bench-pull", "disbursements", pages)
            for batch in load_landed_into_raw(con, home, [source]):
                rows += batch.rows_loaded
                read += batch.rows_read
                batches += 1
        else:
            if fmt == "iati":
                source = IatiFilesSource(
                    kind="iati_files",
                    name="donors",
                    urls=["http://127.0.0.1:9/a.xml"],
                    validate_schema=False,
                )
            else:
                source = InboxSource(kind="inbox", name="inbox")
            for f in files:
                landed = landing.store_file(source.name, f, original_name=f.name)
                batch = load_landed_file(con, source, landed)
                rows += batch.rows_loaded
                read += batch.rows_read
                batches += 1
    seconds = time.perf_counter() - started
    return {
        "files": len(files),
        "batches": batches,
        "rows": rows,  # loaded into raw
        "rows_read": read,  # read and checked by the reader
        "mb": size / 1e6,
        "seconds": seconds,
        "rows_per_s": max(rows, read) / seconds,
        "files_per_s": len(files) / seconds,
        "mb_per_s": size / 1e6 / seconds,
    }


def phase_gate(work: Path) -> dict[str, Any]:
    from collections import Counter

    from core.home import Home
    from expectations.gate import gate_pending_batches
    from warehouse.connection import connect

    home = Home.resolve(work / "home")
    started = time.perf_counter()
    with connect(home.warehouse) as con:
        outcomes = gate_pending_batches(con)
    seconds = time.perf_counter() - started
    return {
        "batches": len(outcomes),
        "seconds": seconds,
        "verdicts": dict(Counter(o.status for o in outcomes)),
        "batches_per_s": len(outcomes) / seconds if seconds else 0,
    }


def phase_baseline(work: Path) -> dict[str, Any]:
    """Every model of the two dbt builds as plain DuckDB SQL (dbt's compiled code, in
    dependency order) and every data test's query, over a copy of raw + quality (the gate's)."""
    import duckdb

    home = work / "home"
    copy = work / "baseline" / "warehouse.duckdb"  # the same catalog name as dbt compiled
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(home / "warehouse.duckdb", copy)
    nodes = _compiled_nodes(work)
    con = duckdb.connect(str(copy))
    built = {"raw", "quality"}
    for schema in ("reference", "staging", "intermediate", "marts"):
        con.execute(f"drop schema if exists {schema} cascade")
    models = [n for n in nodes if n["resource_type"] in ("seed", "model")]
    tests = [n for n in nodes if n["resource_type"] == "test"]
    # quality models live in `quality` beside the gate's tables: drop only them
    for n in models:
        if n["schema"] == "quality":
            kind = "view" if n["config"]["materialized"] == "view" else "table"
            con.execute(f'drop {kind} if exists quality."{n["alias"]}"')
    started = time.perf_counter()
    for n in models:
        relation = f'{n["schema"]}."{n["alias"]}"'
        if n["schema"] not in built:
            con.execute(f"create schema if not exists {n['schema']}")
            built.add(n["schema"])
        if n["resource_type"] == "seed":
            types = n["config"].get("column_types") or {}
            path = DBT_DIR / n["original_file_path"]
            con.execute(
                f"create or replace table {relation} as select * from read_csv(?, header = true"
                + (", types = " + _struct(types) if types else "")
                + ")",
                [str(path)],
            )
            continue
        kind = "view" if n["config"]["materialized"] == "view" else "table"
        con.execute(f"create or replace {kind} {relation} as {n['compiled_code']}")
    models_s = time.perf_counter() - started
    failures = 0
    for n in tests:
        failures += con.execute(f"select count(*) from ({n['compiled_code']})").fetchone()[0] > 0
    seconds = time.perf_counter() - started
    marts = {
        n["alias"]: con.execute(f'select count(*) from marts."{n["alias"]}"').fetchone()[0]
        for n in models
        if n["schema"] == "marts" and n["config"]["materialized"] != "view"
    }
    con.close()
    # the same transformations: every mart holds as many rows as dbt's
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as dbt_built:
        differ = [
            name
            for name, count in marts.items()
            if dbt_built.execute(f'select count(*) from marts."{name}"').fetchone()[0] != count
        ]
    return {
        "marts_differing_from_dbt": differ,
        "models": len(models),
        "tests": len(tests),
        "failing_tests": failures,
        "models_seconds": models_s,
        "seconds": seconds,
        "mart_rows": marts,
    }


def _struct(types: dict[str, str]) -> str:
    # seed column types come from dbt_project.yml (code, not input)
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"


def _compiled_nodes(work: Path) -> list[dict]:
    """The nodes the two dbt builds ran, in dependency order, with their compiled SQL."""
    nodes: dict[str, dict] = {}
    for step in ("dbt_harmonise", "dbt_marts"):
        manifest = json.loads((work / "dbt" / step / "manifest.json").read_text())
        results = json.loads((work / "dbt" / step / "run_results.json").read_text())
        for result in results["results"]:
            node = manifest["nodes"].get(result["unique_id"])
            if node and node["resource_type"] in ("seed", "model", "test"):
                nodes[node["unique_id"]] = node
    order: list[dict] = []
    seen: set[str] = set()

    def visit(uid: str) -> None:
        if uid in seen or uid not in nodes:
            return
        seen.add(uid)
        for dep in nodes[uid].get("depends_on", {}).get("nodes", []):
            visit(dep)
        order.append(nodes[uid])

    for uid in nodes:
        visit(uid)
    return order


def phase_dbt(work: Path, step: str) -> dict[str, Any]:
    target = work / "dbt" / step
    args = HARMONISE if step == "dbt_harmonise" else MARTS
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(BIN / "dbt"),
            "build",
            "--quiet",
            *args,
            "--target-path",
            str(target),
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
        ],
        cwd=DBT_DIR,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    results = json.loads((target / "run_results.json").read_text())["results"]
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
    return {"seconds": seconds, "nodes": len(results), "statuses": statuses}


def phase_mtqg(work: Path, command: str) -> dict[str, Any]:
    """`mtqg run` of a fresh home with every provincial file in its inbox, or `mtqg ingest`
    of one more Form 01 into that home (the incremental path)."""
    home = work / "pipeline"
    data = work / "data"
    if command == "run":
        shutil.rmtree(home, ignore_errors=True)
        inbox = home / "inbox"
        for folder in ("form01", "csv_province", "form02"):
            target = inbox / folder
            target.mkdir(parents=True)
            for f in sorted((data / folder).iterdir()):
                shutil.copyfile(f, target / f.name)
        args = [str(BIN / "mtqg"), "run", "--home", str(home)]
    else:
        extra = sorted((data / "incremental").iterdir())[0]
        args = [str(BIN / "mtqg"), "ingest", "--home", str(home), str(extra)]
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=_env(home))
    seconds = time.perf_counter() - started
    sys.stderr.write(done.stdout[-6000:] + done.stderr[-3000:])
    report = home / "reports" / "bao_cao_tien_do_latest.xlsx"
    if done.returncode not in (0, 1):
        raise SystemExit(done.returncode)
    return {
        "seconds": seconds,
        "exit": done.returncode,
        "report_written": report.exists(),
        "steps": [line.strip() for line in done.stdout.splitlines() if line.strip()[:1] in "✓✗"],
    }


FOLDERS = {
    "form01": "form01",
    "flat_csv": "csv",
    "form02": "form02",
    "treasury": "treasury",
    "iati": "iati",
}


def child(args: argparse.Namespace) -> None:
    work = Path(args.work)
    os.chdir(REPO)
    if args.phase == "generate":
        import random

        from bench.generate import REFERENCE, SCALES, generate, write_form01_files

        started = time.perf_counter()
        files = generate(args.scale, work / "data")
        # the incremental file: one more province × quarter than the scale holds
        scale = SCALES["S"]
        one = write_form01_files(scale, work / "data" / "incremental_all", random.Random(7))[0]
        (work / "data" / "incremental").mkdir(exist_ok=True)
        shutil.move(one, work / "data" / "incremental" / f"bieu01_extra_{one.name}")
        shutil.rmtree(work / "data" / "incremental_all")
        figures: dict[str, Any] = {k: len(v) for k, v in files.items()}
        # without ../shared/reference one made-up commune per province stands in for 3,321
        figures["real_admin_units"] = (REFERENCE / "wards_2025.csv").is_file()
        figures["seconds"] = time.perf_counter() - started
        figures["mb"] = sum(f.stat().st_size for v in files.values() for f in v) / 1e6
    elif args.phase.startswith("ingest/"):
        figures = phase_ingest(work, args.phase.split("/", 1)[1])
    elif args.phase == "gate":
        figures = phase_gate(work)
    elif args.phase in ("dbt_harmonise", "dbt_marts"):
        figures = phase_dbt(work, args.phase)
    elif args.phase == "baseline":
        figures = phase_baseline(work)
    elif args.phase in ("mtqg_run", "incremental"):
        figures = phase_mtqg(work, "run" if args.phase == "mtqg_run" else "ingest")
    else:
        raise SystemExit(f"unknown phase {args.phase}")
    print(json.dumps(figures, default=str))


# --- the parent: every phase in order, then the account ---------------------------------------

PHASES = [
    "generate",
    *(f"ingest/{f}" for f in FOLDERS),
    "dbt_harmonise",
    "gate",
    "dbt_marts",
    "baseline",
    "mtqg_run",
    "incremental",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", choices=("S", "M", "L"), default="M")
    parser.add_argument("--work", help="work folder (default: a new one below /tmp)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--skip", action="append", default=[], help="phases to leave out")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite BENCHMARKS.md")
    args = parser.parse_args()
    if args.phase:
        return child(args)
    work = Path(args.work or f"/tmp/mtqg-bench-{args.scale}-{os.getpid()}")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    log = work / "bench.log"
    env = _env(work / "home")
    phases: list[Phase] = []
    load_before = os.getloadavg()
    started = time.perf_counter()
    for name in PHASES:
        if name in args.skip:
            continue
        cmd = [
            sys.executable,
            str(Path(__file__)),
            "--scale",
            args.scale,
            "--work",
            str(work),
            "--phase",
            name,
        ]
        phase = measure(name, cmd, env, log)
        phases.append(phase)
        print(line_of(phase), flush=True)
    total = time.perf_counter() - started
    account = Account(args.scale, phases, total, load_before=load_before)
    print(account.summary())
    (work / "bench.json").write_text(json.dumps(asdict(account), default=str, indent=1))
    if not args.no_write:
        write_benchmarks(account, work)
    if not all(p.ok for p in phases):
        raise SystemExit(f"a phase failed: see {log}")


def line_of(p: Phase) -> str:
    f = p.figures
    extra = ""
    if p.name.startswith("ingest/"):
        extra = (
            f"{f.get('files', 0)} files, {f.get('rows_read', 0):,} rows read, "
            f"{f.get('rows', 0):,} loaded, "
            f"{f.get('rows_per_s', 0):,.0f} rows/s, {f.get('files_per_s', 0):.1f} files/s, "
            f"{f.get('mb_per_s', 0):.1f} MB/s"
        )
    elif p.name == "generate":
        extra = f"{f.get('mb', 0):,.0f} MB; real admin units: {f.get('real_admin_units')}"
    elif p.name == "gate":
        extra = f"{f.get('batches')} batches {f.get('verdicts')}"
    elif p.name.startswith("dbt_"):
        extra = f"{f.get('nodes')} nodes {f.get('statuses')}"
    elif p.name == "baseline":
        extra = (
            f"{f.get('models')} models + {f.get('tests')} tests ({f.get('failing_tests')} failing)"
        )
    elif p.name in ("mtqg_run", "incremental"):
        extra = f"exit {f.get('exit')}, report written: {f.get('report_written')}"
    status = "" if p.ok else f"  FAILED ({p.note})"
    return (
        f"{p.name:18} {p.seconds:8.1f} s  cpu {p.cpu_seconds:7.1f} s  peak {p.peak_rss_mb:7.0f} MB"
        f"  {extra}{status}"
    )


@dataclass
class Account:
    scale: str
    phases: list[Phase]
    total_seconds: float
    load_before: tuple[float, float, float]
    when: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))

    def get(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name and p.ok), None)

    def verdicts(self) -> list[tuple[str, str, str, str]]:
        """(what, measured, target, met?) for every target this run can speak to."""
        out = []

        def add(what: str, value: float | None, target: float, unit: str, higher: bool) -> None:
            if value is None:
                out.append((what, "not measured", f"{target:,} {unit}", "—"))
                return
            met = value >= target if higher else value <= target
            ratio = value / target if target else 0
            out.append(
                (
                    what,
                    f"{value:,.1f} {unit} ({ratio:.2f}× target)",
                    f"{'≥' if higher else '≤'} {target:,} {unit}",
                    "met" if met else "MISSED",
                )
            )

        def fig(name: str, key: str) -> float | None:
            p = self.get(name)
            return None if p is None else p.figures.get(key)

        add(
            "Form 02 read+pseudonymise+load",
            fig("ingest/form02", "rows_per_s"),
            TARGETS["form02_rows_per_s"],
            "rows/s",
            True,
        )
        add(
            "flat CSV read+load",
            fig("ingest/flat_csv", "rows_per_s"),
            TARGETS["csv_rows_per_s"],
            "rows/s",
            True,
        )
        add(
            "IATI XML read+load",
            fig("ingest/iati", "mb_per_s"),
            TARGETS["iati_mb_per_s"],
            "MB/s",
            True,
        )
        run = self.get("mtqg_run")
        f01 = self.get("ingest/form01")
        if run and f01:
            files = f01.figures["files"]
            add(
                "Form 01 through the whole pipeline (mtqg run, all files)",
                files / run.seconds,
                TARGETS["form01_files_per_s_pipeline"],
                "files/s",
                True,
            )
        inc = self.get("incremental")
        add(
            "one file → republished report (mtqg ingest)",
            inc.seconds if inc else None,
            TARGETS["incremental_s"],
            "s",
            False,
        )
        h, m, b = self.get("dbt_harmonise"), self.get("dbt_marts"), self.get("baseline")
        if h and m and b:
            transform = h.figures["seconds"] + m.figures["seconds"]
            base = b.figures["seconds"]
            out.append(
                (
                    "transform phase (two dbt builds) vs the plain-DuckDB baseline",
                    f"{transform:,.1f} s vs {base:,.1f} s ({transform / base:.1f}× baseline)",
                    f"≤ {TARGETS['transform_vs_baseline']}× baseline",
                    "met" if transform <= TARGETS["transform_vs_baseline"] * base else "MISSED",
                )
            )
        if self.scale == "L" and run:
            add(
                "full refresh at L (mtqg run)", run.seconds, TARGETS["full_refresh_l_s"], "s", False
            )
        peak = max((p.peak_rss_mb for p in self.phases if p.name != "generate"), default=0) / 1024
        add("peak RSS of any phase", peak, TARGETS["peak_rss_gb"], "GB", False)
        batch = max((p.peak_rss_mb for p in self.phases if p.name.startswith("ingest/")), default=0)
        add(
            "peak RSS while loading batches (largest batch)",
            batch / 1024,
            TARGETS["batch_rss_gb"],
            "GB",
            False,
        )
        return out

    def summary(self) -> str:
        lines = [f"\nscale {self.scale}: {self.total_seconds:,.0f} s in all"]
        for what, value, target, met in self.verdicts():
            lines.append(f"  {met:7} {what}: {value} (target {target})")
        return "\n".join(lines)


def write_benchmarks(account: Account, work: Path) -> None:
    """BENCHMARKS.md: the figures of this scale's latest run, beside the other scales' (kept),
    and the profile's headline (kept as written)."""
    section = render_section(account, work)
    begin, end = f"<!-- scale {account.scale} -->", f"<!-- /scale {account.scale} -->"
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else HEADER
    if begin in text:
        head, rest = text.split(begin, 1)
        text = head + begin + "\n" + section + end + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + f"\n\n{begin}\n{section}{end}\n"
    BENCHMARKS.write_text(text, encoding="utf-8")


HEADER = "# Benchmarks\n"


def render_section(account: Account, work: Path) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = cpu
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    rows = [
        f"## Scale {account.scale} — {account.when}",
        "",
        f"Machine: {os.cpu_count()} cores ({model}), {mem:.0f} GiB RAM, Python "
        f"{platform.python_version()}; load average before the run "
        f"{', '.join(f'{x:.1f}' for x in account.load_before)} (the cores are shared with "
        "other work: times are noisy, peak RSS and rows/s over large inputs less so).",
        f"Rerun: `.venv/bin/python bench/run.py --scale {account.scale}`"
        + (
            " (`make bench`)"
            if account.scale == "M"
            else " (`make bench-l`)"
            if account.scale == "L"
            else ""
        ),
        f"Work folder of this run: `{work}`; {account.total_seconds:,.0f} s in all.",
        "",
        "| phase | wall s | CPU s | peak RSS MB | figures |",
        "|---|---:|---:|---:|---|",
    ]
    for p in account.phases:
        rows.append(
            f"| {p.name} | {p.seconds:,.1f} | {p.cpu_seconds:,.1f} | {p.peak_rss_mb:,.0f} | "
            f"{line_of(p).split('MB', 1)[1].strip()} |"
        )
    rows += ["", "| target | measured | target | |", "|---|---|---|---|"]
    for what, value, target, met in account.verdicts():
        rows.append(f"| {what} | {value} | {target} | {met} |")
    return "\n".join(rows) + "\n\n"


if __name__ == "__main__":
    main()
