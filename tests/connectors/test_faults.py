"""Faults × every HTTP source kind: each run recovers to the fault-free result, or fails cleanly.

For every source kind that speaks HTTP (the ministries' gateway, IATI activity files, the IATI
Datastore, a CKAN portal's listing and its files, reference files by URL) and every fault the
demo servers inject (429 with Retry-After, 5xx, timeout, reset, truncated body, malformed
payload, expired token, records shifting between pages), one run goes through the pipeline's
own path: `fetch_source` into landing, then `load_landed_into_raw`. Its raw tables are compared
with a fault-free run of the same data on a fresh home:

* `recovered`: equal — the retries (or the token refresh) hid the fault;
* `failed`: a `SourceError` naming the source and the (redacted) URL; no pull manifest landed,
  no file landed for the failing URL, no cursor or validator moved, raw holds only whole units;
  the next run, the fault gone, gives the fault-free result;
* `skipped` (a CKAN file): the sync goes on, the file is named in the fetch's notes and is
  fetched again next time; the other files land whole;
* `quarantined` (a file's body): what came lands as it came (a file's bytes are the sender's
  business) and its batch is refused with the reader's reason: no rows in raw;
* `before` / `after` (records shifting): equal to the fault-free run of the data as it was before
  / after the change made between two page requests.

In every case no secret (client secret, access tokens, API keys) appears in a sidecar, a state
file, the error or the log. `OUTCOMES` is the matrix (RELIABILITY.md reproduces it).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest

from connectors.cursors import CursorStore
from connectors.kinds import fetch_source, kind_of
from connectors.kinds.base import FetchResult
from connectors.source_models import SourceModel
from core.errors import SourceError
from core.home import Home
from demo.servers.base import DemoServer
from demo.servers.ckan_portal import CkanPortal
from demo.servers.files import FileServer
from demo.servers.iati_server import IatiServer
from demo.servers.ministry_api import MinistryApiServer
from warehouse.connection import connect
from warehouse.loading import load_landed_into_raw
from warehouse.tables import ensure_tables

CLIENT_ID = "mtqg-faults"
CLIENT_SECRET = "client-secret-Zq7-never-logged"
IATI_KEY = "iati-key-Xv9-never-logged"
CKAN_KEY = "ckan-token-Wm3-never-logged"
ENV = {
    "MTQG_FAULT_CLIENT_ID": CLIENT_ID,
    "MTQG_FAULT_CLIENT_SECRET": CLIENT_SECRET,
    "MTQG_FAULT_IATI_KEY": IATI_KEY,
    "MTQG_FAULT_CKAN_KEY": CKAN_KEY,
}
# Small retries and waits: a persistent fault costs 4 attempts of a few milliseconds.
FAST = {
    "max_retries": 3,
    "backoff_factor": 0.01,
    "backoff_max_seconds": 0.05,
    "connect_timeout_seconds": 2.0,
    "read_timeout_seconds": 2.0,
}
READ_TIMEOUT = 0.1  # for the timeout fault's run only
DELAY = 0.3
PERSISTENT = 100  # more faults than attempts
# Columns that say which batch / landed page a row came from: they differ between two runs.
BATCH_COLUMNS = {"batch_id", "source_file_sha256", "page"}


# --- the data each kind serves ---------------------------------------------------------------


def _plan(i: int) -> dict[str, Any]:
    return {
        "id": f"KHV-2025-{i:03d}",
        "year": 2025,
        "plan_kind": "annual",
        "province_code": "10",
        "admin_era": "2008",
        "project_code": "DA1",
        "budget_source": "NSTW",
        "capital_type": "SN",
        "amount_million_vnd": f"{1000 + i}.5",
        "decision_no": "1234/QĐ-BTC",
        "decision_date": "2025-01-15",
        "updated_at": f"2026-10-{i + 1:02d}T08:15:00+07:00",
    }


def _transaction(i: int) -> dict[str, Any]:
    return {
        "id": f"XM-DAC-1-VN-1-T{i}",
        "iati_identifier": "XM-DAC-1-VN-1",
        "default_currency": "USD",
        "last_updated_datetime": "2026-01-05T00:00:00Z",
        "transaction_transaction_type_code": "3",
        "transaction_transaction_date_iso_date": "2026-01-02",
        "transaction_value": 100 + i,
        "transaction_value_value_date": "2026-01-02",
        "recipient_country_code": "VN",
    }


def _activity_file(identifier: str, value: int) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2026-01-05T00:00:00Z">
 <iati-activity default-currency="USD" last-updated-datetime="2026-01-05T00:00:00Z">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="XM-DAC-1" type="10"><narrative>Donor</narrative></reporting-org>
  <transaction>
   <transaction-type code="3"/>
   <transaction-date iso-date="2026-01-02"/>
   <value value-date="2026-01-02">{value}</value>
  </transaction>
 </iati-activity>
</iati-activities>
""".encode()


