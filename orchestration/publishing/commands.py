"""`mtqg export` and `mtqg publish`: the current snapshot as files, and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.home import Home
from orchestration.console import clean, terminal

console = terminal()
err = terminal(stderr=True)


def export(
    out: Annotated[Path, typer.Option("--out", help="The folder to write the files into.")],
    table: Annotated[
        list[str] | None,
        typer.Option("--table", help="A table of the snapshot, e.g. marts.fct_capital_progress."),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every table of the snapshot.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="parquet | csv | xlsx")] = "parquet",
    home: Annotated[Path | None, typer.Option("--home", help="The mtqg home directory.")] = None,
) -> None:
    """Export tables of the current published snapshot (formula-safe CSV and Excel)."""
    from warehouse.publish_files import export_tables
    from warehouse.snapshots import current_snapshot

    if bool(table) == every:
        err.print("give --table NAME (one or more) or --all")
        raise typer.Exit(2)
    snapshot = current_snapshot(Home.resolve(home))
    names = list(snapshot.tables) if every else [_qualified(t) for t in table or []]
    for done in export_tables(snapshot, names, fmt, out):
        console.print(f"{clean(done.table)}: {done.rows:,} rows → {clean(done.path)}")
    console.print(
        f"From snapshot {clean(snapshot.path.name)} (run {clean(snapshot.manifest['run_id'])})."
    )


def _qualified(name: str) -> str:
    """`fct_capital_progress` is `marts.fct_capital_progress`."""
    return name if "." in name else f"marts.{name}"


def publish(
    postgres: Annotated[
        bool, typer.Option("--postgres", help="Load the snapshot's marts into PostgreSQL.")
    ] = False,
    home: Annotated[Path | None, typer.Option("--home", help="The mtqg home directory.")] = None,
) -> None:
    """Publish the current snapshot's marts to PostgreSQL (MTQG_PG_* variables), in one
    transaction, readable by the analysts' read-only role."""
    from warehouse.publish_config import PostgresPublish, load_publish_config, postgres_place
    from warehouse.publish_postgres import publish_to_postgres
    from warehouse.snapshots import current_snapshot

    if not postgres:
        err.print("say where to publish: --postgres")
        raise typer.Exit(2)
    h = Home.resolve(home)
    config = load_publish_config(h).postgres or PostgresPublish()
    snapshot = current_snapshot(h)
    done = publish_to_postgres(snapshot, config)
    console.print(
        f"Published {len(done.rows)} marts ({sum(done.rows.values()):,} rows) of snapshot "
        f"{clean(snapshot.path.name)} to {clean(postgres_place())} schema {clean(done.schema)} "
        f"in {done.seconds:.1f} s; role {clean(done.role)} may read them."
    )
