"""The file-drop inbox: stable files move to landing once, odd names go to quarantine."""

from __future__ import annotations

import os
import time
import unicodedata

import pytest

from connectors import inbox as inbox_module
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


# --- names that must never cost a file, a reason, or the rest of the inbox ------------------


def _nfd_name(total_bytes: int, extension: str = ".xlsx") -> str:
    """A Vietnamese name in NFD (combining accents, as macOS writes them) of exactly that size."""
    words = unicodedata.normalize("NFD", "Báo cáo tiến độ giải ngân vốn Lào Cai quý ba ")
    stem = ""
    for ch in words * 20:
        if len((stem + ch + extension).encode("utf-8")) > total_bytes:
            break
        stem += ch
    stem += "x" * (total_bytes - len((stem + extension).encode("utf-8")))
    return stem + extension


def _reason_files(home) -> list:
    return sorted((home.quarantine / "inbox").rglob("*.reason.txt"))


def test_a_long_nfd_name_of_an_empty_file_is_quarantined_with_its_reason(home, inbox):
    long_name = _nfd_name(245)
    assert len(long_name.encode("utf-8")) == 245 and unicodedata.is_normalized("NFD", long_name)
    (inbox / long_name).write_bytes(b"")
    (inbox / "bieu01_lao_cai.xlsx").write_bytes(b"the rest of the inbox")
    _take(home)

    taken = _take(home)

    assert [f.original_name for f in taken.landed] == ["bieu01_lao_cai.xlsx"]
    assert dict(taken.refused) == {
        long_name: "the file is empty; ask the sender for the attachment again"
    }
    (reason_file,) = _reason_files(home)
    kept = reason_file.with_name(reason_file.name.removesuffix(".reason.txt"))
    assert kept.exists() and kept.read_bytes() == b""
    for stored in (kept, reason_file):
        assert len(stored.name.encode("utf-8")) <= 200 and stored.name.endswith(
            (".xlsx", ".reason.txt")
        )
    note = reason_file.read_text("utf-8")
    assert repr(long_name) in note  # the name exactly as it was found
    assert unicodedata.normalize("NFC", long_name) in note and "empty" in note
    assert list(inbox.iterdir()) == []


# (name in the inbox, None when it lands, else a word of the reason it is quarantined for)
HOSTILE_NAMES = [
    ("..evil.xlsx", "starts with a dot"),
    ("bao..cao.xlsx", None),
    ("..\\..\\etc\\passwd.csv", "starts with a dot"),
    ("C:\\Users\\tinh\\bieu01.xlsx", "backslash"),
    ("C:bieu01.xlsx", None),
    ("CON.xlsx", None),
    ("NUL", None),
    ("-rf --no-preserve-root.xlsx", None),
    ("--help.csv", None),
    ("[bold red]Bieu 01[reset].xlsx", None),
    ("[link=https:evil.example]x.xlsx", None),
    ("Lào Cai/2024/bieu01.xlsx", None),  # a separator is a folder: walked, and it lands
    ("..Lào Cai/bieu01.xlsx", "starts with a dot"),  # a folder's name counts too
    ('=HYPERLINK("https:evil.example","x").xlsx', None),
    ("=cmd|' -C calc'!A0.csv", None),
    ("mailto:x@y.csv", None),
    ("bieu\u202egpj.xlsx", "control characters"),
    ("new\nline.csv", "control characters"),
]


def test_hostile_names_each_land_or_are_quarantined_and_the_rest_lands(home, inbox):
    for number, (name, _) in enumerate(HOSTILE_NAMES):
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_bytes(f"content {number}".encode())
    (inbox / "ok.xlsx").write_bytes(b"the rest of the inbox")
    _take(home)

    taken = _take(home)

    landed = {f.extra["inbox_path"] for f in taken.landed}
    refused = dict(taken.refused)
    for name, reason in HOSTILE_NAMES:
        if reason is None:
            assert name in landed and name not in refused, name
        else:
            assert reason in refused[name] and name not in landed, name
    assert "ok.xlsx" in landed
    assert len(_reason_files(home)) == sum(r is not None for _, r in HOSTILE_NAMES)
    for reason_file in _reason_files(home):
        assert reason_file.read_text("utf-8").startswith("File: ")
    assert [p for p in inbox.rglob("*") if p.is_file()] == []


def test_a_name_that_is_not_utf8_is_quarantined_and_the_state_survives(home, inbox):
    os.close(os.open(os.fsencode(inbox) + b"/b\xe1o c\xe1o.xlsx", os.O_CREAT | os.O_WRONLY))
    with open(os.fsencode(inbox) + b"/b\xe1o c\xe1o.xlsx", "wb") as out:
        out.write(b"latin-1 name")
    (inbox / "ok.xlsx").write_bytes(b"the rest of the inbox")
    first = _take(home)  # the look-book holds the odd name between the two looks
    assert len(first.waiting) == 2

    taken = _take(home)

    assert [f.original_name for f in taken.landed] == ["ok.xlsx"]
    ((name, reason),) = taken.refused
    assert name == "b\\xe1o c\\xe1o.xlsx" and "not valid UTF-8" in reason
    assert len(_reason_files(home)) == 1 and os.listdir(inbox) == []


