"""What `mtqg` prints: a short account on the terminal, the full logs in the home, and text
from files printed as text (no markup, no terminal control sequences)."""

from __future__ import annotations

import io
import logging
import re
import sys
from pathlib import Path
from types import SimpleNamespace

from rich.console import Console
from typer.testing import CliRunner

from core.home import Home
from orchestration.cli import app
from orchestration.console import StepProgress, captured_run, clean, print_summary
from orchestration.summary import RunSummary

HOSTILE = "[bold red]Bieu 01[/] \x1b[2J\x1b]0;pwned\x07\x9b31m\u202eslx.xlsx"


def _printed(text: str, *, terminal: bool = False) -> str:
    out = io.StringIO()
    Console(file=out, force_terminal=terminal, width=200, emoji=False).print(text)
    return out.getvalue()


def _no_control_from_the_name(printed: str) -> None:
    for sequence in ("\x1b[2J", "\x1b]", "\x07", "\x9b", "\u202e"):
        assert sequence not in printed


def test_a_file_name_with_markup_and_escape_sequences_prints_as_plain_text():
    shown = clean(HOSTILE)

    plain = _printed(f"{shown}: [green]accepted[/green]")
    coloured = _printed(f"{shown}: [green]accepted[/green]", terminal=True)

    assert plain.startswith("[bold red]Bieu 01[/] ")  # the markup is shown, not applied
    assert "pwned" in plain and "accepted" in plain
    _no_control_from_the_name(plain)
    _no_control_from_the_name(coloured)
    assert clean("a\nb\tc") == "a b c"  # a name cannot start a line of its own
    assert clean(None) == ""


def test_the_summary_prints_quarantined_names_and_reasons_as_text():
    summary = RunSummary(
        succeeded=True,
        wall_seconds=1.0,
        batches={"quarantined": 1},
        quarantined=[(HOSTILE, "row 3: [red]sum[/red] \x1b[31mwrong")],
        log_file=Path("/tmp/h/logs/run-20250101T000000Z.log"),
    )
    out = io.StringIO()

    print_summary(Console(file=out, width=200, emoji=False), summary, "mtqg run")

    printed = out.getvalue()
    assert "[bold red]Bieu 01[/]" in printed and "[red]sum[/red]" in printed
    _no_control_from_the_name(printed)
    assert "\x1b[31m" not in printed
    assert "Full log: /tmp/h/logs/run-20250101T000000Z.log" in printed


def test_a_missing_file_is_named_as_text(tmp_path):
    result = CliRunner().invoke(app, ["ingest", HOSTILE, "--home", str(tmp_path / "h")])

    assert result.exit_code == 2
    assert "[bold red]Bieu 01[/]" in result.output and "no such file" in result.output
    _no_control_from_the_name(result.output)


def test_a_run_writes_output_and_logging_to_its_log_file_not_the_terminal(tmp_path, capsys):
    home = Home.resolve(tmp_path / "h").ensure()

    with captured_run(home, "ingest") as run_log:
        print("Running with dbt=1.11")
        logging.getLogger("mtqg.connectors.inbox").debug("took 1 file")
        sys.stderr.write("a library's progress bar\n")
        run_log.progress.console.print("✓ landing/inbox  1 new")

    terminal = capsys.readouterr()
    log = run_log.path.read_text(encoding="utf-8")
    assert run_log.path.parent == home.root / "logs"
    assert re.fullmatch(r"ingest-\d{8}T\d{6}Z\.log", run_log.path.name)
    assert "Running with dbt" in log and "took 1 file" in log and "progress bar" in log
    assert terminal.out == "✓ landing/inbox  1 new\n" and terminal.err == ""


def test_verbose_shows_the_log_on_the_terminal_too(tmp_path, capsys):
    home = Home.resolve(tmp_path / "h").ensure()

    with captured_run(home, "run", verbose=True) as run_log:
        print("Running with dbt=1.11")

    assert "Running with dbt" in capsys.readouterr().err
    assert "Running with dbt" in run_log.path.read_text(encoding="utf-8")


def _record(step_key: str, event=None, *, level=logging.DEBUG, message="") -> logging.LogRecord:
    """A record as Dagster hands it to the run's loggers, its event attached."""
    record = logging.LogRecord("dagster", level, __file__, 0, message, None, None)
    record.dagster_meta = {"step_key": step_key, "dagster_event": event}
    return record


def _event(kind: str, **data) -> SimpleNamespace:
    return SimpleNamespace(event_type_value=kind, **data)


def _materialized(*path: str, **metadata) -> SimpleNamespace:
    materialization = SimpleNamespace(asset_key=SimpleNamespace(path=list(path)), metadata=metadata)
    return _event("ASSET_MATERIALIZATION", materialization=materialization)


def _success(seconds: float) -> SimpleNamespace:
    return _event("STEP_SUCCESS", step_success_data=SimpleNamespace(duration_ms=seconds * 1000))


def test_progress_prints_one_line_per_step_as_the_run_goes():
    out = io.StringIO()
    progress = StepProgress(Console(file=out, width=200, emoji=False))
    wrapped = SimpleNamespace(
        message="Error occurred while executing op",
        cls_name="DagsterExecutionStepExecutionError",
        cause=SimpleNamespace(message=f"ValueError: {HOSTILE}\nmore", cls_name="V", cause=None),
    )
    records = [
        _record("landing__inbox", _event("STEP_START")),
        _record("landing__inbox", _materialized("landing", "inbox", new=1, unchanged=2)),
        _record("landing__inbox", _success(2.5)),
        *[_record("load_raw", _materialized("raw", t, batches_loaded=1)) for t in ("a", "b")],
        _record("load_raw", _success(0.2)),
        _record(
            "quality_gate", _event("STEP_FAILURE", step_failure_data=SimpleNamespace(error=wrapped))
        ),
        _record("reports__steering", level=logging.ERROR, message="Dependencies … Not executing."),
        _record("load_raw", level=logging.INFO, message="batch 6e7e0ec45900 b.xlsx: 49 rows"),
    ]

    for record in records:
        progress.handle(record)

    lines = out.getvalue().splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["✓", "landing/inbox"],
        ["✓", "load_raw"],
        ["✗", "quality_gate"],
        ["–", "reports/steering"],
    ]
    assert lines[0].endswith("1 new, 2 unchanged  2.5 s") and lines[1].endswith("1 batch")
    assert "failed: ValueError: [bold red]Bieu 01[/]" in lines[2] and "more" not in lines[2]
    _no_control_from_the_name(lines[2])
    assert lines[3].endswith("not run: an earlier step failed")
