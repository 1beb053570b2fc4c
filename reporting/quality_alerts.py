"""After every gated run: route the open findings to the officers responsible and rewrite the
HTML quality page, both from the warehouse's quality models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.home import Home
from reporting.alerts import AlertDispatcher, DispatchReport, Finding, load_alert_settings
from reporting.quality_page import write_quality_page
from warehouse import queries
from warehouse.connection import connect


@dataclass(frozen=True)
class AlertsSent:
    findings: int
    report: DispatchReport
    quality_page: Path


def send_quality_alerts(home: Home) -> AlertsSent:
    """One digest per officer (new problems, reminders, resolved notices) and the page."""
    with connect(home.warehouse, read_only=True) as con:
        findings = [_finding(r) for r in queries.records(con, "alert_findings")]
        batches = queries.records(con, "quality_page_batches")
        failed_checks = queries.records(con, "failed_checks")
        province_names = dict(queries.rows(con, "current_provinces"))
        rates = queries.records(con, "recent_reporting_rates")
    settings = load_alert_settings(home)
    dispatcher = AlertDispatcher(
        settings, home.state / "alerts.json", province_names=province_names
    )
    report = dispatcher.dispatch(findings)
    page = write_quality_page(
        home.reports / "quality", batches, failed_checks, completeness=rates, alerts=report
    )
    return AlertsSent(len(findings), report, page)


def _finding(row: dict) -> Finding:
    return Finding(
        key=row["finding_key"],
        severity=row["severity"],
        check=row["check_name"],
        province_code=row["province_code"],
        project_code=row["project_code"],
        period=row["period"],
        source=row["source_name"],
        message_vi=row["message_vi"],
        message_en=row["message_en"],
        batch_id=row["batch_id"],
    )
