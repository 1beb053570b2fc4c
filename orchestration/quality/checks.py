"""Blocking asset checks on the marts: the report is only built when they pass."""

import dagster as dg

from expectations.mart_checks import check_capital_progress
from orchestration.resources import MtqgHome

FCT_CAPITAL_PROGRESS = dg.AssetKey(["marts", "fct_capital_progress"])


@dg.asset_check(
    asset=FCT_CAPITAL_PROGRESS,
    blocking=True,
    description="Great Expectations suite fct_capital_progress on the whole mart.",
)
def fct_capital_progress_expectations(mtqg: MtqgHome) -> dg.AssetCheckResult:
    rows, outcome = check_capital_progress(mtqg.paths.warehouse)
    return dg.AssetCheckResult(
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows": rows,
            "blocking_failures": [f.message_en for f in outcome.blocking_failures],
            "warnings": [w.message_en for w in outcome.warnings],
        },
    )
