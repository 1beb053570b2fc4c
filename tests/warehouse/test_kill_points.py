"""kill -9 at four points of a run (download, landing write, raw load, report write) costs nothing.

Each point runs the real code in a child process that sends itself SIGKILL from inside one patched
function; a second child then runs the same step normally. What it leaves must equal what an
uninterrupted run leaves on a fresh home: the same raw rows (all but the columns holding paths
and arrival times), no batch twice, landing listing only complete payloads, and reports that are
either the old or the new complete workbook. No test here runs dbt (the dbt build's kill point is
tests/orchestration/test_crashes.py).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from connectors.landing import Landing
from demo.form01_writer import Form01Leaf, Form01Spec, write_form01
from warehouse.connection import connect

REPO = Path(__file__).resolve().parents[2]

# Run as `python -c CHILD` with MTQG_HOME, KILL_STEP (download | landing | raw | report),
# KILL_AT (where to die, or "" to run normally) and KILL_INPUTS (the files the step uses).
CHILD = r"""
import os, signal, sys
from pathlib import Path

from core.home import Home

home = Home.resolve(os.environ["MTQG_HOME"]).ensure()
step, kill_at = os.environ["KILL_STEP"], os.environ["KILL_AT"]
inputs = Path(os.environ["KILL_INPUTS"])


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def load(source):
    from warehouse.connection import connect
    from warehouse.loading import load_landed_into_raw
    from warehouse.tables import ensure_tables

    with connect(home.warehouse) as con:
        ensure_tables(con)
        load_landed_into_raw(con, home, [source])


if step == "download":
    import connectors.http
    from connectors.kinds import fetch_source
    from connectors.kinds.iati_files import IatiFilesSource
    from demo.servers.iati_server import IatiServer

    if kill_at == "second_chunk":
        body = connectors.http.HttpClient._limited

        def limited(self, response):
            for i, chunk in enumerate(body(self, response)):
                if i == 1:  # the first chunk is in landing/.incoming, the second never will be
                    die()
                yield chunk

        connectors.http.HttpClient._limited = limited
    payload = (inputs / "donor-a.xml").read_bytes()
    port = int(os.environ["KILL_PORT"])  # one port for every run: the URL is in the ledger
    with IatiServer({"donor-a.xml": payload}, [], [], api_key="k", port=port) as server:
        source = IatiFilesSource(
            name="donor_a",
            kind="iati_files",
            urls=[server.url + "/files/donor-a.xml"],
            validate_schema=False,
        )
        fetch_source(source, home)
    load(source)

elif step in ("landing", "raw"):
    import shutil

    from connectors.kinds import fetch_source
    from connectors.kinds.inbox import InboxSource

    for name in sorted(os.environ.get("KILL_DROP", "").split()):
        shutil.copy2(inputs / name, home.inbox / name)
    if kill_at.startswith("replace"):  # the Nth os.replace: 1 = a sidecar, 2 = its payload
        calls, nth, replace = [], int(kill_at.removeprefix("replace")), os.replace

        def replace_or_die(src, dst):
            calls.append(dst)
            if len(calls) == nth:
                die()
            return replace(src, dst)

        os.replace = replace_or_die
    if kill_at == "second_batch":
        import warehouse.loading

        write_batch, replace_rows, batches = (
            warehouse.loading.write_batch,
            warehouse.loading.replace_rows,
            [],
        )

        def counting(con, batch, tables):
            batches.append(batch.batch_id)
            return write_batch(con, batch, tables)

        def replace_or_die(con, table, key_column, key, rows):
            replace_rows(con, table, key_column, key, rows)
            if len(batches) == 2:  # raw.batches holds the row, uncommitted
                die()

        warehouse.loading.write_batch = counting
        warehouse.loading.replace_rows = replace_or_die
    source = InboxSource(kind="inbox", name="inbox", path=str(home.inbox), settle_seconds=0.05)
    fetch_source(source, home)
    load(source)

