"""The registry of source kinds: one module per kind, one entry each.

Adding a kind means writing its module (config model, fetch, look, read, raw tables, gated
datasets) and registering its `KIND`; the config loader, the warehouse, the gate and the Dagster
wiring all read the registry and nothing kind-specific.
"""

from __future__ import annotations

import importlib

from connectors.kinds.base import FetchResult, GatedDataset, SourceKind
from connectors.landing import Landing
from connectors.source_models import SourceModel
from core.errors import ConfigError
from core.home import Home

BUILT_IN = ("ministry_api", "iati_files", "iati_datastore", "ckan", "inbox", "reference")

_registered: dict[str, SourceKind] = {}


def all_kinds() -> dict[str, SourceKind]:
    """Every kind by name: the built-in ones (imported on first use) and any registered."""
    for name in BUILT_IN:
        if name not in _registered:
            _registered[name] = importlib.import_module(f"connectors.kinds.{name}").KIND
    return dict(_registered)


def register(kind: SourceKind) -> None:
    """Add a kind (or replace one of the same name)."""
    all_kinds()
    _registered[kind.name] = kind


def unregister(name: str) -> None:
    if name in BUILT_IN:
        raise ValueError(f"{name} is a built-in kind")
    _registered.pop(name, None)


def kind_of(source: SourceModel) -> SourceKind:
    """The kind of a configured source; ConfigError names the source when it is unknown."""
    kinds = all_kinds()
    if source.kind not in kinds:
        raise ConfigError(
            f"source {source.name!r}: kind {source.kind!r} is not known; "
            f"kinds are {', '.join(sorted(kinds))}"
        )
    return kinds[source.kind]


def gated_datasets() -> dict[str, GatedDataset]:
    """Which suite gates which dataset, over every kind."""
    gated: dict[str, GatedDataset] = {}
    for kind in all_kinds().values():
        gated.update(kind.gated)
    return gated


def fetch_source(source: SourceModel, home: Home) -> FetchResult:
    """Bring one configured source's new payloads into landing (no warehouse access).

    Raises SourceError when the source cannot be reached after its retries.
    """
    return kind_of(source).fetch(source, home, Landing(home.landing))
