"""The raw zone: everything new in landing loaded into DuckDB `raw` (one writer at a time)."""

import dagster as dg

from connectors.source_models import SourceModel
from orchestration.automation import RAW_CONDITION
from orchestration.quality.partitions import register_province_periods
from orchestration.resources import WAREHOUSE_WRITER_POOL, MtqgHome
from warehouse.connection import connect
from warehouse.loading import load_landed_into_raw
from warehouse.tables import declared_tables, ensure_tables


def raw_table_names() -> list[str]:
    return sorted(name.split(".")[1] for name in declared_tables() if name.startswith("raw."))


def raw_assets(sources: list[SourceModel]) -> dg.AssetsDefinition:
    landing_keys = [dg.AssetKey(["landing", s.name]) for s in sources]
    tables = raw_table_names()

    @dg.multi_asset(
        name="load_raw",
        specs=[
            dg.AssetSpec(
                ["raw", table],
                deps=landing_keys,
                group_name="warehouse",
                kinds={"duckdb"},
                automation_condition=RAW_CONDITION,
                description=f"raw.{table}: loaded from landing only (rebuilt by `mtqg replay`).",
            )
            for table in tables
        ],
        pool=WAREHOUSE_WRITER_POOL,
        can_subset=False,
    )
    def load_raw(context: dg.AssetExecutionContext, mtqg: MtqgHome):
        home = mtqg.paths
        with connect(home.warehouse) as con:
            ensure_tables(con)
            loads = load_landed_into_raw(con, home, sources)
        for load in loads:
            status = "unreadable" if not load.is_readable else f"{load.rows_loaded} rows"
            context.log.info(f"batch {load.batch_id[:12]} {load.original_name}: {status}")
        new_slices = register_province_periods(
            context.instance, {s for load in loads for s in load.slices}
        )
        summary = {
            "new_province_periods": new_slices,
            "batches_loaded": len(loads),
            "rows_loaded": sum(load.rows_loaded for load in loads),
            "unreadable": sum(1 for load in loads if not load.is_readable),
        }
        for table in tables:
            yield dg.MaterializeResult(asset_key=["raw", table], metadata=summary)

    return load_raw
