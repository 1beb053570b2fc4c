"""Alerts to the officers responsible, and the HTML quality page, after every gated run."""

import dagster as dg

from orchestration.resources import MtqgHome
from reporting.quality_alerts import send_quality_alerts

FINDINGS = dg.AssetKey(["quality", "quality_alert_findings"])
PAGE_INPUTS = [
    dg.AssetKey(["quality", "quality_batches"]),
    dg.AssetKey(["quality", "reporting_rates"]),
]


@dg.asset(
    key=["quality", "alerts"],
    deps=[FINDINGS, *PAGE_INPUTS],
    group_name="quality",
    kinds={"email"},
    description=(
        "One digest per officer (e-mail, chat webhook) routed by the assignment table: new "
        "problems, reminders after the suppression interval, and resolved notices."
    ),
)
def quality_alerts(context: dg.AssetExecutionContext, mtqg: MtqgHome) -> dg.MaterializeResult:
    sent = send_quality_alerts(mtqg.paths)
    report = sent.report
    context.log.info(report.summary())
    for failure in report.failures:
        context.log.warning(
            f"alert not delivered: {failure.staff_id} {failure.channel}: {failure.error}"
        )
    return dg.MaterializeResult(
        metadata={
            "open_findings": sent.findings,
            "messages": len(report.messages),
            "resolved": len(report.resolved),
            "failed_deliveries": len(report.failures),
            "dry_run": report.is_dry_run,
            "quality_page": dg.MetadataValue.path(str(sent.quality_page)),
        }
    )
