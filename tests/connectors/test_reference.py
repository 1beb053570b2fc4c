"""The reference source kind: folder or URL → landing → raw.reference_* tables."""

from __future__ import annotations

import functools
import threading
import unicodedata
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from connectors.kinds import fetch_source
from connectors.kinds.reference import ReferenceSource
from connectors.reference import REFERENCE_FILES, read_reference_file
from core.errors import SourceError
from warehouse.loading import load_landed_into_raw
from warehouse.tables import ensure_tables

WARDS_2025 = (
    "code,name,name_en,full_name,full_name_en,code_name,province_code,administrative_unit_id\n"
    "00004,Ba Đình,Ba Dinh,Phường Ba Đình,Ba Dinh Ward,ba_dinh,01,3\n"
    "06970,Ba Chẽ,Ba Che,Xã Ba Chẽ,Ba Che Commune,ba_che,22,4\n"
)
MAPPING = (
    "provinceCode,isMergedProvince,districtCode,districtType,wardCode,wardType,isMergedWard,"
    "isDividedWard,province,district,ward,newProvince,newWard,newWardShort,newProvinceCode,"
    "newProvinceLat,newProvinceLon,newWardCode,newWardType,newWardLat,newWardLon,newWardAreaKm2\n"
    "1,False,1,Quận,7.0,Phường,True,True,Thành phố Hà Nội,Quận Ba Đình,Phường Cống Vị,"
    "Thành phố Hà Nội,Phường Ba Đình,Ba Đình,01,21,105,00004,Phường,21,105,2.97\n"
    "1,False,1,Quận,abc,Phường,True,False,Thành phố Hà Nội,Quận Ba Đình,Phường X,"
    "Thành phố Hà Nội,Phường Ba Đình,Ba Đình,01,21,105,00004,Phường,21,105,2.97\n"
)


def _source(**where) -> ReferenceSource:
    return ReferenceSource(name="admin_units", kind="reference", **where)


def _load(home, source) -> tuple[duckdb.DuckDBPyConnection, list]:
    con = duckdb.connect(str(home.warehouse))
    ensure_tables(con)
    return con, load_landed_into_raw(con, home, [source])


def test_a_folder_lands_the_files_it_has_and_loads_them_typed(home, tmp_path):
    folder = tmp_path / "admin_units"
    folder.mkdir()
    # NFD on purpose: text is NFC once loaded.
    (folder / "wards_2025.csv").write_text(unicodedata.normalize("NFD", WARDS_2025), "utf-8")
    (folder / "old_to_new_wards_vietnamadminunits.csv").write_text(MAPPING, encoding="utf-8")
    source = _source(path=str(folder))

    fetched = fetch_source(source, home)
    assert fetched.new == 2
    assert any("wards_pre2025.csv" in note for note in fetched.notes)

    con, loads = _load(home, source)
    assert {load.dataset for load in loads} == {
        "reference_wards_2025",
        "reference_old_to_new_wards_vietnamadminunits",
    }
    wards = con.execute(
        "select ward_code, ward_name, province_code, name_key from raw.reference_wards_2025 "
        "order by ward_code"
    ).fetchall()
    assert wards == [
        ("00004", "Ba Đình", "01", "phuong ba dinh"),
        ("06970", "Ba Chẽ", "22", "xa ba che"),
    ]
    assert unicodedata.is_normalized("NFC", wards[1][1])
    mapped = con.execute(
        "select old_province_code, old_district_code, old_ward_code, is_divided_ward, "
        "new_ward_code, new_ward_area_km2 from raw.reference_old_to_new_wards_vietnamadminunits"
    ).fetchall()
    assert mapped == [("01", "001", "00007", True, "00004", "2.97")]
    problems = con.execute(
        "select source_row, reason, is_blocking from raw.batch_problems"
    ).fetchall()
    assert len(problems) == 1
    row, reason, blocking = problems[0]
    assert row == 3 and "abc" in reason and "old_to_new_wards" in reason and not blocking

    # The same files again: nothing new lands, nothing is loaded twice.
    assert fetch_source(source, home).new == 0
    assert load_landed_into_raw(con, home, [source]) == []


def test_a_file_without_its_columns_becomes_an_unreadable_batch(home, tmp_path):
    folder = tmp_path / "ref"
    folder.mkdir()
    (folder / "wards_2025.csv").write_text("ma,ten\n1,A\n", encoding="utf-8")
    source = _source(path=str(folder))
    fetch_source(source, home)
    con, loads = _load(home, source)
    assert [load.dataset for load in loads] == ["unreadable"]
    assert "wards_2025.csv" in loads[0].problems[0].reason
    assert "code" in loads[0].problems[0].reason
    assert con.execute("select count(*) from raw.reference_wards_2025").fetchone() == (0,)


def test_a_folder_without_any_reference_file_is_a_source_error(home, tmp_path):
    with pytest.raises(SourceError, match="no reference file"):
        fetch_source(_source(path=str(tmp_path)), home)


@pytest.fixture
def file_server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}/admin"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_a_url_source_fetches_each_file_below_it(home, file_server):
    served, url = file_server
    (served / "admin").mkdir()
    (served / "admin" / "wards_2025.csv").write_text(WARDS_2025, encoding="utf-8")
    source = _source(url=url, max_retries=0)
    fetched = fetch_source(source, home)
    assert [f.original_name for f in fetched.landed] == ["wards_2025.csv"]
    assert len(fetched.notes) == len(REFERENCE_FILES) - 1
    con, _ = _load(home, source)
    assert con.execute("select count(*) from raw.reference_wards_2025").fetchone() == (2,)


def test_a_url_with_nothing_below_it_is_a_source_error(home, file_server):
    _, url = file_server
    with pytest.raises(SourceError, match="HTTP 404"):
        fetch_source(_source(url=url, max_retries=0), home)


def test_the_shared_reference_files_load_whole(shared):
    folder = shared / "reference" / "admin_units"
    expected = {
        "wards_2025.csv": 3321,
        "wards_pre2025.csv": 10035,
        "districts_pre2025.csv": 696,
        "old_to_new_wards_dvhcvn.csv": 10604,
        "old_to_new_wards_vietnamadminunits.csv": 10602,
    }
    for name, count in expected.items():
        rows, problems = read_reference_file(folder / name, REFERENCE_FILES[name])
        assert (rows.num_rows, problems) == (count, []), name
    rows, problems = read_reference_file(
        folder / "wards_2025_area_population.csv",
        REFERENCE_FILES["wards_2025_area_population.csv"],
    )
    assert rows.num_rows == 3321 and problems == []
    # Every commune's province is told apart by name, and "đang cập nhật" is no population.
    assert rows.column("province_code_2025").null_count == 0
    assert len(set(rows.column("province_code_2025").to_pylist())) == 34
    assert 0 < rows.column("population").null_count < 100
    divided = read_reference_file(
        folder / "old_to_new_wards_vietnamadminunits.csv",
        REFERENCE_FILES["old_to_new_wards_vietnamadminunits.csv"],
    )[0]
    codes = divided.column("old_ward_code").to_pylist()
    # Island districts without communes (Bạch Long Vĩ, Cồn Cỏ …) map as a whole: no old code.
    assert sum(c is None for c in codes) == 5
    assert all(len(c) == 5 and c.isdigit() for c in codes if c is not None)
    assert sum(divided.column("is_divided_ward").to_pylist()) == 1033


def test_reference_tables_are_declared_for_the_warehouse():
    from warehouse.tables import declared_tables

    for spec in REFERENCE_FILES.values():
        assert declared_tables()[spec.table] == spec.full_schema
