"""Alerts to the officers responsible, and the HTML quality page, after every gated run."""

import dagster as dg

from connectors.alerts import AlertDispatcher, Finding, load_alert_settings
from connectors.warehouse import connect
from expectations.quality_page import write_quality_page
from orchestration.resources import MtqgHome

FINDINGS = dg.AssetKey(["quality", "quality_alert_findings"])
PAGE_INPUTS = [
    dg.AssetKey(["quality", "quality_batches"]),
    dg.AssetKey(["quality", "reporting_rates"]),
]
_FINDINGS_SQL = (
    "select finding_key, severity, check_name, province_code, project_code, period, "
    "source_name, message_vi, message_en, batch_id from quality.quality_alert_findings"
)
_BATCHES_SQL = "select * from quality.quality_batches order by loaded_at desc, original_name"
_FAILED_CHECKS_SQL = "select * from quality.check_results where not success"
_PROVINCES_SQL = "select province_code, province_name from marts.dim_province where is_current"
_RATES_SQL = (
    "select period, due_date, expected_reports, received_reports, accepted_reports, "
    "on_time_reports, reporting_rate_pct, on_time_rate_pct from quality.reporting_rates "
    "where received_reports > 0 or due_date >= current_date - 120 order by due_date desc"
)


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
    home = mtqg.paths
    with connect(home.warehouse, read_only=True) as con:
        findings = [_finding(row) for row in con.execute(_FINDINGS_SQL).fetchall()]
        batches = _records(con, _BATCHES_SQL)
        failed_checks = _records(con, _FAILED_CHECKS_SQL)
        province_names = dict(con.execute(_PROVINCES_SQL).fetchall())
        rates = _records(con, _RATES_SQL)
    settings = load_alert_settings(home)
    dispatcher = AlertDispatcher(
        settings, home.state / "alerts.json", province_names=province_names
    )
    report = dispatcher.dispatch(findings)
    context.log.info(report.summary())
    for failure in report.failures:
        context.log.warning(
            f"alert not delivered: {failure.staff_id} {failure.channel}: {failure.error}"
        )
    page = write_quality_page(
        home.reports / "quality", batches, failed_checks, completeness=rates, alerts=report
    )
    return dg.MaterializeResult(
        metadata={
            "open_findings": len(findings),
            "messages": len(report.messages),
            "resolved": len(report.resolved),
            "failed_deliveries": len(report.failures),
            "dry_run": report.is_dry_run,
            "quality_page": dg.MetadataValue.path(str(page)),
        }
    )


def _finding(row: tuple) -> Finding:
    key, severity, check, province, project, period, source, vi, en, batch_id = row
    return Finding(
        key=key,
        severity=severity,
        check=check,
        province_code=province,
        project_code=project,
        period=period,
        source=source,
        message_vi=vi,
        message_en=en,
        batch_id=batch_id,
    )


def _records(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
