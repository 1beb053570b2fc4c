"""Sensors, one tick at a time: cursors, run keys, bounds and skip reasons, on local servers."""

from __future__ import annotations

import hashlib
import json
import os

import dagster as dg
import pytest

from connectors.cursors import CursorStore
from connectors.kinds import fetch_source
from connectors.kinds import inbox as inbox_kind
from connectors.kinds.ckan import CkanSource
from connectors.kinds.iati_datastore import IatiDatastoreSource
from connectors.kinds.iati_files import IatiFilesSource
from connectors.kinds.inbox import InboxSource
from connectors.kinds.ministry_api import MinistryApiSource
from demo.servers.ckan_portal import CkanPortal
from demo.servers.iati_server import IatiServer
from demo.servers.ministry_api import MinistryApiServer
from orchestration.jobs import build_jobs
from orchestration.sensors.arrivals import source_sensors


def _sensor(source, home) -> dg.SensorDefinition:
    (sensor,) = source_sensors([source], build_jobs([source]), home)
    return sensor


def _tick(sensor: dg.SensorDefinition, cursor: str | None = None):
    return sensor.evaluate_tick(dg.build_sensor_context(cursor=cursor))


def _drop(path, content: bytes, *, age_seconds: float = 60) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    then = path.stat().st_mtime - age_seconds
    os.utime(path, (then, then))


# --- inbox ---------------------------------------------------------------------------------


@pytest.fixture
def inbox_source(home):
    return InboxSource(kind="inbox", name="inbox", path=str(home.inbox))


def test_a_dropped_file_is_requested_once_it_held_still_keyed_by_its_sha256(home, inbox_source):
    sensor = _sensor(inbox_source, home)
    content = b"Bieu 01 ... Lao Cai"
    _drop(home.inbox / "bieu01.xlsx", content)

    first = _tick(sensor)
    assert first.run_requests == []
    assert "still arriving" in first.skip_message

    second = _tick(sensor, first.cursor)
    (run,) = second.run_requests
    digest = hashlib.sha256(content).hexdigest()
    assert run.run_key == f"inbox:{digest}"
    assert run.tags["mtqg/file_sha256"] == digest
    assert sensor.job_name == "sync_inbox"

    third = _tick(sensor, second.cursor)
    assert third.run_requests == []
    assert "already requested" in third.skip_message

    (home.inbox / "bieu01.xlsx").unlink()  # the run took it into landing
    fourth = _tick(sensor, third.cursor)
    assert fourth.run_requests == []
    assert json.loads(fourth.cursor) == {"looks": {}, "requested": {}}
    assert not home.warehouse.exists()  # a sensor never touches the warehouse


def test_a_file_still_being_written_waits(home, inbox_source):
    sensor = _sensor(inbox_source, home)
    path = home.inbox / "sub" / "bieu01.xlsx"
    _drop(path, b"part one")
    first = _tick(sensor)
    _drop(path, b"part one, part two")  # grew between the ticks
    second = _tick(sensor, first.cursor)
    assert second.run_requests == []
    assert "sub/bieu01.xlsx" in second.skip_message
    (run,) = _tick(sensor, second.cursor).run_requests
    assert run.run_key.endswith(hashlib.sha256(b"part one, part two").hexdigest())


def test_office_lock_files_and_too_young_files_are_not_requested(home):
    source = InboxSource(kind="inbox", name="drop", path=str(home.inbox), min_age_seconds=3600)
    sensor = _sensor(source, home)
    _drop(home.inbox / "~$bieu01.xlsx", b"lock")
    _drop(home.inbox / "bieu01.xlsx", b"young", age_seconds=5)
    first = _tick(sensor)
    second = _tick(sensor, first.cursor)
    assert second.run_requests == []
    assert "younger than 3600 s" in second.skip_message
    assert "~$bieu01.xlsx" not in json.loads(second.cursor)["requested"]


def test_a_burst_of_files_is_requested_a_few_per_tick(home, inbox_source):
    sensor = _sensor(inbox_source, home)
    for number in range(inbox_kind.MAX_RUNS_PER_LOOK + 2):
        _drop(home.inbox / f"bieu01_{number}.xlsx", f"report {number}".encode())
    _drop(home.inbox / "copy_of_bieu01_0.xlsx", b"report 0")  # same content, other name
    first = _tick(sensor)
    second = _tick(sensor, first.cursor)
    assert len(second.run_requests) == inbox_kind.MAX_RUNS_PER_LOOK
    third = _tick(sensor, second.cursor)
    keys = {r.run_key for r in second.run_requests + third.run_requests}
    # eight files, seven contents: the copy has the run key of its original
    assert len(second.run_requests + third.run_requests) == inbox_kind.MAX_RUNS_PER_LOOK + 3
    assert len(keys) == inbox_kind.MAX_RUNS_PER_LOOK + 2
    assert _tick(sensor, third.cursor).run_requests == []


