"""The Steering Committee's progress report, built from gated marts only."""

import dagster as dg

from orchestration.automation import DOWNSTREAM_CONDITION
from orchestration.resources import MtqgHome
from reporting.steering_report import write_progress_report
from warehouse.connection import connect


@dg.asset(
    key=["reports", "steering_committee_progress"],
    deps=[
        dg.AssetKey(["marts", "rpt_progress_by_province"]),
        dg.AssetKey(["marts", "fct_capital_progress"]),
    ],
    group_name="reporting",
    kinds={"excel"},
    automation_condition=DOWNSTREAM_CONDITION,
    description="Báo cáo tiến độ giải ngân (Excel) for the Central Steering Committee.",
)
def steering_committee_progress(mtqg: MtqgHome) -> dg.MaterializeResult:
    home = mtqg.paths
    with connect(home.warehouse, read_only=True) as con:
        written = write_progress_report(con, home.reports)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(written.path)),
            "rows": written.rows,
            "excluded_batches": written.excluded_batches,
        }
    )
