"""dbt models as assets: harmonisation (seeds, staging, intermediate) before the gate, marts
after it."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.automation import DOWNSTREAM_CONDITION
from orchestration.dbt_project import DBT_PROJECT
from orchestration.resources import WAREHOUSE_WRITER_POOL

HARMONISE_SELECTION = "resource_type:seed path:models/staging path:models/intermediate"
MARTS_SELECTION = "path:models/marts path:models/quality"


class MtqgDbtTranslator(DagsterDbtTranslator):
    """Asset keys follow the warehouse schemas: `raw/<table>`, `staging/<model>` …"""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        meta_key = dbt_resource_props.get("meta", {}).get("dagster", {}).get("asset_key")
        if meta_key:
            return dg.AssetKey(meta_key)
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
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


TRANSLATOR = MtqgDbtTranslator()


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    select=HARMONISE_SELECTION,
    name="dbt_harmonise",
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_WRITER_POOL,
)
def dbt_harmonise(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Seeds, staging and intermediate models (and their tests), up to the quality gate."""
    yield from dbt.cli(["build"], context=context).stream()


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    select=MARTS_SELECTION,
    name="dbt_marts",
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_WRITER_POOL,
)
def dbt_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Marts, built only from batches the gate accepted."""
    yield from dbt.cli(["build"], context=context).stream()
