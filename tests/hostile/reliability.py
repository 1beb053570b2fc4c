"""Run the hostile corpus through the inbox and the raw loader, one process per file, and write
RELIABILITY.md: what was tried, what became of it, the memory and time it took.

    python tests/hostile/reliability.py            # every case, writes RELIABILITY.md
    python tests/hostile/reliability.py far_cell   # some cases, prints their outcomes

Each case runs in its own process under a memory cap, so a file that would abort or exhaust the
process is seen as such (a crash), not as a dead test run. The verdict is the reader's: a batch
with a blocking problem is quarantined by the gate before anything reaches the marts.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import ACCEPTED, QUARANTINED, REFUSED, Case, cases

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CAP_BYTES = 3 << 30  # what one file may cost at most before the process is stopped
TIME_LIMIT_SECONDS = 120
BOUNDED_MIB = 1024  # the bound for one batch of any size


@dataclass
class Outcome:
    case_id: str
    group: str
    description: str
    expected: str
    outcome: str  # accepted | quarantined | refused | crash | hang | lost
    reason: str
    located: bool  # the reason names the file (and sheet/row where it has them)
    peak_mib: float
    seconds: float

    @property
    def as_expected(self) -> bool:
        return self.outcome == self.expected and (self.outcome == ACCEPTED or self.located)


def run_cases(chosen: list[Case], workdir: Path) -> list[Outcome]:
    """Each case's file in a fresh home's inbox, loaded in a process of its own: one warm
    process (imports done once, memory capped) forks a child per case and measures it."""
    homes = []
    for case in chosen:
        home = workdir / case.case_id
        (home / "inbox").mkdir(parents=True)
        case.write(home / "inbox")
        homes.append(str(home))
    warm = subprocess.run(
        [sys.executable, __file__, "--warm"],
        input="\n".join(homes) + "\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MTQG_PSEUDONYM_KEY": "reliability-only"},
        preexec_fn=_cap_memory,
    )
    if warm.returncode != 0:
        raise RuntimeError(f"the corpus runner failed: {warm.stderr[-2000:]}")
    found = [json.loads(line) for line in warm.stdout.splitlines() if line.startswith("{")]
    return [_outcome(case, **answer) for case, answer in zip(chosen, found, strict=True)]


def _outcome(case: Case, **answer: object) -> Outcome:
    return Outcome(case.case_id, case.group, case.description, case.expect, **answer)


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP_BYTES, MEMORY_CAP_BYTES))


def warm() -> None:
    """Import what a load needs once, then fork a child per home read from stdin.

    Everything a child would otherwise import lazily is imported here, before forking: pandas
    (DuckDB imports it on its first scan of an Arrow table), the .xls reader, and every source
    kind (the warehouse's table declarations import them all). That was ~1.5 s of each case;
    a case now costs its own work only. Each child still starts from this same clean state."""
    import pandas  # noqa: F401 - imported before forking, on purpose
    import xlrd  # noqa: F401

    import connectors.kinds.inbox
    import connectors.provincial.flat_csv  # noqa: F401
    import warehouse.loading  # noqa: F401
    from warehouse.tables import declared_tables

    declared_tables()  # imports every kind's module
    for home in sys.stdin.read().split():
        print(json.dumps(_forked(home)), flush=True)


def _forked(home: str) -> dict[str, object]:
    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: one case, its answer on the pipe, then out without cleanup
        os.close(read_end)
        with os.fdopen(write_end, "w") as answer:
            try:
                answer.write(json.dumps(child(home)))
            except BaseException as exc:
                answer.write(
                    json.dumps(
                        {"outcome": "crash", "reason": f"{type(exc).__name__}", "located": False}
                    )
                )
        os._exit(0)
    os.close(write_end)
    deadline = started + TIME_LIMIT_SECONDS
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            _, status, usage = os.wait4(pid, 0)
            os.close(read_end)
            return _measured("hang", f"no answer within {TIME_LIMIT_SECONDS} s", usage, started)
        time.sleep(0.05)
    with os.fdopen(read_end) as answer:
        text = answer.read()
    if not os.WIFEXITED(status) or not text:
        how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else "no answer"
        return _measured("crash", f"the process died ({how})", usage, started)
    found = json.loads(text)
    return _measured(found["outcome"], found["reason"], usage, started, found["located"])


def _measured(outcome, reason, usage, started, located=False) -> dict[str, object]:
    return {
        "outcome": outcome,
        "reason": reason,
        "located": located,
        "peak_mib": round(usage.ru_maxrss / 1024, 1),
        "seconds": round(time.monotonic() - started, 2),
    }


def child(home_root: str) -> dict[str, object]:
    """In the child: the inbox kind takes the file, the loader reads it."""
    from connectors.kinds import fetch_source
    from connectors.kinds.inbox import InboxSource
    from connectors.landing import Landing
    from core.home import Home
    from warehouse.connection import connect
    from warehouse.loading import load_landed_into_raw
    from warehouse.tables import ensure_tables

    home = Home.resolve(home_root).ensure()
    (dropped,) = [p.name for p in home.inbox.iterdir()]
    # the file is complete before the look: a short settle keeps the corpus fast
    source = InboxSource(kind="inbox", name="inbox", path=str(home.inbox), settle_seconds=0.05)
    fetched = fetch_source(source, home)
    if fetched.refused:
        (_, reason), *_ = fetched.refused
        kept = any(home.quarantine.rglob("*"))
        return {"outcome": REFUSED if kept else "lost", "reason": reason, "located": True}
    with connect(home.warehouse) as con:
        ensure_tables(con)
        loads = load_landed_into_raw(con, home, [source])
    in_landing = any(f.original_name == dropped for f in Landing(home.landing).files("inbox"))
    if not loads or not in_landing:
        return {"outcome": "lost", "reason": "neither landed nor refused", "located": False}
    (batch,) = loads
    blocking = [p for p in batch.problems if p.blocking]
    if not blocking:
        return {"outcome": ACCEPTED, "reason": "", "located": True}
    problem = blocking[0]
    reason = problem.reason  # readers name file, sheet and row in their own words
    located = bool(problem.sheet or problem.row or dropped in reason or "file " in reason)
    return {"outcome": QUARANTINED, "reason": reason[:300], "located": located}


def fault_results() -> list[tuple[str, str]]:
    """(case, passed|failed) of every cell of the HTTP fault matrix, run by pytest."""
    import xml.etree.ElementTree as ET

    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "faults.xml"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "tests/connectors/test_faults.py",
                f"--junitxml={junit}",
            ],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        tree = ET.parse(junit)
    results = []
    for case in tree.iter("testcase"):
        failed = any(case.find(tag) is not None for tag in ("failure", "error"))
        results.append((case.get("name", ""), "**failed**" if failed else "held"))
    return results


def write_report(
    outcomes: list[Outcome], path: Path, faults: list[tuple[str, str]] | None = None
) -> None:
    held = sum(o.as_expected for o in outcomes)
    lines = [
        "# Reliability",
        "",
        "Regenerated by `make reliability` (`tests/hostile/reliability.py`); the slow test",
        "`tests/hostile/test_hostile_files.py` checks the same in `make test`. Each hostile",
        "file is made by `tests/hostile/corpus.py`, dropped in a fresh home's inbox and loaded",
        f"in its own process, capped at {MEMORY_CAP_BYTES >> 30} GiB and {TIME_LIMIT_SECONDS} s.",
        "`refused`: kept out of landing in `quarantine/` with its reason; `quarantined`: landed,",
        "then refused by its reader with a blocking, located reason (the gate keeps it out of",
        "the marts).",
        "",
        f"**{held} of {len(outcomes)} cases as expected.** Peak memory is the child's peak RSS",
        "(a forked child of a warm process: about 150 MiB of it is the imported libraries).",
        "",
        "| case | kind | what was tried | expected | outcome | reason | peak MiB | s | ok |",
        "|---|---|---|---|---|---|---:|---:|---|",
    ]
    for o in outcomes:
        reason = o.reason.replace("|", "\\|").replace("\n", " ")[:160]
        mark = "yes" if o.as_expected else "**no**"
        lines.append(
            f"| `{o.case_id}` | {o.group} | {o.description} | {o.expected} | {o.outcome} | "
            f"{reason} | {o.peak_mib} | {o.seconds} | {mark} |"
        )
    if faults:
        lines += [
            "",
            "## HTTP faults",
            "",
            "`tests/connectors/test_faults.py`: each HTTP source kind against its demo server",
            "with one fault injected (once: recovered to the fault-free raw rows; persistent: a",
            "clean `SourceError`, nothing partial landed or loaded, no cursor moved); no secret",
            "in sidecars, landed files, state, errors or logs in any case.",
            "",
            "| case (kind - fault - how often - expected) | result |",
            "|---|---|",
            *(f"| `{name}` | {result} |" for name, result in faults),
        ]
    lines += [
        "",
        "## Killed runs and locks",
        "",
        "`tests/orchestration/test_crashes.py`: `mtqg ingest` SIGKILLed during the marts' dbt",
        "build holds its pool slot; the next command marks it failed, frees the slot, stops its",
        "orphaned dbt and completes, with the batch once. `tests/warehouse/test_connection.py`: a",
        "reader holding the warehouse in another process makes a writer wait, then proceed; past",
        "the wait (`MTQG_WAREHOUSE_WAIT_SECONDS`) the error names the holder and what to do.",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--warm"]:
        warm()
        return 0
    chosen = [c for c in cases() if not argv or c.case_id in argv]
    with tempfile.TemporaryDirectory(prefix="mtqg-reliability-") as tmp:
        outcomes = run_cases(chosen, Path(tmp))
    for o in outcomes:
        print(json.dumps(asdict(o), ensure_ascii=False))
    if not argv:
        write_report(outcomes, ROOT / "RELIABILITY.md", fault_results())
    return 0 if all(o.as_expected for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