FLAT_CSV_HEADER = (
    "ma_tinh,ten_tinh,ky_bao_cao,ma_du_an,ma_tieu_du_an,nguon_von,loai_von,"
    "ke_hoach_trieu_dong,giai_ngan_trieu_dong,ngay_cap_nhat"
)


def _flat_csv(period: str, planned: str) -> bytes:
    row = f"10,Tỉnh Lào Cai,{period},DA3,TDA2,NSTW,SN,{planned},17858.74,05/10/2024"
    return f"{FLAT_CSV_HEADER}\n{row}\n".encode()


def _package(n: int) -> dict[str, Any]:
    return {
        "id": f"pkg-{n}",
        "name": f"bao-cao-tien-do-{n}",
        "organization": {"name": "so-tai-chinh-lao-cai", "title": "Sở Tài chính Lào Cai"},
        "tags": [{"name": "mtqg-1719"}],
        "metadata_modified": "2024-10-01T00:00:00",
        "resources": [
            {
                "id": f"r{n}",
                "name": f"tien_do_{n}.csv",
                "url": f"{{portal}}/dataset/x/resource/r{n}/download/tien_do_{n}.csv",
                "format": "CSV",
                "hash": "",
                "last_modified": None,
                "size": None,
            }
        ],
    }


WARDS_2025 = (
    "code,name,name_en,full_name,province_code,administrative_unit_id\n"
    "00004,Ba Đình,Ba Dinh,Phường Ba Đình,01,3\n"
    "06970,Ba Chẽ,Ba Che,Xã Ba Chẽ,22,4\n"
).encode()
DISTRICTS = (
    "code,name,name_en,full_name,province_code,administrative_unit_id\n"
    "001,Ba Đình,Ba Dinh,Quận Ba Đình,01,1\n"
).encode()


# --- one scenario per kind: its server, its source, where a fault goes -----------------------


@dataclass
class Scenario:
    """A kind against its demo server: where faults go and what it must never reveal."""

    name: str
    start: Callable[[], DemoServer]
    source: Callable[[DemoServer, dict[str, Any]], SourceModel]
    fault_path: str  # path prefix the faults apply to
    after: int = 0  # requests let through first: 1 puts the fault on page 2 of a pull
    pull: bool = False  # pages + manifest (vs one batch per file)
    url_part: str = ""  # what the SourceError's URL must show (default: fault_path)
    secrets: Callable[[DemoServer], list[str]] = lambda server: []


def _ministry_source(server: DemoServer, http: dict[str, Any]) -> SourceModel:
    from connectors.kinds.ministry_api import MinistryApiSource

    return MinistryApiSource(
        name="mof",
        kind="ministry_api",
        url=server.url,
        auth={
            "client_id_env": "MTQG_FAULT_CLIENT_ID",
            "client_secret_env": "MTQG_FAULT_CLIENT_SECRET",
        },
        collections=["capital-plans"],
        page_size=3,  # seven records: three pages
        **http,
    )


