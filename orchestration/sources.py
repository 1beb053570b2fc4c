"""The sources the definitions are built for: `sources.yaml` in the home, or the inbox alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.home import Home

# Dagster groups by who sends the data.
GROUP_OF_KIND = {
    "ministry_api": "ministries",
    "iati_files": "donors",
    "iati_datastore": "donors",
    "ckan": "provinces",
    "inbox": "provinces",
    "reference": "reference",
}


@dataclass(frozen=True)
class DefaultInbox:
    """The source used when a home has no sources.yaml yet: files dropped in `inbox/`."""

    name: str = "inbox"
    kind: str = "inbox"
    path: str = "inbox"
    min_age_seconds: float = 0


def configured_sources(home: Home) -> list[Any]:
    if not home.sources_yaml.exists():
        return [DefaultInbox()]
    from connectors.config import load_sources

    return [s for s in load_sources(home.sources_yaml, home).sources if s.enabled]
