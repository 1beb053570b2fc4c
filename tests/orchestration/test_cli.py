"""The command line: init, sql, serve and the errors a user sees."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import orchestration
from connectors.config import load_sources
from core.home import Home
from orchestration import serve
from orchestration.cli import app
from warehouse.connection import connect
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
