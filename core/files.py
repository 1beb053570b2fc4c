"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# `.<name>.<pid>.<random>.tmp` (and `<prefix>-<pid>-<random>.part` in landing's staging): the
# process that writes a temporary is in its name, so one left by a killed process can be told
# from one a live process is still writing.
_TEMPORARY = re.compile(r"(?:^\..*\.(?P<pid>\d+)\.[^.]+\.tmp|-(?P<part_pid>\d+)-[^-]+\.part)$")


def temporary_prefix(name: str) -> str:
    """The prefix of this process's temporary files for `name` (`remove_stale_temporaries`)."""
    return f"{name}.{os.getpid()}."


@contextmanager
def atomic_path(
    target: Path, *, suffix: str = ".tmp", staging: Path | None = None
) -> Iterator[Path]:
    """A temporary path beside `target` (or in `staging`, on the same filesystem), renamed onto
    it when the block ends without error. For writers that want a path (xlsxwriter, DuckDB)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(staging) if staging is not None else target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        dir=folder, prefix=temporary_prefix(f".{target.name}"), suffix=suffix
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomically(
    target: Path, write: Callable[[IO[bytes]], Any], *, staging: Path | None = None
) -> Path:
    """Call `write(stream)` on a temporary file beside `target`, sync it, then rename it."""
    with atomic_path(target, staging=staging) as tmp, open(tmp, "wb") as out:
        write(out)
        out.flush()
        os.fsync(out.fileno())
    return Path(target)


def write_bytes_atomically(target: Path, data: bytes, *, staging: Path | None = None) -> Path:
    return write_atomically(target, lambda out: out.write(data), staging=staging)


def write_text_atomically(target: Path, text: str, *, staging: Path | None = None) -> Path:
    return write_bytes_atomically(target, text.encode("utf-8"), staging=staging)


def write_json_atomically(
    target: Path, data: Any, *, indent: int = 1, staging: Path | None = None
) -> Path:
    text = json.dumps(data, ensure_ascii=False, indent=indent, sort_keys=True, default=str)
    return write_text_atomically(target, text, staging=staging)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files in `folder` whose writing process is gone (a kill -9 between
    writing and renaming leaves them); those of live processes stay. Returns what was removed."""
    removed = []
    for path in Path(folder).iterdir() if Path(folder).is_dir() else []:
        match = _TEMPORARY.search(path.name)
        if match and path.is_file() and not _alive(int(match["pid"] or match["part_pid"])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True
