"""Routing of findings through the assignment table (Bảng phân công)."""

from __future__ import annotations

import unicodedata

import pytest

from core.errors import ConfigError
from reporting.alerts import AssignmentTable

HEADER = "staff_id,full_name,role,email,webhook_url,provinces_2025,projects,language\n"
DESK = "vpdp-00,Văn phòng Điều phối,Đầu mối chung,vpdp@vpdp.example.vn,,*,*,vi\n"


def routed_ids(table, finding):
    return sorted(r.staff_id for r, fs in table.route([finding]).items() if finding in fs)


def test_example_table_routes_each_problem_to_its_officer(example_assignments, make_finding):
    table = AssignmentTable.from_csv(example_assignments)
    assert table.general_desk.staff_id == "vpdp-00"
    lao_cai = make_finding("a", province="15")
    gia_lai = make_finding("b", province="52")
    da3_ha_noi = make_finding("c", province="01", project="DA3", check="completeness")
    da1_ha_noi = make_finding("d", province="01", project="DA1")
    assert routed_ids(table, lao_cai) == ["vpdp-01"]  # not also the general desk
    assert routed_ids(table, gia_lai) == ["vpdp-02"]
    assert routed_ids(table, da3_ha_noi) == ["vpdp-03"]
    assert table.by_staff_id("vpdp-03").language == "en"
    assert routed_ids(table, da1_ha_noi) == ["vpdp-00"]


def test_a_problem_matching_two_officers_goes_to_both_and_not_the_desk(
    example_assignments, make_finding
):
    table = AssignmentTable.from_csv(example_assignments)
    # DA3 in Lào Cai: the region officer and the donor-funds officer both follow it.
    both = make_finding("a", province="15", project="DA3.1")
    assert routed_ids(table, both) == ["vpdp-01", "vpdp-03"]


def test_findings_without_province_or_project_match_only_wildcards(
    example_assignments, make_finding
):
    table = AssignmentTable.from_csv(example_assignments)
    run_failure = make_finding("run", severity="run_failure", check="run", province=None)
    no_project = make_finding("x", province=None, project="DA9")
    assert routed_ids(table, run_failure) == ["vpdp-00"]
    assert routed_ids(table, no_project) == ["vpdp-03"]


def test_route_groups_findings_per_recipient_in_table_order(example_assignments, make_finding):
    table = AssignmentTable.from_csv(example_assignments)
    findings = [
        make_finding("d", province="01", project="DA1"),
        make_finding("a", province="15"),
        make_finding("b", province="52"),
        make_finding("a2", province="14"),
    ]
    routed = table.route(findings)
    assert [r.staff_id for r in routed] == ["vpdp-01", "vpdp-02", "vpdp-00"]
    assert [f.key for f in routed[table.by_staff_id("vpdp-01")]] == ["a", "a2"]
    assert [f.key for f in routed[table.general_desk]] == ["d"]


def test_table_is_nfc_and_codes_are_normalised(tmp_path, make_finding):
    path = tmp_path / "assignments.csv"
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Lan")
    path.write_text(
        "\ufeff" + HEADER + DESK + f"vpdp-01,{nfd},,lan@vpdp.example.vn,,1;15,da3,EN\n",
        encoding="utf-8",
    )
    table = AssignmentTable.from_csv(path)
    lan = table.by_staff_id("vpdp-01")
    assert lan.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Lan")
    assert lan.provinces == frozenset({"01", "15"}) and lan.projects == frozenset({"DA3"})
    assert lan.language == "en"
    assert routed_ids(table, make_finding(province="1", project="DA3")) == ["vpdp-01"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("vpdp-01,Lan,,lan@vpdp.example.vn,,15,*,fr\n", "language 'fr'"),
        ("vpdp-01,Lan,,lan-at-vpdp.example.vn,,15,*,vi\n", "is not an address"),
        ("vpdp-01,Lan,,lan@vpdp.example.vn,,Lào Cai,*,vi\n", "not a 2025 province code"),
        ("vpdp-01,Lan,,lan@vpdp.example.vn,,15,,vi\n", "projects of vpdp-01 is empty"),
        ("vpdp-01,Lan,,lan@vpdp.example.vn,ftp://x/y,15,*,vi\n", "must start with https://"),
        ("vpdp-00,Lan,,lan@vpdp.example.vn,,15,*,vi\n", "appears twice"),
    ],
)
def test_bad_rows_are_refused_naming_the_line(tmp_path, row, expected):
    path = tmp_path / "assignments.csv"
    path.write_text(HEADER + DESK + row, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        AssignmentTable.from_csv(path)
    assert f"{path}, line 3" in str(raised.value)
    assert expected in str(raised.value)


def test_an_empty_row_is_refused_but_blank_lines_at_the_end_are_not(tmp_path):
    path = tmp_path / "assignments.csv"
    path.write_text(HEADER + DESK + "\n\n", encoding="utf-8")
    assert len(AssignmentTable.from_csv(path).recipients) == 1
    path.write_text(HEADER + ",,,,,,,\n" + DESK, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 2: the row is empty"):
        AssignmentTable.from_csv(path)


def test_a_table_without_general_desk_is_refused(tmp_path):
    path = tmp_path / "assignments.csv"
    path.write_text(HEADER + "vpdp-01,Lan,,lan@vpdp.example.vn,,15,*,vi\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"no general desk.*both \*"):
        AssignmentTable.from_csv(path)


def test_missing_columns_and_encoding_are_explained(tmp_path):
    path = tmp_path / "assignments.csv"
    path.write_text("staff_id,email\nvpdp-00,vpdp@vpdp.example.vn\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 1: missing column.*provinces_2025"):
        AssignmentTable.from_csv(path)
    path.write_bytes((HEADER + DESK).encode("utf-16"))  # Excel "Unicode text"
    with pytest.raises(ConfigError, match="not UTF-8"):
        AssignmentTable.from_csv(path)


def test_a_webhook_url_with_its_token_is_never_echoed(tmp_path):
    path = tmp_path / "assignments.csv"
    row = "vpdp-01,Lan,,lan@vpdp.example.vn,chat.example.vn/hooks/TOKEN123,15,*,vi\n"
    path.write_text(HEADER + DESK + row, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        AssignmentTable.from_csv(path)
    assert "TOKEN123" not in str(raised.value)
