"""Shared fixtures: a fresh MTQG home and its landing zone per test."""

from __future__ import annotations

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
