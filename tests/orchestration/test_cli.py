"""The command line: init, sql, serve and the errors a user sees."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import orchestration
from connectors.config import load_sources
from connectors.inbox import take_stable_files
from connectors.landing import Landing
from core.home import Home
from orchestration import cli, serve
from orchestration.cli import app
from orchestration.summary import RunSummary
from warehouse.connection import connect
from warehouse.snapshots import publish_snapshot
from warehouse.tables import ensure_tables

runner = CliRunner()


def test_init_writes_a_sources_file_that_loads_and_never_overwrites(tmp_path):
    home = Home.resolve(tmp_path / "h")

    first = runner.invoke(app, ["init", "--home", str(home.root)])
    second = runner.invoke(app, ["init", "--home", str(home.root)])

    assert first.exit_code == 0, first.output
    kinds = {s.kind for s in load_sources(home.sources_yaml, home).sources}
    assert kinds >= {"ministry_api", "iati_files", "iati_datastore", "ckan", "inbox"}
    assert second.exit_code == 1 and "not overwritten" in second.output


def test_sql_answers_read_only_in_json_and_csv(tmp_path):
    home = Home.resolve(tmp_path / "h").ensure()
    with connect(home.warehouse) as con:
        ensure_tables(con)
    publish_snapshot(home, run_id="test")  # `mtqg sql` reads the published snapshot
    query = "select 'Lào Cai' as province_name, 15 as province_code"

    as_json = runner.invoke(app, ["sql", query, "--format", "json", "--home", str(home.root)])
    as_csv = runner.invoke(app, ["sql", query, "--format", "csv", "--home", str(home.root)])
    write = runner.invoke(app, ["sql", "create table x (a int)", "--home", str(home.root)])

    assert json.loads(as_json.output) == [{"province_name": "Lào Cai", "province_code": 15}]
    assert as_csv.output.splitlines() == ["province_name,province_code", "Lào Cai,15"]
    assert write.exit_code == 1 and "read-only" in write.output.lower()


def test_sql_on_a_home_without_a_warehouse_says_what_to_do(tmp_path):
    result = runner.invoke(app, ["sql", "select 1", "--home", str(tmp_path / "empty")])

    assert result.exit_code != 0
    assert "mtqg run" in str(result.exception) or "mtqg run" in result.output


def _popen_recording(started: list[tuple[list[str], dict]]) -> type:
    """Stands in for subprocess.Popen: records the command; the process is over at once."""

    class ExitedAtOnce:
        pid, returncode = 0, 0

        def __init__(self, command: list[str], **options) -> None:
            started.append((command, options))

        def poll(self) -> int:
            return 0

        def wait(self, timeout: float | None = None) -> int:
            return 0

    return ExitedAtOnce


def test_serve_runs_the_installed_code_whatever_the_current_directory(tmp_path, monkeypatch):
    decoy = tmp_path / "elsewhere" / "orchestration"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise SystemExit('wrong code')\n")
    monkeypatch.chdir(decoy.parent)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "restored-after"))
    started: list[tuple[list[str], dict]] = []
    monkeypatch.setattr(serve.subprocess, "Popen", _popen_recording(started))
    monkeypatch.setattr(serve.signal, "signal", lambda *_: None)  # pytest keeps its Ctrl-C

    serve.serve_forever(Home.resolve(tmp_path / "h"))

    installed = Path(orchestration.__file__).resolve().parents[1]
    assert [Path(command[0]).name for command, _ in started] == [
        "dagster-webserver",
        "dagster-daemon",
    ]
    for command, options in started:
        assert command[command.index("-d") + 1] == str(installed)
        assert command[-2:] == ["-m", "orchestration.definitions"]
        assert options["cwd"] == installed


def test_sql_csv_writes_text_that_starts_like_a_formula_as_text(tmp_path):
    home = Home.resolve(tmp_path / "h").ensure()
    with connect(home.warehouse) as con:
        ensure_tables(con)
    publish_snapshot(home, run_id="test")  # `mtqg sql` reads the published snapshot

    def csv_of(query: str) -> list[list[str]]:
        result = runner.invoke(app, ["sql", query, "--format", "csv", "--home", str(home.root)])
        assert result.exit_code == 0, result.output
        return list(csv.reader(io.StringIO(result.output)))

    assert csv_of("select '=1+1' as x") == [["x"], ["'=1+1"]]
    hostile = (
        "select '=HYPERLINK(\"http://evil\",\"x\")' as a, '+1' as b, '-2+3' as c, '@SUM(A1)' as d,"
        " chr(9) || '=1' as e, chr(13) || '=1' as f, -5 as g, 1.5 as h, 'Lào Cai' as i,"
        " 'mailto:x@y' as j, null as k, '=x' as \"=col\""
    )
    header, row = csv_of(hostile)
    assert header[-1] == "'=col"
    assert row == [
        '\'=HYPERLINK("http://evil","x")',
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
        "-5",  # numbers are numbers, negative or not
        "1.5",
        "Lào Cai",
        "mailto:x@y",  # no formula; a CSV cell is never a link
        "",
        "'=x",
    ]


def test_ingest_never_overwrites_a_file_of_the_same_name(tmp_path, monkeypatch):
    home = Home.resolve(tmp_path / "h").ensure()
    with connect(home.warehouse) as con:
        ensure_tables(con)
    first, second = tmp_path / "a" / "bieu01.xlsx", tmp_path / "b" / "bieu01.xlsx"
    waiting = home.inbox / "bieu01.xlsx"  # dropped earlier, not taken yet
    for path, content in ((first, b"Lao Cai"), (second, b"Dien Bien"), (waiting, b"Son La")):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    seen: dict[str, bytes] = {}

    def run_takes_the_inbox(h, command, **options):
        seen.update(
            {p.relative_to(h.inbox).as_posix(): p.read_bytes() for p in h.inbox.rglob("*.xlsx")}
        )
        take_stable_files(
            h.inbox, Landing(h.landing), state_path=h.state / "t.json", settle_seconds=0.01
        )
        return RunSummary(succeeded=True, wall_seconds=0.0)

    monkeypatch.setattr(cli, "_run", run_takes_the_inbox)

    result = runner.invoke(app, ["ingest", str(first), str(second), "--home", str(home.root)])

    assert result.exit_code == 0, result.output
    assert sorted(seen.values()) == [b"Dien Bien", b"Lao Cai", b"Son La"]
    assert {Path(rel).name for rel in seen} == {"bieu01.xlsx"}  # the name itself is kept
    landed = list(Landing(home.landing).files("inbox"))
    assert sorted(f.path.read_bytes() for f in landed) == [b"Dien Bien", b"Lao Cai", b"Son La"]
    assert {f.original_name for f in landed} == {"bieu01.xlsx"}
    assert list(home.inbox.iterdir()) == []  # the ingest's own sub-folders are removed
    # two files of one name are told apart in the account by the path they were given as
    assert f"{first}:" in result.output.replace("\n", "")
    assert f"{second}:" in result.output.replace("\n", "")


def _mtqg(*args: str) -> subprocess.CompletedProcess:
    """`mtqg` as a user runs it: its own process, output to pipes."""
    command = [sys.executable, "-m", "orchestration.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_the_command_ends_with_its_exit_code_and_all_its_output(tmp_path):
    """`main` ends the process without the interpreter's teardown: what was printed still
    reaches the pipes, and the exit code is the command's."""
    home = Home.resolve(tmp_path / "h").ensure()
    with connect(home.warehouse) as con:
        ensure_tables(con)
    publish_snapshot(home, run_id="test")
    query = "select 'Lào Cai' as province_name from range(3000)"

    answered = _mtqg("sql", query, "--format", "csv", "--home", str(home.root))
    refused = _mtqg("sql", "create table x (a int)", "--home", str(home.root))
    unknown = _mtqg("no-such-command")

    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.splitlines() == ["province_name", *["Lào Cai"] * 3000]
    assert refused.returncode == 1 and "read-only" in refused.stderr.lower()
    assert unknown.returncode == 2 and "no-such-command" in unknown.stderr
