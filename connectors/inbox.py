"""The file-drop inbox: files that stopped changing move into landing; odd names go to quarantine.

A file is taken once stable: same size and modification time as at the previous look (kept in
`state_path` between calls) or across `settle_seconds` within one call, and at least
`min_age_seconds` old. A program that wrote a file whole into the inbox (`mtqg ingest` copies
it there) vouches for it (`vouch_complete`): as long as its size and modification time are what
was vouched, it is taken at the next look without waiting to see it hold still.

Taking copies a file into landing (atomic, content-addressed) and only then removes it from
the inbox. Names that could not be stored safely (hidden, control characters,
backslashes, links) are moved to quarantine with a `.reason.txt` beside them, never deleted.

One file never stops the others: a file that cannot be read, landed or moved is recorded among
the refused with what went wrong, stays where it is and is tried again at the next look. Names
in quarantine stay within the file system's limit of 255 bytes with room for the reason file:
a longer name is shortened and made unique with a hash of it, and the reason file records the
name exactly as it was found. Quarantine is a record, not a verdict on content: the same bytes
dropped again under a good name land like any other file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from connectors.landing import LandedFile, Landing
from core.files import write_json_atomically, write_text_atomically

log = logging.getLogger("mtqg.connectors.inbox")

# Office writes `~$name.xlsx` while a workbook is open; it vanishes when Excel closes it.
_LOCK_PREFIX = "~$"
REASON_SUFFIX = ".reason.txt"
# Most file systems allow 255 bytes per name; a stored quarantine name stays well below, leaving
# room for `.reason.txt` and a `<time>-` prefix when the name is taken already.
MAX_STORED_NAME_BYTES = 160
# Replaced by `_` in stored names: control and format characters, undecodable bytes.
_REPLACED = ("Cc", "Cf", "Cs")


@dataclass
class InboxResult:
    """What one look at the inbox did: files landed, names refused (and why), files still moving."""

    landed: list[LandedFile] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def take_stable_files(
    inbox: Path,
    landing: Landing,
    *,
    source: str = "inbox",
    state_path: Path,
    quarantine: Path | None = None,
    min_age_seconds: float = 0.0,
    settle_seconds: float = 0.0,
) -> InboxResult:
    """Move every stable file below `inbox` (sub-folders included) into landing."""
    inbox = Path(inbox)
    quarantine = Path(quarantine) if quarantine else inbox.parent / "quarantine" / source
    result = InboxResult()
    if not inbox.is_dir():
        return result
    skip = {Path(state_path).resolve(), quarantine.resolve()}
    previous, vouched = _read_state(state_path)
    looks = _look(inbox, skip)
    unsure = [
        rel
        for rel, seen in looks.items()
        if not Path(rel).name.startswith(_LOCK_PREFIX)
        and list(seen) not in (previous.get(rel), vouched.get(rel))
    ]
    if settle_seconds > 0 and unsure:  # files seen still at the last look wait for none
        time.sleep(settle_seconds)
        settled = _look(inbox, skip)
        previous = {**previous, **{k: list(v) for k, v in looks.items() if settled.get(k) == v}}
        looks = settled
    now = time.time()
    seen_now: set[str] = set()
    remembered: dict[str, list[int]] = {}
    for rel, (size, mtime_ns) in sorted(looks.items()):
        path = inbox / rel
        whole = vouched.get(rel) == [size, mtime_ns]  # written whole: no need to see it age
        stable = whole or previous.get(rel) == [size, mtime_ns]
        old_enough = whole or now - mtime_ns / 1e9 >= min_age_seconds
        if Path(rel).name.startswith(_LOCK_PREFIX) or not (stable and old_enough):
            remembered[rel] = [size, mtime_ns]
            result.waiting.append(_as_text(rel))
            continue
        try:
            reason = _refusal(rel, path, size)
        except OSError as exc:  # e.g. a name the file system will not even look at
            reason = f"could not be looked at ({_os_error(exc)})"
        if reason is not None:
            try:
                _quarantine(path, rel, reason, quarantine)
            except OSError as exc:
                reason = f"{reason}; it could not be moved to quarantine ({_os_error(exc)})"
                remembered[rel] = [size, mtime_ns]  # left in the inbox: tried again next look
            result.refused.append((_as_text(rel), reason))
            log.warning("inbox %s: refused %r: %s", source, _as_text(rel), reason)
            continue
        try:
            landed = landing.store_file(
                source, path, original_name=path.name, extra={"inbox_path": rel}
            )
            path.unlink()
        except OSError as exc:
            reason = f"could not be landed ({_os_error(exc)}); it stays in the inbox"
            remembered[rel] = [size, mtime_ns]
            result.refused.append((_as_text(rel), reason))
            log.warning("inbox %s: %r %s", source, _as_text(rel), reason)
            continue
        if landed.sha256 not in seen_now:
            seen_now.add(landed.sha256)
            result.landed.append(landed)
    # a vouched file left in the inbox (refused but not movable, not landed) stays vouched
    still = {rel: v for rel, v in vouched.items() if remembered.get(rel) == v}
    _write_state(state_path, remembered, still)
    return result


def vouch_complete(inbox: Path, paths: Iterable[Path], *, state_path: Path) -> None:
    """Record the files `paths` (below `inbox`) as complete, as they are now (size and
    modification time): whoever calls this wrote each of them whole. The next look takes them
    at once; a file changed since waits like any other. A look running at the same moment may
    overwrite the record: the file then waits for one more look, as without it."""
    inbox = Path(inbox)
    looks, vouched = _read_state(state_path)
    for path in paths:
        stat = Path(path).lstat()
        vouched[Path(path).relative_to(inbox).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    _write_state(state_path, looks, vouched)


def _as_text(rel: str) -> str:
    """`rel` as valid text: bytes a name held that are not UTF-8 shown as `\\xff`."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _os_error(exc: OSError) -> str:
    # The message without the path: the path may be the very name that is too long to show.
    return exc.strerror or type(exc).__name__


