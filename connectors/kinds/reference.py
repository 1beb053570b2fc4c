"""Kind `reference`: administrative units of both eras and the old→new mappings (CSV files)."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from connectors.batches import Batch, LandedUnit
from connectors.kinds.base import FetchResult, GatedDataset, SourceKind
from connectors.landing import Landing
from connectors.reference import REFERENCE_FILES, fetch_reference, read_reference_file
from connectors.source_models import HttpSourceModel, url_without_secret
from core.errors import InputRejected
from core.home import Home


class ReferenceSource(HttpSourceModel):
    kind: Literal["reference"]
    path: str | None = None
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _safe_url(cls, url: str | None) -> str | None:
        return None if url is None else url_without_secret(url)

    @model_validator(mode="after")
    def _one_location(self) -> ReferenceSource:
        if (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of `path` or `url`")
        return self

    def with_paths_below(self, home: Home) -> ReferenceSource:
        if self.path is None:
            return self
        return self.model_copy(update={"path": str(home.resolve_path(self.path))})


def fetch(source: ReferenceSource, home: Home, landing: Landing) -> FetchResult:
    fetched = fetch_reference(source, landing)
    result = FetchResult(source.name, source.kind, landed=list(fetched.landed))
    result.notes += [f"{name} is not in this source" for name in fetched.missing]
    return result


def read(source: ReferenceSource, unit: LandedUnit) -> Batch:
    """One reference file, typed; a row that cannot be read is a (non-blocking) problem."""
    batch = Batch(unit, source.name, source.kind, "reference", unit.name)
    spec = REFERENCE_FILES.get(unit.name)
    if spec is None:
        raise InputRejected(f"{unit.name} is not a known reference file")
    batch.dataset = spec.table.removeprefix("raw.")
    rows, problems = read_reference_file(unit.landed.path, spec)
    batch.problems.extend(problems)
    batch.rows_read = rows.num_rows + len(problems)
    batch.rows_loaded = rows.num_rows
    batch.tables[batch.dataset] = rows
    return batch


KIND = SourceKind(
    name="reference",
    config=ReferenceSource,
    group="reference",
    fetch=fetch,
    read=read,
    raw_tables={
        spec.table.removeprefix("raw."): spec.full_schema for spec in REFERENCE_FILES.values()
    },
    # each reference file is judged by the suite of its name, on its staging rows
    gated={
        dataset: GatedDataset(
            dataset, f"staging.stg_{dataset.replace('reference_', 'reference__', 1)}"
        )
        for dataset in (spec.table.removeprefix("raw.") for spec in REFERENCE_FILES.values())
    },
)
