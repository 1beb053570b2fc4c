"""The snapshot analysts read, published after each gated run, and (when `publish.yaml` has a
`postgres:` section) the marts on PostgreSQL."""

import json
from pathlib import Path

import dagster as dg

from core.home import Home
from orchestration.automation import DOWNSTREAM_CONDITION
from orchestration.resources import WAREHOUSE_WRITER_POOL, MtqgHome
from warehouse.publish_config import load_publish_config
from warehouse.snapshots import is_published

SNAPSHOT = dg.AssetKey(["published", "snapshot"])
POSTGRES = dg.AssetKey(["published", "postgres"])
REPORT = dg.AssetKey(["reports", "steering_committee_progress"])
# The mart whose blocking check gates the report gates the snapshot too.
GATED_MART = dg.AssetKey(["marts", "fct_capital_progress"])


def build_publish_assets(home: Home, manifest_path: Path) -> list[dg.AssetsDefinition]:
    """The snapshot asset (after the report and every published model), and the PostgreSQL
    one when `publish.yaml` has a `postgres:` section."""
    nodes = json.loads(Path(manifest_path).read_text(encoding="utf-8")).get("nodes", {})
    published_models = sorted(
        dg.AssetKey([node["schema"], node["name"]])
        for node in nodes.values()
        if node.get("resource_type") == "model" and is_published(node["schema"], node["name"])
    )

    @dg.asset(
        key=SNAPSHOT,
        deps=sorted({REPORT, GATED_MART, *published_models}),
        group_name="published",
        kinds={"duckdb", "parquet"},
        pool=WAREHOUSE_WRITER_POOL,  # it reads the writer's file
        automation_condition=DOWNSTREAM_CONDITION,
        description=(
            "The marts and the analysts' quality tables as a read-only DuckDB file and one "
            "Parquet file per table in $MTQG_HOME/published/<time>/, switched in atomically "
            "(`published/current`); what `mtqg sql`, `mtqg export` and analysts read."
        ),
    )
    def published_snapshot(
        context: dg.AssetExecutionContext, mtqg: MtqgHome
    ) -> dg.MaterializeResult:
        from warehouse.snapshots import publish_snapshot

        home = mtqg.paths
        config = load_publish_config(home)
        snapshot = publish_snapshot(
            home, run_id=context.run_id, dbt_manifest=manifest_path, keep=config.keep
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(snapshot.path)),
                "tables": len(snapshot.tables),
                "rows": sum(t["rows"] for t in snapshot.tables.values()),
            }
        )

    assets = [published_snapshot]
    postgres = load_publish_config(home).postgres
    if postgres is not None:

        @dg.asset(
            key=POSTGRES,
            deps=[SNAPSHOT],
            group_name="published",
            kinds={"postgres"},
            automation_condition=DOWNSTREAM_CONDITION,
            description=(
                f"The current snapshot's marts in PostgreSQL schema {postgres.schema_name}, "
                f"one transaction per publish, readable by role {postgres.analyst_role}."
            ),
        )
        def published_postgres(mtqg: MtqgHome) -> dg.MaterializeResult:
            from warehouse.publish_postgres import publish_to_postgres
            from warehouse.snapshots import current_snapshot

            home = mtqg.paths
            config = load_publish_config(home).postgres or postgres
            done = publish_to_postgres(current_snapshot(home), config)
            return dg.MaterializeResult(
                metadata={
                    "schema": done.schema,
                    "tables": len(done.rows),
                    "rows": sum(done.rows.values()),
                    "seconds": round(done.seconds, 2),
                }
            )

        assets.append(published_postgres)
    return assets
