"""Provincial reports by province × period: one slice can be judged again, or backfilled, alone."""

import dagster as dg

from expectations import gate
from orchestration.resources import WAREHOUSE_WRITER_POOL, MtqgHome
from warehouse.connection import connect
from warehouse.tables import ensure_tables

# Keys are "<2025 province code>|<period as reported>", e.g. "15|2024-Q3"; load_raw adds one for
# every report it loads.
PROVINCE_PERIODS = dg.DynamicPartitionsDefinition(name="province_period")


def partition_key(province_code_2025: str, period: str) -> str:
    return f"{province_code_2025}|{period}"


@dg.asset(
    key=["quality", "province_period_verdicts"],
    partitions_def=PROVINCE_PERIODS,
    deps=[dg.AssetKey(["quality", "batch_status"])],
    group_name="quality",
    kinds={"great_expectations"},
    pool=WAREHOUSE_WRITER_POOL,
    description=(
        "The gate's verdicts on one province × period, judged again on demand (e.g. after its "
        "reference data or thresholds were fixed); the marts and the report follow through "
        "automation. Backfill several slices from the UI."
    ),
)
def province_period_verdicts(
    context: dg.AssetExecutionContext, mtqg: MtqgHome
) -> dg.MaterializeResult:
    province_code, _, period = context.partition_key.partition("|")
    with connect(mtqg.paths.warehouse) as con:
        ensure_tables(con)
        outcomes = gate.regate_province_period(con, province_code, period)
    if not outcomes:
        raise dg.Failure(
            description=(
                f"no provincial report of province {province_code} for period {period} is "
                "loaded; check the code (2025 or as reported, e.g. 10 for Lào Cai before 2025) "
                "and the period as written in the report (2024-Q3)"
            )
        )
    # a held batch (it would change an approved province × period) is not a quarantined one
    metadata = {"batches_gated": len(outcomes), **gate.count_verdicts(outcomes)}
    # Recorded as the gate's own output too, so declarative automation rebuilds the marts and
    # the report from the new verdicts (and not while a blocking check fails).
    for key in (["quality", "batch_status"], ["quality", "check_results"]):
        context.log_event(dg.AssetMaterialization(asset_key=key, metadata=metadata))
    return dg.MaterializeResult(metadata=metadata)


def register_province_periods(instance: dg.DagsterInstance, slices: set[tuple[str, str]]) -> int:
    """Add the partitions of newly loaded reports; returns how many were new."""
    known = set(instance.get_dynamic_partitions(PROVINCE_PERIODS.name))
    new = sorted({partition_key(code, period) for code, period in slices} - known)
    if new:
        instance.add_dynamic_partitions(PROVINCE_PERIODS.name, new)
    return len(new)
