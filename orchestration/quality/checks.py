"""Blocking asset checks on the marts: the report is only built when they pass."""

import dagster as dg

from connectors.warehouse import connect
from orchestration.resources import MtqgHome

FCT_CAPITAL_PROGRESS = dg.AssetKey(["marts", "fct_capital_progress"])


@dg.asset_check(
    asset=FCT_CAPITAL_PROGRESS,
    blocking=True,
    description="Great Expectations suite fct_capital_progress on the whole mart.",
)
def fct_capital_progress_expectations(mtqg: MtqgHome) -> dg.AssetCheckResult:
    from expectations.runner import validate

    with connect(mtqg.paths.warehouse, read_only=True) as con:
        frame = con.execute("select * from marts.fct_capital_progress").df()
    with connect(mtqg.paths.warehouse, read_only=True) as con:
        codes = [
            r[0]
            for r in con.execute(
                "select province_code from marts.dim_province where is_current"
            ).fetchall()
        ]
    outcome = validate("fct_capital_progress", frame, params={"province_codes_2025": codes})
    return dg.AssetCheckResult(
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows": len(frame),
            "blocking_failures": [f.message_en for f in outcome.blocking_failures],
            "warnings": [w.message_en for w in outcome.warnings],
        },
    )
