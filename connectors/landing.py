"""The immutable landing zone: every payload stored as it arrived, once, named by its sha256.

Layout: `<landing>/<source>/<yyyy>/<mm>/<sha256>.<ext>` with a `<sha256>.<ext>.meta.json` sidecar.
Files are written to a temporary name and renamed, so no reader ever sees half a file.
Nothing here ever deletes or rewrites a landed file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import LandingError
from core.files import write_json_atomically

_CHUNK = 1 << 20
_SAFE_SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SAFE_EXT = re.compile(r"^[a-z0-9]{1,8}$")
SIDECAR_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class LandedFile:
    """One payload in the landing zone and what is known of how it arrived."""

    source: str
    sha256: str
    path: Path
    size: int
    fetched_at: str
    original_name: str | None = None
    url: str | None = None
    content_type: str | None = None
    http_status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    is_new: bool = True

    @property
    def extension(self) -> str:
        return self.path.suffix.lstrip(".")

    @property
    def sidecar(self) -> Path:
        return self.path.with_name(self.path.name + SIDECAR_SUFFIX)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data.pop("is_new")
        return data


class Landing:
    """Append-only, content-addressed store of payloads below one folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def store_bytes(self, source: str, payload: bytes, **meta: Any) -> LandedFile:
        return self.store_chunks(source, [payload], **meta)

    def store_file(self, source: str, path: Path, **meta: Any) -> LandedFile:
        """Copy a local file into landing (streaming); the original is left in place."""
        meta.setdefault("original_name", Path(path).name)
        with open(path, "rb") as fh:
            return self.store_chunks(source, iter(lambda: fh.read(_CHUNK), b""), **meta)

    def store_chunks(
        self,
        source: str,
        chunks: Iterable[bytes],
        *,
        extension: str | None = None,
        original_name: str | None = None,
        url: str | None = None,
        content_type: str | None = None,
        http_status: int | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        max_bytes: int | None = None,
    ) -> LandedFile:
        """Stream chunks to a temporary file, then keep it under its sha256 unless already kept."""
        if not _SAFE_SOURCE.match(source):
            raise LandingError(f"source name {source!r} is not a safe folder name")
        ext = (extension or _extension_of(original_name) or "bin").lower()
        if not _SAFE_EXT.match(ext):
            ext = "bin"
        now = datetime.now(UTC)
        staging = self.root / ".incoming"
        staging.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(
            dir=staging, prefix=f"{source}-{os.getpid()}-", suffix=".part"
        )
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise LandingError(
                            f"payload from {url or original_name or source} is larger than "
                            f"the limit of {max_bytes} bytes"
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            existing = self.find(source, sha)
            if existing is not None:
                tmp.unlink()
                return _with(existing, is_new=False)
            target = self.root / source / f"{now:%Y}" / f"{now:%m}" / f"{sha}.{ext}"
            target.parent.mkdir(parents=True, exist_ok=True)
            landed = LandedFile(
                source=source,
                sha256=sha,
                path=target,
                size=size,
                fetched_at=now.isoformat(timespec="microseconds"),
                original_name=original_name,
                url=url,
                content_type=content_type,
                http_status=http_status,
                headers=dict(headers or {}),
                extra=dict(extra or {}),
            )
            # its temporary goes to staging too, where a killed run's leftovers are swept
            write_json_atomically(landed.sidecar, landed.to_json(), staging=staging)
            os.replace(tmp, target)
            return landed
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def find(self, source: str, sha256: str) -> LandedFile | None:
        """The landed file of this source with this content, if any."""
        for sidecar in (self.root / source).glob(f"*/*/{sha256}.*{SIDECAR_SUFFIX}"):
            landed = self._read_sidecar(sidecar)
            if landed.path.exists():
                return landed
        return None

    def files(self, source: str | None = None) -> Iterator[LandedFile]:
        """Every landed file (of one source, or all), oldest first."""
        pattern = f"{source or '*'}/*/*/*{SIDECAR_SUFFIX}"
        sidecars = sorted(self.root.glob(pattern))
        landed = [self._read_sidecar(s) for s in sidecars]
        yield from sorted(
            (f for f in landed if f.path.exists()), key=lambda f: (f.fetched_at, f.sha256)
        )

    def sources(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name[0] != ".")

    @staticmethod
    def _read_sidecar(sidecar: Path) -> LandedFile:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        data["path"] = Path(data["path"])
        if not data["path"].exists():
            # The home may have moved: the sidecar sits beside its payload.
            data["path"] = sidecar.with_name(sidecar.name.removesuffix(SIDECAR_SUFFIX))
        return LandedFile(**data, is_new=False)


def _extension_of(name: str | None) -> str | None:
    if not name or "." not in name:
        return None
    return name.rsplit(".", 1)[1]


def _with(landed: LandedFile, **changes: Any) -> LandedFile:
    values = {**landed.__dict__, **changes}
    return LandedFile(**values)
