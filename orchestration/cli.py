"""`mtqg`: the command line of the pipeline. Every command takes --home (default $MTQG_HOME)."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import itertools
import json
import os
import shutil
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from core.errors import MtqgError
from core.home import Home
from orchestration import signoff as signoff_commands
from orchestration.console import captured_run, clean, print_footer, print_summary, terminal
from orchestration.explain import explain
from orchestration.publishing.commands import export, publish

if TYPE_CHECKING:
    from orchestration.summary import RunSummary
    from warehouse.accounts import BatchVerdict

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="mtqg — data pipeline of the Coordination Office, National Target Programme 1719.",
)
console = terminal()
err = terminal(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="The mtqg home directory (default: $MTQG_HOME or ./.mtqg)."),
]
VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose", "-v", help="Also show Dagster's and dbt's logs (always in the log file)."
    ),
]
SOURCES_FILE_ENV = "MTQG_SOURCES_FILE"
# The inbox source `mtqg ingest` places files in (the home's inbox folder).
INGEST_SOURCE = "inbox"
# Set by the app's --verbose (before the command) and by each pipeline command's own.
state = {"verbose": False}


@app.callback()
def _options(verbose: VerboseOption = False) -> None:
    state["verbose"] = verbose


def _home(home: Path | None) -> Home:
    resolved = Home.resolve(home).ensure()
    os.environ["MTQG_HOME"] = str(resolved.root)
    return resolved


def _run(
    home: Home,
    command: str,
    *,
    selection_from: list[list[str]] | None = None,
    only: list[list[str]] | None = None,
    checks: list[tuple[list[str], str]] | None = None,
    exclude_reports: bool = False,
    verbose: bool = False,
    tags: dict[str, str] | None = None,
) -> RunSummary:
    """Build the definitions for the home and materialise them: all, what follows some keys
    (`selection_from`), or exactly some keys (`only`). The terminal gets a line per step; the
    logs go to `$MTQG_HOME/logs/<command>-<timestamp>.log` (and to the terminal when verbose)."""
    started = time.monotonic()
    with captured_run(home, command, verbose=verbose or state["verbose"]) as run_log:
        import dagster as dg

        from orchestration.definitions import build_definitions
        from orchestration.instance import materialize_all
        from orchestration.jobs import after_landing, whole_pipeline
        from orchestration.summary import summarise

        defs = build_definitions(home)
        graph = defs.resolve_asset_graph()
        check_keys = [dg.AssetCheckKey(dg.AssetKey(a), name) for a, name in checks or ()]
        if selection_from:
            chosen = after_landing([dg.AssetKey(k) for k in selection_from])
        elif only is not None:
            chosen = dg.AssetSelection.assets(*[dg.AssetKey(k) for k in only])
        else:
            chosen = whole_pipeline()
        if exclude_reports:
            chosen = chosen - dg.AssetSelection.key_prefixes("reports")
        selection = sorted(chosen.resolve(graph), key=lambda k: k.to_string())
        result = materialize_all(
            home,
            defs,
            selection=selection,
            checks=check_keys,
            tags=tags,
            logger=run_log.dagster_logger(),
        )
        summary = summarise(home, result, time.monotonic() - started)
    summary.log_file = run_log.path
    return summary


# The blocking checks the report depends on (asset, check name): `mtqg report` runs them first.
REPORT_BLOCKING_CHECKS = [(["marts", "fct_capital_progress"], "fct_capital_progress_expectations")]


def _exit_code(summary: RunSummary) -> int:
    # A quarantined file is an outcome; a source that failed after its retries, or a broken
    # pipeline, is a failure.
    source_failures = [c for c in summary.failed_checks if c.endswith(":source_reachable")]
    return 1 if (summary.failed_steps or source_failures) else 0


@app.command()
def init(home: HomeOption = None) -> None:
    """Write a commented sources.yaml with every kind of source."""
    from connectors.config import render_sources_template

    h = _home(home)
    if h.sources_yaml.exists():
        err.print(f"{clean(h.sources_yaml)} exists already; not overwritten.")
        raise typer.Exit(1)
    h.sources_yaml.write_text(render_sources_template(), encoding="utf-8")
    console.print(f"Wrote {clean(h.sources_yaml)}")


@app.command()
def run(
    home: HomeOption = None,
    config: Annotated[Path | None, typer.Option("--config", help="A sources.yaml to use.")] = None,
    verbose: VerboseOption = False,
) -> None:
    """Run the whole pipeline once against the configured sources."""
    h = _home(home)
    if config is not None:
        os.environ[SOURCES_FILE_ENV] = str(config.resolve())
    summary = _run(h, "run", verbose=verbose)
    print_summary(console, summary, "mtqg run")
    raise typer.Exit(_exit_code(summary))


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Provincial files (Form 01, CSV …).")],
    home: HomeOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Place provincial files in the inbox and run what depends on them."""
    h = _home(home)
    for file in files:
        if not file.is_file():
            err.print(f"{clean(file)}: no such file")
            raise typer.Exit(2)
    from connectors.inbox import vouch_complete
    from connectors.kinds.inbox import inbox_state_path

    digests: dict[Path, str] = {}
    folders: list[Path] = []
    placed: list[Path] = []
    for file in dict.fromkeys(files):  # the same path given twice is placed once
        digests[file] = hashlib.sha256(file.read_bytes()).hexdigest()
        placed.append(_place_in_inbox(file, h.inbox, folders))
    # copied whole: the inbox takes them without waiting to see them hold still
    vouch_complete(h.inbox, placed, state_path=inbox_state_path(h, INGEST_SOURCE))
    try:
        summary = _run(h, "ingest", selection_from=[["landing", INGEST_SOURCE]], verbose=verbose)
    finally:
        for folder in folders:  # empty once the run took its file; left alone otherwise
            with contextlib.suppress(OSError):
                folder.rmdir()
    console.rule("mtqg ingest")
    from warehouse.accounts import batch_verdict
    from warehouse.connection import connect

    names = Counter(file.name for file in digests)
    with connect(h.warehouse, read_only=True) as con:
        for file, digest in digests.items():
            # Two files of one name are told apart by the path they were given as.
            shown = file.name if names[file.name] == 1 else str(file)
            _print_verdict(shown, batch_verdict(con, digest))
    print_footer(console, summary)
    raise typer.Exit(_exit_code(summary))


