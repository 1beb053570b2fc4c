"""High-water marks of incremental pulls: one small JSON file per source, written atomically."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.files import write_json_atomically
from core.home import Home


class CursorStore:
    """Named cursors (e.g. one per collection) of one source, kept in `path` (a JSON object)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @classmethod
    def for_source(cls, home: Home, source: str) -> CursorStore:
        return cls(home.state / f"{source}.cursors.json")

    def get(self, name: str) -> str | None:
        """The stored value of this cursor, or None before the first successful pull."""
        entry = self._read().get(name)
        return entry.get("value") if isinstance(entry, dict) else None

    def entry(self, name: str) -> dict[str, Any] | None:
        """The stored value with its bookkeeping (`set_at`, and what `set` was given)."""
        entry = self._read().get(name)
        return dict(entry) if isinstance(entry, dict) else None

    def set(self, name: str, value: str, **meta: Any) -> None:
        """Store a new value; the file is replaced whole, so a crash never leaves half of it."""
        with self._lock:
            data = self._read()
            data[name] = {
                **meta,
                "value": value,
                "set_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            write_json_atomically(self.path, data)

    def all(self) -> dict[str, Any]:
        return self._read()

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cursor file {self.path} cannot be read ({exc}); fix or delete it "
                "(deleting makes the next pull a full one)"
            ) from exc
        if not isinstance(data, dict):
            raise ConfigError(f"cursor file {self.path} is not a JSON object; fix or delete it")
        return data