def test_a_damaged_cursor_starts_afresh(home, inbox_source):
    sensor = _sensor(inbox_source, home)
    _drop(home.inbox / "bieu01.xlsx", b"x")
    assert _tick(sensor, "not json").run_requests == []


# --- CKAN portal ---------------------------------------------------------------------------


def _resource(resource_id: str, filename: str) -> dict:
    return {
        "id": resource_id,
        "name": filename,
        "url": f"{{portal}}/dataset/x/resource/{resource_id}/download/{filename}",
        "format": "CSV",
        "hash": "",
        "last_modified": None,
        "size": None,
    }


@pytest.fixture
def portal():
    packages = [
        {
            "id": "pkg-1",
            "name": "bao-cao-tien-do",
            "organization": {"name": "so-tai-chinh-lao-cai", "title": "Sở Tài chính Lào Cai"},
            "tags": [{"name": "mtqg-1719"}],
            "resources": [_resource("r1", "tien_do_q3.csv")],
        }
    ]
    with CkanPortal(packages, {"r1": b"ma_tinh;ky\n10;2024-Q3\n"}) as running:
        yield running


def test_ckan_sensor_requests_a_run_for_new_or_replaced_files_only(home, portal):
    source = CkanSource(kind="ckan", name="lao_cai_portal", url=portal.url)
    sensor = _sensor(source, home)

    first = _tick(sensor)
    (run,) = first.run_requests
    assert run.run_key.startswith("lao_cai_portal:")
    assert run.tags["mtqg/source"] == "lao_cai_portal"
    assert not list(home.landing.rglob("*.csv"))  # the probe lands nothing

    again = _tick(sensor, first.cursor)
    assert again.run_requests == []  # the run has not happened yet: asked once

    fetch_source(source, home)  # what the requested run's landing asset does
    landed = _tick(sensor, again.cursor)
    assert landed.run_requests == []
    assert "none changed" in landed.skip_message

    portal.set_resource("r1", b"ma_tinh;ky\n10;2024-Q4\n")  # same URL, same listing
    (changed,) = _tick(sensor, landed.cursor).run_requests
    assert changed.run_key != run.run_key


def test_ckan_sensor_skips_with_the_reason_when_the_portal_fails(home, portal):
    portal.failure_message = "Solr is down"
    sensor = _sensor(CkanSource(kind="ckan", name="lao_cai_portal", url=portal.url), home)
    result = _tick(sensor, '{"r1": "kept"}')
    assert result.run_requests == []
    assert "Solr is down" in result.skip_message
    assert result.cursor in (None, '{"r1": "kept"}')  # the cursor does not move


# --- ministries' gateway ---------------------------------------------------------------------


@pytest.fixture
def gateway(monkeypatch):
    monkeypatch.setenv("MTQG_TEST_MOF_ID", "mtqg")
    monkeypatch.setenv("MTQG_TEST_MOF_SECRET", "s3cret-for-tests")
    record = {"id": "cp-1", "year": 2025, "updated_at": "2026-03-01T08:00:00Z"}
    records = {"capital-plans": [record]}
    with MinistryApiServer(records, clients={"mtqg": "s3cret-for-tests"}) as running:
        yield running


def _ministry(gateway) -> MinistryApiSource:
    return MinistryApiSource(
        kind="ministry_api",
        name="mof",
        url=gateway.url,
        auth={"client_id_env": "MTQG_TEST_MOF_ID", "client_secret_env": "MTQG_TEST_MOF_SECRET"},
        collections=["capital-plans"],
    )


def test_ministry_sensor_asks_for_a_run_only_when_records_are_newer_than_the_last_pull(
    home, gateway
):
    sensor = _sensor(_ministry(gateway), home)
    (never,) = _tick(sensor).run_requests
    assert never.run_key == "mof:capital-plans@never pulled"

    cursors = CursorStore.for_source(home, "mof")
    cursors.set("capital-plans", "2026-03-01T08:00:00Z")  # the pull got everything
    quiet = _tick(sensor)
    assert quiet.run_requests == []
    assert "no record updated since the last pull" in quiet.skip_message

    newer = {"id": "cp-1", "year": 2025, "updated_at": "2026-03-02T09:00:00Z"}
    gateway.upsert("capital-plans", newer)
    (run,) = _tick(sensor).run_requests
    assert run.run_key == "mof:capital-plans@2026-03-01T08:00:00Z"
    assert (_tick(sensor).run_requests[0].run_key) == run.run_key  # stable until pulled


def test_ministry_sensor_names_the_missing_secret_variable(home, gateway, monkeypatch):
    CursorStore.for_source(home, "mof").set("capital-plans", "2026-03-01T08:00:00Z")
    monkeypatch.delenv("MTQG_TEST_MOF_SECRET")
    result = _tick(_sensor(_ministry(gateway), home))
    assert result.run_requests == []
    assert "MTQG_TEST_MOF_SECRET is not set" in result.skip_message


