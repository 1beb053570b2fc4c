"""The one home directory (MTQG_HOME) from which every path of the pipeline is derived."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = ".mtqg"


@dataclass(frozen=True)
class Home:
    """Absolute paths of everything the pipeline reads and writes, below one root."""

    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> Home:
        """The home given, else `$MTQG_HOME`, else `./.mtqg`; always absolute."""
        chosen = home or os.environ.get("MTQG_HOME") or DEFAULT_HOME
        return cls(Path(chosen).expanduser().resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster"

    @property
    def state(self) -> Path:
        """Cursors and small bookkeeping files of the connectors."""
        return self.root / "state"

    @property
    def sources_yaml(self) -> Path:
        """`sources.yaml` in the home, unless MTQG_SOURCES_FILE names another file."""
        override = os.environ.get("MTQG_SOURCES_FILE")
        return Path(override).resolve() if override else self.root / "sources.yaml"

    @property
    def alerts_yaml(self) -> Path:
        return self.root / "alerts.yaml"

    def resolve_path(self, path: str | os.PathLike[str]) -> Path:
        """A configured path: absolute as given, relative ones below the home."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.root / p).resolve()

    def ensure(self) -> Home:
        """Create the folders of the home (idempotent) and return it."""
        for folder in (
            self.root,
            self.landing,
            self.inbox,
            self.quarantine,
            self.reports,
            self.dagster_home,
            self.state,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        return self