elif step == "report":
    import pyarrow as pa
    import xlsxwriter

    import reporting.steering_report as report
    from warehouse.connection import connect
    from warehouse.tables import ensure_tables

    if kill_at == "close":
        xlsxwriter.Workbook.close = lambda self: die()
    elif kill_at == "latest":
        report.write_bytes_atomically = lambda target, data: die()
    rows = int(os.environ["KILL_ROWS"])
    progress = pa.table(
        {
            "province_code": [f"{10 + i}" for i in range(rows)],
            "province_name": [f"Tỉnh số {i}" for i in range(rows)],
            "period": ["2026-Q3"] * rows,
            "project_code": ["DA1"] * rows,
            "project_name_vi": ["=Dự án hỗ trợ đất ở"] * rows,
            "planned_central_vnd": [12_500_000_000 + i for i in range(rows)],
            "planned_local_vnd": [3_000_000_000] * rows,
            "planned_vnd": [15_500_000_000 + i for i in range(rows)],
            "disbursed_vnd": [4_200_000_000] * rows,
            "disbursement_rate_pct": [27.1] * rows,
            "period_end_date": [None] * rows,
            "project_number": [1] * rows,
        }
    )
    with connect(home.warehouse) as con:
        ensure_tables(con)
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.rpt_progress_by_province as select * from progress"
        )
        con.execute("delete from quality.batch_status")
        con.execute(
            "insert into quality.batch_status (batch_id, original_name, dataset, status, reasons, "
            "loaded_at) values ('b1', 'bao_cao_ha_giang.xlsx', 'form01', 'quarantined', "
            "'sheet 1, row 9: tổng không khớp', timestamp '2026-01-05 08:00:00+00')"
        )
        report.write_progress_report(con, home.reports)
else:
    raise SystemExit(f"unknown step {step}")
"""

FORM01_FILES = ("bieu01_lao_cai_q3.xlsx", "bieu01_lao_cai_q4.xlsx")
LEAVES = (
    Form01Leaf("central", "DA1", None, "investment", 12_500_000_000, 4_200_000_000),
    Form01Leaf("central", "DA3", "DA3.1", "recurrent", 3_150_000_000, 1_210_000_000),
    Form01Leaf("local", "DA3", None, "recurrent", 3_455_570_000, 844_274_000),
)
# Volatile columns: where a home keeps its landed file, and when the file arrived there.
VOLATILE = {"landed_path", "loaded_at"}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """The same bytes for every home: two Form 01 workbooks and one IATI file of many chunks."""
    folder = tmp_path_factory.mktemp("inputs")
    for name, period in zip(FORM01_FILES, ("Quý III năm 2026", "Quý IV năm 2026"), strict=True):
        write_form01(folder / name, Form01Spec("UBND TỈNH LÀO CAI", period, LEAVES))
    activities = "".join(
        f"""
 <iati-activity default-currency="USD" last-updated-datetime="2026-01-05T00:00:00Z">
  <iati-identifier>XM-DAC-1-VN-{i}</iati-identifier>
  <reporting-org ref="XM-DAC-1" type="10"><narrative>Donor {i}</narrative></reporting-org>
  <title><narrative>Hỗ trợ sinh kế vùng đồng bào dân tộc thiểu số, hợp phần {i}</narrative></title>
  <transaction>
   <transaction-type code="3"/>
   <transaction-date iso-date="2026-01-02"/>
   <value value-date="2026-01-02">{1000 + i}</value>
  </transaction>
 </iati-activity>"""
        for i in range(600)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03" '
        f'generated-datetime="2026-01-05T00:00:00Z">{activities}\n</iati-activities>\n'
    ).encode()
    assert len(xml) > 3 * (1 << 16)  # several of the HTTP client's chunks
    (folder / "donor-a.xml").write_bytes(xml)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_step(home: Path, step: str, inputs: Path, kill_at: str = "", **env: str):
    return subprocess.run(
        [sys.executable, "-c", CHILD],
        env={
            **os.environ,
            "MTQG_HOME": str(home),
            "KILL_STEP": step,
            "KILL_AT": kill_at,
            "KILL_INPUTS": str(inputs),
            **env,
        },
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stderr[-4000:]


def killed(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stderr[-4000:])


def raw_state(home: Path) -> dict[str, list[tuple]]:
    """Every raw table's rows, without the columns holding paths or arrival times."""
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' "
                "order by table_name"
            ).fetchall()
        ]
        state = {}
        for table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = "
                    "'raw' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                if c not in VOLATILE
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            state[table] = con.execute(f"select {listed} from raw.{table} order by all").fetchall()
        ids = [b for (b,) in con.execute("select batch_id from raw.batches").fetchall()]
    assert len(ids) == len(set(ids)), f"a batch twice in raw.batches: {ids}"
    return state


