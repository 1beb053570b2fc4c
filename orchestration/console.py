"""What a person sees while a pipeline command runs: one line per step and the summary, with
text from files made safe; Dagster's, dbt's and Python's logs go to a file in the home."""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.spinner import Spinner
from rich.table import Table

from core.home import Home

if TYPE_CHECKING:
    import dagster as dg

    from orchestration.summary import RunSummary

# C0 and C1 controls (ESC among them), DEL, and the bidirectional overrides that reorder text.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Dagster attaches its structured metadata (the event among it) to every record it relays.
_DAGSTER_META = "dagster_meta"
_LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
# The project's own loggers are kept in full; other libraries' from WARNING up.
_OUR_LOGGERS = ("mtqg", "core", "connectors", "warehouse", "expectations", "reporting", "demo")


def clean(text: object) -> str:
    """`text` (a file name, a reason) printable with rich as it is: control characters and
    escape sequences replaced, rich markup escaped."""
    if text is None:
        return ""
    shown = _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else "\ufffd", str(text))
    return escape(shown)


def terminal(file: TextIO | None = None, *, stderr: bool = False) -> Console:
    """A rich console that prints what it is given (no `:emoji:` codes from file names); on
    `file`, else on whatever sys.stdout (or sys.stderr) is when it prints."""
    return Console(file=file, stderr=stderr, emoji=False)


# --- the log file ---------------------------------------------------------------------------


def log_path(home: Home, command: str, now: datetime | None = None) -> Path:
    """`$MTQG_HOME/logs/<command>-<UTC timestamp>.log`."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return home.root / "logs" / f"{command}-{stamp}.log"


def _open_new(path: Path) -> tuple[Path, TextIO]:
    """Open a new log file at `path`, or beside it when a command started in the same second."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for n in range(100):
        candidate = path if n == 0 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            return candidate, open(candidate, "x", encoding="utf-8", errors="replace")
        except FileExistsError:
            continue
    raise FileExistsError(path)


class _LogStream(io.TextIOBase):
    """Text written here goes to the log file, and to the terminal too when `echo` is given.

    It has no file descriptor on purpose: Dagster then leaves the process's stdout alone
    instead of tailing its copy of every step's output back to the terminal.
    """

    def __init__(self, file: TextIO, echo: TextIO | None = None) -> None:
        super().__init__()
        self._file, self._echo, self._lock = file, echo, threading.Lock()

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._file.write(text)
            if self._echo is not None:
                self._echo.write(text)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self._file.flush()
            if self._echo is not None:
                self._echo.flush()


def _log_handler(stream: _LogStream) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    formatter = logging.Formatter(_LOG_FORMAT, "%Y-%m-%d %H:%M:%S UTC")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    return handler


def _not_relayed_by_dagster(record: logging.LogRecord) -> bool:
    # Dagster relays the `dagster.*` records of a step to the run's logger, which logs them.
    return not hasattr(record, _DAGSTER_META)


# --- progress: one line per step, as the run goes ----------------------------------------------


@dataclass
class _Step:
    materialized: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)


