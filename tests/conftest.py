"""Shared fixtures: a fresh MTQG home and its landing zone per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.home import Home
from connectors.landing import Landing


@pytest.fixture
def home(tmp_path, monkeypatch) -> Home:
    monkeypatch.setenv("MTQG_HOME", str(tmp_path / "home"))
    return Home.resolve(tmp_path / "home").ensure()


@pytest.fixture
def landing(home: Home) -> Landing:
    return Landing(home.landing)


SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The team's shared folder beside the repository (CI always has it)."""
    if not (SHARED / "sources" / "examples").is_dir():
        pytest.skip(f"no shared folder at {SHARED}: the examples and reference data live there")
    return SHARED