def _datastore_source(server: DemoServer, http: dict[str, Any]) -> SourceModel:
    from connectors.kinds.iati_datastore import IatiDatastoreSource

    return IatiDatastoreSource(
        name="datastore",
        kind="iati_datastore",
        url=server.url + "/datastore",
        auth={"api_key_env": "MTQG_FAULT_IATI_KEY"},
        rows=2,  # five docs: three pages
        **http,
    )


def _files_source(server: DemoServer, http: dict[str, Any]) -> SourceModel:
    from connectors.kinds.iati_files import IatiFilesSource

    return IatiFilesSource(
        name="donor_files",
        kind="iati_files",
        urls=[server.url + "/files/donor-a.xml", server.url + "/files/donor-b.xml"],
        validate_schema=False,  # the schema gate has its own tests
        **http,
    )


def _ckan_source(server: DemoServer, http: dict[str, Any]) -> SourceModel:
    from connectors.kinds.ckan import CkanSource

    return CkanSource(
        name="lao_cai_portal",
        kind="ckan",
        url=server.url,
        auth={"api_key_env": "MTQG_FAULT_CKAN_KEY", "header": "Authorization"},
        rows=1,  # three packages: three pages
        **http,
    )


def _reference_source(server: DemoServer, http: dict[str, Any]) -> SourceModel:
    from connectors.kinds.reference import ReferenceSource

    return ReferenceSource(name="admin_units", kind="reference", url=server.url + "/admin", **http)


def _gateway() -> DemoServer:
    return MinistryApiServer(
        {"capital-plans": [_plan(i) for i in range(7)]}, clients={CLIENT_ID: CLIENT_SECRET}
    )


def _portal() -> DemoServer:
    files = {f"r{n}": _flat_csv(f"2024-Q{n}", f"{29000 + n}.5") for n in (1, 2, 3)}
    return CkanPortal([_package(n) for n in (1, 2, 3)], files, api_key=CKAN_KEY)


SCENARIOS = {
    "ministry_api": Scenario(
        "ministry_api",
        _gateway,
        _ministry_source,
        "/api/v1/capital-plans",
        after=1,
        pull=True,
        secrets=lambda server: [CLIENT_SECRET, *server.issued_tokens],  # type: ignore[attr-defined]
    ),
    "iati_files": Scenario(
        "iati_files",
        lambda: IatiServer(
            {
                "donor-a.xml": _activity_file("XM-DAC-1-VN-1", 1000),
                "donor-b.xml": _activity_file("XM-DAC-1-VN-2", 2500),
            },
            [],
            [],
            api_key="unused",
        ),
        _files_source,
        "/files/donor-b.xml",
    ),
    "iati_datastore": Scenario(
        "iati_datastore",
        lambda: IatiServer({}, [], [_transaction(i) for i in range(5)], api_key=IATI_KEY),
        _datastore_source,
        "/datastore/transaction/select",
        after=1,
        pull=True,
        secrets=lambda server: [IATI_KEY],
    ),
    "ckan_listing": Scenario(
        "ckan_listing",
        _portal,
        _ckan_source,
        "/api/3/action/package_search",
        after=1,
        secrets=lambda server: [CKAN_KEY],
    ),
    "ckan_file": Scenario(
        "ckan_file",
        _portal,
        _ckan_source,
        "/dataset/x/resource/r2/",
        secrets=lambda server: [CKAN_KEY],
    ),
    "reference_url": Scenario(
        "reference_url",
        lambda: FileServer(
            {"admin/wards_2025.csv": WARDS_2025, "admin/districts_pre2025.csv": DISTRICTS}
        ),
        _reference_source,
        "/admin/wards_2025.csv",
        url_part="/admin",
    ),
}
FILE_KINDS = {"iati_files", "ckan_file", "reference_url"}
API_KINDS = {"ministry_api", "iati_datastore", "ckan_listing"}


# --- the faults ----------------------------------------------------------------------------