def test_one_file_that_cannot_be_landed_stops_no_other_and_is_taken_later(home, inbox):
    class BrokenForOne(Landing):
        broken = True

        def store_file(self, source, path, **meta):
            if self.broken and path.name == "b.xlsx":
                raise OSError(5, "Input/output error", str(path))
            return super().store_file(source, path, **meta)

    landing = BrokenForOne(home.landing)
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        (inbox / name).write_bytes(name.encode())

    def take():
        return take_stable_files(
            home.inbox,
            landing,
            state_path=home.state / "inbox.inbox.json",
            quarantine=home.quarantine / "inbox",
        )

    take()
    taken = take()

    assert sorted(f.original_name for f in taken.landed) == ["a.xlsx", "c.xlsx"]
    assert taken.refused == [
        ("b.xlsx", "could not be landed (Input/output error); it stays in the inbox")
    ]
    assert os.listdir(inbox) == ["b.xlsx"]
    landing.broken = False
    assert [f.original_name for f in take().landed] == ["b.xlsx"]  # remembered: no extra look
    assert os.listdir(inbox) == []


def test_a_file_that_cannot_be_quarantined_stops_no_other(home, inbox, monkeypatch):
    real_move = inbox_module.shutil.move

    def move(source, target):
        if source.endswith("empty.csv"):
            raise OSError(28, "No space left on device")
        return real_move(source, target)

    monkeypatch.setattr(inbox_module.shutil, "move", move)
    (inbox / "empty.csv").write_bytes(b"")
    (inbox / ".hidden.csv").write_bytes(b"hidden")
    (inbox / "ok.xlsx").write_bytes(b"ok")
    _take(home)

    taken = _take(home)

    assert [f.original_name for f in taken.landed] == ["ok.xlsx"]
    refused = dict(taken.refused)
    assert refused["empty.csv"].endswith(
        "could not be moved to quarantine (No space left on device)"
    )
    assert "starts with a dot" in refused[".hidden.csv"]
    assert os.listdir(inbox) == ["empty.csv"]


def test_a_corrected_resend_of_quarantined_bytes_lands(home, inbox):
    (inbox / ".bieu01 lao cai.xlsx").write_bytes(b"the same workbook")
    _take(home)
    first = _take(home)
    assert first.landed == [] and len(first.refused) == 1

    (inbox / "bieu01_lao_cai.xlsx").write_bytes(b"the same workbook")
    _take(home)
    resent = _take(home)

    assert [f.original_name for f in resent.landed] == ["bieu01_lao_cai.xlsx"]
    assert resent.refused == [] and resent.landed[0].is_new
    assert (home.quarantine / "inbox" / "bieu01 lao cai.xlsx").exists()  # the record stays


def test_the_same_bad_name_twice_keeps_both_copies_and_both_reasons(home, inbox):
    for content in (b"", b"x"):
        (inbox / ".same.xlsx").write_bytes(content)
        _take(home)
        assert len(_take(home).refused) == 1
    kept = sorted(p for p in (home.quarantine / "inbox").iterdir() if p.suffix == ".xlsx")
    assert sorted(p.read_bytes() for p in kept) == [b"", b"x"]
    assert len(_reason_files(home)) == 2


def test_a_file_vouched_complete_is_taken_at_once_without_the_settle_wait(home, inbox):
    """`mtqg ingest` copies a file whole and vouches for it: no wait to see it hold still,
    nor to let it age."""
    placed = inbox / "bieu01_lao_cai.xlsx"
    placed.write_bytes(b"PK\x03\x04 whole workbook")
    inbox_module.vouch_complete(inbox, [placed], state_path=home.state / "inbox.inbox.json")
    started = time.monotonic()
    taken = _take(home, settle_seconds=30, min_age_seconds=3600)
    assert time.monotonic() - started < 10
    assert [f.original_name for f in taken.landed] == ["bieu01_lao_cai.xlsx"]
    assert taken.waiting == [] and not placed.exists()


def test_a_vouched_file_changed_since_waits_like_any_other(home, inbox):
    placed = inbox / "bieu01.xlsx"
    placed.write_bytes(b"first version")
    inbox_module.vouch_complete(inbox, [placed], state_path=home.state / "inbox.inbox.json")
    with open(placed, "ab") as out:
        out.write(b", still being written")
    assert _take(home).waiting == ["bieu01.xlsx"]
    assert _take(home).landed[0].path.read_bytes() == b"first version, still being written"


def test_no_settle_wait_when_every_file_held_still_since_the_last_look(home, inbox):
    (inbox / "a.csv").write_text("ma_tinh\n15\n", encoding="utf-8")
    assert _take(home).waiting == ["a.csv"]
    started = time.monotonic()
    taken = _take(home, settle_seconds=30)
    assert time.monotonic() - started < 10 and len(taken.landed) == 1


def test_a_vouched_file_left_in_the_inbox_stays_vouched(home, inbox):
    class BrokenOnce(Landing):
        broken = True

        def store_file(self, source, path, **meta):
            if self.broken:
                raise OSError(5, "Input/output error", str(path))
            return super().store_file(source, path, **meta)

    landing = BrokenOnce(home.landing)
    placed = inbox / "bieu01.xlsx"
    placed.write_bytes(b"whole")
    state = home.state / "inbox.inbox.json"
    inbox_module.vouch_complete(inbox, [placed], state_path=state)

    def take():
        return take_stable_files(
            inbox, landing, state_path=state, settle_seconds=30, min_age_seconds=3600
        )

    assert take().refused  # could not be landed: it stays, still vouched
    landing.broken = False
    assert [f.original_name for f in take().landed] == ["bieu01.xlsx"]