def _place_in_inbox(file: Path, inbox: Path, folders: list[Path]) -> Path:
    """Copy `file` into the inbox under its own name, never over another file: when the name is
    taken (by an earlier file of this call, or one waiting there) it goes into a new sub-folder
    of its own, `ingest-<UTC time>-<n>/`, which the inbox walks; the name itself is kept."""
    target = inbox / file.name
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for attempt in itertools.count(1):
        try:
            with open(file, "rb") as source, open(target, "xb") as copy:
                shutil.copyfileobj(source, copy)
            return target
        except FileExistsError:
            folder = inbox / f"ingest-{stamp}-{attempt}"
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            folders.append(folder)
            target = folder / file.name
    raise AssertionError("unreachable")


def _print_verdict(name: str, verdict: BatchVerdict | None) -> None:
    from connectors.personal_data import redact

    shown = clean(redact(name))  # an ID typed into a file name is not shown
    if verdict is None:
        console.print(f"{shown}: [yellow]not processed[/yellow] (see the full log)")
    elif verdict.status == "accepted":
        where = clean(verdict.reports)
        console.print(f"{shown}: [green]accepted[/green] — {where}, {verdict.fact_count} facts")
    elif verdict.status == "held":
        console.print(f"{shown}: [yellow]held[/yellow] — {clean(verdict.reasons)}")
    else:
        console.print(f"{shown}: [red]quarantined[/red] — {clean(verdict.reasons)}")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A read-only SQL query.")],
    home: HomeOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
) -> None:
    """Query the current published snapshot (never the file a run writes)."""
    from warehouse.snapshots import connect_snapshot

    h = _home(home)
    with connect_snapshot(h) as con:
        try:
            cursor = con.execute(query)
        except Exception as exc:
            err.print(f"query failed: {clean(exc)}")
            raise typer.Exit(1) from None
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    if fmt == "json":
        sys.stdout.write(
            json.dumps(
                [dict(zip(columns, r, strict=True)) for r in rows],
                ensure_ascii=False,
                default=str,
                indent=1,
            )
            + "\n"
        )
    elif fmt == "csv":
        import csv

        from core.text import csv_safe_row

        # A cell of text that starts like a formula (= + - @ tab CR) gets a leading ' so a
        # spreadsheet opening the file shows it as text; numbers are written as they are.
        writer = csv.writer(sys.stdout)
        writer.writerow(csv_safe_row(columns))
        writer.writerows(csv_safe_row(r) for r in rows)
    else:
        table = Table(*[clean(c) for c in columns])
        for r in rows:
            table.add_row(*["" if v is None else clean(v) for v in r])
        console.print(table)


@app.command()
def demo(home: HomeOption = None, verbose: VerboseOption = False) -> None:
    """Start the bundled demo sources on 127.0.0.1, run the whole pipeline once, stop them."""
    from demo.sources import start_demo_sources

    h = _home(home)
    with start_demo_sources(h) as sources:
        os.environ.update(sources.env)
        summary = _run(h, "demo", verbose=verbose)
    print_summary(console, summary, "mtqg demo")
    raise typer.Exit(_exit_code(summary))


