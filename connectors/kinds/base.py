"""The contract of one source kind: everything the pipeline knows of it, in one entry.

A kind says how to fetch a configured source into landing, how to look at it cheaply for a
sensor, how to read what landed into batches, which raw tables those batches fill, which suite
gates each of its datasets, and who sends it. The warehouse, the gate and the Dagster wiring
read these entries and nothing kind-specific.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from connectors.batches import PULL_MANIFEST, Batch, LandedUnit
from connectors.landing import LandedFile, Landing
from connectors.source_models import SourceModel
from core.home import Home


@dataclass
class FetchResult:
    """What one fetch of one source brought into landing."""

    source: str
    kind: str
    landed: list[LandedFile] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(1 for f in self.landed if f.is_new)


@dataclass(frozen=True)
class RunAsk:
    """One run a sensor asks for: its key (the same key never runs twice) and tags."""

    run_key: str
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Look:
    """What one cheap look at a source found: runs to ask for, the cursor to keep, and why
    nothing was asked (`cursor` None keeps the previous one)."""

    runs: tuple[RunAsk, ...] = ()
    cursor: str | None = None
    skip_reason: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SensorSpec:
    """How a source of this kind is watched: `name` is formatted with the source's safe name."""

    name: str
    interval_seconds: int
    look: Callable[[Any, Home, str | None], Look]
    describe: Callable[[Any], str]


@dataclass(frozen=True)
class GatedDataset:
    """The suite that judges a dataset's batches, and the dbt model their rows are read from."""

    suite: str
    relation: str  # schema.model, a constant of the registry, never input


Fetch = Callable[[Any, Home, Landing], FetchResult]
Units = Callable[[Iterable[LandedFile]], Iterator[LandedUnit]]
Read = Callable[[Any, LandedUnit], Batch]


def pull_batch(source: Any, unit: LandedUnit, table: str, rows: pa.Table) -> Batch:
    """The batch of one finished pull of a collection: its rows in one raw table."""
    collection = unit.landed.extra["collection"]
    batch = Batch(unit, source.name, source.kind, collection, f"{collection} pull")
    batch.tables[table] = rows
    batch.rows_read = batch.rows_loaded = rows.num_rows
    return batch


def file_units(files: Iterable[LandedFile]) -> Iterator[LandedUnit]:
    """Each landed file is one batch, named by its content."""
    for landed in files:
        yield LandedUnit(batch_id=landed.sha256, landed=landed)


def pull_units(files: Iterable[LandedFile]) -> Iterator[LandedUnit]:
    """API pulls: the pages a finished pull's manifest lists form one batch; pages of a pull
    that never finished (no manifest) stay in landing and make none."""
    files = list(files)
    by_sha = {f.sha256: f for f in files if f.extra.get("role") != PULL_MANIFEST}
    manifests = [f for f in files if f.extra.get("role") == PULL_MANIFEST]
    for manifest_file in sorted(manifests, key=lambda f: (f.fetched_at, f.sha256)):
        manifest = json.loads(manifest_file.path.read_text(encoding="utf-8"))
        listed = [p["sha256"] for p in manifest["pages"]]
        yield LandedUnit(
            batch_id=manifest["batch_id"],
            landed=manifest_file,
            pages=tuple(by_sha[s] for s in listed if s in by_sha),
            missing_pages=tuple(s for s in listed if s not in by_sha),
        )


@dataclass(frozen=True)
class SourceKind:
    """One kind of source (`kind:` in sources.yaml) and everything that follows from it."""

    name: str
    config: type[SourceModel]
    group: str  # who sends it: ministries | donors | provinces | reference
    fetch: Fetch
    read: Read
    raw_tables: Mapping[str, pa.Schema]  # raw table -> columns (the writer adds batch columns)
    units: Units = file_units
    gated: Mapping[str, GatedDataset] = field(default_factory=dict)
    sensor: SensorSpec | None = None
    sync_job: str | None = None  # the scheduled job of its group, e.g. province_sync