def temporaries(home: Path) -> set[Path]:
    """Temporary files below landing and reports (`*.part`, `*.tmp`, hidden ones too)."""
    found = set()
    for folder in (home / "landing", home / "reports"):
        found |= {p for p in folder.rglob("*") if p.is_file() and p.suffix in (".part", ".tmp")}
    return found


def assert_landing_lists_complete_files_only(home: Path) -> list[Path]:
    """Every listed payload is whole (its sha256 and size are its sidecar's); temporaries are
    never listed; the files it lists are all the payloads there are. Returns the leftovers."""
    import hashlib

    landing = Landing(home / "landing")
    listed = list(landing.files())
    for landed in listed:
        data = landed.path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == landed.sha256 == landed.path.stem
        assert len(data) == landed.size
    left = temporaries(home)
    assert not {f.path for f in listed} & left
    payloads = {
        p
        for p in (home / "landing").rglob("*")
        if p.is_file()
        and ".incoming" not in p.parts
        and not p.name.endswith(".meta.json")
        and p not in left
    }
    assert payloads == {f.path for f in listed}, "a payload in landing that is not listed"
    return sorted(left)


def assert_swept(home: Path) -> None:
    """What every mtqg command does first (`ensure_instance`) leaves no temporary of a dead
    process behind, and keeps those of live ones."""
    from core.files import temporary_prefix
    from core.home import Home
    from orchestration.recovery import remove_stale_files

    live = home / "reports" / f"{temporary_prefix('.being_written.xlsx')}abcd1234.tmp"
    live.parent.mkdir(parents=True, exist_ok=True)
    live.write_bytes(b"still being written")
    remove_stale_files(Home.resolve(home))
    assert temporaries(home) == {live}
    live.unlink()


def fresh_run(tmp_path: Path, step: str, inputs: Path, **env: str) -> Path:
    home = tmp_path / "uninterrupted"
    ok(run_step(home, step, inputs, **env))
    return home


# --- 1. mid-download --------------------------------------------------------------------------


def test_a_download_killed_after_its_first_chunk_lands_nothing_and_the_rerun_loads_it(
    tmp_path, inputs
):
    home = tmp_path / "home"
    port = {"KILL_PORT": str(free_port())}
    killed(run_step(home, "download", inputs, "second_chunk", **port))
    parts = list((home / "landing" / ".incoming").glob("*.part"))
    assert len(parts) == 1 and parts[0].stat().st_size == 1 << 16  # one chunk was on disk
    assert list(Landing(home / "landing").files()) == []
    assert not (home / "state" / "donor_a.iati_files.json").exists()  # no validators: refetch

    ok(run_step(home, "download", inputs, **port))

    expected = fresh_run(tmp_path, "download", inputs, **port)
    assert raw_state(home) == raw_state(expected)
    assert raw_state(home)["iati_activities"]
    left = assert_landing_lists_complete_files_only(home)
    assert left == parts  # unlisted, in landing/.incoming only, until the next command's sweep
    assert_swept(home)


