"""The gate between harmonisation and the marts: accept or quarantine every new batch."""

import dagster as dg

from connectors.kinds import gated_datasets
from expectations.gate import count_verdicts, gate_pending_batches
from orchestration.automation import DOWNSTREAM_CONDITION
from orchestration.resources import WAREHOUSE_WRITER_POOL, MtqgHome
from warehouse.connection import connect
from warehouse.tables import ensure_tables

SIGNOFF_TABLES = (
    ("signoff_events", "every approval and unlock"),
    ("signoff_approved_batches", "the batches each approval locked"),
)


def gated_inputs() -> list[dg.AssetKey]:
    """The dbt models the gate reads each dataset's batches from."""
    keys = {dg.AssetKey(g.relation.split(".")) for g in gated_datasets().values()}
    return sorted(keys, key=lambda key: key.to_string())


def build_quality_gate() -> dg.AssetsDefinition:
    """The gate over every dataset the registered kinds gate."""
    inputs = gated_inputs()

    @dg.multi_asset(
        name="quality_gate",
        specs=[
            dg.AssetSpec(
                ["quality", "batch_status"],
                deps=inputs,
                group_name="quality",
                kinds={"great_expectations", "duckdb"},
                automation_condition=DOWNSTREAM_CONDITION,
                description="One row per batch: accepted or quarantined, with the reasons.",
            ),
            dg.AssetSpec(
                ["quality", "check_results"],
                deps=inputs,
                group_name="quality",
                kinds={"great_expectations", "duckdb"},
                automation_condition=DOWNSTREAM_CONDITION,
                description="Every expectation evaluated on every batch, kept.",
            ),
            *[
                dg.AssetSpec(
                    ["quality", table],
                    deps=inputs,
                    group_name="quality",
                    kinds={"duckdb"},
                    automation_condition=DOWNSTREAM_CONDITION,
                    description=f"Sign-off audit ({what}), append-only: written by `mtqg "
                    "approve` and `mtqg unlock`, which the gate's holds follow.",
                )
                for table, what in SIGNOFF_TABLES
            ],
        ],
        pool=WAREHOUSE_WRITER_POOL,
        can_subset=False,
    )
    def quality_gate(context: dg.AssetExecutionContext, mtqg: MtqgHome):
        with connect(mtqg.paths.warehouse) as con:
            ensure_tables(con)
            outcomes = gate_pending_batches(con)
        quarantined = [o for o in outcomes if o.status == "quarantined"]
        held = [o for o in outcomes if o.status == "held"]  # an approved province × period
        for outcome in quarantined + held:
            context.log.warning(
                f"{outcome.status} {outcome.original_name} ({outcome.batch_id[:12]}): "
                + "; ".join(outcome.reasons)
            )
        metadata = {
            "batches_gated": len(outcomes),
            **count_verdicts(outcomes),
            "quarantined_files": [o.original_name or o.batch_id for o in quarantined],
        }
        yield dg.MaterializeResult(asset_key=["quality", "batch_status"], metadata=metadata)
        yield dg.MaterializeResult(asset_key=["quality", "check_results"], metadata=metadata)
        for table, _ in SIGNOFF_TABLES:
            yield dg.MaterializeResult(asset_key=["quality", table])

    return quality_gate
