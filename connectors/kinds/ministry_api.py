"""Kind `ministry_api`: the ministries' gateway (OAuth2), pulled by collection since a cursor."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

import pyarrow as pa
from pydantic import Field, field_validator

from connectors import probes
from connectors.auth import secret_from_env
from connectors.batches import Batch, LandedUnit
from connectors.cursors import CursorStore
from connectors.kinds.base import (
    FetchResult,
    GatedDataset,
    Look,
    RunAsk,
    SensorSpec,
    SourceKind,
    pull_batch,
    pull_units,
)
from connectors.kinds.watching import run_tags
from connectors.landing import Landing
from connectors.ministry import (
    BATCH_FIELDS,
    COLLECTION_SCHEMAS,
    MinistryClient,
    ministry_records,
    pull_collection,
)
from connectors.pulls import land_pull_manifest
from connectors.source_models import HttpSourceModel, OAuthClientEnv, url_without_secret
from core.home import Home

INTERVAL_SECONDS = 600
MINISTRY_COLLECTIONS = tuple(COLLECTION_SCHEMAS)
Collection = Literal[
    "capital-plans",
    "disbursements",
    "beneficiary-communes",
    "extremely-difficult-villages",
    "exchange-rates",
]


class MinistryApiSource(HttpSourceModel):
    kind: Literal["ministry_api"]
    url: str
    auth: OAuthClientEnv
    collections: list[Collection] = Field(default_factory=lambda: list(MINISTRY_COLLECTIONS))
    page_size: Annotated[int, Field(ge=1, le=1000)] = 1000
    overlap_hours: Annotated[float, Field(ge=0, le=24 * 30)] = 1.0
    # Extra query parameters per collection, e.g. {"capital-plans": {"year": 2025}}.
    params: dict[Collection, dict[str, str | int]] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _safe_url(cls, url: str) -> str:
        return url_without_secret(url)


def raw_table(collection: str) -> str:
    return "ministry_" + collection.replace("-", "_")


def client_of(source: MinistryApiSource, **overrides: object) -> MinistryClient:
    return MinistryClient.with_client_credentials(
        source.name,
        source.url,
        client_id=secret_from_env(source.auth.client_id_env),
        client_secret=secret_from_env(source.auth.client_secret_env),
        **{**source.http_options(), **overrides},
    )


def fetch(source: MinistryApiSource, home: Home, landing: Landing) -> FetchResult:
    """Pull each collection with records newer than its cursor (one cheap question each);
    a collection with nothing new lands nothing.

    A collection's cursor moves only after its pull's manifest landed: a run stopped between
    the last page and the manifest leaves the mark where it was, so the next fetch pulls again
    and the pages already landed become the batch they should have been.
    """
    result = FetchResult(source.name, source.kind)
    changed = {c.collection for c in probes.ministry_changes(source, home, _fetch_client_of)}
    cursors = CursorStore.for_source(home, source.name)
    client = client_of(source)
    for collection in source.collections:
        if collection not in changed:
            result.unchanged += 1
            continue
        pull = pull_collection(
            client,
            collection,
            landing=landing,
            source=source.name,
            cursor_store=cursors,
            params=dict(source.params.get(collection, {})),
            page_size=source.page_size,
            overlap=timedelta(hours=source.overlap_hours),
        )
        manifest = land_pull_manifest(landing, source.name, pull.batch_id, collection, pull.landed)
        pull.commit()  # the pull is in landing as a finished pull (this one, or the last one)
        if manifest is None:
            result.unchanged += 1
            continue
        result.landed += [*pull.landed, manifest]
        result.notes.append(f"{collection}: {pull.record_count} records since {pull.updated_since}")
    return result


def _fetch_client_of(source: MinistryApiSource, **_probe_overrides: object) -> MinistryClient:
    """The client a fetch asks its question with: the source's own retries and timeouts.

    A sensor's look tries once (its next tick is the retry); a run that gave up on one
    timeout of the question would fail where the pull itself would have retried.
    """
    return client_of(source)


def look(source: MinistryApiSource, home: Home, cursor: str | None) -> Look:
    """The gateway has records updated since the connector's last pull."""
    changes = probes.ministry_changes(source, home, client_of)
    if not changes:
        return Look(
            skip_reason=(
                f"no record updated since the last pull of {len(source.collections)} collection(s)"
            )
        )
    described = [f"{c.collection}@{c.since or 'never pulled'}" for c in changes]
    # Stable until the pull moves the marks: looks before the run starts ask for it once.
    run = RunAsk(f"{source.name}:{'|'.join(described)}", run_tags(source))
    return Look((run,), notes=("to pull: " + ", ".join(described),))


def read(source: MinistryApiSource, unit: LandedUnit) -> Batch:
    """A finished pull of one collection: its records, the newest version of each `id`."""
    collection = unit.landed.extra["collection"]
    return pull_batch(
        source, unit, raw_table(collection), ministry_records(unit.whole_pages(), collection)
    )


KIND = SourceKind(
    name="ministry_api",
    config=MinistryApiSource,
    group="ministries",
    fetch=fetch,
    read=read,
    units=pull_units,
    raw_tables={
        raw_table(collection): pa.schema([*schema, *(pa.field(n, t) for n, t in BATCH_FIELDS)])
        for collection, schema in COLLECTION_SCHEMAS.items()
    },
    gated={
        "capital-plans": GatedDataset(
            "ministry_capital_plans", "intermediate.int_capital_plans_converted"
        ),
        "disbursements": GatedDataset(
            "ministry_disbursements", "staging.stg_ministries__disbursements"
        ),
        "exchange-rates": GatedDataset(
            "ministry_exchange_rates", "staging.stg_ministries__exchange_rates"
        ),
        "beneficiary-communes": GatedDataset(
            "ministry_beneficiary_communes", "staging.stg_ministries__beneficiary_communes"
        ),
        "extremely-difficult-villages": GatedDataset(
            "ministry_extremely_difficult_villages",
            "staging.stg_ministries__extremely_difficult_villages",
        ),
    },
    sensor=SensorSpec(
        name="ministry_{name}_updates",
        interval_seconds=INTERVAL_SECONDS,
        look=look,
        describe=lambda source: f"{source.url} has records updated since the last pull",
    ),
    sync_job="ministry_sync",
)
