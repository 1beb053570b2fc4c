"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_path(target: Path, *, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it when the block ends without error.

    For writers that want a path rather than a stream (xlsxwriter, DuckDB).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomically(target: Path, write: Callable[[IO[bytes]], Any]) -> Path:
    """Call `write(stream)` on a temporary file beside `target`, sync it, then rename it."""
    with atomic_path(target) as tmp, open(tmp, "wb") as out:
        write(out)
        out.flush()
        os.fsync(out.fileno())
    return Path(target)


def write_bytes_atomically(target: Path, data: bytes) -> Path:
    return write_atomically(target, lambda out: out.write(data))


def write_text_atomically(target: Path, text: str) -> Path:
    return write_bytes_atomically(target, text.encode("utf-8"))


def write_json_atomically(target: Path, data: Any, *, indent: int = 1) -> Path:
    text = json.dumps(data, ensure_ascii=False, indent=indent, sort_keys=True, default=str)
    return write_text_atomically(target, text)
