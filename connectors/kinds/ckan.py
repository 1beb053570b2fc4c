"""Kind `ckan`: a provincial open-data portal whose packages carry the programme's reports."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from connectors import probes
from connectors.auth import ApiKeyHeader, secret_from_env
from connectors.ckan import CkanClient, sync_resources
from connectors.http import HttpClient
from connectors.kinds.base import FetchResult, Look, RunAsk, SensorSpec
from connectors.kinds.provincial import provincial_kind
from connectors.kinds.watching import changed_keys, dump_cursor, load_cursor, run_tags, short_digest
from connectors.landing import Landing
from connectors.source_models import ApiKeyEnv, HttpSourceModel, url_without_secret
from core.home import Home

INTERVAL_SECONDS = 300


class CkanSource(HttpSourceModel):
    kind: Literal["ckan"]
    url: str
    auth: ApiKeyEnv | None = None  # CKAN API tokens go in `header: Authorization`
    fq: str = "tags:mtqg-1719"
    formats: list[str] = Field(default_factory=lambda: ["XLSX", "XLS", "CSV"])
    rows: Annotated[int, Field(ge=1, le=1000)] = 100

    @field_validator("url")
    @classmethod
    def _safe_url(cls, url: str) -> str:
        return url_without_secret(url)

    @field_validator("formats")
    @classmethod
    def _upper_formats(cls, formats: list[str]) -> list[str]:
        return [f.strip().lstrip(".").upper() for f in formats]


def api_key_auth(source: CkanSource) -> ApiKeyHeader | None:
    if source.auth is None:
        return None
    return ApiKeyHeader(source.auth.header, secret_from_env(source.auth.api_key_env))


def fetch(source: CkanSource, home: Home, landing: Landing) -> FetchResult:
    http = HttpClient(source.name, auth=api_key_auth(source), **source.http_options())
    sync = sync_resources(
        CkanClient(source.url, http, rows=source.rows),
        landing,
        source.name,
        home.state / f"{source.name}.ckan.json",
        fq=source.fq,
        formats=source.formats,
    )
    result = FetchResult(source.name, source.kind, landed=list(sync.landed))
    result.unchanged = len(sync.unchanged)
    result.notes += [f"resource {rid} is no longer listed" for rid in sync.disappeared]
    result.notes += [f"resource {f.resource.resource_id} failed: {f.error}" for f in sync.failed]
    return result


def look(source: CkanSource, home: Home, cursor: str | None) -> Look:
    """The portal's listing of the programme's resources changed (id, URL, size or dates)."""
    current = probes.ckan_fingerprints(source, home, auth=api_key_auth(source))
    previous = load_cursor(cursor)
    changed = changed_keys(current, previous)
    new_cursor = dump_cursor(current)
    if not changed:
        gone = len(set(previous) - set(current))
        note = f"; {gone} resource(s) no longer listed (landing keeps them)" if gone else ""
        reason = f"{len(current)} resource(s) listed, none changed since landed{note}"
        return Look(cursor=new_cursor, skip_reason=reason)
    run = RunAsk(
        f"{source.name}:{short_digest(current)}",
        run_tags(source, **{"mtqg/changed_resources": str(len(changed))}),
    )
    return Look((run,), new_cursor, notes=(f"changed resources: {', '.join(changed[:20])}",))


KIND = provincial_kind(
    "ckan",
    CkanSource,
    fetch,
    SensorSpec(
        name="ckan_{name}_resources",
        interval_seconds=INTERVAL_SECONDS,
        look=look,
        describe=lambda source: f"the portal {source.url} lists changed resources",
    ),
)