def _look(inbox: Path, skip: set[Path]) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file below the inbox, keyed by its path relative to it."""
    looks: dict[str, tuple[int, int]] = {}
    for folder, dirs, files in os.walk(inbox, followlinks=False):
        here = Path(folder)
        dirs[:] = [d for d in dirs if (here / d).resolve() not in skip]
        for name in files:
            path = here / name
            if path.resolve() in skip:
                continue
            try:
                stat = path.lstat()
            except FileNotFoundError:
                continue  # removed between listing and looking
            looks[path.relative_to(inbox).as_posix()] = (stat.st_size, stat.st_mtime_ns)
        # Links to folders are listed in `dirs` but not walked; they are refused as files.
        for name in list(dirs):
            if (here / name).is_symlink():
                stat = (here / name).lstat()
                looks[(here / name).relative_to(inbox).as_posix()] = (0, stat.st_mtime_ns)
    return looks


def _refusal(rel: str, path: Path, size: int) -> str | None:
    parts = rel.split("/")
    if path.is_symlink():
        return "is a link, not a file; copy the file itself into the inbox"
    if any(p in ("", ".", "..") for p in parts):
        return "its path contains '..' or an empty part"
    if any(p.startswith(".") for p in parts):
        return "its name (or a folder's) starts with a dot, so it is hidden; rename it"
    if any("\\" in p for p in parts):
        return "its name contains a backslash (a Windows path separator); rename it"
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in rel):
        return "its name contains control characters; rename it with letters and digits"
    if any(unicodedata.category(ch) == "Cs" for ch in rel):
        return "its name is not valid UTF-8 text (bytes of another encoding); rename it"
    if not path.is_file():
        return "is not a regular file"
    if size == 0:
        return "the file is empty; ask the sender for the attachment again"
    return None


def _quarantine(path: Path, rel: str, reason: str, quarantine: Path) -> Path:
    """Move the file below `quarantine` (its folders kept) with a reason file beside it; return
    where it went. Nothing already in quarantine is overwritten."""
    # Control characters and leading dots are replaced, and long names shortened, in the stored
    # name only; the reason file records the name exactly as it was found.
    safe_parts = [_safe_name(p) for p in rel.split("/")]
    target = quarantine.joinpath(*safe_parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    for attempt in range(1000):
        if not _taken(target):
            break
        target = target.with_name(f"{stamp}-{attempt}-{safe_parts[-1]}")
    else:
        raise FileExistsError(f"no free name in quarantine for {safe_parts[-1]}")
    shutil.move(str(path), str(target))
    shown = unicodedata.normalize("NFC", rel)
    note = (
        f"File: {rel!r}\n"
        + (f"Shown as: {shown}\n" if shown != rel and shown.isprintable() else "")
        + (f"Kept here as: {target.name}\n" if target.name != rel.rsplit("/", 1)[-1] else "")
        + f"Found in the inbox and refused at {datetime.now(UTC).isoformat(timespec='seconds')}\n"
        f"Reason: {reason}\n"
        "Fix the name and drop the file into the inbox again; this copy is kept for reference.\n"
    )
    target.with_name(target.name + REASON_SUFFIX).write_text(note, encoding="utf-8")
    return target


def _taken(target: Path) -> bool:
    reason = target.with_name(target.name + REASON_SUFFIX)
    return target.exists() or target.is_symlink() or reason.exists()


def _safe_name(name: str) -> str:
    cleaned = "".join(
        "_" if unicodedata.category(ch) in _REPLACED or ch == "\\" else ch for ch in name
    )
    cleaned = cleaned.lstrip(".") or "_"
    cleaned = cleaned if cleaned not in ("", ".", "..") else "_"
    return _short_name(cleaned, name)


def _short_name(name: str, original: str) -> str:
    """`name` when it fits in MAX_STORED_NAME_BYTES; else its beginning, `~`, 16 hex digits of
    the original name's sha256 and its extension (when short), cut on a character boundary."""
    if len(name.encode("utf-8")) <= MAX_STORED_NAME_BYTES:
        return name
    digest = hashlib.sha256(original.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode("utf-8")) > 16:
        stem, extension = name, ""
    tail = f"~{digest}" + (f".{extension}" if extension else "")
    room = MAX_STORED_NAME_BYTES - len(tail.encode("utf-8"))
    head = stem.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    return (head or "_") + tail


def _read_state(state_path: Path) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """The looks of the previous call, and the files vouched for as complete."""
    try:
        data = json.loads(Path(state_path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, {}
    except (OSError, ValueError):
        # A damaged look-book only delays files by one call: start afresh.
        log.warning("inbox state %s unreadable; every file waits for one more look", state_path)
        return {}, {}
    if not isinstance(data, dict):
        return {}, {}
    return data.get("looks", {}), data.get("complete", {})


def _write_state(
    state_path: Path, looks: dict[str, list[int]], vouched: dict[str, list[int]]
) -> None:
    state = {"looks": looks, "complete": vouched} if vouched else {"looks": looks}
    try:
        write_json_atomically(Path(state_path), state)
    except UnicodeEncodeError:
        # A name with bytes that are not UTF-8 is kept escaped (`\\udcff`), as JSON reads back.
        text = json.dumps(state, ensure_ascii=True, indent=1, sort_keys=True)
        write_text_atomically(Path(state_path), text)