@app.command()
def check(home: HomeOption = None, verbose: VerboseOption = False) -> None:
    """Run the quality gates on what is loaded; exit 1 when a blocking gate fails."""
    from warehouse.accounts import open_problems as open_problems_of
    from warehouse.connection import connect

    h = _home(home)
    summary = _run(
        h,
        "check",
        selection_from=[["quality", "batch_status"]],
        exclude_reports=True,
        verbose=verbose,
    )
    with connect(h.warehouse, read_only=True) as con:
        open_problems = open_problems_of(con)
    console.rule("mtqg check")
    for name, province, period, reasons in open_problems:
        where = f" (province {clean(province)}, {clean(period)})" if province else ""
        console.print(f"[red]blocking[/red] {clean(name)}{where}: {clean(reasons)}")
    for check_name in summary.failed_checks:
        console.print(f"[red]failed check[/red] {clean(check_name)}")
    if not (open_problems or summary.failed_checks or summary.failed_steps):
        console.print("[green]All blocking gates pass.[/green]")
    print_footer(console, summary)
    raise typer.Exit(1 if (open_problems or summary.failed_checks or summary.failed_steps) else 0)


@app.command()
def report(
    home: HomeOption = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="2026-Q1, 2026-H1, 2026-03 or 2026 (default: the latest)."),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Build the Steering Committee report from gated data, once the marts' blocking checks pass."""
    from connectors.vietnamese import parse_period
    from core.errors import InputRejected

    if period is not None:
        try:
            period = parse_period(period).label
        except InputRejected:
            err.print(f"--period {clean(period)}: write it as 2026-Q1, 2026-H1, 2026-03 or 2026.")
            raise typer.Exit(2) from None
    from orchestration.reporting.assets import REPORT_PERIOD_TAG

    h = _home(home)
    checked = _run(h, "report-checks", only=[], checks=REPORT_BLOCKING_CHECKS, verbose=verbose)
    if checked.failed_checks or checked.failed_steps or not checked.succeeded:
        err.print(
            "Báo cáo chưa được lập: kiểm tra chặn trên các bảng tổng hợp không đạt / the report "
            f"was not written, a blocking check of the marts failed: "
            f"{', '.join(checked.failed_checks or checked.failed_steps) or 'see the log'}"
        )
        print_footer(console, checked)
        raise typer.Exit(1)
    summary = _run(
        h,
        "report",
        only=[["reports", "steering_committee_progress"]],
        verbose=verbose,
        tags={REPORT_PERIOD_TAG: period} if period else None,
    )
    print_footer(console, summary)
    raise typer.Exit(_exit_code(summary))


@app.command()
def replay(
    home: HomeOption = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
) -> None:
    """Rebuild raw from landing alone (then `mtqg run` rebuilds what follows)."""
    from orchestration.sources import configured_sources
    from warehouse.connection import connect
    from warehouse.loading import replay_raw
    from warehouse.tables import ensure_tables

    h = _home(home)
    sources = configured_sources(h)
    if source is not None:
        sources = [s for s in sources if s.name == source]
        if not sources:
            err.print(f"no source named {clean(repr(source))} in {clean(h.sources_yaml)}")
            raise typer.Exit(2)
    with connect(h.warehouse) as con:
        ensure_tables(con)
        loads = replay_raw(con, h, sources)
    console.print(
        f"Replayed {len(loads)} batches ({sum(x.rows_loaded for x in loads):,} rows) from landing."
    )


@app.command()
def serve(
    home: HomeOption = None,
    port: Annotated[int, typer.Option("--port", help="Port of the web UI.")] = 3000,
) -> None:
    """Run the Dagster webserver (127.0.0.1) and daemon for the home, until Ctrl-C or SIGTERM."""
    from orchestration.serve import serve_forever

    h = _home(home)
    raise typer.Exit(serve_forever(h, port=port))


app.command()(export)
app.command()(publish)


def _rebuild_after_gate(home: Home, command: str) -> None:
    summary = _run(home, command, selection_from=[["quality", "batch_status"]])
    print_footer(console, summary)
    if _exit_code(summary):
        raise typer.Exit(_exit_code(summary))


signoff_commands.register(app, _home, _rebuild_after_gate)
app.command()(explain)


def main() -> None:
    # Outside a run Python's warnings and errors reach stderr (logging's last resort); during
    # one, every log goes to the command's log file.
    try:
        app()
    except MtqgError as exc:
        err.print(f"[red]error:[/red] {clean(exc)}")
        _exit(2)
    except SystemExit as exc:
        _exit(exc.code)


def _exit(code: int | str | None) -> None:
    """End the process now that the command is done: the exit handlers run (logs flushed,
    Dagster's databases checkpointed), but not the interpreter's teardown of every module
    Dagster, dbt and Great Expectations imported (1–3 s after each run on this machine).
    With a thread of the command still working, Python ends the usual way and waits for it."""
    if isinstance(code, str):  # as Python does: the message on stderr, exit code 1
        sys.stderr.write(code + "\n")
        code = 1
    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    if any(not t.daemon for t in others):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
