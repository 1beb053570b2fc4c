"""`mtqg`: the command line of the pipeline. Every command takes --home (default $MTQG_HOME)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from core.errors import MtqgError
from core.home import Home

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="mtqg — data pipeline of the Coordination Office, National Target Programme 1719.",
)
console = Console()
err = Console(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="The mtqg home directory (default: $MTQG_HOME or ./.mtqg)."),
]
SOURCES_FILE_ENV = "MTQG_SOURCES_FILE"


def _home(home: Path | None) -> Home:
    resolved = Home.resolve(home).ensure()
    os.environ["MTQG_HOME"] = str(resolved.root)
    return resolved


def _run(
    home: Home,
    selection_from: list[list[str]] | None = None,
    *,
    only: list[list[str]] | None = None,
    exclude_reports: bool = False,
):
    """Build the definitions for the home and materialise them: all, what follows some keys
    (`selection_from`), or exactly some keys (`only`)."""
    import dagster as dg

    from orchestration.definitions import build_definitions
    from orchestration.instance import materialize_all
    from orchestration.jobs import after_landing, whole_pipeline
    from orchestration.summary import summarise

    started = time.monotonic()
    defs = build_definitions(home)
    graph = defs.resolve_asset_graph()
    if selection_from:
        chosen = after_landing([dg.AssetKey(k) for k in selection_from])
    elif only:
        chosen = dg.AssetSelection.assets(*[dg.AssetKey(k) for k in only])
    else:
        chosen = whole_pipeline()
    if exclude_reports:
        chosen = chosen - dg.AssetSelection.key_prefixes("reports")
    selection = sorted(chosen.resolve(graph), key=lambda k: k.to_string())
    result = materialize_all(home, defs, selection=selection)
    return summarise(home, result, time.monotonic() - started)


def _print_summary(summary, title: str) -> None:
    console.rule(title)
    for source, outcome in summary.sources:
        style = "red" if outcome.startswith("FAILED") else "green"
        console.print(f"Source [bold]{source}[/bold]: [{style}]{escape(outcome)}[/{style}]")
    table = Table("mart", "rows", title="Marts")
    for mart, rows in summary.mart_rows.items():
        table.add_row(f"marts.{mart}", f"{rows:,}")
    console.print(table)
    accepted = summary.batches.get("accepted", 0)
    quarantined = summary.batches.get("quarantined", 0)
    console.print(
        f"Batches: [green]{accepted} accepted[/green], [red]{quarantined} quarantined[/red]"
    )
    for name, reasons in summary.quarantined:
        console.print(f"  [red]quarantined[/red] {escape(name)}: {escape(reasons or '')}")
    for check in summary.failed_checks:
        console.print(f"[yellow]failed check[/yellow] {check}")
    for step in summary.failed_steps:
        console.print(f"[red]failed step[/red] {step}")
    for path in summary.reports:
        console.print(f"Report: {path}")
    console.print(f"Wall time: {summary.wall_seconds:.1f} s")


def _exit_code(summary) -> int:
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
        err.print(f"{h.sources_yaml} exists already; not overwritten.")
        raise typer.Exit(1)
    h.sources_yaml.write_text(render_sources_template(), encoding="utf-8")
    console.print(f"Wrote {h.sources_yaml}")


@app.command()
def run(
    home: HomeOption = None,
    config: Annotated[Path | None, typer.Option("--config", help="A sources.yaml to use.")] = None,
) -> None:
    """Run the whole pipeline once against the configured sources."""
    h = _home(home)
    if config is not None:
        os.environ[SOURCES_FILE_ENV] = str(config.resolve())
    summary = _run(h)
    _print_summary(summary, "mtqg run")
    raise typer.Exit(_exit_code(summary))


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Provincial files (Form 01, CSV …).")],
    home: HomeOption = None,
) -> None:
    """Place provincial files in the inbox and run what depends on them."""
    h = _home(home)
    digests = {}
    for file in files:
        if not file.is_file():
            err.print(f"{file}: no such file")
            raise typer.Exit(2)
        digests[file] = hashlib.sha256(file.read_bytes()).hexdigest()
        shutil.copyfile(file, h.inbox / file.name)
    summary = _run(h, selection_from=[["landing", "inbox"]])
    from warehouse.accounts import batch_verdict
    from warehouse.connection import connect

    with connect(h.warehouse, read_only=True) as con:
        for file, digest in digests.items():
            verdict = batch_verdict(con, digest)
            name = escape(file.name)
            if verdict is None:
                console.print(f"{name}: [yellow]not processed[/yellow] (see the run's log)")
            elif verdict.status == "accepted":
                where = escape(verdict.reports or "")
                console.print(
                    f"{name}: [green]accepted[/green] — {where}, {verdict.fact_count} facts"
                )
            else:
                console.print(f"{name}: [red]quarantined[/red] — {escape(verdict.reasons or '')}")
    for step in summary.failed_steps:
        console.print(f"[red]failed step[/red] {step}")
    raise typer.Exit(_exit_code(summary))


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A read-only SQL query.")],
    home: HomeOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
) -> None:
    """Query the warehouse read-only."""
    from warehouse.connection import connect

    h = _home(home)
    with connect(h.warehouse, read_only=True) as con:
        try:
            cursor = con.execute(query)
        except Exception as exc:
            err.print(f"query failed: {exc}")
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

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(*columns)
        for r in rows:
            table.add_row(*["" if v is None else str(v) for v in r])
        console.print(table)


@app.command()
def demo(home: HomeOption = None) -> None:
    """Start the bundled demo sources on 127.0.0.1, run the whole pipeline once, stop them."""
    from demo.sources import start_demo_sources

    h = _home(home)
    with start_demo_sources(h) as sources:
        os.environ.update(sources.env)
        summary = _run(h)
    _print_summary(summary, "mtqg demo")
    raise typer.Exit(_exit_code(summary))


@app.command()
def check(home: HomeOption = None) -> None:
    """Run the quality gates on what is loaded; exit 1 when a blocking gate fails."""
    from warehouse.accounts import open_problems as open_problems_of
    from warehouse.connection import connect

    h = _home(home)
    summary = _run(h, selection_from=[["quality", "batch_status"]], exclude_reports=True)
    with connect(h.warehouse, read_only=True) as con:
        open_problems = open_problems_of(con)
    for name, province, period, reasons in open_problems:
        where = f" (province {province}, {period})" if province else ""
        console.print(f"[red]blocking[/red] {escape(name)}{where}: {escape(reasons or '')}")
    for check_name in summary.failed_checks:
        console.print(f"[red]failed check[/red] {check_name}")
    for step in summary.failed_steps:
        console.print(f"[red]failed step[/red] {step}")
    if not (open_problems or summary.failed_checks or summary.failed_steps):
        console.print("[green]All blocking gates pass.[/green]")
    raise typer.Exit(1 if (open_problems or summary.failed_checks or summary.failed_steps) else 0)


@app.command()
def report(home: HomeOption = None) -> None:
    """Build the Steering Committee report from gated data."""
    h = _home(home)
    summary = _run(h, only=[["reports", "steering_committee_progress"]])
    for path in summary.reports:
        console.print(f"Report: {path}")
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
            err.print(f"no source named {source!r} in {h.sources_yaml}")
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


def main() -> None:
    level = os.environ.get("MTQG_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(level=level)
    # dagster-dbt relays every line of dbt's log at INFO; the summary says what matters.
    logging.getLogger("dagster").setLevel(level)
    try:
        app()
    except MtqgError as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
