"""Resources shared by every asset: the mtqg home and the dbt CLI."""

from __future__ import annotations

import os

import dagster as dg
from dagster_dbt import DbtProject

from core.home import Home
from orchestration.dbt_project import MtqgDbtCliResource, dbt_executable
from orchestration.recovery import mark_run_processes

# Every writer of the DuckDB warehouse takes this pool (limit 1 in dagster.yaml): DuckDB has
# one writer at a time.
WAREHOUSE_WRITER_POOL = "duckdb_writer"


class MtqgHome(dg.ConfigurableResource):
    """The home directory every path is derived from (MTQG_HOME)."""

    root: str

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # a run the daemon launched marks the processes it starts (dbt) as its own here, so
        # they can be stopped if its worker dies (orchestration.recovery)
        mark_run_processes()

    @property
    def paths(self) -> Home:
        return Home.resolve(self.root).ensure()


def build_resources(home: Home, project: DbtProject) -> dict[str, object]:
    return {
        "mtqg": MtqgHome(root=str(home.root)),
        "dbt": MtqgDbtCliResource(
            project_dir=project,
            profiles_dir=str(project.profiles_dir),
            target=os.environ.get("MTQG_DBT_TARGET", "duckdb"),
            dbt_executable=dbt_executable(),
        ),
    }