def _add(kind: str, **options: Any) -> Callable[[DemoServer, Scenario, int], None]:
    def inject(server: DemoServer, scenario: Scenario, times: int) -> None:
        server.faults.add(scenario.fault_path, kind, times=times, after=scenario.after, **options)

    return inject


def _mutate(change: Callable[[Any], None]) -> Callable[[DemoServer, Scenario, int], None]:
    """Change the data right before the faulted request (page 2 of a pull) is answered."""

    def inject(server: DemoServer, scenario: Scenario, times: int) -> None:
        server.faults.add(
            scenario.fault_path, "mutate", after=scenario.after, action=lambda: change(server)
        )

    return inject


def _rotate_client_secret(gateway: Any) -> None:
    gateway.clients[CLIENT_ID] = "a-new-secret-the-connector-does-not-have"
    gateway.expire_tokens()


def _insert_ahead(server: Any) -> None:
    if isinstance(server, MinistryApiServer):
        server.upsert(
            "capital-plans",
            {**_plan(0), "id": "KHV-2024-000", "updated_at": "2026-10-20T09:00:00+07:00"},
        )  # sorts first, newer than anything pulled
    else:
        server.add_package(_package(9), first=True)


def _remove_behind(server: Any) -> None:
    if isinstance(server, MinistryApiServer):
        server.remove("capital-plans", _plan(1)["id"])  # on page 1, already read
    elif isinstance(server, IatiServer):
        server.remove_doc("transaction", _transaction(0)["id"])
    else:
        server.remove_package("pkg-1")


def _repeat_docs(server: Any) -> None:
    server.page_overlap = 1  # an index rebuilt while we page: docs repeat across pages


FAULTS: dict[str, Callable[[DemoServer, Scenario, int], None]] = {
    "429": _add("status", status=429, retry_after="1"),  # waits min(1 s, backoff_max)
    "5xx": _add("status", status=503),
    "timeout": _add("delay", delay=DELAY),
    "reset": _add("reset"),
    "truncated": _add("truncate"),  # Content-Length larger than the body sent
    "json_cut": _add("cut"),  # half the body with a matching Content-Length
    "malformed": _add("invalid_body"),
    "token_expired": _mutate(lambda gateway: gateway.expire_tokens()),
    "token_revoked": _mutate(_rotate_client_secret),
    "key_refused": _add("status", status=401),
    "shift_insert": _mutate(_insert_ahead),
    "shift_remove": _mutate(_remove_behind),
    "shift_repeat": _mutate(_repeat_docs),
}

TRANSIENT_FAULTS = ("429", "5xx", "timeout", "reset", "truncated", "json_cut", "malformed")


def _outcomes() -> dict[tuple[str, str, str], str]:
    """(kind, fault, once|persistent) → the expected outcome; the matrix of RELIABILITY.md."""
    cases: dict[tuple[str, str, str], str] = {}
    for kind in SCENARIOS:
        for fault in TRANSIENT_FAULTS:
            if fault == "json_cut" and kind not in API_KINDS:
                continue  # a file cut with a matching length is the sender's bytes (see below)
            if fault == "malformed" and kind in FILE_KINDS:
                cases[kind, fault, "once"] = "quarantined"
                continue
            cases[kind, fault, "once"] = "recovered"
            cases[kind, fault, "persistent"] = "skipped" if kind == "ckan_file" else "failed"
        if kind == "ministry_api":
            cases[kind, "token_expired", "once"] = "recovered"
            cases[kind, "token_revoked", "persistent"] = "failed"
        else:
            # A static key (or none) cannot be renewed: a 401 is not retried.
            cases[kind, "key_refused", "once"] = "skipped" if kind == "ckan_file" else "failed"
    cases["ministry_api", "shift_insert", "once"] = "before"  # the newcomer comes next pull
    cases["ministry_api", "shift_remove", "once"] = "after"  # total shrank: paged again
    cases["iati_datastore", "shift_repeat", "once"] = "before"  # repeats kept once
    cases["iati_datastore", "shift_remove", "once"] = "before"  # cursorMark: nothing skipped
    cases["ckan_listing", "shift_insert", "once"] = "before"  # the newcomer comes next sync
    cases["ckan_listing", "shift_remove", "once"] = "after"  # count shrank: listed again
    return cases