class StepProgress(logging.Handler):
    """Receives the run's Dagster events and prints a line when a step ends:
    `✓ landing/inbox  1 new`, `✗ quality_gate  failed: …`, `– dbt_marts  not run …`, and `!`
    for a step that ran but whose checks failed."""

    def __init__(self, console: Console, *, animate: bool = False) -> None:
        super().__init__(logging.DEBUG)
        self.console = console
        self._steps: dict[str, _Step] = {}
        self._ended: set[str] = set()
        self._live: Live | None = None
        if animate:
            self._live = Live(
                Spinner("dots", text="starting …"),
                console=console,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )

    def __enter__(self) -> StepProgress:
        if self._live is not None:
            self._live.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._live is not None:
            self._live.stop()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, _DAGSTER_META, None) or {}
        step_key, event = meta.get("step_key"), meta.get("dagster_event")
        if not step_key:
            return
        if event is None:
            # Steps whose inputs failed are not run; Dagster says so in a log line, not an event.
            if record.levelno >= logging.ERROR and "Not executing" in record.getMessage():
                self._end(step_key, "–", "yellow", "not run: an earlier step failed")
            return
        try:
            self._on_event(step_key, event)
        except Exception:  # the run goes on whatever the progress line makes of an event
            self.handleError(record)

    def _on_event(self, step_key: str, event: Any) -> None:
        step = self._steps.setdefault(step_key, _Step())
        kind = event.event_type_value
        if kind == "STEP_START" and self._live is not None:
            self._live.update(Spinner("dots", text=f"{_label(step_key, step)} …"))
        elif kind == "ASSET_MATERIALIZATION":
            materialization = event.materialization
            metadata = {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
            step.materialized.append(("/".join(materialization.asset_key.path), metadata))
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.asset_check_evaluation_data
            step.checks.append((evaluation.check_name, evaluation.passed))
        elif kind == "STEP_SUCCESS":
            seconds = event.step_success_data.duration_ms / 1000
            if any("error" in metadata for _, metadata in step.materialized):
                mark, style = "✗", "red"  # a source unreachable after its retries
            elif any(not passed for _, passed in step.checks):
                mark, style = "!", "yellow"
            else:
                mark, style = "✓", "green"
            self._end(step_key, mark, style, _step_detail(step), seconds)
        elif kind == "STEP_FAILURE":
            self._end(step_key, "✗", "red", f"failed: {_failure_reason(event)}")
        elif kind == "STEP_SKIPPED":
            self._end(step_key, "–", "yellow", "skipped")

    def _end(
        self, step_key: str, mark: str, style: str, detail: str, seconds: float | None = None
    ) -> None:
        if step_key in self._ended:
            return
        self._ended.add(step_key)
        label = f"{_label(step_key, self._steps.get(step_key, _Step())):<22}"
        took = f"  [dim]{seconds:.1f} s[/dim]" if seconds is not None and seconds >= 1 else ""
        self.console.print(f"[{style}]{mark}[/{style}] {clean(label)}  {clean(detail)}{took}")


def _label(step_key: str, step: _Step) -> str:
    """The asset a one-asset step made (`landing/inbox`), a check's name, else the step's."""
    if len(step.materialized) == 1:
        return step.materialized[0][0]
    if not step.materialized and len(step.checks) == 1:
        return f"check {step.checks[0][0]}"
    return step_key.replace("__", "/")  # Dagster names a one-asset step after its key


def _count(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else (nouns or noun + 's')}"


def _step_detail(step: _Step) -> str:
    """What a finished step did, from the metadata of what it materialised and checked."""
    meta = step.materialized[0][1] if step.materialized else {}
    failed_checks = [name for name, passed in step.checks if not passed]
    if "error" in meta:
        return f"unreachable: {meta['error']}"
    if "new" in meta:
        parts = [f"{meta['new']} new"]
        parts += [f"{meta[k]} {k}" for k in ("unchanged", "refused") if meta.get(k)]
        return ", ".join(parts)
    if "batches_loaded" in meta:
        parts = [_count(meta["batches_loaded"], "batch", "batches")]
        parts += [f"{meta['unreadable']} unreadable"] if meta.get("unreadable") else []
        return ", ".join(parts)
    if "batches_gated" in meta:
        return (
            f"{meta['accepted']} accepted"
            + (f", {meta['quarantined']} quarantined" if meta.get("quarantined") else "")
            + (f", {meta['held']} held" if meta.get("held") else "")
        )
    if "messages" in meta:
        return _count(meta["messages"], "message") + (
            f", {meta['failed_deliveries']} not delivered" if meta.get("failed_deliveries") else ""
        )
    if "rows" in meta and len(step.materialized) == 1:
        return _count(meta["rows"], "row")
    if len(step.materialized) > 1:
        tests = _count(len(step.checks), "test") if step.checks else ""
        failing = f"{len(failed_checks)} failed" if failed_checks else ""
        return ", ".join(x for x in (f"{len(step.materialized)} built", tests, failing) if x)
    if step.checks:
        return "failed" if failed_checks else "passed"
    return ""


def _failure_reason(event: Any) -> str:
    """The first line of the error a step raised (the user's error, not Dagster's wrapper)."""
    error = event.step_failure_data.error
    while (
        error is not None
        and error.cause is not None
        and "Error occurred while" in (error.message or "")
    ):
        error = error.cause
    if error is None:
        return "see the full log"
    first = (error.message or error.cls_name or "").strip().splitlines()
    reason = first[0] if first else "see the full log"
    return reason if len(reason) <= 160 else reason[:157] + "…"


# --- a run with its log captured ------------------------------------------------------------


@dataclass
class RunLog:
    """The log file of one command, and the progress printed for its run."""

    path: Path
    stream: _LogStream
    progress: StepProgress

    def dagster_logger(self) -> dg.LoggerDefinition:
        """The run's only logger: every event and log line to the file, steps' ends to the
        terminal."""
        import dagster as dg

        def build(_: dg.InitLoggerContext) -> logging.Logger:
            logger = logging.Logger("dagster", level=logging.DEBUG)  # not in logging's tree
            logger.addHandler(_log_handler(self.stream))
            logger.addHandler(self.progress)
            return logger

        return dg.LoggerDefinition(build, description="mtqg: log file and step progress")


@contextmanager
def captured_run(home: Home, command: str, *, verbose: bool = False) -> Iterator[RunLog]:
    """While the block runs, stdout, stderr and Python logging (the project's loggers at DEBUG,
    other libraries' warnings) go to the command's log file, and to the terminal too when
    `verbose`."""
    shown = terminal(sys.stdout)
    path, file = _open_new(log_path(home, command))
    with file:
        stream = _LogStream(file, echo=sys.stderr if verbose else None)
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        stream.write(f"mtqg {command} (home {home.root}), started {started} UTC\n")
        progress = StepProgress(shown, animate=shown.is_terminal and not verbose)
        try:
            with (
                _python_logging_to(stream),
                redirect_stdout(stream),
                redirect_stderr(stream),
                progress,
            ):
                yield RunLog(path, stream, progress)
        except BaseException:
            shown.print(f"Full log: {clean(path)}", soft_wrap=True)
            raise


@contextmanager
def _python_logging_to(stream: _LogStream) -> Iterator[None]:
    handler = _log_handler(stream)
    handler.addFilter(_not_relayed_by_dagster)
    root, ours = logging.getLogger(), [logging.getLogger(name) for name in _OUR_LOGGERS]
    levels = [logger.level for logger in ours]
    root.addHandler(handler)
    for logger in ours:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        for logger, level in zip(ours, levels, strict=True):
            logger.setLevel(level)


# --- the summary ----------------------------------------------------------------------------


def print_summary(console: Console, summary: RunSummary, title: str) -> None:
    """The account of a whole run: sources, marts, batches, then the footer."""
    console.rule(clean(title))
    for source, outcome in summary.sources:
        style = "red" if outcome.startswith("FAILED") else "green"
        console.print(f"Source [bold]{clean(source)}[/bold]: [{style}]{clean(outcome)}[/{style}]")
    if summary.mart_rows:
        table = Table("mart", "rows", title="Marts")
        for mart, rows in summary.mart_rows.items():
            table.add_row(f"marts.{clean(mart)}", f"{rows:,}")
        console.print(table)
    accepted = summary.batches.get("accepted", 0)
    quarantined = summary.batches.get("quarantined", 0)
    held = summary.batches.get("held", 0)  # would change an approved province × period
    console.print(
        f"Batches: [green]{accepted} accepted[/green], [red]{quarantined} quarantined[/red]"
        + (f", [yellow]{held} held (approved period)[/yellow]" if held else "")
    )
    for name, reasons in summary.quarantined:
        console.print(f"  [red]quarantined[/red] {clean(name)}: {clean(reasons)}")
    for check in summary.failed_checks:
        console.print(f"[yellow]failed check[/yellow] {clean(check)}")
    print_footer(console, summary)


def print_footer(console: Console, summary: RunSummary) -> None:
    """Failed steps, reports written, wall time and where the full log is."""
    for step in summary.failed_steps:
        console.print(f"[red]failed step[/red] {clean(step)}")
    for path in summary.reports:
        console.print(f"Report: {clean(path)}", soft_wrap=True)
    console.print(f"Wall time: {summary.wall_seconds:.1f} s")
    if summary.unreadable:
        console.print(f"[yellow]warehouse not read back[/yellow]: {clean(summary.unreadable)}")
    if summary.log_file is not None:
        console.print(f"Full log: {clean(summary.log_file)}", soft_wrap=True)
