"""dbt models as assets: harmonisation (seeds, staging, intermediate) before the gate, marts
after it."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.automation import DOWNSTREAM_CONDITION
from orchestration.dbt_project import keep_parse_state, target_path, warehouse_for_dbt
from orchestration.resources import WAREHOUSE_WRITER_POOL, MtqgHome
from warehouse.connection import wait_until_writable

# Staging of the gate's own tables belongs after the gate, with the marts that read it, and so
# does every model that reads the gate's verdicts (exchange rates and villages of accepted pulls
# only, and what converts with them): in the step before the gate they would make the gate wait
# for itself, and Dagster would split both steps.
HARMONISE_SELECTION = "resource_type:seed path:models/staging path:models/intermediate"
HARMONISE_EXCLUSION = "path:models/staging/quality stg_quality__batch_status+"
MARTS_SELECTION = (
    "path:models/marts path:models/quality path:models/staging/quality stg_quality__batch_status+"
)


class MtqgDbtTranslator(DagsterDbtTranslator):
    """Asset keys follow the warehouse schemas: `raw/<table>`, `staging/<model>` …"""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        meta_key = dbt_resource_props.get("meta", {}).get("dagster", {}).get("asset_key")
        if meta_key:
            return dg.AssetKey(meta_key)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> dg.AutomationCondition | None:
        # Seeds change with the code, not with arriving data: the sync jobs build them.
        if dbt_resource_props["resource_type"] == "seed":
            return None
        return DOWNSTREAM_CONDITION


def build_dbt_assets(project: DbtProject) -> list[dg.AssetsDefinition]:
    """Harmonisation (seeds, staging, intermediate: up to the gate) and the marts (built only
    from batches the gate accepted); each one dbt invocation building models and tests."""
    translator = MtqgDbtTranslator()
    return [
        _dbt_step(project, translator, "dbt_harmonise", HARMONISE_SELECTION, HARMONISE_EXCLUSION),
        _dbt_step(project, translator, "dbt_marts", MARTS_SELECTION),
    ]


def _dbt_step(
    project: DbtProject,
    translator: DagsterDbtTranslator,
    name: str,
    selection: str,
    exclusion: str | None = None,
) -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        select=selection,
        exclude=exclusion,
        name=name,
        dagster_dbt_translator=translator,
        pool=WAREHOUSE_WRITER_POOL,
    )
    def _step(context: dg.AssetExecutionContext, dbt: DbtCliResource, mtqg: MtqgHome):
        home = mtqg.paths
        if name == "dbt_harmonise":
            # the gate follows: its GX import (seconds) overlaps this build's dbt process
            from expectations.runner import prepare_in_background

            prepare_in_background()
        if dbt.target == "duckdb":
            wait_until_writable(home.warehouse)  # an analyst's open connection: wait, not fail
        target = target_path(home)
        with warehouse_for_dbt(home):
            invocation = dbt.cli(["build"], context=context, target_path=target)
        yield from invocation.stream()
        keep_parse_state(home, target)

    return _step
