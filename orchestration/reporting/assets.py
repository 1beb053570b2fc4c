"""The Steering Committee's progress report, built from gated marts only: after every gated run
for the latest period, or for the period `mtqg report --period` puts in the run's tags."""

import dagster as dg

from orchestration.automation import DOWNSTREAM_CONDITION
from orchestration.resources import MtqgHome
from reporting.steering_report import write_progress_report
from warehouse.connection import connect

REPORT_PERIOD_TAG = "mtqg/report_period"


@dg.asset(
    key=["reports", "steering_committee_progress"],
    deps=[
        dg.AssetKey(["marts", "rpt_progress_by_province"]),
        dg.AssetKey(["marts", "fct_capital_progress"]),
        dg.AssetKey(["marts", "rpt_national_summary"]),
    ],
    group_name="reporting",
    kinds={"excel"},
    automation_condition=DOWNSTREAM_CONDITION,
    description="Báo cáo tiến độ giải ngân (Excel and HTML) for the Central Steering Committee.",
)
def steering_committee_progress(
    context: dg.AssetExecutionContext, mtqg: MtqgHome
) -> dg.MaterializeResult:
    home = mtqg.paths
    period = context.run.tags.get(REPORT_PERIOD_TAG)
    with connect(home.warehouse, read_only=True) as con:
        written = write_progress_report(con, home.reports, period)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(written.path)),
            "html": dg.MetadataValue.path(str(written.html)),
            "period": written.period or "",
            "rows": written.rows,
            "excluded_batches": written.excluded_batches,
        }
    )