# --- 2. mid-landing write ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kill_at", ["replace1", "replace2"], ids=["sidecar-rename", "payload-rename"]
)
def test_a_landing_write_killed_at_its_rename_leaves_the_file_in_the_inbox(
    tmp_path, inputs, kill_at
):
    home = tmp_path / "home"
    drop = {"KILL_DROP": FORM01_FILES[0]}
    killed(run_step(home, "landing", inputs, kill_at, **drop))
    assert (home / "inbox" / FORM01_FILES[0]).exists()  # not taken: the rerun takes it
    assert list(Landing(home / "landing").files()) == []
    assert_landing_lists_complete_files_only(home)

    ok(run_step(home, "landing", inputs))

    expected = fresh_run(tmp_path, "landing", inputs, **drop)
    assert raw_state(home) == raw_state(expected)
    assert len(raw_state(home)["batches"]) == 1
    assert not list((home / "inbox").iterdir())
    left = assert_landing_lists_complete_files_only(home)
    assert all(".incoming" in p.parts for p in left), left  # all staged, none beside payloads
    assert_swept(home)


# --- 3. mid-raw load ---------------------------------------------------------------------------


def test_a_raw_load_killed_inside_the_second_batch_keeps_the_first_and_loads_the_second_once(
    tmp_path, inputs
):
    home = tmp_path / "home"
    drop = {"KILL_DROP": " ".join(FORM01_FILES)}
    killed(run_step(home, "raw", inputs, "second_batch", **drop))
    after_kill = raw_state(home)
    assert len(after_kill["batches"]) == 1  # the first committed, the second rolled back whole
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        line_batches = con.execute(
            "select distinct batch_id from raw.provincial_report_lines"
        ).fetchall()
        problem_batches = con.execute("select distinct batch_id from raw.batch_problems").fetchall()
    assert set(line_batches) | set(problem_batches) <= {(after_kill["batches"][0][0],)}

    ok(run_step(home, "raw", inputs))

    expected = fresh_run(tmp_path, "raw", inputs, **drop)
    assert raw_state(home) == raw_state(expected)
    assert len(raw_state(home)["batches"]) == 2
    assert raw_state(home)["provincial_report_lines"]
    assert assert_landing_lists_complete_files_only(home) == []


# --- 4. mid-report write -----------------------------------------------------------------------


def workbook(path: Path) -> dict[str, list[list]]:
    """A report's cells, without the line that says when it was made."""
    book = CalamineWorkbook.from_path(str(path))
    sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    sheets["TienDo"] = [row for i, row in enumerate(sheets["TienDo"]) if i != 1]
    return sheets


@pytest.mark.parametrize("kill_at", ["close", "latest"])
def test_a_report_killed_while_written_leaves_the_old_or_the_new_complete_workbook(
    tmp_path, inputs, kill_at
):
    home = tmp_path / "home"
    ok(run_step(home, "report", inputs, KILL_ROWS="2"))
    old = workbook(home / "reports" / "bao_cao_tien_do_latest.xlsx")

    expected = fresh_run(tmp_path, "report", inputs, KILL_ROWS="3")
    new = workbook(expected / "reports" / "bao_cao_tien_do_latest.xlsx")
    assert new != old and len(new["TienDo"]) == len(old["TienDo"]) + 1

    killed(run_step(home, "report", inputs, kill_at, KILL_ROWS="3"))
    reports = home / "reports"
    assert workbook(reports / "bao_cao_tien_do_latest.xlsx") == old
    for path in reports.glob("bao_cao_tien_do_*.xlsx"):  # a timestamped one may be new already
        assert workbook(path) in (old, new)

    ok(run_step(home, "report", inputs, KILL_ROWS="3"))

    assert workbook(reports / "bao_cao_tien_do_latest.xlsx") == new
    for path in reports.glob("bao_cao_tien_do_*.xlsx"):
        assert workbook(path) in (old, new)
    left = temporaries(home)
    assert all(p.name.startswith(".") for p in left), left  # hidden, never a report's name
    assert len(left) == (1 if kill_at == "close" else 0)
    assert_swept(home)
