"""Schedules, jobs and declarative automation of the definitions, without running any asset."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from connectors.kinds.ckan import CkanSource
from connectors.kinds.iati_datastore import IatiDatastoreSource
from connectors.kinds.iati_files import IatiFilesSource
from connectors.kinds.inbox import InboxSource
from connectors.kinds.ministry_api import MinistryApiSource
from core.home import Home
from orchestration.definitions import build_definitions
from orchestration.instance import ensure_instance
from orchestration.jobs import build_jobs
from orchestration.schedules import TIMEZONE, build_schedules

HANOI = ZoneInfo(TIMEZONE)
SOURCES = [
    InboxSource(kind="inbox", name="inbox"),
    CkanSource(kind="ckan", name="lao_cai_portal", url="http://127.0.0.1:9/"),
    MinistryApiSource(
        kind="ministry_api",
        name="mof",
        url="http://127.0.0.1:9",
        auth={"client_id_env": "MTQG_X_ID", "client_secret_env": "MTQG_X_SECRET"},
    ),
    IatiFilesSource(kind="iati_files", name="donor_a", urls=["http://127.0.0.1:9/a.xml"]),
    IatiDatastoreSource(kind="iati_datastore", name="datastore", url="http://127.0.0.1:9/ds"),
]


def _next_ticks(schedule: dg.ScheduleDefinition, after: datetime, count: int = 2) -> list:
    from dagster._utils.schedules import cron_string_iterator

    ticks = cron_string_iterator(after.timestamp(), schedule.cron_schedule, TIMEZONE)
    return [next(ticks) for _ in range(count)]


def test_schedules_run_in_hanoi_time_on_the_right_days():
    schedules = {s.name: s for s in build_schedules(build_jobs(SOURCES))}
    assert set(schedules) == {
        "ministry_sync_schedule",
        "donor_sync_schedule",
        "monthly_completeness_report_schedule",
    }
    assert {s.execution_timezone for s in schedules.values()} == {"Asia/Ho_Chi_Minh"}
    assert {s.default_status for s in schedules.values()} == {dg.DefaultScheduleStatus.RUNNING}
    start = datetime(2026, 3, 4, 12, 0, tzinfo=HANOI)  # a Wednesday
    nightly = _next_ticks(schedules["ministry_sync_schedule"], start)
    assert [t.astimezone(HANOI).isoformat() for t in nightly] == [
        "2026-03-05T02:00:00+07:00",
        "2026-03-06T02:00:00+07:00",
    ]
    weekly = _next_ticks(schedules["donor_sync_schedule"], start)
    assert [(t.astimezone(HANOI).strftime("%a %H:%M %d")) for t in weekly] == [
        "Mon 03:00 09",
        "Mon 03:00 16",
    ]
    monthly = _next_ticks(schedules["monthly_completeness_report_schedule"], start)
    assert [t.astimezone(HANOI).strftime("%m-%d %H:%M") for t in monthly] == [
        "04-01 06:00",
        "05-01 06:00",
    ]


def test_a_home_with_only_the_inbox_has_no_ministry_or_donor_schedule():
    jobs = build_jobs([InboxSource(kind="inbox", name="inbox")])
    assert [s.name for s in build_schedules(jobs)] == ["monthly_completeness_report_schedule"]
    assert sorted(jobs.by_group) == ["province_sync"]


@pytest.fixture
def defs(home: Home) -> dg.Definitions:
    return build_definitions(home)


def _keys(defs: dg.Definitions, job_name: str) -> set[str]:
    job = defs.resolve_job_def(job_name)
    return {k.to_user_string() for k in job.asset_layer.executable_asset_keys}


def test_a_source_job_fetches_that_source_and_rebuilds_what_follows(defs):
    keys = _keys(defs, "sync_inbox")
    assert {"landing/inbox", "raw/provincial_report_lines", "quality/batch_status"} <= keys
    assert {"marts/fct_capital_progress", "reports/steering_committee_progress"} <= keys
    assert "reference/admin_provinces" in keys  # a fresh home needs its seeds
    job = defs.resolve_job_def("sync_inbox")
    checks = {k.name for k in job.asset_layer.asset_graph.asset_check_keys}
    assert "fct_capital_progress_expectations" in checks  # the blocking check runs with it


def test_the_monthly_job_rebuilds_gate_marts_and_report_without_fetching(defs):
    keys = _keys(defs, "monthly_completeness_report")
    assert {"quality/batch_status", "marts/fct_capital_progress"} <= keys
    assert "reports/steering_committee_progress" in keys
    assert not any(k.startswith(("landing/", "raw/")) for k in keys)


def test_definitions_turn_sensors_and_automation_on(defs):
    sensors = {s.name: s for s in defs.sensors}
    assert {"inbox_inbox_drops", "run_failure_alerts", "mtqg_automation"} <= set(sensors)
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in sensors.values())


def _requested(result, defs) -> set[str]:
    graph = defs.resolve_asset_graph()
    return {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if result.get_requested_partitions(key)
    }


def _materialise(instance, *keys: str) -> None:
    for key in keys:
        instance.report_runless_asset_event(dg.AssetMaterialization(dg.AssetKey(key.split("/"))))


def _evaluate(instance, check: dg.AssetCheckKey, *, passed: bool) -> None:
    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(
            asset_key=check.asset_key,
            check_name=check.name,
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR,
        )
    )


def _ran_once(defs, instance, cursor):
    """A home after one sync run: everything materialised and checked together."""
    graph = defs.resolve_asset_graph()
    _materialise(instance, *[k.to_user_string() for k in graph.get_all_asset_keys()])
    for check in graph.asset_check_keys:  # dbt tests are blocking checks too
        _evaluate(instance, check, passed=True)
    return dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)


def test_landed_batches_start_everything_downstream_in_one_request(defs, home):
    instance = dg.DagsterInstance.ephemeral()
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert _requested(first, defs) == set()  # nothing landed: nothing to do, seeds included
    # a home that ran once: everything materialised together, as a sync run does
    settled = _ran_once(defs, instance, first.cursor)
    assert _requested(settled, defs) == set()  # a whole run leaves nothing behind

    _materialise(instance, "landing/inbox")  # e.g. from the UI, alone
    second = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=settled.cursor)
    requested = _requested(second, defs)
    assert {"raw/provincial_report_lines", "staging/stg_provincial__report_lines"} <= requested
    assert {"quality/batch_status", "marts/fct_capital_progress"} <= requested
    assert "reports/steering_committee_progress" in requested
    assert not any(k.startswith(("landing/", "reference/")) for k in requested)
    third = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=second.cursor)
    assert _requested(third, defs) == set()  # requested once, not every tick


@pytest.mark.parametrize("passed", [True, False])
def test_the_report_waits_while_its_blocking_check_fails(defs, passed):
    instance = dg.DagsterInstance.ephemeral()
    report = "reports/steering_committee_progress"
    first = _ran_once(defs, instance, None)
    _materialise(instance, "marts/rpt_progress_by_province", "marts/fct_capital_progress")
    check = dg.AssetCheckKey(
        dg.AssetKey(["marts", "fct_capital_progress"]), "fct_capital_progress_expectations"
    )
    _evaluate(instance, check, passed=passed)
    second = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert (report in _requested(second, defs)) is passed


def test_the_instance_config_is_valid_for_this_dagster(home, monkeypatch):
    monkeypatch.delenv("MTQG_DAGSTER_POSTGRES_URL", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))  # ensure_instance sets it
    instance = ensure_instance(home)
    assert isinstance(instance.run_coordinator, dg.QueuedRunCoordinator)
    assert instance.run_coordinator.dequeue_interval_seconds == 1
    queue = instance.get_concurrency_config().run_queue_config
    assert queue.max_concurrent_runs >= 2
    pools = instance.get_concurrency_config().pool_config
    assert pools.default_pool_limit == 1
    assert instance.event_log_storage.supports_global_concurrency_limits
    assert instance.run_retries_enabled and instance.run_retries_max_retries >= 1
    assert type(instance.run_storage).__name__ == "SqliteRunStorage"
    assert str(instance.root_directory) == str(home.dagster_home)


def test_one_province_period_is_judged_again_alone_and_a_missing_one_is_named(home):
    import duckdb

    from expectations.gate import province_period_batch_ids
    from orchestration.quality.partitions import (
        PROVINCE_PERIODS,
        province_period_verdicts,
        register_province_periods,
    )
    from orchestration.resources import MtqgHome
    from warehouse.connection import connect
    from warehouse.tables import ensure_tables

    with connect(home.warehouse) as con:
        ensure_tables(con)
        for batch, as_reported, code_2025, period in [
            ("b-lao-cai-q3", "10", "15", "2024-Q3"),
            ("b-lao-cai-q4", "10", "15", "2024-Q4"),
            ("b-yen-bai-q3", "15", "15", "2024-Q3"),  # Yên Bái (15 before 2025) → Lào Cai
            ("b-ha-noi-q3", "01", "01", "2024-Q3"),
        ]:
            con.execute(
                "insert into raw.provincial_report_lines (batch_id, province_code_as_reported, "
                "province_code_2025, period) values (?, ?, ?, ?)",
                [batch, as_reported, code_2025, period],
            )
        assert province_period_batch_ids(con, "15", "2024-Q3") == ["b-lao-cai-q3", "b-yen-bai-q3"]
        assert province_period_batch_ids(con, "10", "2024-Q4") == ["b-lao-cai-q4"]
        assert province_period_batch_ids(con, "1", "2024-Q3") == ["b-ha-noi-q3"]

    instance = dg.DagsterInstance.ephemeral()
    assert register_province_periods(instance, {("15", "2024-Q3"), ("15", "2023-Q1")}) == 2
    assert register_province_periods(instance, {("15", "2024-Q3")}) == 0
    assert set(instance.get_dynamic_partitions(PROVINCE_PERIODS.name)) == {
        "15|2024-Q3",
        "15|2023-Q1",
    }
    result = dg.materialize(
        [province_period_verdicts],
        partition_key="15|2023-Q1",
        resources={"mtqg": MtqgHome(root=str(home.root))},
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.user_failure_data.description
    assert "province 15 for period 2023-Q1" in message
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from quality.batch_status").fetchone() == (0,)
