"""The dbt project as Dagster sees it. Its manifest is prepared at build time (`make`), and by
the first definitions built without one (a clone set up with `uv sync` alone)."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from core.files import atomic_path
from core.home import Home

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
# dbt's per-invocation folders (run results, logs) kept below the home: the newest few.
KEEP_TARGETS = 5
# dbt's parse state of this home. dbt reparses the whole project (~10 s) when the profile's
# connection differs from the one its state was made with, and the warehouse path is the home's:
# the state made at build time (for a throw-away path) never serves a run, this one does.
PARTIAL_PARSE = "partial_parse.msgpack"


def dbt_executable() -> str:
    """The dbt of this environment, whether or not the venv is on PATH."""
    return str(Path(sys.executable).parent / "dbt")


class MtqgDbtCliResource(DbtCliResource):
    """dagster-dbt's CLI resource without two start-up costs of every dbt step that this
    project has no use for (measured: 10.7 s and 31 s of one `mtqg ingest` on a busy machine):

    - the version of dbt is asked of this environment's dbt-core package, not of a
      `dbt --version` process (the executable is this environment's own: `dbt_executable`);
    - no dbt adapter is made in the Dagster process: dagster-dbt makes one only to fetch
      column metadata or row counts, which no asset of this project asks for. dbt itself
      (its own process) makes its adapter as always.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def dbt_project(project_dir: Path = DBT_PROJECT_DIR) -> DbtProject:
    """The project, with a manifest: `dagster dev` re-parses on load so model edits show up;
    elsewhere the manifest built by `make` is used, or parsed now when there is none (a clone
    set up with `uv sync` alone)."""
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        parser = DbtCliResource(
            project_dir=project, profiles_dir=str(project_dir), dbt_executable=dbt_executable()
        )
        parser.cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project


def target_path(home: Home) -> Path:
    """A fresh folder for one dbt invocation below the home, holding the home's parse state
    when there is one (so dbt parses only what changed); older folders beyond a few go."""
    root = home.root / "dbt"
    root.mkdir(parents=True, exist_ok=True)
    for old in sorted(p for p in root.iterdir() if p.is_dir())[:-KEEP_TARGETS]:
        shutil.rmtree(old, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = root / f"{stamp}-{uuid.uuid4().hex[:8]}"
    state = root / PARTIAL_PARSE
    if state.is_file():
        target.mkdir()
        shutil.copyfile(state, target / PARTIAL_PARSE)
    return target


def keep_parse_state(home: Home, target: Path) -> None:
    """After an invocation, its parse state becomes the home's (replaced whole, atomically)."""
    made = target / PARTIAL_PARSE
    if made.is_file():
        with atomic_path(home.root / "dbt" / PARTIAL_PARSE) as tmp:
            shutil.copyfile(made, tmp)


@contextmanager
def warehouse_for_dbt(home: Home) -> Iterator[None]:
    """dbt's profile reads the warehouse from MTQG_WAREHOUSE: set it (absolute) while the dbt
    process starts, and put back what was there."""
    before = os.environ.get("MTQG_WAREHOUSE")
    os.environ["MTQG_WAREHOUSE"] = str(home.warehouse)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("MTQG_WAREHOUSE", None)
        else:
            os.environ["MTQG_WAREHOUSE"] = before
