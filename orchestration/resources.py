"""Resources shared by every asset: the mtqg home and the dbt CLI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from connectors.home import Home
from orchestration.dbt_project import DBT_PROJECT

# Every writer of the DuckDB warehouse takes this pool (limit 1 in dagster.yaml): DuckDB has
# one writer at a time.
WAREHOUSE_WRITER_POOL = "duckdb_writer"


class MtqgHome(dg.ConfigurableResource):
    """The home directory every path is derived from (MTQG_HOME)."""

    root: str

    @property
    def paths(self) -> Home:
        return Home.resolve(self.root).ensure()


def build_resources(home: Home) -> dict[str, object]:
    # dbt reads the warehouse path from the environment (profiles.yml); always absolute.
    os.environ["MTQG_WAREHOUSE"] = str(home.warehouse)
    return {
        "mtqg": MtqgHome(root=str(home.root)),
        "dbt": DbtCliResource(
            project_dir=DBT_PROJECT,
            profiles_dir=str(DBT_PROJECT.profiles_dir),
            target=os.environ.get("MTQG_DBT_TARGET", "duckdb"),
            # the dbt of this environment, whether or not the venv is on PATH
            dbt_executable=str(Path(sys.executable).parent / "dbt"),
        ),
    }