# --- IATI files and Datastore ----------------------------------------------------------------


@pytest.fixture
def iati(monkeypatch):
    monkeypatch.setenv("MTQG_TEST_IATI_KEY", "iati-key-for-tests")
    doc = {"id": "t-1", "iati_identifier": "XM-1", "last_updated_datetime": "2026-01-05T00:00:00Z"}
    docs = [doc]
    with IatiServer({"donor-a.xml": b"<iati-activities/>"}, [], docs, "iati-key-for-tests") as s:
        yield s


def test_iati_files_sensor_uses_the_landed_validators(home, iati):
    url = iati.url + "/files/donor-a.xml"
    source = IatiFilesSource(kind="iati_files", name="donor_a", urls=[url])
    sensor = _sensor(source, home)
    (first,) = _tick(sensor).run_requests
    fetch_source(source, home)  # the run lands it and keeps its ETag
    after_landing = _tick(sensor)
    assert after_landing.run_requests == []
    assert "unchanged since they were landed" in after_landing.skip_message

    iati.set_file("donor-a.xml", b"<iati-activities version='2.03'/>")
    (changed,) = _tick(sensor, after_landing.cursor).run_requests
    assert changed.run_key != first.run_key


def test_datastore_sensor_follows_the_newest_document(home, iati):
    source = IatiDatastoreSource(
        kind="iati_datastore",
        name="datastore",
        url=iati.url + "/datastore",
        auth={"api_key_env": "MTQG_TEST_IATI_KEY"},
        query="*:*",
    )
    sensor = _sensor(source, home)
    first = _tick(sensor)
    (run,) = first.run_requests
    assert run.run_key == "datastore:2026-01-05T00:00:00Z|1"
    assert _tick(sensor, first.cursor).run_requests == []
    iati.add_doc(
        "transaction",
        {"id": "t-2", "iati_identifier": "XM-1", "last_updated_datetime": "2026-02-01T00:00:00Z"},
    )
    (newer,) = _tick(sensor, first.cursor).run_requests
    assert newer.run_key == "datastore:2026-02-01T00:00:00Z|2"


def test_every_probed_kind_has_a_sensor_on_by_default(home, portal, iati, gateway):
    sources = [
        InboxSource(kind="inbox", name="inbox"),
        CkanSource(kind="ckan", name="lao-cai.portal", url=portal.url),
        _ministry(gateway),
        IatiFilesSource(kind="iati_files", name="donor_a", urls=[iati.url + "/files/a.xml"]),
        CkanSource(kind="ckan", name="off", url=portal.url, enabled=False),
    ]
    sensors = source_sensors(sources, build_jobs(sources), home)
    assert [s.name for s in sensors] == [
        "inbox_inbox_drops",
        "ckan_lao_cai_portal_resources",
        "ministry_mof_updates",
        "iati_donor_a_files",
    ]
    assert {s.default_status for s in sensors} == {dg.DefaultSensorStatus.RUNNING}
    assert all(s.minimum_interval_seconds >= inbox_kind.INTERVAL_SECONDS for s in sensors)


# --- failed runs and checks --------------------------------------------------------------


def test_failed_runs_and_blocking_checks_are_open_until_a_later_run_passes(home):
    from orchestration.sensors.failures import RUN_ALERTS_STATE, dispatch_run_alerts

    state = {"asset_fails": True, "check_passes": False}

    @dg.asset
    def fct() -> None:
        if state["asset_fails"]:
            raise RuntimeError("the marts could not be built")

    @dg.asset_check(asset=fct, blocking=True)
    def fct_expectations() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=state["check_passes"])

    defs = dg.Definitions(
        assets=[fct], asset_checks=[fct_expectations], jobs=[dg.define_asset_job("sync_inbox")]
    )
    job = defs.resolve_job_def("sync_inbox")
    instance = dg.DagsterInstance.ephemeral()
    check = dg.AssetCheckKey(dg.AssetKey("fct"), "fct_expectations")

    assert not job.execute_in_process(instance=instance, raise_on_error=False).success
    report = dispatch_run_alerts(home, instance, [check])
    assert report.open_keys == ["run|sync_inbox"]  # the check did not run: not a finding
    (message,) = report.messages  # no alerts.yaml: routed to the Office, not sent
    assert "sync_inbox" in message.digest.body and "fct" in message.digest.body
    assert not (home.state / RUN_ALERTS_STATE).exists()

    state["asset_fails"] = False  # built, but the blocking check fails
    job.execute_in_process(instance=instance, raise_on_error=False)
    assert "check|fct|fct_expectations" in dispatch_run_alerts(home, instance, [check]).open_keys

    state["check_passes"] = True
    assert job.execute_in_process(instance=instance).success
    assert dispatch_run_alerts(home, instance, [check]).open_keys == []
