"""Kind `iati_datastore`: the IATI Datastore (Solr), pulled whole, page by page."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from connectors import probes
from connectors.auth import ApiKeyHeader, secret_from_env
from connectors.batches import Batch, LandedUnit
from connectors.http import HttpClient
from connectors.iati.datastore import DatastoreClient, datastore_transactions
from connectors.iati.tables import TRANSACTION_SCHEMA
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
from connectors.pulls import land_pull_manifest
from connectors.source_models import ApiKeyEnv, HttpSourceModel, url_without_secret
from core.home import Home

INTERVAL_SECONDS = 1800
RAW_TABLE = "iati_datastore_transactions"


class IatiDatastoreSource(HttpSourceModel):
    kind: Literal["iati_datastore"]
    url: str
    auth: ApiKeyEnv | None = None
    query: str = "recipient_country_code:VN"
    filters: list[str] = Field(default_factory=list)  # extra Solr `fq`
    rows: Annotated[int, Field(ge=1, le=1000)] = 1000

    @field_validator("url")
    @classmethod
    def _safe_url(cls, url: str) -> str:
        return url_without_secret(url)


def api_key_auth(source: IatiDatastoreSource) -> ApiKeyHeader | None:
    if source.auth is None:
        return None
    return ApiKeyHeader(source.auth.header, secret_from_env(source.auth.api_key_env))


def fetch(source: IatiDatastoreSource, home: Home, landing: Landing) -> FetchResult:
    """Every page of the query; when the pages are those of the latest finished pull, nothing
    new: no manifest lands (the pages, already in landing, land nothing) and no batch is made.

    Pages in landing that no finished pull lists (a run stopped before its manifest) get one
    now, so they become the batch they should have been.
    """
    http = HttpClient(source.name, auth=api_key_auth(source), **source.http_options())
    client = DatastoreClient(source.url, http, rows=source.rows)
    pull = client.pull("transaction", landing, source.name, source.query, fq=source.filters or None)
    result = FetchResult(source.name, source.kind)
    manifest = land_pull_manifest(landing, source.name, pull.batch_id, pull.collection, pull.landed)
    if manifest is None:
        result.unchanged = len(pull.landed)
        return result
    result.landed += [*pull.landed, manifest]
    result.notes.append(f"{pull.doc_count} transaction documents")
    return result


def look(source: IatiDatastoreSource, home: Home, cursor: str | None) -> Look:
    """The Datastore's newest `last_updated_datetime` (or its count of docs) moved."""
    current = probes.datastore_fingerprint(source, auth=api_key_auth(source))
    if current == cursor:
        return Look(cursor=current, skip_reason=f"newest document and count unchanged ({current})")
    return Look((RunAsk(f"{source.name}:{current}", run_tags(source)),), current)


def read(source: IatiDatastoreSource, unit: LandedUnit) -> Batch:
    """A finished pull: the transactions of its pages (a doc repeated across pages counts once)."""
    return pull_batch(source, unit, RAW_TABLE, datastore_transactions(unit.whole_pages()))


KIND = SourceKind(
    name="iati_datastore",
    config=IatiDatastoreSource,
    group="donors",
    fetch=fetch,
    read=read,
    units=pull_units,
    raw_tables={RAW_TABLE: TRANSACTION_SCHEMA},
    gated={
        "transaction": GatedDataset(
            "donor_transactions", "staging.stg_donors__datastore_transactions"
        )
    },
    sensor=SensorSpec(
        name="datastore_{name}_updates",
        interval_seconds=INTERVAL_SECONDS,
        look=look,
        describe=lambda source: "the Datastore answers newer documents",
    ),
    sync_job="donor_sync",
)
