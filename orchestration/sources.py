"""The sources the definitions are built for: `sources.yaml` in the home, or the inbox alone."""

from __future__ import annotations

from connectors.config import load_sources
from connectors.kinds.inbox import InboxSource
from connectors.source_models import SourceModel
from core.home import Home


def configured_sources(home: Home) -> list[SourceModel]:
    """The enabled sources of the home; a home without sources.yaml has its inbox alone."""
    if not home.sources_yaml.exists():
        return [InboxSource(kind="inbox", name="inbox", path=str(home.inbox))]
    return [s for s in load_sources(home.sources_yaml, home).sources if s.enabled]