OUTCOMES = _outcomes()
# Cells the connectors do not yet hold (none now), marked xfail(strict) with the reason.
KNOWN_GAPS: dict[tuple[str, str, str], str] = {}


# --- running one source through fetch and load --------------------------------------------


@dataclass
class Run:
    home: Home
    result: FetchResult | None = None
    error: SourceError | None = None
    batches: list[Any] = field(default_factory=list)
    contents: dict[str, Any] = field(default_factory=dict)  # raw, after the load
    seconds: float = 0.0


def fetch_and_load(source: SourceModel, home: Home) -> Run:
    """One run of the source as the pipeline makes it: fetch into landing, load into raw."""
    run = Run(home)
    started = time.monotonic()
    try:
        run.result = fetch_source(source, home)
    except SourceError as exc:
        run.error = exc
    run.seconds = time.monotonic() - started
    con = _warehouse(home)
    run.batches = load_landed_into_raw(con, home, [source])
    run.contents = raw_contents(con, source)
    return run


_OPEN: dict[Path, Any] = {}
_STACK: list[ExitStack] = []


def _warehouse(home: Home) -> Any:
    """The home's warehouse, opened once per test (opening is slow); `fresh_home` copied it
    from a template made by `ensure_tables`."""
    if home.warehouse not in _OPEN:
        _OPEN[home.warehouse] = _STACK[-1].enter_context(connect(home.warehouse))
    return _OPEN[home.warehouse]


@pytest.fixture(autouse=True)
def _warehouses() -> Iterator[None]:
    with ExitStack() as stack:
        _STACK.append(stack)
        try:
            yield
        finally:
            _STACK.pop()
            _OPEN.clear()


def raw_contents(con: Any, source: SourceModel) -> dict[str, Any]:
    """Every raw row of the source's kind (without batch columns) and its batches' accounts."""
    tables: dict[str, list[str]] = {}
    for table in kind_of(source).raw_tables:
        cursor = con.execute(f"select * from raw.{table}")
        names = [d[0] for d in cursor.description]
        rows = [
            repr({n: v for n, v in zip(names, row, strict=True) if n not in BATCH_COLUMNS})
            for row in cursor.fetchall()
        ]
        if rows:
            tables[table] = sorted(rows)
    batches = con.execute(
        "select dataset, original_name, rows_read, rows_loaded from raw.batches "
        "where source = ? order by all",
        [source.name],
    ).fetchall()
    problems = con.execute(
        "select p.check_name, p.reason, p.is_blocking from raw.batch_problems p "
        "join raw.batches b using (batch_id) where b.source = ? order by all",
        [source.name],
    ).fetchall()
    contents = {"tables": tables, "batches": batches, "problems": problems}
    # Each run has its own server: its port is no difference.
    return json.loads(_PORT.sub("127.0.0.1:<port>", json.dumps(contents, default=repr)))


_PORT = re.compile(r"127\.0\.0\.1:\d+")


def rows_of(contents: dict[str, Any]) -> set[str]:
    return {row for rows in contents["tables"].values() for row in rows}


_TEMPLATE: list[Path] = []


def fresh_home(tmp_path: Path, name: str) -> Home:
    """A new home whose warehouse already has its tables (copied: creating them is slow)."""
    home = Home.resolve(tmp_path / name).ensure()
    if not _TEMPLATE:
        template = tmp_path / "template.duckdb"
        with connect(template) as con:
            ensure_tables(con)
        _TEMPLATE.append(template)
    home.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATE[0], home.warehouse)
    return home


@contextmanager
def running(scenario: Scenario) -> Iterator[DemoServer]:
    server = scenario.start()
    with server:
        yield server


