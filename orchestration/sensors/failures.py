"""Failed runs and failed blocking checks, sent to the officers through the quality alert router.

A job whose latest finished run failed is one open problem (`run|<job>`); a blocking check
whose latest evaluation failed is another (`check|<asset>|<check>`). The open set is dispatched
after every failed run and every successful one, so a problem is notified once (then reminded
after the suppression interval) and its resolution is told when a later run succeeds.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from core.errors import MtqgError
from core.home import Home
from reporting.alerts import AlertDispatcher, DispatchReport, Finding, load_alert_settings

RUN_ALERTS_STATE = "alerts_runs.json"
# How far back the latest run of each job is looked for.
RECENT_RUNS = 500


def open_run_findings(
    instance: dg.DagsterInstance, blocking_checks: Sequence[dg.AssetCheckKey] = ()
) -> list[Finding]:
    """Every job whose latest finished run failed, and every blocking check that failed last."""
    finished = instance.get_runs(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]),
        limit=RECENT_RUNS,
    )
    latest: dict[str, dg.DagsterRun] = {}
    for run in finished:  # newest first
        latest.setdefault(run.job_name, run)
    findings = [
        _run_finding(instance, run)
        for run in latest.values()
        if run.status == dg.DagsterRunStatus.FAILURE
    ]
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        list(blocking_checks)
    )
    for key, record in sorted(records.items(), key=lambda item: item[0].to_user_string()):
        # FAILED is an evaluation that did not pass (planned or passed ones are not problems)
        if record.status.value == "FAILED":
            findings.append(_check_finding(key, record.run_id))
    return findings


def _run_finding(instance: dg.DagsterInstance, run: dg.DagsterRun) -> Finding:
    failed_steps = sorted(
        {
            record.event_log_entry.step_key or "?"
            for record in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE
            ).records
        }
    )
    steps = ", ".join(failed_steps) or "(none: the run itself failed)"
    short = run.run_id[:8]
    return Finding(
        key=f"run|{run.job_name}",
        severity="run_failure",
        check="run",
        province_code=None,
        project_code=None,
        period=None,
        source=run.job_name,
        message_vi=(
            f"Lượt chạy {short} của job {run.job_name} thất bại (bước lỗi: {steps}). "
            "Xem nhật ký lượt chạy trong giao diện Dagster; dữ liệu mới chưa được cập nhật."
        ),
        message_en=(
            f"Run {short} of job {run.job_name} failed (failed steps: {steps}). See the run's "
            "log in the Dagster UI; new data has not been published."
        ),
    )


def _check_finding(key: dg.AssetCheckKey, run_id: str) -> Finding:
    asset = key.asset_key.to_user_string()
    return Finding(
        key=f"check|{asset}|{key.name}",
        severity="blocking",
        check=key.name,
        province_code=None,
        project_code=None,
        period=None,
        source=asset,
        message_vi=(
            f"Kiểm tra chặn {key.name} trên {asset} không đạt (lượt chạy {run_id[:8]}); "
            "báo cáo không được cập nhật cho đến khi kiểm tra đạt."
        ),
        message_en=(
            f"Blocking check {key.name} on {asset} failed (run {run_id[:8]}); the report is "
            "not republished until it passes."
        ),
    )


def dispatch_run_alerts(
    home: Home, instance: dg.DagsterInstance, blocking_checks: Sequence[dg.AssetCheckKey] = ()
) -> DispatchReport:
    """Send the open run and check problems through alerts.yaml (a dry run without it)."""
    dispatcher = AlertDispatcher(load_alert_settings(home), home.state / RUN_ALERTS_STATE)
    return dispatcher.dispatch(open_run_findings(instance, blocking_checks))


def run_alert_sensors(
    home: Home, blocking_checks: Sequence[dg.AssetCheckKey] = ()
) -> list[dg.SensorDefinition]:
    """After a failed run, and after a successful one (to tell that a problem is resolved)."""

    def alert(context: dg.RunStatusSensorContext) -> None:
        try:
            report = dispatch_run_alerts(home, context.instance, blocking_checks)
        except MtqgError as exc:
            # A broken alerts.yaml must not stop the sensor: the next run tries again.
            context.log.error(f"run alerts not sent: {exc}")
            return
        context.log.info(report.summary())

    @dg.run_failure_sensor(
        name="run_failure_alerts",
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        description="Alerts the officers when a run (or a blocking check) fails.",
    )
    def run_failure_alerts(context: dg.RunFailureSensorContext) -> None:
        alert(context)

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        name="run_recovery_alerts",
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        description="Tells the officers that a failed job or check is fine again.",
    )
    def run_recovery_alerts(context: dg.RunStatusSensorContext) -> None:
        alert(context)

    return [run_failure_alerts, run_recovery_alerts]
