"""The raw zone: everything new in landing loaded into DuckDB `raw` (one writer at a time)."""

from typing import Any

import dagster as dg

from connectors.ingest import load_landed_into_raw
from connectors.warehouse import TABLES, connect, ensure_tables
from orchestration.automation import RAW_CONDITION
from orchestration.quality.partitions import register_province_periods
from orchestration.resources import WAREHOUSE_WRITER_POOL, MtqgHome

RAW_TABLES = sorted(name.split(".")[1] for name in TABLES if name.startswith("raw."))


def raw_assets(sources: list[Any]) -> dg.AssetsDefinition:
    landing_keys = [dg.AssetKey(["landing", s.name]) for s in sources]

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
            for table in RAW_TABLES
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
        for table in RAW_TABLES:
            yield dg.MaterializeResult(asset_key=["raw", table], metadata=summary)

    return load_raw
