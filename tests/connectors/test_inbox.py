"""The file-drop inbox: stable files move to landing once, odd names go to quarantine."""

from __future__ import annotations

import os
import time

import pytest

from connectors.inbox import take_stable_files
from connectors.landing import Landing


@pytest.fixture
def inbox(home):
    return home.inbox


def _take(home, **options):
    return take_stable_files(
        home.inbox,
        Landing(home.landing),
        source="inbox",
        state_path=home.state / "inbox.inbox.json",
        quarantine=home.quarantine / "inbox",
        **options,
    )


def test_a_file_is_taken_at_the_second_look_when_unchanged(home, inbox):
    report = inbox / "Báo cáo quý 3 - Lào Cai.xlsx"
    report.write_bytes(b"PK\x03\x04 fake workbook")
    first = _take(home)
    assert first.waiting == ["Báo cáo quý 3 - Lào Cai.xlsx"] and first.landed == []
    assert report.exists()
    second = _take(home)
    assert [f.original_name for f in second.landed] == ["Báo cáo quý 3 - Lào Cai.xlsx"]
    landed = second.landed[0]
    assert landed.path.read_bytes() == b"PK\x03\x04 fake workbook"
    assert landed.extension == "xlsx" and landed.extra == {"inbox_path": report.name}
    assert not report.exists()
    assert second.waiting == [] and second.refused == []
    assert _take(home).landed == []


def test_a_growing_file_waits(home, inbox):
    growing = inbox / "bieu01.xlsx"
    growing.write_bytes(b"part one")
    assert _take(home).waiting == ["bieu01.xlsx"]
    with open(growing, "ab") as out:
        out.write(b" and part two")
    assert _take(home).waiting == ["bieu01.xlsx"]
    taken = _take(home)
    assert taken.landed[0].path.read_bytes() == b"part one and part two"


def test_settle_interval_takes_within_one_call(home, inbox):
    (inbox / "a.csv").write_text("ma_tinh,ten_tinh\n15,Lào Cai\n", encoding="utf-8")
    taken = _take(home, settle_seconds=0.05)
    assert len(taken.landed) == 1 and not (inbox / "a.csv").exists()


def test_min_age_holds_fresh_files_back(home, inbox):
    fresh = inbox / "fresh.csv"
    fresh.write_text("x\n1\n")
    _take(home)
    assert _take(home, min_age_seconds=3600).waiting == ["fresh.csv"]
    old = time.time() - 7200
    os.utime(fresh, (old, old))
    _take(home)  # the new mtime is a change: one more look
    assert len(_take(home, min_age_seconds=3600).landed) == 1


def test_same_content_twice_lands_once(home, inbox):
    (inbox / "tinh").mkdir()
    (inbox / "copy 1.xlsx").write_bytes(b"same bytes")
    (inbox / "tinh" / "copy 2.xlsx").write_bytes(b"same bytes")
    _take(home)
    taken = _take(home)
    assert len(taken.landed) == 1
    assert len(list(Landing(home.landing).files("inbox"))) == 1
    assert not (inbox / "copy 1.xlsx").exists() and not (inbox / "tinh" / "copy 2.xlsx").exists()


def test_sub_folders_are_walked(home, inbox):
    folder = inbox / "Điện Biên" / "2024"
    folder.mkdir(parents=True)
    (folder / "bieu02.xlsx").write_bytes(b"beneficiaries")
    _take(home)
    taken = _take(home)
    assert taken.landed[0].extra == {"inbox_path": "Điện Biên/2024/bieu02.xlsx"}


def test_odd_names_are_quarantined_with_a_reason(home, inbox):
    (inbox / ".hidden.xlsx").write_bytes(b"a")
    (inbox / "tab\there.csv").write_bytes(b"b")
    (inbox / "back\\slash.csv").write_bytes(b"c")
    (inbox / ".git").mkdir()
    (inbox / ".git" / "config").write_bytes(b"d")
    (inbox / "empty.csv").write_bytes(b"")
    (inbox / "link.csv").symlink_to("/etc/hostname")
    _take(home)
    taken = _take(home)
    refused = dict(taken.refused)
    assert set(refused) == {
        ".hidden.xlsx",
        "tab\there.csv",
        "back\\slash.csv",
        ".git/config",
        "empty.csv",
        "link.csv",
    }
    assert "starts with a dot" in refused[".hidden.xlsx"]
    assert "control characters" in refused["tab\there.csv"]
    assert "backslash" in refused["back\\slash.csv"]
    assert "link" in refused["link.csv"]
    assert taken.landed == []
    quarantine = home.quarantine / "inbox"
    assert (quarantine / "hidden.xlsx").read_bytes() == b"a"
    assert (quarantine / "tab_here.csv").read_bytes() == b"b"
    assert "starts with a dot" in (quarantine / "hidden.xlsx.reason.txt").read_text("utf-8")
    assert (quarantine / "link.csv").is_symlink()
    assert [p.name for p in inbox.rglob("*") if p.is_file()] == []


def test_office_lock_files_are_left_alone(home, inbox):
    lock = inbox / "~$bieu01.xlsx"
    lock.write_bytes(b"owner")
    _take(home)
    assert _take(home).waiting == ["~$bieu01.xlsx"]
    assert lock.exists()


def test_missing_inbox_is_empty(home, tmp_path):
    result = take_stable_files(
        tmp_path / "nowhere", Landing(home.landing), state_path=home.state / "x.json"
    )
    assert (result.landed, result.refused, result.waiting) == ([], [], [])
