"""The Dagster UI of `mtqg serve`, opened in headless Chromium: the asset graph renders."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_serve_end_to_end import Served

pytestmark = pytest.mark.slow

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1600,1000",
    # the UI is a single-page app: give its scripts and GraphQL answers time to draw the graph
    "--virtual-time-budget=30000",
]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium, installed with apt-get when missing (the CI image runs as root)."""
    found = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if found:
        return Path(found)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and apt-get cannot install it (not root)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stderr[-3000:]}"
    return CHROMIUM


@pytest.fixture
def served(tmp_path, request):
    server = Served(tmp_path / "home", tmp_path / "serve.log")
    failures_before = request.session.testsfailed
    yield server
    server.stop()
    if request.session.testsfailed > failures_before:
        print(f"--- mtqg serve output ({server.log_path}) ---\n{server.logs()}")


def _chromium(chromium: Path, profile: Path, *args: str) -> str:
    done = subprocess.run(
        [str(chromium), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_asset_graph_page_renders_in_chromium(served, chromium, tmp_path):
    served.wait_until_up()
    # the graph of the quality group: the gate between harmonised batches and the marts
    page = f"{served.url}/locations/orchestration.definitions/asset-groups/quality"
    dom = _chromium(chromium, tmp_path / "profile-dom", "--dump-dom", page)
    # the graph draws only the nodes in the window (the gate's outputs now include the sign-off
    # tables): one of the gate's outputs, a harmonised model it reads and a model reading it
    for label in ("check_results", "int_capital_plans_converted", "stg_quality__check_results"):
        assert label in dom, f"{label} is not drawn on {page}"
    assert "Something went wrong" not in dom
    assert "PythonError" not in dom
    assert "Join the Dagster community" not in dom  # nux is off in the home's dagster.yaml

    OUTPUT.mkdir(exist_ok=True)
    screenshot = OUTPUT / "asset_graph.png"
    screenshot.unlink(missing_ok=True)
    _chromium(chromium, tmp_path / "profile-shot", f"--screenshot={screenshot}", page)
    assert screenshot.exists() and screenshot.stat().st_size > 20_000  # a drawn page, not blank
