"""`mtqg report --period`: a period the marts cannot hold is refused before anything runs."""

from __future__ import annotations

from typer.testing import CliRunner

from orchestration.cli import app


def test_a_period_that_is_no_period_is_refused_before_any_run(tmp_path):
    result = CliRunner().invoke(app, ["report", "--home", str(tmp_path), "--period", "Q5/2026"])
    assert result.exit_code == 2
    assert "write it as 2026-Q1" in result.output
    assert not (tmp_path / "reports").exists()  # no home made, no run started
