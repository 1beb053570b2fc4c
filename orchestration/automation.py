"""Declarative automation: what follows a landing updates when its upstream batches land.

Sensor and schedule runs already carry a source's landing and everything after it; these
conditions cover the rest (a landing asset materialised alone from the UI, a reprocessed
province-period) and never rebuild what a blocking check stopped.
"""

from __future__ import annotations

import dagster as dg

AUTOMATION_INTERVAL_SECONDS = 30

# What failed is not retried by automation (a broken model would fail again every tick); the
# next sensor or schedule run, or a fix, brings it back.
_NOT_FAILED = ~dg.AutomationCondition.execution_failed()

# Raw waits for nothing but an updated landing: a source never fetched yet must not hold up
# the others' batches.
RAW_CONDITION = (
    dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing()) & _NOT_FAILED
)

# Models, the gate and the report: after any upstream update, once nothing upstream runs, and
# only while every blocking check upstream passed (or runs in the same request).
DOWNSTREAM_CONDITION = (
    dg.AutomationCondition.eager()
    & dg.AutomationCondition.all_deps_blocking_checks_passed()
    & _NOT_FAILED
)


def automation_sensor() -> dg.AutomationConditionSensorDefinition:
    """Evaluates the conditions above; on by default (Dagster's own default is stopped)."""
    return dg.AutomationConditionSensorDefinition(
        "mtqg_automation",
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=AUTOMATION_INTERVAL_SECONDS,
        description="Rebuilds models, gate and report when their upstream batches land.",
    )
