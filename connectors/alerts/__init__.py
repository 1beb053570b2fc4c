"""Quality alerts routed to the person responsible, by e-mail and chat webhook (no Dagster)."""

from connectors.alerts.assignments import AssignmentTable, Recipient
from connectors.alerts.dispatch import AlertDispatcher, AlertMessage, Delivery, DispatchReport
from connectors.alerts.findings import Finding
from connectors.alerts.messages import Digest, Notice, render_digest, scrub
from connectors.alerts.settings import AlertSettings, EmailSettings, load_alert_settings

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
