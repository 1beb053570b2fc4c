"""Quality alerts routed to the person responsible, by e-mail and chat webhook (no Dagster)."""

from reporting.alerts.assignments import AssignmentTable, Recipient
from reporting.alerts.dispatch import AlertDispatcher, AlertMessage, Delivery, DispatchReport
from reporting.alerts.findings import Finding
from reporting.alerts.messages import Digest, Notice, render_digest, scrub
from reporting.alerts.settings import AlertSettings, EmailSettings, load_alert_settings

__all__ = [
    "AlertDispatcher",
    "AlertMessage",
    "AlertSettings",
    "AssignmentTable",
    "Delivery",
    "Digest",
    "DispatchReport",
    "EmailSettings",
    "Finding",
    "Notice",
    "Recipient",
    "load_alert_settings",
    "render_digest",
    "scrub",
]