def fault_free(scenario: Scenario, server: DemoServer, tmp_path: Path) -> dict[str, Any]:
    home = fresh_home(tmp_path, "fault-free")
    source = scenario.source(server, FAST)
    run = fetch_and_load(source, home)
    assert run.error is None, run.error
    return run.contents


@pytest.fixture(scope="module")
def baselines(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """The fault-free raw contents of each scenario, computed once (the data never changes)."""
    cache: dict[str, dict[str, Any]] = {}
    patch = pytest.MonkeyPatch()
    for name, value in ENV.items():
        patch.setenv(name, value)
    with ExitStack() as stack:
        _STACK.append(stack)
        for name, scenario in SCENARIOS.items():
            if name == "ckan_file":
                continue  # the same portal as the listing's
            with running(scenario) as server:
                cache[name] = fault_free(scenario, server, tmp_path_factory.mktemp(name))
        cache["ckan_file"] = cache["ckan_listing"]
        _STACK.pop()
    patch.undo()
    return cache


@pytest.fixture(autouse=True)
def _secrets_in_env(monkeypatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


# --- the checks --------------------------------------------------------------------------


def sidecars(home: Home) -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in home.landing.rglob("*.meta.json")]


def assert_no_secret(home: Home, run: Run, secrets: list[str], log_text: str) -> None:
    texts = {str(p): p.read_text("utf-8", errors="replace") for p in _text_files(home)}
    if run.error is not None:
        texts["the error"] = str(run.error)
    if run.result is not None:
        texts["the fetch notes"] = "\n".join(run.result.notes)
    texts["the log"] = log_text
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret appears in {where}"


def _text_files(home: Home) -> Iterator[Path]:
    for folder in (home.landing, home.state):
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in (".json", ".xml", ".csv"):
                yield path


def assert_nothing_partial(scenario: Scenario, home: Home, run: Run, baseline: dict) -> None:
    """No manifest, no file for the failing URL, no cursor or validator moved, whole units."""
    assert not [s for s in sidecars(home) if s["extra"].get("role") == "pull_manifest"]
    assert not list((home.landing / ".incoming").glob("*")), "a half-written file was left"
    if not scenario.pull:
        landed_urls = [s.get("url") or "" for s in sidecars(home)]
        assert not [u for u in landed_urls if scenario.fault_path in u]
    for state in home.state.glob("*.json"):
        assert scenario.fault_path not in state.read_text("utf-8"), f"{state.name} moved"
    if scenario.pull:
        assert run.batches == []
        assert CursorStore.for_source(home, scenario.source(_Nowhere(), FAST).name).all() == {}
    contents = run.contents
    assert rows_of(contents) <= rows_of(baseline)
    whole = {tuple(b) for b in baseline["batches"]}
    assert {tuple(b) for b in contents["batches"]} <= whole  # only whole units


class _Nowhere:
    """Stands in for a server when only the source's name and kind matter."""

    url = "http://127.0.0.1:9"
    issued_tokens: ClassVar[list[str]] = []


CASES = [
    pytest.param(
        kind,
        fault,
        times,
        outcome,
        id=f"{kind}-{fault}-{times}",
        marks=[pytest.mark.xfail(reason=KNOWN_GAPS[kind, fault, times], strict=True)]
        if (kind, fault, times) in KNOWN_GAPS
        else [],
    )
    for (kind, fault, times), outcome in OUTCOMES.items()
]


@pytest.mark.parametrize(("kind", "fault", "times", "outcome"), CASES)
def test_a_fault_recovers_or_fails_cleanly(
    kind: str, fault: str, times: str, outcome: str, baselines, tmp_path: Path, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    scenario = SCENARIOS[kind]
    baseline = baselines[kind]
    http = dict(FAST)
    if fault == "timeout":
        http["read_timeout_seconds"] = READ_TIMEOUT
    with running(scenario) as server:
        source = scenario.source(server, http)
        FAULTS[fault](server, scenario, PERSISTENT if times == "persistent" else 1)
        home = fresh_home(tmp_path, "faulty")

        run = fetch_and_load(source, home)
        contents = run.contents

        assert_no_secret(home, run, scenario.secrets(server), caplog.text)
        if outcome == "recovered":
            assert run.error is None, run.error
            assert server.faults.pending() == 0  # the fault did happen
            assert contents == baseline
            if fault == "429":
                assert run.seconds < 1.0  # Retry-After: 1 waited no longer than backoff_max
            if fault == "token_expired":
                assert server.hits("/oauth/token") == 2  # one refresh, and the pull went on
        elif outcome in ("failed", "skipped"):
            if outcome == "failed":
                assert run.error is not None, "the fault outlasted the retries: a SourceError"
                message = str(run.error)
                assert source.name in message
                assert (scenario.url_part or scenario.fault_path) in message
            else:
                assert run.error is None
                assert any("r2" in note and "failed" in note for note in run.result.notes)
            assert_nothing_partial(scenario, home, run, baseline)
            # The fault gone, the next run gives the fault-free result.
            server.faults.clear()
            if fault == "token_revoked":
                server.clients[CLIENT_ID] = CLIENT_SECRET  # type: ignore[attr-defined]
            again = fetch_and_load(scenario.source(server, FAST), home)
            assert again.error is None, again.error
            assert again.contents == baseline
            assert_no_secret(home, again, scenario.secrets(server), caplog.text)
        elif outcome == "quarantined":
            assert run.error is None
            refused = [b for b in run.batches if b.rows_loaded == 0]
            assert len(refused) == 1 and any(p.blocking for p in refused[0].problems)
            assert rows_of(contents) < rows_of(baseline)  # the others loaded, that one did not
        elif outcome == "before":
            assert run.error is None, run.error
            assert server.faults.pending() == 0
            assert contents == baseline
        elif outcome == "after":
            assert run.error is None, run.error
            assert server.faults.pending() == 0
            assert rows_of(contents) == rows_of(fault_free(scenario, server, tmp_path))
        else:  # pragma: no cover
            raise AssertionError(outcome)


def test_the_matrix_covers_every_kind_and_fault() -> None:
    kinds = {kind for kind, _, _ in OUTCOMES}
    assert kinds == set(SCENARIOS)
    covered = {fault for _, fault, _ in OUTCOMES}
    assert covered == set(FAULTS)
    for kind in SCENARIOS:
        faults = {f for k, f, _ in OUTCOMES if k == kind}
        assert {"429", "5xx", "timeout", "reset", "truncated", "malformed"} <= faults, kind


def test_a_ministry_record_inserted_ahead_comes_with_the_next_pull(tmp_path: Path) -> None:
    scenario = SCENARIOS["ministry_api"]
    with running(scenario) as server:
        source = scenario.source(server, FAST)
        FAULTS["shift_insert"](server, scenario, 1)
        home = fresh_home(tmp_path, "home")
        fetch_and_load(source, home)
        again = fetch_and_load(source, home)
        assert again.error is None and [b.dataset for b in again.batches] == ["capital-plans"]
    with connect(home.warehouse) as con:
        ids = {r[0] for r in con.execute("select id from raw.ministry_capital_plans").fetchall()}
    assert ids == {_plan(i)["id"] for i in range(7)} | {"KHV-2024-000"}


def test_a_collection_that_keeps_shrinking_fails_the_pull_cleanly(tmp_path: Path) -> None:
    scenario = SCENARIOS["ministry_api"]
    with running(scenario) as server:
        source = scenario.source(server, FAST)
        remaining = iter(range(7))

        def remove_one() -> None:
            server.remove("capital-plans", _plan(next(remaining))["id"])  # type: ignore[attr-defined]

        server.faults.add(
            scenario.fault_path, "mutate", times=PERSISTENT, after=1, action=remove_one
        )
        home = fresh_home(tmp_path, "home")
        run = fetch_and_load(source, home)
    assert run.error is not None and "kept being removed" in run.error.reason
    assert_nothing_partial(scenario, home, run, {"tables": {}, "batches": []})
