"""`mtqg approve` and `mtqg unlock`: sign-off of a province × period, from the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from core.home import Home
from orchestration.console import clean, terminal

console = terminal()
err = terminal(stderr=True)

ProvinceArgument = Annotated[
    str, typer.Argument(help="The province: 2025 code (51) or name (Quảng Ngãi).")
]
PeriodArgument = Annotated[str, typer.Argument(help="The period: 2025-Q3, 2025-H1, 2025 …")]
ByOption = Annotated[str, typer.Option("--by", help="Who signs (kept in the audit table).")]
HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="The mtqg home directory (default: $MTQG_HOME or ./.mtqg)."),
]
RebuildOption = Annotated[
    bool,
    typer.Option(
        "--rebuild/--no-rebuild",
        help="Rebuild the marts, the report and the alerts from the new verdicts now "
        "(default), or leave that to the next run.",
    ),
]


def register(app: typer.Typer, home_of: Callable[[Path | None], Home], rebuild: Callable) -> None:
    """Add the two commands to `app`; `rebuild(home, command)` runs what follows the gate."""

    @app.command()
    def approve(
        province: ProvinceArgument,
        period: PeriodArgument,
        by: ByOption,
        home: HomeOption = None,
        rebuild_now: RebuildOption = True,
    ) -> None:
        """Approve (lock) a province × period: later submissions are held, not published."""
        from expectations import signoff
        from warehouse.connection import connect
        from warehouse.tables import ensure_tables

        h = home_of(home)
        with connect(h.warehouse) as con:
            ensure_tables(con)
            outcome = _or_exit(lambda: signoff.approve(con, province, period, by=by))
        console.print(
            f"[green]approved[/green] {clean(outcome.where)} by {clean(outcome.event.actor)}: "
            f"{len(outcome.approved_batches)} published submission(s) locked"
        )
        if outcome.held_now:
            console.print(
                f"[yellow]held[/yellow] {len(outcome.held_now)} accepted submission(s) not yet "
                "published, which would have changed the approved figures"
            )
            if rebuild_now:
                rebuild(h, "approve")

    @app.command()
    def unlock(
        province: ProvinceArgument,
        period: PeriodArgument,
        by: ByOption,
        reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit table).")],
        home: HomeOption = None,
        rebuild_now: RebuildOption = True,
    ) -> None:
        """Unlock an approved province × period; its held submissions are judged again and,
        when accepted, published."""
        from expectations import signoff
        from warehouse.connection import connect
        from warehouse.tables import ensure_tables

        h = home_of(home)
        with connect(h.warehouse) as con:
            ensure_tables(con)
            outcome = _or_exit(lambda: signoff.unlock(con, province, period, by=by, reason=reason))
        console.print(
            f"[green]unlocked[/green] {clean(outcome.where)} by {clean(outcome.event.actor)}"
        )
        for verdict in outcome.rejudged:
            name = clean(verdict.original_name or verdict.batch_id)
            console.print(f"  {name}: {verdict.status}" + _why(verdict.reasons))
        if any(v.is_accepted for v in outcome.rejudged):
            if rebuild_now:
                rebuild(h, "unlock")
            else:
                console.print("The accepted submissions are published by the next run.")


def _or_exit(action: Callable):
    from warehouse.signoff import SignoffRefused

    try:
        return action()
    except SignoffRefused as exc:
        err.print(f"[red]refused:[/red] {clean(exc)}")
        raise typer.Exit(2) from None


def _why(reasons: list[str]) -> str:
    return f" — {clean('; '.join(reasons))}" if reasons else ""
